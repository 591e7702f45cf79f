// The import reader in a worker thread: reads and maps the file, posts the good rows in batches
// to the writer on the main thread, and stays at most two batches ahead of it.
import { parentPort, workerData } from 'node:worker_threads';
import { createPacker, transferable, type WriteBatch } from './batch.js';
import { bufferSource, fileSource } from './csv.js';
import { ImportSetupError, readImport, type ImportOptions } from './read.js';

export type ReaderMessage =
  | { kind: 'batch'; batch: WriteBatch }
  | { kind: 'progress'; bytes: number; totalBytes: number; rows: number }
  | { kind: 'done'; report: import('./read.js').ImportReport }
  | { kind: 'failed'; message: string; setup: boolean };

const port = parentPort!;
const { origin, options, binary } = workerData as { origin: { file: string } | { bytes: Uint8Array }; options: ImportOptions; binary: boolean };
const source = 'file' in origin ? fileSource(origin.file) : bufferSource(Buffer.from(origin.bytes.buffer, origin.bytes.byteOffset, origin.bytes.byteLength));
const post = (m: ReaderMessage) => port.postMessage(m);

const pack = createPacker(Boolean(options.dryRun), binary);
let inFlight = 0;
let wake: (() => void) | null = null;
port.on('message', () => {
  inFlight--;
  wake?.();
});

try {
  const report = await readImport(source, { ...options, onProgress: (p) => post({ kind: 'progress', ...p }) }, async (type, rows) => {
    while (inFlight >= 2) await new Promise<void>((resolve) => (wake = resolve));
    inFlight++;
    const batch = pack(type, rows);
    port.postMessage({ kind: 'batch', batch } satisfies ReaderMessage, transferable(batch));
  });
  while (inFlight > 0) await new Promise<void>((resolve) => (wake = resolve));
  post({ kind: 'done', report });
} catch (err) {
  post({ kind: 'failed', message: (err as Error).message, setup: err instanceof ImportSetupError });
}
port.close();
