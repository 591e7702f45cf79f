// Collision warning: who else has a conversation open, and who is typing in it. Each open thread
// in the web app says so every few seconds (a heartbeat; typing while keys are pressed); entries
// lapse after PRESENCE_TTL_MS. Kept in the server's memory (staff all talk to the server) and
// announced on the staff event stream as 'presence' changes carrying the current viewers.
// Typing in a live chat also goes across: an agent's typing to the visitor's stream, the
// visitor's typing to the staff stream ('typing' changes; each side's page lets it lapse).
import { publish } from './live.js';

export const PRESENCE_TTL_MS = 30_000;
export const TYPING_TTL_MS = 8_000;

export interface Viewer {
  id: string;
  name: string;
  typing: boolean;
}

interface Entry {
  name: string;
  seenAt: number;
  typingAt: number;
}

const byConversation = new Map<string, Map<string, Entry>>();

function current(conversationId: string, now: number): Viewer[] {
  const m = byConversation.get(conversationId);
  if (!m) return [];
  for (const [id, e] of m) if (now - e.seenAt > PRESENCE_TTL_MS) m.delete(id);
  if (!m.size) byConversation.delete(conversationId);
  return [...m.entries()].map(([id, e]) => ({ id, name: e.name, typing: now - e.typingAt < TYPING_TTL_MS })).sort((a, b) => a.name.localeCompare(b.name));
}

/** Who has this conversation open now (the caller included). */
export function viewersOf(conversationId: string, now = Date.now()): Viewer[] {
  return current(conversationId, now);
}

/** An agent's heartbeat: viewing (typing or not) or leaving. Announces a change when it makes one. */
export function notePresence(conversationId: string, user: { id: string; name: string }, state: 'viewing' | 'typing' | 'left', now = Date.now()): Viewer[] {
  const before = JSON.stringify(current(conversationId, now));
  let m = byConversation.get(conversationId);
  if (state === 'left') m?.delete(user.id);
  else {
    if (!m) byConversation.set(conversationId, (m = new Map()));
    const e = m.get(user.id) ?? { name: user.name, seenAt: now, typingAt: 0 };
    e.seenAt = now;
    if (state === 'typing') e.typingAt = now;
    m.set(user.id, e);
  }
  // Bound the memory a flood of ids could take (ids are checked against the database first anyway).
  if (byConversation.size > 10_000) byConversation.delete(byConversation.keys().next().value!);
  const viewers = current(conversationId, now);
  if (JSON.stringify(viewers) !== before) publish({ conversationId, change: 'presence', viewers });
  // The visitor of a live chat sees "Alex is typing…" (agents appear to visitors by first name).
  if (state === 'typing') publish({ conversationId, change: 'typing', typist: { side: 'agent', name: user.name.split(' ')[0] || 'Support' } });
  return viewers;
}

// ---- the visitor's side: "is typing" in the inbox. Nothing is stored: each ping is announced
// (at most one per conversation every VISITOR_TYPING_EVERY_MS) and the inbox lets it lapse.
export const VISITOR_TYPING_EVERY_MS = 2_000;
const visitorTypedAt = new Map<string, number>();

/** A chat visitor is typing; returns whether it was announced (false: too soon after the last). */
export function noteVisitorTyping(conversationId: string, now = Date.now()): boolean {
  if (now - (visitorTypedAt.get(conversationId) ?? 0) < VISITOR_TYPING_EVERY_MS) return false;
  visitorTypedAt.delete(conversationId); // re-inserted last: the oldest entries go first below
  visitorTypedAt.set(conversationId, now);
  if (visitorTypedAt.size > 10_000) visitorTypedAt.delete(visitorTypedAt.keys().next().value!);
  publish({ conversationId, change: 'typing', typist: { side: 'visitor', name: null } });
  return true;
}
