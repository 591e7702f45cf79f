// Live updates inside one process: the writer publishes after its transaction commits, the SSE
// streams (staff and chat visitors) listen. Another process (a separate `keepwell worker`
// holding the SMTP listener) is heard through a poll of recently changed conversations.
import { EventEmitter } from 'node:events';
import type { AppContext } from '../platform/context.js';
import type { VisitorMessage } from './chat.js';

export interface LiveEvent {
  conversationId: string;
  /** the new message, when one was added */
  messageId?: string;
  authorKind?: string;
  /** what changed: 'message', 'status', 'assign', 'presence' … */
  change: string;
  /** with 'presence': who has the conversation open now, and who is typing */
  viewers?: { id: string; name: string; typing: boolean }[];
  /** with 'typing': who is typing — an agent (first name, shown to the visitor) or the visitor */
  typist?: { side: 'agent' | 'visitor'; name: string | null };
  /**
   * With a new customer or agent message in a chat: the message as the visitor sees it, its seq and
   * the seq of the message before it in the conversation (read in the insert, under the
   * conversation's lock). A visitor stream whose last message is `prevSeq` sends it without
   * reading the database; any other stream reads as before. Not sent to staff streams.
   */
  chat?: { seq: number; prevSeq: number | null; message: VisitorMessage };
}

const hub = new EventEmitter();
hub.setMaxListeners(0);

export function publish(e: LiveEvent): void {
  hub.emit('event', e);
}

export function subscribe(listen: (e: LiveEvent) => void): () => void {
  hub.on('event', listen);
  ensurePoller();
  return () => {
    hub.off('event', listen);
  };
}

// ---- the cross-process poll: one per process, only while someone listens
let pollCtx: AppContext | null = null;
let timer: NodeJS.Timeout | null = null;
const seen = new Map<string, number>();

/** Lets the streams' process also hear writes made by other processes (started by the routes). */
export function usePollContext(ctx: AppContext): void {
  pollCtx = ctx;
}

function ensurePoller(): void {
  if (timer || !pollCtx) return;
  let since = new Date(Date.now() - 5000);
  timer = setInterval(async () => {
    if (hub.listenerCount('event') === 0 || !pollCtx) {
      clearInterval(timer!);
      timer = null;
      return;
    }
    try {
      const from = since;
      since = new Date(Date.now() - 5000);
      const rows = await pollCtx.db.selectFrom('conversations').select(['id', 'updated_at']).where('updated_at', '>', from).orderBy('updated_at').limit(500).execute();
      for (const r of rows) {
        const at = new Date(r.updated_at).getTime();
        if ((seen.get(r.id) ?? 0) >= at) continue;
        seen.set(r.id, at);
        hub.emit('event', { conversationId: r.id, change: 'poll' } satisfies LiveEvent);
      }
      if (seen.size > 5000) seen.clear();
    } catch {
      /* the database is busy or closing: try again next tick */
    }
  }, 3000);
  timer.unref();
}

/** Marks a conversation's change as already announced in this process (so the poll does not repeat it). */
export function markSeen(conversationId: string, at: Date): void {
  seen.set(conversationId, at.getTime());
}
