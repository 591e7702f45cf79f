// Reading an import: the CSV source, each record mapped, duplicates in the file caught, the good
// rows handed on in batches, every other row in exactly one count of the report. No database:
// this runs in a worker thread beside the database writer for large files (importer.ts).
import { readCsv, readHead, sniffDelimiter, delimiterName, type CsvRecord, type CsvSource, type Delimiter } from './csv.js';
import { detectPreset, guessType, missingFields, presets, resolveMapping, type Field, type ImportType, type Mapping, type Preset } from './presets.js';
import { createMapper, type CustomerRow, type OrderRow, type SubscriptionRow } from './rows.js';
import { decideDateOrder, type DateOrder } from './values.js';
import { IdSet } from './id-set.js';

export interface ImportOptions {
  type?: ImportType;
  /** preset key; detected from the headers when absent; 'generic' forces the generic mapping */
  preset?: string;
  mapping?: Mapping;
  dryRun?: boolean;
  delimiter?: Delimiter;
  defaultCurrency?: string;
  timeZone?: string;
  batchSize?: number;
  /** rows to keep for a preview (default 0) */
  previewRows?: number;
  onProgress?(p: { bytes: number; totalBytes: number; rows: number }): void;
  /** where to read large files: a worker thread beside the writer (default for files over 4 MB) or this thread */
  reader?: 'worker' | 'inline';
}

export interface RowProblem {
  line: number;
  reason: string;
}

export interface ImportReport {
  type: ImportType;
  preset: string;
  presetLabel: string;
  delimiter: string;
  headers: string[];
  mapping: Mapping;
  dryRun: boolean;
  /** data rows read (after the header) */
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  /** skipped because the same record appears earlier in the file */
  duplicates: number;
  failed: number;
  /** rows that are not records of this type (failed payments, drafts) */
  ignored: number;
  /** extra rows of an order already counted (one row per line item) */
  lineItems: number;
  customersCreated: number;
  /** first 1000 bad rows, by line */
  errors: RowProblem[];
  /** rows skipped as duplicates and possible duplicate customers (same email/phone, different id) */
  duplicateNotes: RowProblem[];
  warnings: string[];
  preview: { headers: string[]; rows: string[][] };
  /** set when the file could not be imported at all */
  fatal: string | null;
}

export class ImportSetupError extends Error {}

export const MAX_LISTED = 1000;

const notUtf8Reason = 'contains bytes that are not valid UTF-8 (the file may be in another encoding, such as Windows-1252); not imported';

export function emptyReport(type: ImportType, dryRun: boolean): ImportReport {
  return {
    type,
    preset: 'generic',
    presetLabel: 'Generic mapping',
    delimiter: 'comma',
    headers: [],
    mapping: {},
    dryRun,
    rows: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    duplicates: 0,
    failed: 0,
    ignored: 0,
    lineItems: 0,
    customersCreated: 0,
    errors: [],
    duplicateNotes: [],
    warnings: [],
    preview: { headers: [], rows: [] },
    fatal: null,
  };
}

const dateFields: Field[] = ['date', 'birthday', 'acquired_at', 'started_at', 'canceled_at'];

export type ImportRow = OrderRow | CustomerRow | SubscriptionRow;

