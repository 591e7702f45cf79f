// Live chat for the website widget: a visitor opens a conversation and gets a token bound to
// it (HMAC under a key derived from the instance secret); every later call shows that token and sees only that
// conversation — the customer's and agents' messages, never internal notes or other customers.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import type { AppContext } from '../platform/context.js';
import type { Database } from '../platform/db/database.js';
import { HttpError } from '../platform/http/errors.js';
import { purposeKey } from '../platform/secret.js';

export function chatToken(secret: string, conversationId: string): string {
  const mac = createHmac('sha256', purposeKey(secret, 'inbox.chat')).update(`inbox-chat:${conversationId}`).digest('base64url');
  return `${conversationId}.${mac}`;
}

/** The conversation a visitor token is for; 403 for a token that is not ours. */
export function verifyChatToken(secret: string, token: string | undefined | null): string {
  const t = String(token ?? '');
  const dot = t.indexOf('.');
  const id = dot > 0 ? t.slice(0, dot) : '';
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) throw new HttpError(403, 'forbidden', 'This chat token is not valid');
  const expected = Buffer.from(chatToken(secret, id));
  const given = Buffer.from(t);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new HttpError(403, 'forbidden', 'This chat token is not valid');
  return id;
}

/** What a visitor sees of one message. */
export interface VisitorMessage {
  id: string;
  from: 'you' | 'agent';
  agentName: string | null;
  text: string;
  createdAt: string;
}

/** The visitor's view of their conversation after a message id (or from the start), oldest first. */
export async function visitorMessages(ctx: AppContext | { db: Database }, conversationId: string, after?: string | null, limit = 200): Promise<VisitorMessage[]> {
  return (await visitorMessagesWithSeq(ctx, conversationId, after, limit)).map((r) => r.message);
}

/** The same, with each message's seq (the live stream's position). */
export async function visitorMessagesWithSeq(ctx: AppContext | { db: Database }, conversationId: string, after?: string | null, limit = 200): Promise<{ seq: number; message: VisitorMessage }[]> {
  let q = ctx.db
    .selectFrom('messages as m')
    .leftJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.id', 'm.seq', 'm.author_kind', 'm.body_text', 'm.created_at', 'u.name as user_name', 'm.call'])
    .where('m.conversation_id', '=', conversationId)
    .where('m.author_kind', 'in', ['customer', 'agent'])
    .where('m.call', 'is', null)
    .orderBy('m.seq')
    .limit(limit);
  // after a message of this conversation (an id from elsewhere reads from the start), in the same statement
  if (after) q = q.where(sql<boolean>`m.seq > coalesce((select a.seq from messages a where a.id = ${after} and a.conversation_id = ${conversationId}), 0)`);
  const rows = await q.execute();
  return rows.map((r) => ({ seq: Number(r.seq), message: visitorMessage(r.id, r.author_kind, r.body_text, r.created_at, r.user_name) }));
}

/** One message as the visitor sees it (an agent by first name). */
export function visitorMessage(id: string, authorKind: string, text: string, createdAt: Date | string, userName: string | null | undefined): VisitorMessage {
  return {
    id,
    from: authorKind === 'customer' ? 'you' : 'agent',
    agentName: authorKind === 'agent' ? (userName?.split(' ')[0] ?? 'Support') : null,
    text,
    createdAt: new Date(createdAt).toISOString(),
  };
}
