// Import benchmark: a generated 1,000,000-row orders CSV (100,000 customers) into the embedded
// database, against the time to merely parse the same file with csv-parse.
// `npm run bench -- import` (BENCH_ROWS=… for a smaller file, BENCH_BATCH=… rows per batch,
// BENCH_READER=inline to read in the main thread). Also runs against PostgreSQL when DATABASE_URL
// or TEST_DATABASE_URL is set (in a throw-away schema). KEEPWELL_IMPORT_PROFILE=1 prints where the
// writer's time went.
import { parse } from 'csv-parse';
import { sql } from 'kysely';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type OpenDatabase } from '../src/platform/db/database.js';
import { fileSource } from '../src/customers/import/csv.js';
import { runImport, countsAddUp } from '../src/customers/import/importer.js';
import { ordersFile } from './lib/orders-file.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const file = ordersFile(ROWS);
const dir = path.dirname(file);

if (!process.argv.includes('--bare-parse'))
  console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${Math.round(os.totalmem() / 2 ** 30)} GB memory, node ${process.version}, ${os.platform()}`);

/** Parses the file with csv-parse in a child process (so its memory stays out of the import's
 * figures) and answers the seconds it took. */
function bareParseInChild(): number {
  const r = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--bare-parse'], { encoding: 'utf8', env: { ...process.env, BENCH_ROWS: String(ROWS) } });
  if (r.status !== 0) throw new Error(`bare parse failed: ${r.stderr}`);
  process.stdout.write(r.stdout);
  return Number(/seconds=([\d.]+)/.exec(r.stdout)![1]);
}

async function bareParse(): Promise<number> {
  const t0 = performance.now();
  let n = 0;
  const parser = fs.createReadStream(file, { highWaterMark: 1 << 20 }).pipe(parse({ bom: true }));
  for await (const r of parser) if (r) n++;
  const s = (performance.now() - t0) / 1000;
  console.log(`bare csv-parse: ${n} records in ${s.toFixed(2)} s (seconds=${s.toFixed(3)})`);
  return s;
}

/** Samples RSS every 50 ms; remembers what the process held at the peak (for the breakdown). */
function rssSampler() {
  let peak = process.memoryUsage();
  const sample = () => {
    const m = process.memoryUsage();
    if (m.rss > peak.rss) peak = m;
  };
  const timer = setInterval(sample, 50);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

async function importInto(label: string, database: OpenDatabase, parseSeconds: number) {
  global.gc?.();
  const base = process.memoryUsage();
  console.log(
    `  ${label}: before the import: rss ${Math.round(base.rss / 2 ** 20)} MB (Node, the code, the open database; js heap ${Math.round(base.heapTotal / 2 ** 20)} MB, external ${Math.round(base.external / 2 ** 20)} MB)`,
  );
  const sampler = rssSampler();
  const t0 = performance.now();
  let lastPct = -10;
  const report = await runImport(database.db, fileSource(file), {
    type: 'orders',
    defaultCurrency: 'EUR',
    timeZone: 'UTC',
    batchSize: Number(process.env.BENCH_BATCH ?? 5_000),
    reader: process.env.BENCH_READER === 'inline' ? 'inline' : undefined,
    onProgress: ({ bytes, totalBytes }) => {
      const pct = Math.floor((bytes / totalBytes) * 100);
      if (pct >= lastPct + 10) {
        lastPct = pct;
        {
          const m = process.memoryUsage();
          console.log(
            `  ${label}: ${pct}% read, ${((performance.now() - t0) / 1000).toFixed(1)} s, rss ${Math.round(m.rss / 2 ** 20)} MB (js heap ${Math.round(m.heapTotal / 2 ** 20)}, external ${Math.round(m.external / 2 ** 20)})`,
          );
        }
      }
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const peak = sampler.stop();
  const peakMb = peak.rss / 2 ** 20;
  const mb = (v: number) => Math.round(v / 2 ** 20);
  console.log(
    `  ${label}: at the peak: rss ${mb(peak.rss)} MB = js heap ${mb(peak.heapTotal)} MB (${mb(peak.heapUsed)} used) + buffers ${mb(peak.arrayBuffers)} MB + the rest (code, database engine) ${mb(peak.rss - peak.heapTotal - peak.arrayBuffers)} MB`,
  );
  const orders = await sql<{ n: number; sum: number }>`select count(*)::int as n, sum(amount_minor)::bigint as sum from orders`.execute(database.db);
  const customers = await sql<{ n: number }>`select count(*)::int as n from customers`.execute(database.db);
  console.log(
    `  ${label}: created ${report.created}, unchanged ${report.unchanged}, failed ${report.failed}, customers ${customers.rows[0].n}, orders in db ${orders.rows[0].n}; counts add up: ${countsAddUp(report)}`,
  );
  console.log(`  ${label}: ${seconds.toFixed(2)} s, ${Math.round(ROWS / seconds)} rows/s, parse ratio ${(seconds / parseSeconds).toFixed(2)}, peak RSS ${Math.round(peakMb)} MB`);
  return { seconds, peakMb, report };
}

if (process.argv.includes('--bare-parse')) {
  await bareParse();
  process.exit(0);
}
console.log(`file: ${(fs.statSync(file).size / 2 ** 20).toFixed(1)} MB`);
// the machine is shared: take the best of three parses as the baseline
const parseSeconds = Math.min(bareParseInChild(), bareParseInChild(), bareParseInChild());
console.log(`bare parse baseline: ${parseSeconds.toFixed(2)} s`);

const dataDir = fs.mkdtempSync(path.join(dir, 'pglite-'));
// initdb of a new data folder takes ~700 MB for a moment: do it in a child process, as
// `keepwell migrate` would, so the import's memory is measured on its own.
console.log('creating a fresh embedded database (initdb in a child process, not timed)…');
const init = spawnSync(process.execPath, [path.resolve(import.meta.dirname, '../bin/keepwell.js'), 'migrate', '--data-dir', dataDir], { stdio: 'inherit', env: { ...process.env, DATABASE_URL: '' } });
if (init.status !== 0) throw new Error('keepwell migrate failed');
const embedded = await openDatabase({ dataDir });
let result: Awaited<ReturnType<typeof importInto>>;
try {
  result = await importInto('embedded', embedded, parseSeconds);
} finally {
  await embedded.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

const pgUrl = process.env.DATABASE_URL || process.env.TEST_DATABASE_URL;
if (pgUrl) {
  const schema = `bench_import_${process.pid}`;
  const server = await openDatabase({ databaseUrl: pgUrl, schema });
  try {
    await importInto('postgresql', server, parseSeconds);
  } catch (err) {
    console.log(`  postgresql: failed: ${(err as Error).message}`);
  } finally {
    await sql.raw(`drop schema if exists "${schema}" cascade`).execute(server.db);
    await server.close();
  }
} else {
  console.log('(set DATABASE_URL or TEST_DATABASE_URL to also run against PostgreSQL)');
}

console.log(
  `import: rows=${ROWS} seconds=${result.seconds.toFixed(2)} rows_per_s=${Math.round(ROWS / result.seconds)} parse_ratio=${(result.seconds / parseSeconds).toFixed(2)} peak_mb=${Math.round(result.peakMb)}`,
);