/** Reads the whole source; `onBatch` gets the good rows in batches (and waits for them to be written). */
export async function readImport(source: CsvSource, options: ImportOptions, onBatch: (type: ImportType, rows: ImportRow[]) => Promise<void>): Promise<ImportReport> {
  const head = await readHead(source);
  const delimiter = options.delimiter ?? sniffDelimiter(head.toString('utf8'));
  const report = emptyReport(options.type ?? 'orders', Boolean(options.dryRun));
  report.delimiter = delimiterName[delimiter];
  const fail = (line: number, reason: string) => {
    report.failed++;
    if (report.errors.length < MAX_LISTED) report.errors.push({ line, reason });
  };
  const note = (line: number, reason: string) => {
    if (report.duplicateNotes.length < MAX_LISTED) report.duplicateNotes.push({ line, reason });
  };
  const fileIssues: RowProblem[] = [];
  let genuineReplacement = false;
  let notUtf8 = 0;
  const records = readCsv(source, {
    delimiter,
    onGenuineReplacementChar: () => (genuineReplacement = true),
    batchSize: options.batchSize ?? 5000,
    onIssue: (i) => fileIssues.push(i),
    onProgress: (bytes) => options.onProgress?.({ bytes, totalBytes: source.size, rows: report.rows }),
  });
  const flushIssues = () => {
    for (const i of fileIssues.splice(0)) {
      report.rows++;
      fail(i.line, i.reason);
    }
  };

  // Header, then enough rows to decide date orders.
  const buffered: CsvRecord[] = [];
  let header: CsvRecord | null = null;
  let done = false;
  while (buffered.length < 2000) {
    const next = await records.next();
    if (next.done) {
      done = true;
      break;
    }
    for (const r of next.value) {
      if (!header) header = r;
      else buffered.push(r);
    }
  }
  if (!header) {
    flushIssues();
    report.fatal = 'The file is empty.';
    return report;
  }
  const headers = header.fields.map((h) => h.trim());
  report.headers = headers;
  const type = options.type ?? (options.preset && options.preset !== 'generic' ? presets.find((p) => p.key === options.preset)?.type : undefined) ?? guessType(headers);
  report.type = type;
  let preset: Preset | null = null;
  if (options.preset && options.preset !== 'generic') {
    preset = presets.find((p) => p.key === options.preset) ?? null;
    if (!preset) throw new ImportSetupError(`Unknown preset "${options.preset}". Known: generic, ${presets.map((p) => p.key).join(', ')}`);
    if (preset.type !== type) throw new ImportSetupError(`The preset ${preset.key} imports ${preset.type}, not ${type}`);
  } else if (options.preset !== 'generic') {
    preset = detectPreset(headers, type);
  }
  report.preset = preset?.key ?? 'generic';
  report.presetLabel = preset?.label ?? 'Generic mapping';
  for (const [field, col] of Object.entries(options.mapping ?? {})) {
    if (col && !headers.includes(col)) throw new ImportSetupError(`Mapping ${field}=${col}: the file has no column "${col}". Columns: ${headers.join(', ')}`);
  }
  const mapping = resolveMapping(headers, type, preset, options.mapping);
  report.mapping = mapping;
  report.preview = { headers, rows: buffered.slice(0, options.previewRows ?? 0).map((r) => r.fields) };
  const missing = missingFields(type, mapping);
  if (missing.length) {
    report.fatal = `Missing columns: ${missing.join('; ')}. Columns in the file: ${headers.join(', ')}`;
    return report;
  }
  const dateOrders: Partial<Record<Field, DateOrder>> = {};
  for (const f of dateFields) {
    const h = mapping[f];
    if (!h) continue;
    const i = headers.indexOf(h);
    const d = decideDateOrder(
      buffered.map((r) => r.fields[i] ?? ''),
      preset?.key === 'woocommerce-orders' ? 'mdy' : 'dmy',
    );
    dateOrders[f] = d.order;
    if (d.conflict) report.warnings.push(`Column "${h}" mixes day/month and month/day dates; read as ${d.order === 'dmy' ? 'day/month/year' : 'month/day/year'}.`);
  }
  const mapRow = createMapper({
    type,
    headers,
    mapping,
    preset,
    defaultCurrency: options.defaultCurrency ?? 'USD',
    timeZone: options.timeZone ?? 'UTC',
    dateOrders,
  });

  // In-file duplicate tracking.
  const seenIds = new IdSet(); // record id → first line
  const seenEmail = new Map<string, string>(); // normalised email → customer key
  const seenPhone = new Map<string, string>();
  const flaggedPairs = new Set<string>();
  const customerKey = (r: { customerExt: string | null; emailNorm: string | null; phoneNorm: string | null }) => r.customerExt ?? `e:${r.emailNorm ?? ''}|p:${r.phoneNorm ?? ''}`;
  const checkPeople = (line: number, r: { customerExt: string | null; emailNorm: string | null; phoneNorm: string | null }) => {
    const key = customerKey(r);
    for (const [map, value, what] of [
      [seenEmail, r.emailNorm, 'email'],
      [seenPhone, r.phoneNorm, 'phone'],
    ] as const) {
      if (!value) continue;
      const other = map.get(value);
      if (other === undefined) {
        if (map.size < 100_000) map.set(value, key); // bounded: the reader's memory is capped
      } else if (other !== key && r.customerExt !== null && !other.startsWith('e:')) {
        const pair = `${other}\u0000${key}`;
        if (!flaggedPairs.has(pair)) {
          if (flaggedPairs.size < 100_000) flaggedPairs.add(pair); // bounded, like the maps above
          note(line, `possible duplicate customer: ${what} ${value} also belongs to customer ${other.replace(/^name:/, '')} earlier in the file`);
        }
      }
    }
  };

  let batch: ImportRow[] = [];
  const batchSize = options.batchSize ?? 5000;
  // a batch also ends at ~8 MB of text, so wide rows cannot blow up the (capped) reader's memory
  const batchChars = 8 << 20;
  let chars = 0;
  const flush = async () => {
    if (!batch.length) return;
    const rows = batch;
    batch = [];
    chars = 0;
    await onBatch(type, rows);
  };

  const handle = async (recs: CsvRecord[]) => {
    for (const rec of recs) {
      report.rows++;
      let unstorable: string | null = null;
      for (const f of rec.fields) {
        chars += f.length;
        // PostgreSQL cannot store a NUL in text; storing a row whose bytes were not UTF-8 would
        // keep U+FFFD in place of what the file said (a name in Windows-1252, say): both are
        // reported on their line, and the rest of the file imports.
        if (f.indexOf('\u0000') !== -1) unstorable ??= 'contains a NUL character (byte 0), which cannot be stored; remove it and import the file again';
        else if (!genuineReplacement && f.indexOf('\uFFFD') !== -1) unstorable ??= notUtf8Reason;
      }
      if (unstorable) {
        if (unstorable === notUtf8Reason) notUtf8++;
        fail(rec.line, unstorable);
        continue;
      }
      if (rec.fields.length !== headers.length) {
        if (rec.fields.length === 1 && headers.length > 1) {
          fail(rec.line, `only one field found; expected ${headers.length} ${report.delimiter}-separated fields (wrong delimiter?)`);
          continue;
        }
        if (rec.fields.length < headers.length) {
          fail(rec.line, `has ${rec.fields.length} fields, the header has ${headers.length} (missing columns)`);
          continue;
        }
        if (rec.fields.slice(headers.length).some((v) => v.trim() !== '')) {
          fail(rec.line, `has ${rec.fields.length} fields, the header has ${headers.length} (an unquoted delimiter?)`);
          continue;
        }
      }
      const m = mapRow(rec.fields);
      switch (m.kind) {
        case 'error':
          fail(rec.line, m.reason);
          break;
        case 'skip':
          report.ignored++;
          break;
        case 'line-item':
          if (seenIds.lineOf(m.ext)) report.lineItems++;
          else fail(rec.line, 'amount is empty');
          break;
        case 'order':
        case 'subscription': {
          const row = m.row;
          row.line = rec.line;
          const first = seenIds.firstLine(row.ext, rec.line);
          if (first) {
            report.duplicates++;
            note(rec.line, `skipped as duplicate: ${m.kind} ${row.extGiven ? row.ext : ''} already on line ${first}`.replace('  ', ' '));
            break;
          }
          checkPeople(rec.line, row);
          batch.push(row);
          break;
        }
        case 'customer': {
          const row = m.row;
          row.line = rec.line;
          const key = row.customerExt ?? (row.emailNorm ? `e:${row.emailNorm}` : `p:${row.phoneNorm}`);
          const first = seenIds.firstLine(key, rec.line);
          if (first) {
            report.duplicates++;
            note(rec.line, `skipped as duplicate: same customer as line ${first}`);
            break;
          }
          checkPeople(rec.line, row);
          batch.push(row);
          break;
        }
      }
      if (batch.length >= batchSize || chars >= batchChars) await flush();
    }
  };

  flushIssues();
  await handle(buffered);
  buffered.length = 0;
  if (!done) {
    for await (const recs of records) {
      flushIssues();
      await handle(recs);
    }
  }
  flushIssues();
  await flush();
  if (notUtf8)
    report.warnings.push(
      `${notUtf8} ${notUtf8 === 1 ? 'row holds' : 'rows hold'} bytes that are not valid UTF-8 and ${notUtf8 === 1 ? 'was' : 'were'} not imported (listed by line): the file may be saved in another encoding (such as Windows-1252). Save it as UTF-8 and import it again; rows already imported are not doubled.`,
    );
  report.errors.sort((a, b) => a.line - b.line);
  return report;
}

/** rows = created + updated + unchanged + duplicates + failed + ignored + lineItems */
export function countsAddUp(r: ImportReport): boolean {
  return r.rows === r.created + r.updated + r.unchanged + r.duplicates + r.failed + r.ignored + r.lineItems;
}
