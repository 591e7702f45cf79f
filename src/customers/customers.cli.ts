// `keepwell import FILE --type orders|customers|subscriptions` with a progress bar and a report.
import cliProgress from 'cli-progress';
import { Option, type Command } from 'commander';
import fs from 'node:fs';
import { configFromOptions, withDatabaseOptions } from '../platform/cli-options.js';
import { DataDirLockedError } from '../platform/db/data-dir-lock.js';
import { openDatabase, poolOf } from '../platform/db/database.js';
import { getWorkspace } from '../workspace/index.js';
import { fileSource } from './import/csv.js';
import { ImportSetupError, runImport, type ImportReport } from './import/importer.js';
import { fieldsByType, importTypes, presets, type Field, type ImportType, type Mapping } from './import/presets.js';
import { isCurrencyCode } from './import/values.js';

export function parseMapOptions(values: string[], type: ImportType | undefined): Mapping {
  const mapping: Mapping = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new ImportSetupError(`--map ${v}: write it as field=Column`);
    const field = v.slice(0, eq).trim() as Field;
    const allowed: readonly string[] = type ? fieldsByType[type] : [...new Set(Object.values(fieldsByType).flat())];
    if (!allowed.includes(field)) throw new ImportSetupError(`--map ${v}: "${field}" is not a field${type ? ` of ${type}` : ''}. Fields: ${allowed.join(', ')}`);
    mapping[field] = v.slice(eq + 1);
  }
  return mapping;
}

export function formatReport(r: ImportReport, maxLines = 50): string {
  const out: string[] = [];
  out.push(`${r.dryRun ? 'Dry run (nothing written): ' : ''}${r.type} from a ${r.presetLabel} file (${r.delimiter}-separated)`);
  if (r.fatal) {
    out.push(`Not imported: ${r.fatal}`);
    return out.join('\n');
  }
  out.push(
    `Columns: ${Object.entries(r.mapping)
      .map(([f, c]) => `${f}=${c}`)
      .join(', ')}`,
  );
  out.push(
    `Rows ${r.rows}: created ${r.created}, updated ${r.updated}, unchanged ${r.unchanged}, skipped as duplicates ${r.duplicates}, failed ${r.failed}` +
      (r.ignored ? `, not ${r.type} (e.g. failed payments) ${r.ignored}` : '') +
      (r.lineItems ? `, extra line-item rows ${r.lineItems}` : '') +
      (r.refunds ? `, cancellations and refunds applied ${r.refunds}` : ''),
  );
  for (const sentence of r.interpretation) out.push(sentence);
  if (r.customersCreated) out.push(`Customers created from ${r.type}: ${r.customersCreated}`);
  for (const w of r.warnings) out.push(`Warning: ${w}`);
  if (r.errors.length) {
    out.push(`Bad rows (${r.failed}):`);
    for (const e of r.errors.slice(0, maxLines)) out.push(`  line ${e.line}: ${e.reason}`);
    if (r.failed > maxLines) out.push(`  … and ${r.failed - maxLines} more`);
  }
  if (r.duplicateNotes.length) {
    out.push(`Duplicates (${r.duplicateNotes.length}${r.duplicateNotes.length >= 1000 ? '+' : ''}):`);
    for (const e of r.duplicateNotes.slice(0, maxLines)) out.push(`  line ${e.line}: ${e.reason}`);
    if (r.duplicateNotes.length > maxLines) out.push(`  … and ${r.duplicateNotes.length - maxLines} more`);
  }
  return out.join('\n');
}

/** Rows per transaction of `keepwell import`. On the embedded database the writer's short-lived
 * garbage per batch then dies young instead of growing the heap (1M orders: peak 786 MB with
 * 20,000, 611 MB with 5,000, in the same time at load 4). On a server the process's memory has
 * room (1M orders: 354-378 MB with 20,000), and a batch's ~10 round trips (begin, COPYs, event,
 * commit) weigh less in larger batches: 1M orders in 11.1-11.3 s against 11.7-12.1 s with 5,000
 * (four runs each, alternating). */
const cliBatchRows = (onServer: boolean) => (onServer ? 20_000 : 5000);

