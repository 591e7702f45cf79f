// Reading an import: the CSV source, each record mapped, duplicates in the file caught, the good
// rows handed on in batches, every other row in exactly one count of the report. No database:
// this runs in a worker thread beside the database writer for large files (importer.ts).
import { CsvRecordStream, readHead, RecordView, sniffDelimiter, delimiterName, type CsvRecord, type CsvSource, type Delimiter } from './csv.js';
import { detectPreset, guessType, isLineItemMapping, missingFields, presets, resolveMapping, type Field, type ImportType, type Mapping, type Preset } from './presets.js';
import { createMapper, type CustomerPart, type CustomerRow, type OrderPart, type OrderRow, type RefundRow, type SubscriptionRow } from './rows.js';
import { decideDateOrder, type DateOrder } from './values.js';
import { IdSet } from './id-set.js';
import { customerKeyOf, type KnownCustomer } from './batch.js';

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
  /** awaited before each batch is written (n from 1): the import job's crash test stops there */
  beforeBatch?(n: number): Promise<void>;
  /** where to read large files: a worker thread beside the writer (default for files over 4 MB) or this thread */
  reader?: 'worker' | 'inline';
  /** false: no notes of possible duplicate customers (a first pass, whose report is thrown away, read-worker.ts) */
  customerNotes?: boolean;
  /** the server: requests may wait for the embedded database, so batches go in short slices
   * (writer.ts WriterOptions.sliced); a command-line import writes a batch in one transaction */
  sliced?: boolean;
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
  /** cancellation and refund rows applied to the orders they undo */
  refunds: number;
  customersCreated: number;
  /** how the file was understood, for the check step: the numbers behind `interpretation` */
  understood: Understood;
  /** the same in sentences */
  interpretation: string[];
  /** first 1000 bad rows, by line */
  errors: RowProblem[];
  /** rows skipped as duplicates and possible duplicate customers (same email/phone, different id) */
  duplicateNotes: RowProblem[];
  warnings: string[];
  preview: { headers: string[]; rows: string[][] };
  /** set when the file could not be imported at all */
  fatal: string | null;
}

export interface Understood {
  /** a file of order lines: lines of one order summed into one order */
  lineItemFile: boolean;
  /** lines added to an order's first line (lines summed = this; orders made of several lines below) */
  linesSummed: number;
  ordersFromLines: number;
  /** of those orders, the ones whose lines are not next to each other in the file (joined all the same) */
  scatteredOrders: number;
  /** rows (or orders of lines) with a negative amount or quantity: cancellations and refunds */
  cancellations: number;
  /** of those, applied to an order: cancelling all of it, or part of it */
  cancelledOrders: number;
  partlyRefunded: number;
  /** applied by an earlier import of the same file */
  refundsAlreadyApplied: number;
  /** no order of the customer on or before the refund to apply it to */
  refundsUnmatched: number;
  /** id cells written as floats ("17850.0") read as integers */
  floatIds: number;
}

export const noneUnderstood = (): Understood => ({
  lineItemFile: false,
  linesSummed: 0,
  ordersFromLines: 0,
  scatteredOrders: 0,
  cancellations: 0,
  cancelledOrders: 0,
  partlyRefunded: 0,
  refundsAlreadyApplied: 0,
  refundsUnmatched: 0,
  floatIds: 0,
});

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
    refunds: 0,
    customersCreated: 0,
    understood: noneUnderstood(),
    interpretation: [],
    errors: [],
    duplicateNotes: [],
    warnings: [],
    preview: { headers: [], rows: [] },
    fatal: null,
  };
}

const dateFields: Field[] = ['date', 'birthday', 'acquired_at', 'started_at', 'canceled_at'];

export type ImportRow = OrderRow | CustomerRow | SubscriptionRow | RefundRow | OrderPart;

/** How the good rows are gathered into batches: arrays by default; the reader's worker packs each
 * row as it comes (batch.ts BatchPacker), so rows waiting for their batch do not pile up. */
export interface RowCollector<B> {
  /** rows pushed since the last take */
  readonly length: number;
  /** an order comes with its customer's key (customerKeyOf) and what the reader knows of the
   * customer, when the reader remembers it (batch.ts BatchPacker uses them) */
  push(row: ImportRow, key?: string, known?: KnownCustomer): void;
  take(): B;
}

function arrays(): RowCollector<ImportRow[]> {
  let rows: ImportRow[] = [];
  return {
    get length() {
      return rows.length;
    },
    push: (row) => rows.push(row),
    take: () => {
      const taken = rows;
      rows = [];
      return taken;
    },
  };
}

