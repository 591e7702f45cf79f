// Server-sent events: one long response per listener, a comment every 20 s keeps proxies from
// closing it, and the listener is removed when the client goes.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../platform/http/errors.js';

export interface SseStream {
  send(event: string, data: unknown, id?: string): void;
  onClose(fn: () => void): void;
  closed(): boolean;
}

/** Only EventSource-style requests (Accept: text/event-stream) open a stream; anything else gets 406 at once. */
export function requireEventStream(req: FastifyRequest): void {
  if (!String(req.headers.accept ?? '').includes('text/event-stream')) {
    throw new HttpError(406, 'not_acceptable', 'This is a server-sent events stream: open it with EventSource (Accept: text/event-stream)');
  }
}

const open = new Set<() => void>();

/** Ends every open stream (the server is closing: it would otherwise wait for the clients to go). */
export function closeAllStreams(): void {
  for (const close of [...open]) close();
}

export function openStream(req: FastifyRequest, reply: FastifyReply): SseStream {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-content-type-options': 'nosniff',
  });
  res.write('retry: 3000\n\n');
  let isClosed = false;
  const closers: (() => void)[] = [];
  const ping = setInterval(() => {
    if (!isClosed) res.write(': ping\n\n');
  }, 20_000);
  const close = () => {
    if (isClosed) return;
    isClosed = true;
    open.delete(close);
    clearInterval(ping);
    for (const c of closers) c();
    res.end();
  };
  open.add(close);
  req.raw.on('close', close);
  res.on('close', close);
  res.on('error', close);
  return {
    send(event, data, id) {
      if (isClosed) return;
      res.write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    onClose(fn) {
      if (isClosed) fn();
      else closers.push(fn);
    },
    closed: () => isClosed,
  };
}
