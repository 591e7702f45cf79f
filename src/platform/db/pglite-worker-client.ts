// The embedded database in a worker thread, seen from the main thread. PGlite's WebAssembly runs
// on the thread that calls it and blocks it while a statement runs: on the main thread a big COPY
// or a long report query held every request (issue 10 item 7). Here it runs in a worker
// (pglite-worker.ts) and this client offers the part of PGlite's API Keepwell uses
// (PGliteClient): results come back with the same parsers applied, errors with their PostgreSQL
// fields (code, detail, constraint…) so callers that look at `code` keep working; dumps and
// results of COPY TO are moved between threads, not copied.
//
// The data-folder lock stays with the caller (openDatabase), in the main thread: it is held by
// the process, which is what the operating system releases when the process dies.
import { Worker } from 'node:worker_threads';
import type { PGliteClient, PGliteQueryOptions, PGliteResults } from './pglite-client.js';

export interface WorkerStart {
  /** the data folder's `pg` directory; in memory when absent */
  dataDir?: string;
  /** a dump to start from (dumpDataDir's bytes) */
  loadDataDir?: ArrayBuffer;
}

export type WorkerRequest = { id: number } & (
  | { op: 'query'; sql: string; params?: unknown[]; blob?: ArrayBuffer }
  | { op: 'exec'; sql: string }
  | { op: 'dump'; compression?: 'none' | 'gzip' | 'auto' }
  | { op: 'close' }
);

export interface WireError {
  message: string;
  name?: string;
  stack?: string;
  fields: Record<string, string | number | boolean>;
  cause?: WireError;
  errors?: WireError[];
}

export type WorkerReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: WireError };

/** An error from the worker as the caller would have had it in-thread: message, name and every field. */
function rebuild(wire: WireError): Error {
  const err = new Error(wire.message, wire.cause ? { cause: rebuild(wire.cause) } : undefined);
  Object.assign(err, wire.fields);
  if (wire.name) err.name = wire.name;
  if (wire.errors) (err as Error & { errors: Error[] }).errors = wire.errors.map(rebuild);
  // the worker's stack, then where the call came from on this thread
  if (wire.stack) err.stack = `${wire.stack}\n    --- in the database thread, called from ---${(err.stack ?? '').split('\n').slice(1).join('\n')}`;
  return err;
}

export class PGliteWorkerClient implements PGliteClient {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private stopped: Error | undefined;
  private closing: Promise<void> | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: WorkerReply) => this.settle(reply));
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => this.fail(new Error(`The embedded database stopped (its thread exited with code ${code})`)));
    // an idle database never keeps the process alive (as in-thread PGlite did not); a pending call does
  }

  /** Starts the worker and opens the database in it; rejects with PGlite's own error when it cannot. */
  static async open(start: WorkerStart): Promise<PGliteWorkerClient> {
    const worker = new Worker(new URL('./pglite-worker.mjs', import.meta.url), {
      workerData: start,
      transferList: start.loadDataDir ? [start.loadDataDir] : [],
    });
    const client = new PGliteWorkerClient(worker);
    // the worker answers id 0 once the database is open (or could not be)
    const opened = new Promise<unknown>((resolve, reject) => client.pending.set(0, { resolve, reject }));
    worker.ref();
    try {
      await opened;
    } catch (err) {
      await worker.terminate();
      throw err;
    }
    worker.unref();
    return client;
  }

  get closed(): boolean {
    return this.stopped !== undefined;
  }

  query<T = Record<string, unknown>>(sql: string, params?: unknown[], options?: PGliteQueryOptions): Promise<PGliteResults<T>> {
    if (!options?.blob) return this.call({ op: 'query', sql, params }).then(withBlob<T>);
    // The payload is copied to the worker unless the caller hands it over: a caller may use its
    // bytes again (the import writer merges a batch whose append failed from the same payload).
    // Copying costs both threads: a first import of 1M orders spent ~0.8 s on each cloning its
    // 100 MB of COPY payloads, the database thread's share on the import's critical path.
    const handOver = options.handOver === true;
    return options.blob
      .arrayBuffer()
      .then((blob) => this.call({ op: 'query', sql, params, blob }, handOver ? [blob] : []))
      .then(withBlob<T>);
  }

  exec(sql: string): Promise<PGliteResults<Record<string, unknown>>[]> {
    return this.call({ op: 'exec', sql }) as Promise<PGliteResults<Record<string, unknown>>[]>;
  }

  async dumpDataDir(compression?: 'none' | 'gzip' | 'auto'): Promise<Blob> {
    const bytes = (await this.call({ op: 'dump', compression })) as ArrayBuffer;
    return new Blob([bytes]);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.stopped) await this.call({ op: 'close' });
      this.stopped ??= new Error('The embedded database is closed');
      await this.worker.terminate();
    })();
    return this.closing;
  }

  private call(request: DistributiveOmit<WorkerRequest, 'id'>, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref(); // unref'd again when the last answer comes
      this.worker.postMessage({ ...request, id }, transfer);
    });
  }

  private settle(reply: WorkerReply): void {
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.ok) waiter.resolve(reply.result);
    else waiter.reject(rebuild(reply.error));
  }

  private fail(err: Error): void {
    this.stopped ??= err;
    for (const [id, waiter] of this.pending) {
      this.pending.delete(id);
      waiter.reject(err);
    }
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function withBlob<T>(result: unknown): PGliteResults<T> {
  const r = result as PGliteResults<T> & { blob?: Blob | ArrayBuffer };
  if (r.blob instanceof ArrayBuffer) r.blob = new Blob([r.blob]);
  return r as PGliteResults<T>;
}