/** Reads the whole source; `onBatch` gets the good rows in batches (and waits for them to be
 * written), as arrays or as `collector` gathers them. */
export async function readImport<B = ImportRow[]>(
  source: CsvSource,
  options: ImportOptions,
  onBatch: (type: ImportType, rows: B) => Promise<void>,
  collector?: (type: ImportType) => RowCollector<B>,
): Promise<ImportReport> {
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
  const records = new CsvRecordStream(source, {
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

  // Header, then enough rows to decide date orders: whole reading batches (header included) up to
  // 2000 rows or more, the rows the date orders have always been decided from.
  const buffered: CsvRecord[] = [];
  let header: CsvRecord | null = null;
  const readingBatch = options.batchSize ?? 5000;
  let bufferedBytes = 0; // of the rows read from bytes (csv-parse's have no offsets)
  const done = await records.read((r, line) => {
    if (!header) header = { line, fields: r.cells() };
    else {
      buffered.push({ line, fields: r.cells() });
      if (r.strings === null) bufferedBytes += r.end - r.start;
    }
    return buffered.length >= 2000 && (buffered.length + 1) % readingBatch === 0;
  });
  header = header as CsvRecord | null; // assigned in the callback
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
    onFloatId: () => report.understood.floatIds++,
  });
  const understood = report.understood;
  const lineFile = isLineItemMapping(type, preset, mapping);
  understood.lineItemFile = lineFile;
  const orderIdCol = lineFile ? headers.indexOf(mapping.order_id!) : -1;

  // In-file duplicate tracking.
  // record id → first line; sized for the rows the file seems to hold (its size over the length
  // of the rows read so far), so the table need not copy itself over and over on the way to a
  // million; it starts no larger than it would have grown to unless the file holds fewer than
  // half the ids its size suggests (longer rows further on, or many bad or repeated ones)
  const expectedRows = bufferedBytes > 0 && done === false && Number.isFinite(source.size) ? (source.size * buffered.length) / bufferedBytes : 0;
  const seenIds = new IdSet(Math.max(1 << 16, Math.min(1 << 22, nextPowerOfTwo(expectedRows))));
  const seenEmail = new Map<string, string>(); // normalised email → customer key
  const seenPhone = new Map<string, string>();
  const flaggedPairs = new Set<string>();
  const customerKey = (r: { customerExt: string | null; emailNorm: string | null; phoneNorm: string | null }) => r.customerExt ?? `e:${r.emailNorm ?? ''}|p:${r.phoneNorm ?? ''}`;
  type People = { customerExt: string | null; emailNorm: string | null; phoneNorm: string | null };
  const checkOne = (line: number, r: People, key: string, map: Map<string, string>, value: string, what: string) => {
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
  };
  const customerNotes = options.customerNotes !== false;
  const checkPeople = (line: number, r: People) => {
    if (r.emailNorm === null && r.phoneNorm === null) return;
    const key = customerKey(r);
    if (r.emailNorm) checkOne(line, r, key, seenEmail, r.emailNorm, 'email');
    if (r.phoneNorm) checkOne(line, r, key, seenPhone, r.phoneNorm, 'phone');
  };
  // Each customer met (batch.ts KnownCustomer) by its key's part: customer id, else email, else
  // phone (customerKeyOf), so that a row of a customer met before costs one lookup, without
  // making its key. Bounded, the three together, like the maps above.
  const knownByExt = new Map<string, KnownCustomer>();
  const knownByEmail = new Map<string, KnownCustomer>();
  const knownByPhone = new Map<string, KnownCustomer>();
  let knownCount = 0;
  /** Checks the row's customer for possible duplicates; answers what is known of the customer
   * (undefined when not remembered). */
  const meet = (line: number, r: CustomerPart): KnownCustomer | undefined => {
    const ext = r.customerExt;
    const map = ext !== null ? knownByExt : r.emailNorm !== null ? knownByEmail : knownByPhone;
    const id = ext ?? r.emailNorm ?? (r.phoneNorm as string);
    let known = map.get(id);
    // The email and phone of the customer's last row: checking them again would note nothing
    // (seenEmail and seenPhone only gain entries; a pair noted stays in flaggedPairs, and when
    // that is full, so are the notes).
    if (known !== undefined && known.emailNorm === r.emailNorm && known.phoneNorm === r.phoneNorm) return known;
    checkPeople(line, r);
    if (known !== undefined) {
      known.emailNorm = r.emailNorm;
      known.phoneNorm = r.phoneNorm;
    } else if (knownCount < 100_000) {
      known = { key: customerKeyOf(r), no: knownCount, emailNorm: r.emailNorm, phoneNorm: r.phoneNorm, sentIn: null };
      map.set(id, known);
      knownCount++;
    }
    return known;
  };

  const batch = (collector ?? (arrays as unknown as (type: ImportType) => RowCollector<B>))(type);
  const batchSize = options.batchSize ?? 5000;
  // a batch also ends at ~8 MB of text, so wide rows cannot blow up the (capped) reader's memory
  const batchChars = 8 << 20;
  let chars = 0;
  const flush = async () => {
    if (!batch.length) return;
    const rows = batch.take();
    chars = 0;
    await onBatch(type, rows);
  };

  /** A cancellation or refund row (a negative total) for the writer: `amount` is what it refunds. */
  const refundOf = (row: OrderRow, amount: number): RefundRow => {
    // Online Retail numbers a cancellation "C" + its own number; a status may also say so
    const cancelled = row.status === 'cancelled' || (row.extGiven && /^c\d/i.test(row.ext));
    return {
      refund: true,
      line: row.line,
      ext: row.ext,
      amount,
      currency: row.currency,
      refundedAt: row.orderedAt,
      cancels: row.cancels ?? null,
      kind: cancelled ? 'cancelled' : 'refunded',
      customerExt: row.customerExt,
      name: row.name,
      email: row.email,
      emailNorm: row.emailNorm,
      phone: row.phone,
      phoneNorm: row.phoneNorm,
      address: row.address,
      city: row.city,
      postalCode: row.postalCode,
      country: row.country,
    };
  };

  /** An order (or a cancellation/refund: a negative total) ready for the writer. */
  const emitOrder = (row: OrderRow) => {
    const first = seenIds.firstLine(row.ext, row.line);
    if (first) {
      report.duplicates++;
      note(row.line, `skipped as duplicate: order ${row.extGiven ? row.ext : ''} already on line ${first}`.replace('  ', ' '));
      return;
    }
    const known = customerNotes ? meet(row.line, row) : undefined;
    if (row.amount >= 0) {
      batch.push(row, known?.key, known);
      return;
    }
    understood.cancellations++;
    batch.push(refundOf(row, -row.amount));
  };

  // Line-item files: the lines of one order are gathered by order id in each batch, in any order.
  // An order whose lines reach into a later batch (a file sorted by product, say) goes on there as
  // a part: its lines are added to the order handed on before (the writer adds them, and merges
  // the parts of one cancellation before applying it). The order the last line belongs to stays
  // open into the next batch, so a file whose orders' lines follow each other makes no parts.
  // What became of each order id (by its text in the file), for the rest of the import:
  const HANDED_ON = 1; // an order handed on
  const REFUND = 2; // a cancellation or refund handed on
  const BROKEN = 3; // a bad line kept the order out: its later lines are line items of a failed order
  const SEVERAL = 4; // added to the above: counted among the orders made of several lines
  const SCATTERED = 8; // and among the orders whose lines are not next to each other
  const orderState = new IdSet();
  type Group = { id: string; row: OrderRow | null; lines: number; broken: boolean; earlier: number };
  let groups = new Map<string, Group>();
  let groupLines = 0;
  const groupOf = (rawId: string): Group => {
    let g = groups.get(rawId);
    if (!g) {
      const earlier = orderState.lineOf(rawId);
      g = { id: rawId, row: null, lines: 0, broken: (earlier & 3) === BROKEN, earlier };
      groups.set(rawId, g);
    }
    return g;
  };
  const closeGroup = (g: Group) => {
    const state = g.earlier & 3;
    if (state === BROKEN) return; // every line was counted as it came
    if (g.lines > 1 || (state && g.row)) {
      if (!(g.earlier & SEVERAL)) understood.ordersFromLines++;
      g.earlier |= SEVERAL;
    }
    if (state && g.row && !(g.earlier & SCATTERED)) {
      understood.scatteredOrders++;
      g.earlier |= SCATTERED;
    }
    if (g.broken || !g.row) {
      // its bad line was counted as failed: the order's other lines are its line items
      if (g.row) report.lineItems++;
      if (!state && g.broken) orderState.set(g.id, BROKEN);
      return;
    }
    if (state) {
      // more lines of an order handed on in an earlier batch
      report.lineItems++;
      understood.linesSummed++;
      if (state === REFUND) batch.push(refundOf(g.row, -g.row.amount));
      else batch.push({ part: true, line: g.row.line, ext: g.row.ext, amount: g.row.amount });
      orderState.set(g.id, g.earlier);
      return;
    }
    orderState.set(g.id, (g.row.amount < 0 ? REFUND : HANDED_ON) | (g.earlier & SEVERAL));
    emitOrder(g.row);
  };
  /** Hands on the batch's orders; the one `keep` names stays open (its next line may follow). */
  const closeGroups = (keep: string | null) => {
    const open = keep === null ? undefined : groups.get(keep);
    for (const g of groups.values()) if (g !== open) closeGroup(g);
    groups = new Map();
    groupLines = 0;
    if (open) {
      groups.set(open.id, open);
      groupLines = open.lines;
    }
  };
  /** a bad line of a line-item file: the whole order stays out, counted once */
  const failLine = (line: number, reason: string, rawId: string) => {
    if (!lineFile || rawId === '') {
      fail(line, reason);
      return;
    }
    const g = groupOf(rawId);
    g.lines++;
    groupLines++;
    if (g.broken) {
      report.lineItems++;
      return;
    }
    if (g.earlier & 3) {
      // the order was handed on from its earlier lines: it stays, without this one
      fail(line, `${reason}; order ${rawId} was imported from its lines before this one, without it`);
      return;
    }
    g.broken = true;
    fail(line, `${reason}; order ${rawId} (${g.lines} lines so far) not imported`);
  };
  let lastId: string | null = null;

  /** Takes one record; answers true when a batch is full (then `flush` before the next). */
  const take = (rec: RecordView, line: number): boolean => {
    if (fileIssues.length) flushIssues();
    report.rows++;
    const n = rec.length;
    const rawId = lineFile ? rec.text(orderIdCol).trim() : '';
    if (lineFile) lastId = rawId;
    let unstorable: string | null = null;
    if (records.clean && rec.strings === null) {
      // bytes known to be valid UTF-8 without NUL: the cells' lengths from their bytes
      const ascii = records.ascii;
      for (let i = 0; i < n; i++) chars += rec.escaped[i] ? rec.text(i).length : ascii ? rec.ends[i] - rec.starts[i] : utf16Length(rec.bytes, rec.starts[i], rec.ends[i]);
    } else {
      for (let i = 0; i < n; i++) {
        const f = rec.text(i);
        chars += f.length;
        // PostgreSQL cannot store a NUL in text; storing a row whose bytes were not UTF-8 would
        // keep U+FFFD in place of what the file said (a name in Windows-1252, say): both are
        // reported on their line, and the rest of the file imports.
        if (f.indexOf('\u0000') !== -1) unstorable ??= 'contains a NUL character (byte 0), which cannot be stored; remove it and import the file again';
        else if (!genuineReplacement && f.indexOf('\uFFFD') !== -1) unstorable ??= notUtf8Reason;
      }
    }
    if (unstorable) {
      if (unstorable === notUtf8Reason) notUtf8++;
      failLine(line, unstorable, rawId);
      return false;
    }
    if (n !== headers.length) {
      if (n === 1 && headers.length > 1) {
        failLine(line, `only one field found; expected ${headers.length} ${report.delimiter}-separated fields (wrong delimiter?)`, rawId);
        return false;
      }
      if (n < headers.length) {
        failLine(line, `has ${n} fields, the header has ${headers.length} (missing columns)`, rawId);
        return false;
      }
      for (let i = headers.length; i < n; i++) {
        if (rec.text(i).trim() !== '') {
          failLine(line, `has ${n} fields, the header has ${headers.length} (an unquoted delimiter?)`, rawId);
          return false;
        }
      }
    }
    const m = mapRow(rec);
    switch (m.kind) {
      case 'error':
        failLine(line, m.reason, rawId);
        break;
      case 'skip':
        report.ignored++;
        break;
      case 'line-item':
        if (seenIds.lineOf(m.ext)) report.lineItems++;
        else fail(line, 'amount is empty');
        break;
      case 'order':
        m.row.line = line;
        if (lineFile && rawId !== '') {
          const g = groupOf(rawId);
          g.lines++;
          groupLines++;
          if (g.broken) report.lineItems++;
          else if (!g.row)
            g.row = m.row; // the order's first line here: its total grows with the others
          else {
            g.row.amount += m.row.amount;
            g.row.negativeQuantity ||= m.row.negativeQuantity;
            understood.linesSummed++;
            report.lineItems++;
          }
          break;
        }
        emitOrder(m.row);
        break;
      case 'subscription': {
        const row = m.row;
        row.line = line;
        const first = seenIds.firstLine(row.ext, line);
        if (first) {
          report.duplicates++;
          note(line, `skipped as duplicate: ${m.kind} ${row.extGiven ? row.ext : ''} already on line ${first}`.replace('  ', ' '));
          break;
        }
        if (customerNotes) meet(line, row);
        batch.push(row);
        break;
      }
      case 'customer': {
        const row = m.row;
        row.line = line;
        const key = row.customerExt ?? (row.emailNorm ? `e:${row.emailNorm}` : `p:${row.phoneNorm}`);
        const first = seenIds.firstLine(key, line);
        if (first) {
          report.duplicates++;
          note(line, `skipped as duplicate: same customer as line ${first}`);
          break;
        }
        if (customerNotes) meet(line, row);
        batch.push(row);
        break;
      }
    }
    if (batch.length + groupLines >= batchSize || chars >= batchChars) {
      closeGroups(lastId);
      return true;
    }
    return false;
  };

  flushIssues();
  const view = new RecordView();
  for (const r of buffered) {
    view.strings = r.fields;
    view.length = r.fields.length;
    if (take(view, r.line)) await flush();
  }
  buffered.length = 0;
  if (!done) {
    while (!(await records.read(take))) await flush();
  }
  closeGroups(null);
  flushIssues();
  await flush();
  if (notUtf8)
    report.warnings.push(
      `${notUtf8} ${notUtf8 === 1 ? 'row holds' : 'rows hold'} bytes that are not valid UTF-8 and ${notUtf8 === 1 ? 'was' : 'were'} not imported (listed by line): the file may be saved in another encoding (such as Windows-1252). Save it as UTF-8 and import it again; rows already imported are not doubled.`,
    );
  report.errors.sort((a, b) => a.line - b.line);
  return report;
}

