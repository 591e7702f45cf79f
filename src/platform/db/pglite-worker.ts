// The embedded database on a thread of its own (see pglite-worker-client.ts): PGlite's WebAssembly
// runs here, so a long query or a big COPY never blocks the server's event loop. Requests are
// answered one at a time, in the order they came.
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { parentPort, workerData } from 'node:worker_threads';
import { pgliteParsers, pgliteSettings } from './pglite-options.js';
import type { WorkerReply, WorkerRequest, WorkerStart, WireError } from './pglite-worker-client.js';

const start = workerData as WorkerStart;
const port = parentPort!;

/** An error as plain data: PostgreSQL's fields (code, detail, constraint…), errno, and what it wraps. */
function wire(err: unknown, depth = 0): WireError {
  if (!err || typeof err !== 'object') return { message: String(err), fields: {} };
  const e = err as Record<string, unknown> & { message?: unknown; name?: unknown; stack?: unknown; cause?: unknown; errors?: unknown };
  const fields: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(e)) {
    if (k === 'params' || k === 'queryOptions') continue; // may be large or not cloneable
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') fields[k] = v;
  }
  return {
    message: typeof e.message === 'string' ? e.message : String(err),
    name: typeof e.name === 'string' ? e.name : undefined,
    stack: typeof e.stack === 'string' ? e.stack : undefined,
    fields,
    cause: depth < 5 && e.cause !== undefined ? wire(e.cause, depth + 1) : undefined,
    errors: depth < 5 && Array.isArray(e.errors) ? e.errors.map((x) => wire(x, depth + 1)) : undefined,
  };
}

/** A blob for PGlite from bytes sent over: PGlite only calls arrayBuffer(), so no copy is made. */
const blobOf = (bytes: ArrayBuffer) => ({ size: bytes.byteLength, arrayBuffer: async () => bytes }) as unknown as Blob;

let pg: PGlite;
try {
  pg = await PGlite.create({
    extensions: { pg_trgm },
    parsers: pgliteParsers,
    ...pgliteSettings,
    ...(start.dataDir ? { dataDir: start.dataDir } : {}),
    ...(start.loadDataDir ? { loadDataDir: new Blob([start.loadDataDir]) } : {}),
  });
  port.postMessage({ id: 0, ok: true, result: null } satisfies WorkerReply);
} catch (err) {
  port.postMessage({ id: 0, ok: false, error: wire(err) } satisfies WorkerReply);
  port.close();
}

async function answer(req: WorkerRequest): Promise<{ result: unknown; transfer: ArrayBuffer[] }> {
  switch (req.op) {
    case 'query': {
      const result = await pg.query(req.sql, req.params, req.blob ? { blob: blobOf(req.blob) } : undefined);
      if (!result.blob) return { result, transfer: [] };
      const blob = await result.blob.arrayBuffer();
      return { result: { ...result, blob }, transfer: [blob] };
    }
    case 'exec':
      return { result: await pg.exec(req.sql), transfer: [] };
    case 'dump': {
      const bytes = await (await pg.dumpDataDir(req.compression)).arrayBuffer();
      return { result: bytes, transfer: [bytes] };
    }
    case 'close':
      if (!pg.closed) await pg.close();
      return { result: null, transfer: [] };
  }
}

/**
 * KEEPWELL_SLOW_SQL_MS=100 writes each statement that ran 100 ms or more to stderr, with how long
 * it waited behind the statements queued before it: to name what stalls requests on the embedded
 * database (one connection, every statement in turn).
 */
const slowMs = Number(process.env.KEEPWELL_SLOW_SQL_MS ?? 0);
function logSlow(req: WorkerRequest, queuedAt: number, startedAt: number): void {
  const ran = performance.now() - startedAt;
  if (ran < slowMs) return;
  const text = 'sql' in req ? req.sql.replace(/\s+/g, ' ').slice(0, 300) : req.op;
  const blob = req.op === 'query' && req.blob ? ` (blob ${req.blob.byteLength} bytes)` : '';
  process.stderr.write(`keepwell slow-sql ${ran.toFixed(0)} ms (waited ${(startedAt - queuedAt).toFixed(0)} ms)${blob}: ${text}\n`);
}

let turn = Promise.resolve();
port.on('message', (req: WorkerRequest) => {
  const queuedAt = slowMs > 0 ? performance.now() : 0;
  turn = turn.then(async () => {
    let reply: WorkerReply;
    let transfer: ArrayBuffer[] = [];
    const startedAt = slowMs > 0 ? performance.now() : 0;
    try {
      const answered = await answer(req);
      reply = { id: req.id, ok: true, result: answered.result };
      transfer = answered.transfer;
    } catch (err) {
      reply = { id: req.id, ok: false, error: wire(err) };
    }
    if (slowMs > 0) logSlow(req, queuedAt, startedAt);
    try {
      port.postMessage(reply, transfer);
    } catch (err) {
      // a result that cannot be cloned: say so rather than leave the caller waiting
      port.postMessage({ id: req.id, ok: false, error: wire(err) } satisfies WorkerReply);
    }
    if (req.op === 'close') port.close();
  });
});
