// The import: a reader (read.ts) turns the CSV into batches of good rows and a report, the writer
// (writer.ts) puts each batch in the database. For large files the reader runs in a worker
// thread, so reading the next batch overlaps writing this one, and its memory is capped.
import { emitEvent } from '../../platform/events/events.service.js';
import { Worker } from 'node:worker_threads';
import { poolOf, type Database } from '../../platform/db/database.js';
import { pgliteOf } from '../../platform/db/pglite-dialect.js';
import type { CsvSource } from './csv.js';
import { createPacker, CustomerNumbers, type WriteBatch } from './batch.js';
import type { ImportType } from './presets.js';
import { describeUnderstanding, ImportSetupError, MAX_LISTED, readImport, type ImportOptions, type ImportReport, type ImportRow, type RowProblem } from './read.js';
import type { ReaderMessage } from './read-worker.js';
import { tablesEmpty } from './deferred-indexes.js';
import { createWriter, noteTime, timed, type BatchResult, type RefundOutcome, type WriterHandle } from './writer.js';

export { countsAddUp, emptyReport, ImportSetupError, type ImportOptions, type ImportReport, type RowProblem, type Understood } from './read.js';

/** Files above this size are read in a worker thread (starting one costs ~150 ms). */
const WORKER_MIN_BYTES = 4 << 20;
/** On a PostgreSQL server, files from this size are read twice (see runImport). */
const FIRST_PASS_SERVER_BYTES = 48 << 20;
/** The reader's heap: a batch or two, and bounded indexes of what the file has shown so far. */
const READER_HEAP_MB = 64;

export async function runImport(db: Database, source: CsvSource, options: ImportOptions = {}): Promise<ImportReport> {
  const dryRun = Boolean(options.dryRun);
  let writer: WriterHandle | null = null;
  const written = { created: 0, updated: 0, unchanged: 0, customersCreated: 0, notes: [] as RowProblem[] };
  let batches = 0;
  const write = async (batch: WriteBatch) => {
    await options.beforeBatch?.(++batches);
    writer ??= await createWriter(db, { type: batch.type, dryRun, sliced: options.sliced });
    const r: BatchResult = await timed('write batches (all)', () => writer!.write(batch));
    written.created += r.created;
    written.updated += r.updated;
    written.unchanged += r.unchanged;
    written.customersCreated += r.customersCreated;
    for (const n of r.notes) if (written.notes.length < MAX_LISTED) written.notes.push(n);
  };
  // orders travel as COPY's binary format, made by the reader (the embedded database reads it from
  // a blob, a server from COPY FROM STDIN); a dry run
  // takes values (its writer keeps the file's orders to match refunds to)
  const binary = (pgliteOf(db) !== undefined || poolOf(db) !== undefined) && !dryRun;
  const useWorker = options.reader === 'worker' || (options.reader !== 'inline' && source.origin !== undefined && source.size >= WORKER_MIN_BYTES);
  let report: ImportReport;
  let refunds: RefundOutcome | null = null;
  try {
    // The first pass (read-worker.ts) pays on the embedded database, where the end-of-import
    // update it spares holds the only connection. On a PostgreSQL server that update is cheap for
    // a small file and slow for a large one (200k orders, 20k customers: 2.1 s, and reading twice
    // took the import from 12.6 to 15.5 s; 1M orders, 100k customers: 19-24 s of an 83-100 s
    // import, and reading twice ~10 s of CPU; 41.8 s with it at load 6.6): there it reads twice
    // from FIRST_PASS_SERVER_BYTES on. KEEPWELL_IMPORT_FIRST_PASS=1 or 0 forces it either way.
    // A command-line import into a workspace without customers builds the customers' indexes at
    // the end (deferred-indexes.ts), so the end-of-import update is cheap there: no first pass.
    const forced = process.env.KEEPWELL_IMPORT_FIRST_PASS;
    const firstImport = !dryRun && !options.sliced && (await tablesEmpty(db, ['customers']));
    const firstPass = !dryRun && (forced === '1' || (forced !== '0' && !firstImport && (pgliteOf(db) !== undefined || source.size >= FIRST_PASS_SERVER_BYTES)));
    if (useWorker) report = await readInWorker(source, options, binary, firstPass, write);
    else {
      const pack = createPacker(dryRun, binary);
      report = await readImport(source, options, (type, rows) => write(pack(type, rows)));
    }
    refunds = (await timed('finish (deferred indexes, acquisition dates, statistics)', async () => (writer as WriterHandle | null)?.finish())) ?? null;
  } catch (err) {
    await (writer as WriterHandle | null)?.abort();
    throw err;
  }
  report.created += written.created;
  report.updated += written.updated;
  report.unchanged += written.unchanged;
  report.customersCreated += written.customersCreated;
  if (refunds) {
    report.refunds += refunds.applied;
    report.unchanged += refunds.already;
    report.failed += refunds.unmatched.length;
    report.errors = [...report.errors, ...refunds.unmatched].sort((a, b) => a.line - b.line).slice(0, MAX_LISTED);
    written.notes.push(...refunds.notes.slice(0, MAX_LISTED));
    const u = report.understood;
    u.cancelledOrders = refunds.whole;
    u.partlyRefunded = refunds.partial;
    u.refundsAlreadyApplied = refunds.already;
    u.refundsUnmatched = refunds.unmatched.length;
  }
  report.interpretation = describeUnderstanding(report);
  report.duplicateNotes = [...report.duplicateNotes, ...written.notes].sort((a, b) => a.line - b.line).slice(0, MAX_LISTED);
  if (!dryRun && !report.fatal && (report.created > 0 || report.updated > 0 || report.refunds > 0)) {
    await emitEvent(db, 'import.finished', { type: report.type, created: report.created, updated: report.updated });
  }
  return report;
}