const nextPowerOfTwo = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

/** The UTF-16 length of valid UTF-8: a unit per character, two for one beyond U+FFFF. */
function utf16Length(b: Uint8Array, s: number, e: number): number {
  let n = 0;
  for (let i = s; i < e; i++) {
    const c = b[i];
    if ((c & 0xc0) !== 0x80) n += c >= 0xf0 ? 2 : 1;
  }
  return n;
}

/** rows = created + updated + unchanged + duplicates + failed + ignored + lineItems + refunds */
export function countsAddUp(r: ImportReport): boolean {
  return r.rows === r.created + r.updated + r.unchanged + r.duplicates + r.failed + r.ignored + r.lineItems + r.refunds;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** How the file was understood, in sentences for the check step and the CLI. */
export function describeUnderstanding(r: ImportReport): string[] {
  const u = r.understood;
  const out: string[] = [];
  const m = r.mapping;
  if (u.lineItemFile)
    out.push(
      `A file of order lines: the lines of one order (${m.order_id}) are summed into one order` +
        `${m.unit_price ? ` (${m.quantity} × ${m.unit_price})` : ''}; ${plural(u.linesSummed, 'line')} added to ${plural(u.ordersFromLines, 'order')} of several lines` +
        (u.scatteredOrders
          ? `, ${plural(u.scatteredOrders, 'order')} among them with lines not next to each other in the file (joined all the same, and their cancellations wherever they stand).`
          : '.'),
    );
  if (u.cancellations) {
    const applied = u.cancelledOrders + u.partlyRefunded;
    out.push(
      `${plural(u.cancellations, 'cancellation or refund', 'cancellations or refunds')} (a negative amount or quantity${u.lineItemFile || m.order_id ? `; invoices starting with "C" are cancellations` : ''}) ${r.dryRun ? 'would be' : 'were'} applied to the orders they undo: ` +
        `${plural(u.cancelledOrders, 'order')} cancelled or refunded in full, ${plural(u.partlyRefunded, 'order')} in part` +
        (u.refundsAlreadyApplied ? `, ${plural(u.refundsAlreadyApplied, 'refund')} already applied by an earlier import` : '') +
        (u.refundsUnmatched ? `; ${plural(u.refundsUnmatched, 'refund')} found no order of its customer on or before its date (listed below)` : '') +
        (applied === 0 && !u.refundsUnmatched && !u.refundsAlreadyApplied ? '' : '') +
        '.',
    );
  }
  if (u.floatIds) out.push(`${plural(u.floatIds, 'id')} written as decimals (like 17850.0) read as whole numbers (17850), so they match the same customer or order elsewhere.`);
  return out;
}