export function registerCustomerCommands(program: Command): void {
  withDatabaseOptions(
    program
      .command('import')
      .description('import customers, orders or subscriptions from a CSV file (Shopify, Stripe, WooCommerce exports or any CSV)')
      .argument('<file>', 'CSV file (comma, semicolon, tab or whitespace separated)'),
  )
    .addOption(new Option('-t, --type <type>', 'what the rows are').choices([...importTypes]))
    .addOption(new Option('--dry-run', 'only report what would happen; write nothing'))
    .addOption(new Option('--preset <preset>', 'file layout (default: recognised from the header)').choices(['generic', ...presets.map((p) => p.key)]))
    .addOption(new Option('--map <field=Column...>', 'which column feeds a field, e.g. --map amount=Total --map date="Order Date"'))
    .addOption(new Option('--currency <code>', 'currency of amounts without one (default: the workspace currency)'))
    .addOption(new Option('--time-zone <zone>', 'time zone of dates without an offset (default: the workspace time zone)'))
    .addOption(new Option('--batch-size <n>', 'rows per transaction (default 5,000; 20,000 on a PostgreSQL server)').hideHelp())
    .action(async (file: string, opts) => {
      if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
        console.error(`keepwell: no such file: ${file}`);
        process.exit(2);
      }
      if (opts.currency && !isCurrencyCode(opts.currency)) {
        console.error(`keepwell: --currency ${opts.currency} is not an ISO 4217 currency code`);
        process.exit(2);
      }
      if (opts.timeZone) {
        try {
          new Intl.DateTimeFormat('en', { timeZone: opts.timeZone });
        } catch {
          console.error(`keepwell: --time-zone ${opts.timeZone} is not a known IANA time zone (e.g. Europe/Amsterdam)`);
          process.exit(2);
        }
      }
      const config = configFromOptions(opts);
      let database: Awaited<ReturnType<typeof openDatabase>>;
      try {
        database = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
      } catch (err) {
        if (err instanceof DataDirLockedError) {
          console.error(
            `keepwell: Keepwell is running (pid ${err.pid}) and holds the data folder ${err.dataDir}.\n` +
              'Upload the file in the web app (Customers → Import), or POST it to /api/customers/import on the running server.',
          );
          process.exit(2);
        }
        throw err;
      }
      const bar = new cliProgress.SingleBar({ format: 'Importing [{bar}] {percentage}% | {rows} rows | {eta_formatted} left', hideCursor: true, etaBuffer: 50 }, cliProgress.Presets.shades_classic);
      let status = 0;
      try {
        const ws = await getWorkspace(database.db);
        const source = fileSource(file);
        const type = opts.type as ImportType | undefined;
        const mapping = opts.map ? parseMapOptions(opts.map as string[], type) : undefined;
        const interactive = process.stdout.isTTY;
        if (interactive) bar.start(source.size, 0, { rows: 0 });
        let lastLog = 0;
        const report = await runImport(database.db, source, {
          type,
          preset: opts.preset,
          mapping,
          dryRun: Boolean(opts.dryRun),
          defaultCurrency: (opts.currency ?? ws?.currency ?? 'USD').toUpperCase(),
          timeZone: opts.timeZone ?? ws?.timeZone ?? 'UTC',
          batchSize: Math.max(100, Number(opts.batchSize) || cliBatchRows(poolOf(database.db) !== undefined)),
          onProgress: ({ bytes, rows }) => {
            if (interactive) bar.update(bytes, { rows });
            else if (Date.now() - lastLog > 500) {
              lastLog = Date.now();
              console.log(`… ${Math.round((bytes / Math.max(1, source.size)) * 100)}% (${rows} rows)`);
            }
          },
        });
        if (interactive) {
          bar.update(source.size, { rows: report.rows });
          bar.stop();
        }
        console.log(formatReport(report));
        if (report.fatal) status = 1;
      } catch (err) {
        bar.stop();
        if (err instanceof ImportSetupError) {
          console.error(`keepwell: ${err.message}`);
          status = 2;
        } else throw err;
      } finally {
        await database.close();
      }
      process.exitCode = status;
    });
}