/** Writes rows that did not come from a file (the REST API's bulk upsert and the orders webhook)
 * the way an import writes them, as one batch (in slices: it runs in a request of the server). */
export async function writeRows(db: Database, type: ImportType, rows: ImportRow[]): Promise<BatchResult> {
  const writer = await createWriter(db, { type, dryRun: false, sliced: true });
  const result = await writer.write(createPacker(false, pgliteOf(db) !== undefined)(type, rows));
  await writer.finish();
  return result;
}

function readInWorker(source: CsvSource, options: ImportOptions, binary: boolean, firstPass: boolean, write: (batch: WriteBatch) => Promise<void>): Promise<ImportReport> {
  const { onProgress, beforeBatch: _, ...plain } = options;
  const origin = source.origin!;
  return new Promise<ImportReport>((resolve, reject) => {
    const worker = new Worker(new URL('./read-worker.mjs', import.meta.url), {
      workerData: { origin, options: plain, binary, firstPass },
      // The reader's heap holds a batch or two and the in-file duplicate index; capping it
      // makes its garbage collector keep it small instead of growing with the file.
      resourceLimits: { maxOldGenerationSizeMb: READER_HEAP_MB, maxYoungGenerationSizeMb: 8 },
    });
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      reject(err);
    };
    let writing = Promise.resolve();
    const numbers = new CustomerNumbers();
    const readingFrom = performance.now();
    let idleSince = readingFrom;
    let writingBatches = 0;
    worker.on('message', (m: ReaderMessage) => {
      switch (m.kind) {
        case 'progress':
          onProgress?.(m);
          break;
        case 'batch':
          // the profile's measure of which side holds the other up: the time the writer had
          // nothing to write (the reader is behind) against the whole reading
          if (writingBatches++ === 0) noteTime('writer waiting for the reader', performance.now() - idleSince);
          // batches are written one after another, in file order
          writing = writing
            .then(async () => {
              if (settled) return;
              if (m.batch.type === 'orders') numbers.restoreKeys(m.batch.orders);
              await write(m.batch);
              worker.postMessage('written');
              if (--writingBatches === 0) idleSince = performance.now();
            })
            .catch((err: Error) => fail(err));
          break;
        case 'done':
          void writing.then(() => {
            noteTime('reading (until its last batch is written)', performance.now() - readingFrom);
            if (settled) return;
            settled = true;
            resolve(m.report);
          });
          break;
        case 'failed':
          fail(m.setup ? new ImportSetupError(m.message) : new Error(m.message));
          break;
      }
    });
    worker.on('error', (err) =>
      fail(
        err.message.includes('out of memory') || (err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new Error(`The import ran out of memory while reading the file (its reader is capped at ${READER_HEAP_MB} MB).`)
          : err,
      ),
    );
    worker.on('exit', (code) => code !== 0 && fail(new Error(`the import reader stopped (exit code ${code})`)));
  });
}
