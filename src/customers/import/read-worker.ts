// The import reader in a worker thread: reads and maps the file, posts the good rows in batches
// to the writer on the main thread, and stays at most BATCHES_AHEAD batches ahead of it. A real import of
// orders into the embedded database reads the file twice: a first pass notes each customer's earliest order (first-orders.ts),
// so customers are created with their acquisition date rather than updated at the end.
import { parentPort, workerData } from 'node:worker_threads';
import { BatchPacker, customerKeyOf, transferable, type WriteBatch } from './batch.js';
import { FirstOrders } from './first-orders.js';
import { bufferSource, fileSource } from './csv.js';
import { ImportSetupError, readImport, type ImportOptions, type ImportRow, type RowCollector } from './read.js';
import type { ImportType } from './presets.js';
import type { OrderRow } from './rows.js';

export type ReaderMessage =
  | { kind: 'batch'; batch: WriteBatch }
  | { kind: 'progress'; bytes: number; totalBytes: number; rows: number }
  | { kind: 'done'; report: import('./read.js').ImportReport }
  | { kind: 'failed'; message: string; setup: boolean };

const port = parentPort!;
const { origin, options, binary, firstPass } = workerData as { origin: { file: string } | { bytes: Uint8Array }; options: ImportOptions; binary: boolean; firstPass: boolean };
const source = 'file' in origin ? fileSource(origin.file) : bufferSource(Buffer.from(origin.bytes.buffer, origin.bytes.byteOffset, origin.bytes.byteLength));
const post = (m: ReaderMessage) => port.postMessage(m);

/** Stops the first pass: the file is not one of orders. */
class NotOrders extends Error {}

/** The first pass: the same reading as the import's own (so exactly the rows the writer will get),
 * keeping only each customer's earliest order. Any trouble is left for the real pass to report. */
async function firstOrders(): Promise<FirstOrders | undefined> {
  const firsts = new FirstOrders();
  // each order noted as it comes: no batch of rows is kept
  const noter = (type: ImportType): RowCollector<null> => {
    if (type !== 'orders') throw new NotOrders();
    let length = 0;
    return {
      get length() {
        return length;
      },
      push(r: ImportRow) {
        length++;
        if ('refund' in r || 'part' in r) return;
        const o = r as OrderRow;
        firsts.note(customerKeyOf(o), o.orderedAt.getTime());
      },
      take: () => {
        length = 0;
        return null;
      },
    };
  };
  try {
    await readImport(source, { ...options, onProgress: undefined, previewRows: 0, customerNotes: false }, async () => {}, noter);
  } catch {
    return undefined;
  }
  return firsts.size ? firsts : undefined;
}

const firsts = firstPass && (options.type ?? 'orders') === 'orders' ? await firstOrders() : undefined;
/** Batches handed on and not yet written. Two kept the database's thread waiting between batches
 * (a first import of 1M orders on the embedded database: 19.1-20.3 s); four, ~0.5 MB of payload
 * each, gave 17.9-18.8 s at the same peak memory (six: no faster). */
const BATCHES_AHEAD = 4;
let inFlight = 0;
let wake: (() => void) | null = null;
port.on('message', () => {
  inFlight--;
  wake?.();
});

try {
  const report = await readImport(
    source,
    { ...options, onProgress: (p) => post({ kind: 'progress', ...p }) },
    async (_type, batch: WriteBatch) => {
      while (inFlight >= BATCHES_AHEAD) await new Promise<void>((resolve) => (wake = resolve));
      inFlight++;
      port.postMessage({ kind: 'batch', batch } satisfies ReaderMessage, transferable(batch));
    },
    // rows are packed as they come (batch.ts BatchPacker), so a batch waiting is its payload
    (type) => new BatchPacker(type, Boolean(options.dryRun), binary, firsts),
  );
  while (inFlight > 0) await new Promise<void>((resolve) => (wake = resolve));
  post({ kind: 'done', report });
} catch (err) {
  post({ kind: 'failed', message: (err as Error).message, setup: err instanceof ImportSetupError });
}
port.close();
