// The inbox as a service: inbound messages (any channel) become conversations and messages in
// one transaction, with the customer matched or created and the timeline written; agents'
// replies, notes, calls and status changes; SLA clocks that pause while pending the customer.
import { type Insertable, sql, type Selectable } from 'kysely';
import { findOrCreateCustomerByContact, insertHistory, normalizeEmail, recordTouchpoint, type NewTouchpoint } from '../customers/index.js';
import { createTask } from '../tasks/index.js';
import type { TouchpointChannel } from '../customers/index.js';
import { messageIdFor, queueEmail } from '../mail/index.js';
import type { AppContext } from '../platform/context.js';
import type { Database } from '../platform/db/database.js';
import { HttpError, notFound } from '../platform/http/errors.js';
import type { Automatic } from './automatic.js';
import { foldReply, safeHtmlFromText } from './fold.js';
import './inbox.events.js';
import { businessHours, getInboxSettings, targetsFor, type InboxSettings } from './inbox.settings.js';
import type { AttachmentMeta, AuthorKind, CallLog, Channel, ConversationStatus, ConversationsTable, MessagesTable, Priority } from './inbox.tables.js';
import { visitorMessage } from './chat.js';
import { type LiveEvent, markSeen, publish } from './live.js';
import { groupCommit } from './group-commit.js';
import { route } from './routing.js';
import { addBusinessMs, businessMsBetween, type BusinessHours } from './sla.js';
import { continuesBySubject, replyReferences, replySubject, subjectKey, threadCandidates } from './threading.js';

/** Attachments above this size are listed but not kept. */
export const ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;
/** A message's text is kept up to this many characters. */
export const BODY_MAX_CHARS = 200_000;

export interface InboundAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface InboundMessage {
  channel: Channel;
  from: { email?: string | null; phone?: string | null; name?: string | null };
  subject: string;
  /** the message as text (HTML mail already rendered to text) */
  text: string;
  messageId?: string | null;
  inReplyTo?: string | null;
  references?: string[];
  automatic?: Automatic | null;
  attachments?: InboundAttachment[];
  receivedAt: Date;
  /** a known conversation (chat): the message joins it */
  conversationId?: string;
  /** a visitor's line through a chat token: the conversation (after merges) must be a chat, else 403 */
  visitorChat?: boolean;
  priority?: Priority;
  /** a first-response target of its own (a call-back request: 60 business minutes) */
  firstResponseMinutes?: number;
  tags?: string[];
  /** fetched from an IMAP mailbox: the UID is recorded in the message's transaction (exactly once) */
  imap?: ImapPosition;
}

export interface ImapPosition {
  account: string;
  uidValidity: number;
  uid: number;
}

/**
 * Whether this IMAP message is already stored (its UID at or below the mailbox's last under the
 * same UIDVALIDITY). Locks the mailbox's row, so two pollers cannot store one message twice.
 */
async function imapSeen(trx: Database, p: ImapPosition): Promise<boolean> {
  await trx
    .insertInto('inbox_imap_state')
    .values({ account: p.account, uid_validity: p.uidValidity, last_uid: 0 })
    .onConflict((oc) => oc.column('account').doNothing())
    .execute();
  const st = await trx.selectFrom('inbox_imap_state').select(['uid_validity', 'last_uid']).where('account', '=', p.account).forUpdate().executeTakeFirstOrThrow();
  return Number(st.uid_validity) === p.uidValidity && Number(st.last_uid) >= p.uid;
}

/** Records an IMAP UID as stored (a new UIDVALIDITY starts the count again). */
export async function recordImapUid(trx: Database, p: ImapPosition): Promise<void> {
  await sql`insert into inbox_imap_state (account, uid_validity, last_uid, updated_at) values (${p.account}, ${p.uidValidity}, ${p.uid}, now())
    on conflict (account) do update set
      last_uid = case when inbox_imap_state.uid_validity = excluded.uid_validity then greatest(inbox_imap_state.last_uid, excluded.last_uid) else excluded.last_uid end,
      uid_validity = excluded.uid_validity, updated_at = now()`.execute(trx);
}

export interface Received {
  conversationId: string;
  messageId: string;
  customerId: string;
  created: boolean;
  duplicate: boolean;
  /** a chat message: what the visitor's live stream is sent (see LiveEvent.chat) */
  live?: LiveEvent['chat'];
}

type Conversation = Selectable<ConversationsTable>;

const touchpointChannel: Record<Channel, TouchpointChannel> = { email: 'email', chat: 'chat', form: 'ticket', phone: 'call' };

function summaryOf(kind: AuthorKind, subject: string, text: string): string {
  const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 280);
  const what = kind === 'note' ? 'Internal note' : kind === 'agent' ? 'Reply' : kind === 'system' ? 'Inbox' : 'Message';
  return `${what}${subject ? ` · ${subject}` : ''}: ${snippet}`.slice(0, 1000);
}

function slaFor(s: InboxSettings, bh: BusinessHours, priority: Priority, channel: Channel, from: Date) {
  const t = targetsFor(s, priority, channel);
  return {
    first_response_due_at: addBusinessMs(from, t.firstResponse * 60_000, bh),
    resolution_due_at: addBusinessMs(from, t.resolution * 60_000, bh),
  };
}

/** Clock values while paused: what is left on each, the due times cleared. */
function pauseClocks(c: Pick<Conversation, 'first_response_due_at' | 'resolution_due_at' | 'sla_paused_at'>, now: Date, bh: BusinessHours) {
  if (c.sla_paused_at) return {};
  return {
    sla_paused_at: now,
    sla_first_left_ms: c.first_response_due_at ? businessMsBetween(now, new Date(c.first_response_due_at), bh) : null,
    sla_resolution_left_ms: c.resolution_due_at ? businessMsBetween(now, new Date(c.resolution_due_at), bh) : null,
    first_response_due_at: null,
    resolution_due_at: null,
  };
}

/** Clock values when the customer is back: the time that was left, counted on from now. */
function resumeClocks(c: Pick<Conversation, 'sla_paused_at' | 'sla_first_left_ms' | 'sla_resolution_left_ms' | 'first_responded_at'>, now: Date, bh: BusinessHours) {
  if (!c.sla_paused_at) return {};
  const due = (left: number | null) => (left === null ? null : left > 0 ? addBusinessMs(now, Number(left), bh) : new Date(now.getTime() + Number(left)));
  return {
    sla_paused_at: null,
    first_response_due_at: c.first_responded_at ? null : due(c.sla_first_left_ms === null ? null : Number(c.sla_first_left_ms)),
    resolution_due_at: due(c.sla_resolution_left_ms === null ? null : Number(c.sla_resolution_left_ms)),
    sla_first_left_ms: null,
    sla_resolution_left_ms: null,
  };
}

/** The conversation an email continues: by Message-ID references, then subject + sender within threadDays. */
async function findEmailThread(db: Database, m: InboundMessage, customerId: string, threadDays: number, batch?: BatchLookups): Promise<string | null> {
  const ids = threadCandidates(m.inReplyTo ?? null, m.references ?? []);
  if (batch) {
    // every candidate of the batch was looked up at once (and the batch's own messages are added as stored)
    for (const id of ids) {
      const hit = batch.threads.get(id);
      if (hit) return hit;
    }
  } else if (ids.length) {
    const hit = await db.selectFrom('messages').select('conversation_id').where('email_message_id', 'in', ids).limit(1).executeTakeFirst();
    if (hit) return hit.conversation_id;
  }
  const key = subjectKey(m.subject);
  if (!key || !m.from.email || threadDays <= 0) return null;
  const candidates = await db
    .selectFrom('conversations')
    .select(['id', 'subject_key', 'reply_to_address', 'last_message_at'])
    .where('subject_key', '=', key)
    .where('customer_id', '=', customerId)
    .where('channel', '=', 'email')
    .where('merged_into_id', 'is', null)
    .where('last_message_at', '>=', new Date(m.receivedAt.getTime() - threadDays * 86400_000))
    .orderBy('last_message_at', 'desc')
    .limit(5)
    .execute();
  const found = candidates.find((c) =>
    continuesBySubject(
      { subjectKey: c.subject_key, fromAddress: c.reply_to_address, lastMessageAt: new Date(c.last_message_at) },
      { subject: m.subject, from: m.from.email!, at: m.receivedAt },
      threadDays,
    ),
  );
  return found?.id ?? null;
}

/**
 * Stores one inbound message: exactly once per Message-ID (a duplicate delivery answers
 * duplicate: true), in the conversation it continues or a new one, with the customer matched by
 * email/phone or created (tagged new-contact), a timeline entry, and conversation.opened for a
 * new conversation — all in one transaction. Live listeners hear of it after the commit.
 */
export function receiveMessage(ctx: AppContext, m: InboundMessage): Promise<Received> {
  return commitInbound(ctx, m);
}

/** At most this many messages share one transaction. */
export const INBOUND_BATCH_MAX = 50;

// Every inbound message used to be its own transaction (about a dozen statements each: profile in
// the README). Grouped, a batch shares one begin/commit, one Message-ID lock and one duplicate
// lookup; an SMTP 250 still means "committed".
const commitInbound = groupCommit<InboundMessage, Received, Received>({
  max: INBOUND_BATCH_MAX,
  many: (ctx, ms) => storeBatch(ctx, ms),
  one: (ctx, m) => storeOne(ctx, m),
  after: async (_ctx, r) => r,
});

interface Prepared {
  settings: InboxSettings;
  bh: BusinessHours;
}

async function prepare(ctx: AppContext): Promise<Prepared> {
  const settings = await getInboxSettings(ctx.db);
  return { settings, bh: await businessHours(ctx.db, settings) };
}

/** Several messages in one transaction (see commitInbound); throws when any of them fails. */
async function storeBatch(ctx: AppContext, ms: InboundMessage[]): Promise<Received[]> {
  const p = await prepare(ctx);
  const results = await ctx.db.transaction().execute(async (trx) => {
    const ids = [...new Set(ms.map((m) => m.messageId).filter((id): id is string => Boolean(id)))].sort();
    const known = new Map<string, Received>();
    if (ids.length) {
      // Sorted, so two batches on a server never wait on each other's locks in a cycle.
      await sql`select pg_advisory_xact_lock(hashtext('inbox-mid:' || k)) from unnest(${ids}::text[]) as t(k)`.execute(trx);
      const dups = await trx
        .selectFrom('messages as m')
        .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
        .select(['m.id', 'm.conversation_id', 'm.email_message_id', 'c.customer_id'])
        .where('m.email_message_id', 'in', ids)
        .execute();
      for (const d of dups) known.set(d.email_message_id!, { conversationId: d.conversation_id, messageId: d.id, customerId: d.customer_id, created: false, duplicate: true });
    }
    const batch = await batchLookups(trx, ms);
    const out: Received[] = [];
    for (const m of ms) {
      const dup = m.messageId ? known.get(m.messageId) : undefined;
      if (dup) {
        if (m.imap && !(await imapSeen(trx, m.imap))) await recordImapUid(trx, m.imap);
        out.push({ ...dup, created: false, duplicate: true });
        continue;
      }
      const r = await storeIn(ctx, trx, m, p, true, batch);
      if (m.messageId && !r.duplicate) {
        known.set(m.messageId, r);
        batch.threads.set(m.messageId, r.conversationId);
      }
      out.push(r);
    }
    // the batch's messages in one statement, then each result gets its seq (chat)
    await insertDeferred(trx, batch.deferred);
    for (const f of batch.afterInsert) f();
    // the batch's timeline entries in one statement (same transaction: all or none, as before)
    if (batch.touchpoints.length) await insertHistory(trx, { touchpoints: batch.touchpoints });
    // the batch's conversation.opened events: one insert of events, one of their deliveries
    if (batch.opened.length) await ctx.events.emitMany(trx, batch.opened);
    return out;
  });
  for (const r of results) if (!r.duplicate) announce(r.conversationId, 'message', r.messageId, 'customer', r.live);
  return results;
}

/**
 * What a batch reads once for all its messages instead of once per message: the customers of its
 * senders' addresses (a known address needs no lock: the lock only keeps two first mails from one
 * person from making two customers, and a miss still goes through findOrCreateCustomerByContact),
 * the conversations of every Message-ID its messages refer to, and the timeline entries, written
 * together at the end.
 */
interface BatchLookups {
  customers: Map<string, string>;
  threads: Map<string, string>;
  touchpoints: TouchpointRow[];
  /** conversation.opened of the batch's new conversations, recorded together at the end */
  opened: OpenedEvent[];
  /** the conversations of the batch's lines into a known conversation (chat), bumped together (bumpLines) */
  bumped: Map<string, Conversation>;
  /** the batch's message rows, written together at the end (insertDeferred), and what to do after */
  deferred: DeferredMessage[];
  afterInsert: (() => void)[];
}

/** A line into a known conversation that the batch bumps with the others (a chat line; not mail, nothing to de-duplicate). */
const bumpsWithBatch = (m: InboundMessage) => Boolean(m.conversationId) && !m.messageId && !m.imap;

/**
 * The conversations of a batch's lines into known conversations, bumped (locked, last activity,
 * count) in one statement instead of one per line; read back as they are now. A merged
 * conversation is not bumped here: its lines follow the merge one by one (storeIn).
 */
async function bumpLines(trx: Database, ms: InboundMessage[]): Promise<Map<string, Conversation>> {
  const lines = ms.filter(bumpsWithBatch);
  const out = new Map<string, Conversation>();
  if (lines.length < 2) return out;
  const ids = lines.map((m) => m.conversationId!);
  const ats = lines.map((m) => m.receivedAt.toISOString());
  const rows = await sql<Conversation>`update conversations c set last_message_at = v.at, updated_at = ${new Date()}, message_count = c.message_count + v.n
    from (select id, max(at::timestamptz) as at, count(*)::int as n from unnest(${ids}::text[], ${ats}::text[]) as t(id, at) group by id) v
    where c.id = v.id::uuid and c.merged_into_id is null returning c.*`.execute(trx);
  for (const r of rows.rows) out.set(r.id, r);
  return out;
}
type OpenedEvent = { type: 'conversation.opened'; payload: { conversationId: string; customerId: string; channel: Channel; automatic: boolean } };
type TouchpointRow = NonNullable<Parameters<typeof insertHistory>[1]['touchpoints']>[number];

async function batchLookups(trx: Database, ms: InboundMessage[]): Promise<BatchLookups> {
  const emails = [...new Set(ms.filter((m) => !m.conversationId).map((m) => normalizeEmail(m.from.email)))].filter((e): e is string => e !== null);
  const refs = [...new Set(ms.filter((m) => !m.conversationId && m.channel === 'email').flatMap((m) => threadCandidates(m.inReplyTo ?? null, m.references ?? [])))];
  const customers = new Map<string, string>();
  const threads = new Map<string, string>();
  if (emails.length) {
    // the oldest live customer per address, as findOrCreateCustomerByContact picks
    const rows = await sql<{ id: string; email: string }>`select distinct on (email_normalized) id, email_normalized as email from customers
      where email_normalized = any(${emails}::text[]) and merged_into is null and erased_at is null order by email_normalized, created_at`.execute(trx);
    for (const r of rows.rows) customers.set(r.email, r.id);
  }
  if (refs.length) {
    const rows = await trx.selectFrom('messages').select(['email_message_id', 'conversation_id']).where('email_message_id', 'in', refs).execute();
    for (const r of rows) threads.set(r.email_message_id!, r.conversation_id);
  }
  return { customers, threads, touchpoints: [], opened: [], bumped: await bumpLines(trx, ms), deferred: [], afterInsert: [] };
}

/** One message in its own transaction. */
async function storeOne(ctx: AppContext, m: InboundMessage): Promise<Received> {
  const p = await prepare(ctx);
  const result = await ctx.db.transaction().execute((trx) => storeIn(ctx, trx, m, p, false));
  if (!result.duplicate) announce(result.conversationId, 'message', result.messageId, 'customer', result.live);
  return result;
}

/** The message in the caller's transaction; `checked`: the Message-ID is locked and known to be new. */
async function storeIn(ctx: AppContext, trx: Database, m: InboundMessage, { settings, bh }: Prepared, checked: boolean, batch?: BatchLookups): Promise<Received> {
  const folded = foldReply(m.text.slice(0, BODY_MAX_CHARS));
  const text = folded.text || '(no text)';
  {
    if (m.imap && (await imapSeen(trx, m.imap))) return { conversationId: '', messageId: '', customerId: '', created: false, duplicate: true };
    if (m.messageId && !checked) {
      await sql`select pg_advisory_xact_lock(hashtext(${`inbox-mid:${m.messageId}`}))`.execute(trx);
      const dup = await trx
        .selectFrom('messages as m')
        .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
        .select(['m.id', 'm.conversation_id', 'c.customer_id'])
        .where('m.email_message_id', '=', m.messageId)
        .executeTakeFirst();
      if (dup) {
        if (m.imap) await recordImapUid(trx, m.imap);
        return { conversationId: dup.conversation_id, messageId: dup.id, customerId: dup.customer_id, created: false, duplicate: true };
      }
    }
    let conversation: Conversation | undefined;
    let customerId: string;
    /** the conversation's last activity and count already include this message */
    let bumped = false;
    const pre = batch && bumpsWithBatch(m) ? batch.bumped.get(m.conversationId!) : undefined;
    if (pre) {
      // bumped with the batch's other lines (bumpLines)
      conversation = pre;
      bumped = true;
      if (m.visitorChat && conversation.channel !== 'chat') throw new HttpError(403, 'forbidden', 'This chat token is not valid');
      customerId = conversation.customer_id;
    } else if (m.conversationId) {
      // The usual case (not merged) in one statement: the conversation bumped (which locks it) and
      // read back. A merged one is followed to the conversation it joined, then bumped with the message.
      conversation = (await trx
        .updateTable('conversations')
        .set((eb) => ({ last_message_at: m.receivedAt, updated_at: new Date(), message_count: eb('message_count', '+', 1) }))
        .where('id', '=', m.conversationId)
        .where('merged_into_id', 'is', null)
        .returningAll()
        .executeTakeFirst()) as Conversation | undefined;
      bumped = Boolean(conversation);
      if (!conversation) {
        const lock = (id: string) => trx.selectFrom('conversations').selectAll().where('id', '=', id).forUpdate().executeTakeFirst() as Promise<Conversation | undefined>;
        conversation = await lock(m.conversationId);
        if (conversation?.merged_into_id) conversation = await lock(await followMerge(trx, conversation.merged_into_id));
      }
      if (m.visitorChat && conversation?.channel !== 'chat') throw new HttpError(403, 'forbidden', 'This chat token is not valid');
      if (!conversation) throw notFound('Conversation');
      customerId = conversation.customer_id;
    } else {
      const email = normalizeEmail(m.from.email);
      const known = batch && email ? batch.customers.get(email) : undefined;
      customerId = known ?? (await findOrCreateCustomerByContact(trx, { email: m.from.email, phone: m.from.phone, name: m.from.name, acquiredAt: m.receivedAt })).id;
      if (batch && email) batch.customers.set(email, customerId);
      if (m.channel === 'email') {
        const threadId = await findEmailThread(trx, m, customerId, settings.threadDays, batch);
        if (threadId) conversation = (await trx.selectFrom('conversations').selectAll().where('id', '=', threadId).forUpdate().executeTakeFirst()) as Conversation | undefined;
      }
    }
    const now = m.receivedAt;
    let created = false;
    if (!conversation) {
      // Routing (when on): VIP, detractor or angry → the most senior available agent, else round-robin by load.
      const decision = m.automatic ? null : await route(trx, settings.routing, customerId, text, now);
      const priority = m.priority ?? decision?.priority ?? 'normal';
      const sla = m.automatic ? { first_response_due_at: null, resolution_due_at: null } : slaFor(settings, bh, priority, m.channel, now);
      if (sla.first_response_due_at && m.firstResponseMinutes) sla.first_response_due_at = addBusinessMs(now, m.firstResponseMinutes * 60_000, bh);
      conversation = (await trx
        .insertInto('conversations')
        .values({
          channel: m.channel,
          customer_id: customerId,
          subject: (m.subject.trim() || `${m.channel === 'chat' ? 'Chat' : m.channel === 'phone' ? 'Call' : 'Message'} from ${m.from.name || m.from.email || m.from.phone || 'a visitor'}`).slice(
            0,
            500,
          ),
          subject_key: subjectKey(m.subject),
          reply_to_address: m.from.email?.trim().slice(0, 320) || null,
          priority,
          assignee_user_id: decision?.assigneeUserId ?? null,
          tags: m.tags ?? [],
          automatic: Boolean(m.automatic),
          ...sla,
          last_message_at: now,
          // its first message, written just below (so that insert need not bump the count)
          message_count: 1,
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow()) as Conversation;
      created = true;
      const opened: OpenedEvent = { type: 'conversation.opened', payload: { conversationId: conversation.id, customerId, channel: m.channel, automatic: Boolean(m.automatic) } };
      if (batch) batch.opened.push(opened);
      else await ctx.events.emit(trx, opened.type, opened.payload);
    } else if (!m.automatic && conversation.status !== 'open') {
      // The customer wrote again: the conversation is open again and its clocks run.
      const reopen = conversation.status === 'resolved';
      const changes = {
        status: 'open' as const,
        snoozed_until: null,
        ...(reopen
          ? {
              resolved_at: null,
              reopen_count: conversation.reopen_count + 1,
              resolution_due_at: addBusinessMs(now, targetsFor(settings, conversation.priority, conversation.channel).resolution * 60_000, bh),
            }
          : resumeClocks(conversation, now, bh)),
      };
      await trx.updateTable('conversations').set(changes).where('id', '=', conversation.id).execute();
      // a later line of this batch into the same conversation finds it open (as a read would)
      if (pre) batch!.bumped.set(conversation.id, { ...conversation, ...changes } as Conversation);
    }
    const message = await insertMessage(trx, {
      conversationId: conversation.id,
      customerId,
      channel: conversation.channel,
      subject: conversation.subject,
      authorKind: 'customer',
      text,
      quoted: folded.quoted,
      emailMessageId: m.messageId ?? null,
      inReplyTo: m.inReplyTo ?? null,
      references: m.references ?? [],
      fromAddress: m.from.email ?? m.from.phone ?? null,
      automatic: m.automatic ?? null,
      attachments: m.attachments ?? [],
      at: now,
      userId: null,
      counted: created || bumped,
      timeline: batch?.touchpoints,
      deferred: batch?.deferred,
    });
    if (m.imap) await recordImapUid(trx, m.imap);
    const received: Received = { conversationId: conversation.id, messageId: message.id, customerId, created, duplicate: false };
    // a chat message's seq is known once it is written (at the end of a batch)
    const live = () => {
      if (message.seq !== undefined) received.live = { seq: message.seq, prevSeq: message.prevSeq ?? null, message: visitorMessage(message.id, 'customer', text, now, null) };
    };
    if (batch) batch.afterInsert.push(live);
    else live();
    return received;
  }
}

/** The conversation a (possibly merged) conversation's messages live in now. */
export async function followMerge(db: Database, conversationId: string): Promise<string> {
  let id = conversationId;
  for (let i = 0; i < 10; i++) {
    const r = await db.selectFrom('conversations').select('merged_into_id').where('id', '=', id).executeTakeFirst();
    if (!r?.merged_into_id) return id;
    id = r.merged_into_id;
  }
  return id;
}

function announce(conversationId: string, change: string, messageId?: string, authorKind?: string, chat?: LiveEvent['chat']) {
  markSeen(conversationId, new Date());
  publish({ conversationId, change, messageId, authorKind, ...(chat ? { chat } : {}) });
}

interface NewMessage {
  conversationId: string;
  customerId: string;
  channel: Channel;
  subject: string;
  authorKind: AuthorKind;
  text: string;
  quoted?: string | null;
  emailMessageId?: string | null;
  inReplyTo?: string | null;
  references?: string[];
  fromAddress?: string | null;
  automatic?: string | null;
  attachments?: InboundAttachment[];
  call?: CallLog | null;
  at: Date;
  userId: string | null;
  /** the conversation was just created with this message counted and its time set */
  counted?: boolean;
  /** a batch's timeline entries: the entry is added here, written with the others (storeBatch) */
  timeline?: TouchpointRow[];
  /** a batch's message rows: the row is added here (when it has no attachment to keep), written with the others (insertDeferred) */
  deferred?: DeferredMessage[];
}

/** A message row a batch writes at its end, and what to do with its seq then. */
interface DeferredMessage {
  row: Insertable<MessagesTable>;
  inserted: (seq: number, prevSeq: number | null) => void;
}

/**
 * A batch's deferred message rows in one insert. Each answers its seq and the seq of the message
 * before it in its conversation: the subquery sees the conversation as it was before the statement
 * (the caller holds every conversation's lock), and within the statement rows take their seq in
 * the order given, so a conversation's later row follows its earlier one.
 */
async function insertDeferred(trx: Database, deferred: DeferredMessage[]): Promise<void> {
  if (!deferred.length) return;
  const rows = await trx
    .insertInto('messages')
    .values(deferred.map((d) => d.row))
    .returning(['id', 'seq', 'conversation_id', sql<string | null>`(select max(p.seq) from messages p where p.conversation_id = messages.conversation_id)`.as('prev_seq')])
    .execute();
  const seqOf = new Map<string, { seq: number; prev: number | null }>();
  const last = new Map<string, number>();
  for (const r of [...rows].sort((a, b) => Number(a.seq) - Number(b.seq))) {
    const before = last.get(r.conversation_id);
    last.set(r.conversation_id, Number(r.seq));
    seqOf.set(r.id, { seq: Number(r.seq), prev: before ?? (r.prev_seq === null || r.prev_seq === undefined ? null : Number(r.prev_seq)) });
  }
  for (const d of deferred) {
    const r = seqOf.get(String(d.row.id));
    if (r) d.inserted(r.seq, r.prev);
  }
}

/**
 * One message with its attachments and its timeline entry; bumps the conversation. In a chat it
 * also answers its seq and the seq of the conversation's message before it (the subquery sees the
 * statement's snapshot: without this row, with every earlier writer of the conversation committed,
 * as the caller holds the conversation's lock) — a visitor's live stream continues from those.
 */
async function insertMessage(trx: Database, n: NewMessage): Promise<{ id: string; seq?: number; prevSeq?: number | null }> {
  const id = crypto.randomUUID();
  const metas: AttachmentMeta[] = [];
  const keep: { id: string; a: InboundAttachment }[] = [];
  for (const a of (n.attachments ?? []).slice(0, 100)) {
    const attId = crypto.randomUUID();
    const kept = a.content.length <= ATTACHMENT_MAX_BYTES;
    metas.push({ id: attId, filename: (a.filename || 'attachment').slice(0, 255), contentType: (a.contentType || 'application/octet-stream').slice(0, 200), size: a.content.length, kept });
    if (kept) keep.push({ id: attId, a });
  }
  const row: Insertable<MessagesTable> = {
    id,
    conversation_id: n.conversationId,
    author_kind: n.authorKind,
    user_id: n.userId,
    body_text: n.text,
    body_html_sanitised: safeHtmlFromText(n.text),
    quoted_text: n.quoted ?? null,
    email_message_id: n.emailMessageId ? n.emailMessageId.slice(0, 1000) : null,
    in_reply_to: n.inReplyTo ? n.inReplyTo.slice(0, 1000) : null,
    email_references: (n.references ?? []).slice(0, 100).map((r) => r.slice(0, 1000)),
    from_address: n.fromAddress ? n.fromAddress.slice(0, 320) : null,
    automatic: n.automatic ?? null,
    attachments: JSON.stringify(metas),
    call: n.call ? JSON.stringify(n.call) : null,
    created_at: n.at,
  };
  const result: { id: string; seq?: number; prevSeq?: number | null } = { id };
  if (n.deferred && keep.length === 0) {
    // written at the end of the batch; a chat's seq is filled in then
    n.deferred.push({
      row,
      inserted: (seq, prevSeq) => {
        if (n.channel === 'chat') Object.assign(result, { seq, prevSeq });
      },
    });
  } else {
    const inserted = await trx
      .insertInto('messages')
      .values(row)
      .$if(n.channel === 'chat', (q) => q.returning(['seq', sql<string | null>`(select max(p.seq) from messages p where p.conversation_id = ${n.conversationId})`.as('prev_seq')]))
      .executeTakeFirst();
    if (inserted?.seq !== undefined && inserted.seq !== null)
      Object.assign(result, { seq: Number(inserted.seq), prevSeq: inserted.prev_seq === null || inserted.prev_seq === undefined ? null : Number(inserted.prev_seq) });
  }
  for (const { id: attId, a } of keep) {
    const meta = metas.find((x) => x.id === attId)!;
    await trx.insertInto('inbox_attachments').values({ id: attId, message_id: id, filename: meta.filename, content_type: meta.contentType, size: a.content.length, content: a.content }).execute();
  }
  if (!n.counted) {
    await trx
      .updateTable('conversations')
      .set((eb) => ({ last_message_at: n.at, updated_at: new Date(), message_count: eb('message_count', '+', 1) }))
      .where('id', '=', n.conversationId)
      .execute();
  }
  const direction = n.authorKind === 'customer' ? 'in' : n.authorKind === 'agent' ? 'out' : 'internal';
  const entry: NewTouchpoint = {
    customerId: n.customerId,
    channel: n.authorKind === 'note' ? 'note' : n.call ? 'call' : touchpointChannel[n.channel],
    direction,
    summary: summaryOf(n.authorKind, n.subject, n.text),
    source: n.userId ? `user:${n.userId}` : `inbox:${n.conversationId}`,
    userId: n.userId,
    occurredAt: n.at,
  };
  if (n.timeline) {
    n.timeline.push({
      customer_id: entry.customerId,
      channel: entry.channel,
      direction: entry.direction,
      summary: entry.summary.slice(0, 5000),
      source: entry.source,
      user_id: entry.userId,
      occurred_at: entry.occurredAt,
    });
  } else await recordTouchpoint(trx, entry);
  return result;
}

async function loadConversation(db: Database, id: string, lock = false): Promise<Conversation> {
  let q = db.selectFrom('conversations').selectAll().where('id', '=', id);
  if (lock) q = q.forUpdate();
  const c = (await q.executeTakeFirst()) as Conversation | undefined;
  if (!c) throw notFound('Conversation');
  return c;
}

export interface Actor {
  id: string;
  name: string;
}

/**
 * An agent's reply: stored, on the timeline, and — on email (and form/phone conversations with
 * an address) — sent through the mail sender with In-Reply-To/References to the customer's
 * latest mail and "Re: subject", so the customer's client shows one thread. The first reply
 * stops the first-response clock; the conversation then waits on the customer (pending, clocks
 * paused) unless another status is asked for.
 */
export function replyToConversation(
  ctx: AppContext,
  conversationId: string,
  actor: Actor,
  input: { text: string; status?: 'open' | 'pending' | 'resolved' },
): Promise<{ messageId: string; emailId: string | null }> {
  return commitReply(ctx, { conversationId, actor, input, now: ctx.now() });
}

interface ReplyRequest {
  conversationId: string;
  actor: Actor;
  input: { text: string; status?: 'open' | 'pending' | 'resolved' };
  now: Date;
}

// Replies are group-committed like inbound messages (agents answering several chats at once): one
// begin/commit and one timeline insert for the lot, three statements each. Mail is queued and live
// listeners told after the commit, in order.
const commitReply = groupCommit<ReplyRequest, StoredReply, { messageId: string; emailId: string | null }>({
  max: INBOUND_BATCH_MAX,
  many: (ctx, rs) => storeReplies(ctx, rs),
  one: async (ctx, r) => (await storeReplies(ctx, [r]))[0],
  after: (ctx, stored) => sendReply(ctx, stored),
});

interface StoredReply {
  request: ReplyRequest;
  conv: Conversation;
  to: string | null;
  parent: { email_message_id: string | null; email_references: string[] } | undefined;
  messageId: string;
  live?: LiveEvent['chat'];
  /** sets `live` once the message is written */
  finish?: () => void;
}

/** Replies in one transaction; throws when any of them fails (nothing is stored then). */
async function storeReplies(ctx: AppContext, requests: ReplyRequest[]): Promise<StoredReply[]> {
  const settings = await getInboxSettings(ctx.db);
  const bh = await businessHours(ctx.db, settings);
  return ctx.db.transaction().execute(async (trx) => {
    const timeline: TouchpointRow[] = [];
    const deferred: DeferredMessage[] = [];
    const out: StoredReply[] = [];
    // several replies: their conversations locked and read in one statement
    const locked = new Map<string, LockedConversation>();
    if (requests.length > 1) {
      const ids = [...new Set(requests.map((r) => r.conversationId))];
      for (const c of await lockForReply(trx, ids)) locked.set(c.id, c);
    }
    for (const request of requests) out.push(await storeReply(ctx, trx, request, settings, bh, timeline, deferred, locked));
    // the replies' messages in one insert, then each chat reply gets its seq
    await insertDeferred(trx, deferred);
    for (const o of out) o.finish?.();
    if (timeline.length) await insertHistory(trx, { touchpoints: timeline });
    return out;
  });
}

type LockedConversation = Conversation & { customer_email: string | null; customer_erased_at: Date | null };

/** Conversations locked for a reply, with the customer's address. */
async function lockForReply(trx: Database, ids: string[]): Promise<LockedConversation[]> {
  return (await trx
    .selectFrom('conversations as c')
    .leftJoin('customers as cu', 'cu.id', 'c.customer_id')
    .selectAll('c')
    .select(['cu.email as customer_email', 'cu.erased_at as customer_erased_at'])
    .where('c.id', 'in', ids)
    .forUpdate('c')
    .execute()) as LockedConversation[];
}

/**
 * One reply in the caller's transaction: the conversation locked with its customer's address, the
 * message (its timeline entry added to `timeline`), and one update of the conversation (its last
 * activity, count, first response and status together). An email reply also reads the customer's
 * latest mail (its threading headers).
 */
async function storeReply(
  ctx: AppContext,
  trx: Database,
  request: ReplyRequest,
  settings: InboxSettings,
  bh: BusinessHours,
  timeline: TouchpointRow[],
  deferred: DeferredMessage[],
  locked: Map<string, LockedConversation>,
): Promise<StoredReply> {
  const { conversationId, actor, input, now } = request;
  const status = input.status ?? 'pending';
  const c = locked.get(conversationId) ?? (await lockForReply(trx, [conversationId]))[0];
  if (!c) throw notFound('Conversation');
  if (c.automatic && c.message_count > 0 && !(await hasHumanMessage(trx, conversationId))) {
    throw new HttpError(409, 'automatic', 'This conversation holds only automatic mail (auto-replies or bounces); it is never answered');
  }
  const to = c.channel === 'chat' ? null : (c.reply_to_address ?? c.customer_email ?? null);
  if (c.channel !== 'chat' && !to) throw new HttpError(409, 'no_address', 'This customer has no email address to reply to; log a call instead');
  if (c.customer_erased_at) throw new HttpError(409, 'erased', 'This customer was erased');
  const parent = to
    ? await trx
        .selectFrom('messages')
        .select(['email_message_id', 'email_references'])
        .where('conversation_id', '=', conversationId)
        .where('author_kind', '=', 'customer')
        .where('email_message_id', 'is not', null)
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst()
    : undefined;
  const m = await insertMessage(trx, {
    conversationId,
    customerId: c.customer_id,
    channel: c.channel,
    subject: c.subject,
    authorKind: 'agent',
    text: input.text,
    at: now,
    userId: actor.id,
    counted: true, // bumped below, with the status
    timeline,
    deferred,
  });
  const changes = {
    last_message_at: now,
    ...(c.first_responded_at ? {} : { first_responded_at: now, first_response_due_at: null, sla_first_left_ms: null }),
    ...statusChangeWith(settings, c, status, now, bh),
  };
  await trx
    .updateTable('conversations')
    .set((eb) => ({ ...changes, message_count: eb('message_count', '+', 1) }))
    .where('id', '=', conversationId)
    .execute();
  // a later reply of this batch to the same conversation sees it as a read would now
  if (locked.has(conversationId)) locked.set(conversationId, { ...c, ...changes, message_count: c.message_count + 1 } as LockedConversation);
  if (status === 'resolved' && c.status !== 'resolved') await emitResolved(ctx, trx, c, actor.id);
  const stored: StoredReply = { request, conv: c, to, parent, messageId: m.id };
  // a chat reply's seq is known once the batch's messages are written
  stored.finish = () => {
    if (m.seq !== undefined) stored.live = { seq: m.seq, prevSeq: m.prevSeq ?? null, message: visitorMessage(m.id, 'agent', input.text, now, actor.name) };
  };
  return stored;
}

/** After the commit: an email reply is queued with its threading headers; live listeners are told. */
async function sendReply(ctx: AppContext, { request, conv, to, parent, messageId, live }: StoredReply): Promise<{ messageId: string; emailId: string | null }> {
  const { conversationId, input } = request;
  let emailId: string | null = null;
  if (to) {
    const headers: Record<string, string> = {};
    if (parent?.email_message_id) {
      headers['In-Reply-To'] = parent.email_message_id;
      headers.References = replyReferences(parent.email_references ?? [], parent.email_message_id).join(' ');
    }
    const q = await queueEmail(ctx, {
      to,
      subject: replySubject(conv.subject),
      text: input.text,
      html: safeHtmlFromText(input.text),
      kind: 'transactional',
      // The timeline entry is the inbox's (a person's reply counts as contact), not the mail sender's.
      customerId: null,
      idempotencyKey: `inbox-reply:${messageId}`,
      source: `inbox:${conversationId}`,
      headers,
    });
    emailId = q.id;
    if (q.id) {
      await ctx.db
        .updateTable('messages')
        .set({
          email_id: q.id,
          email_message_id: messageIdFor(q.id, ctx.config.publicUrl),
          in_reply_to: parent?.email_message_id ?? null,
          email_references: headers.References ? headers.References.split(' ') : [],
        })
        .where('id', '=', messageId)
        .execute();
    }
  }
  // a mail reply is announced after its queueing (I/O): no payload, its streams read (see LiveEvent.chat)
  announce(conversationId, 'message', messageId, 'agent', to ? undefined : live);
  return { messageId, emailId };
}

async function hasHumanMessage(db: Database, conversationId: string): Promise<boolean> {
  const r = await db.selectFrom('messages').select('id').where('conversation_id', '=', conversationId).where('author_kind', '=', 'customer').where('automatic', 'is', null).limit(1).executeTakeFirst();
  return Boolean(r);
}

/** Column values for a move to `status` (clocks paused, resumed, restarted or stopped), and its event. */
async function statusChange(ctx: AppContext, trx: Database, c: Conversation, status: ConversationStatus, now: Date, bh: BusinessHours, userId: string | null, snoozedUntil?: Date) {
  if (status === 'resolved' && c.status !== 'resolved') await emitResolved(ctx, trx, c, userId);
  return statusChangeWith(await getInboxSettings(ctx.db), c, status, now, bh, snoozedUntil);
}

function emitResolved(ctx: AppContext, trx: Database, c: Conversation, userId: string | null) {
  return ctx.events.emit(trx, 'conversation.resolved', { conversationId: c.id, customerId: c.customer_id, channel: c.channel, resolvedByUserId: userId });
}

/** Column values for a move to `status`: clocks paused, resumed, restarted or stopped. */
function statusChangeWith(settings: InboxSettings, c: Conversation, status: ConversationStatus, now: Date, bh: BusinessHours, snoozedUntil?: Date) {
  const base = { status, updated_at: new Date(), snoozed_until: status === 'snoozed' ? (snoozedUntil ?? null) : null };
  if (status === 'resolved') {
    return {
      ...base,
      resolved_at: c.status === 'resolved' ? c.resolved_at : now,
      first_response_due_at: null,
      resolution_due_at: null,
      sla_paused_at: null,
      sla_first_left_ms: null,
      sla_resolution_left_ms: null,
    };
  }
  if (c.status === 'resolved') {
    // Reopened: a fresh resolution clock (the first response, if given, stays given).
    const fresh = {
      resolved_at: null,
      reopen_count: c.reopen_count + 1,
      resolution_due_at: c.automatic ? null : addBusinessMs(now, targetsFor(settings, c.priority, c.channel).resolution * 60_000, bh),
      sla_paused_at: null,
    };
    return status === 'pending'
      ? { ...base, ...fresh, ...pauseClocks({ first_response_due_at: null, resolution_due_at: fresh.resolution_due_at, sla_paused_at: null }, now, bh) }
      : { ...base, ...fresh };
  }
  if (status === 'pending') return { ...base, ...pauseClocks(c, now, bh) };
  return { ...base, ...resumeClocks(c, now, bh) };
}

/** Open, pending (clocks paused), snoozed until a time, or resolved (conversation.resolved). */
export async function setStatus(ctx: AppContext, conversationId: string, actor: Actor | null, status: ConversationStatus, snoozedUntil?: Date): Promise<void> {
  const now = ctx.now();
  if (status === 'snoozed' && (!snoozedUntil || snoozedUntil.getTime() <= now.getTime())) throw new HttpError(400, 'validation', 'Snoozing needs a time in the future (until)');
  const bh = await businessHours(ctx.db);
  await ctx.db.transaction().execute(async (trx) => {
    const c = await loadConversation(trx, conversationId, true);
    await trx
      .updateTable('conversations')
      .set(await statusChange(ctx, trx, c, status, now, bh, actor?.id ?? null, snoozedUntil))
      .where('id', '=', conversationId)
      .execute();
  });
  announce(conversationId, 'status');
}

export async function assign(ctx: AppContext, conversationId: string, assigneeUserId: string | null): Promise<void> {
  if (assigneeUserId) {
    const u = await ctx.db.selectFrom('users').select(['id', 'disabled_at']).where('id', '=', assigneeUserId).executeTakeFirst();
    if (!u || u.disabled_at) throw new HttpError(400, 'validation', 'Invalid input: assigneeUserId is not an active user', [{ field: 'assigneeUserId', message: 'is not an active user' }]);
  }
  const r = await ctx.db.updateTable('conversations').set({ assignee_user_id: assigneeUserId, updated_at: new Date() }).where('id', '=', conversationId).executeTakeFirst();
  if (!Number(r.numUpdatedRows)) throw notFound('Conversation');
  announce(conversationId, 'assign');
}

export async function updateConversation(ctx: AppContext, conversationId: string, patch: { priority?: Priority; tags?: string[] }): Promise<void> {
  const set: Record<string, unknown> = { updated_at: new Date() };
  if (patch.priority) set.priority = patch.priority;
  if (patch.tags) set.tags = [...new Set(patch.tags.map((t) => t.trim()).filter(Boolean))];
  const r = await ctx.db.updateTable('conversations').set(set).where('id', '=', conversationId).executeTakeFirst();
  if (!Number(r.numUpdatedRows)) throw notFound('Conversation');
  announce(conversationId, 'update');
}

/** How staff are @mentioned: the first name when no one else has it, else the email's local part. */
export function mentionHandles(users: { id: string; name: string; email: string }[]): Map<string, string> {
  const first = (u: { name: string }) => (u.name.trim().split(/\s+/)[0] ?? '').toLowerCase();
  const count = new Map<string, number>();
  for (const u of users) count.set(first(u), (count.get(first(u)) ?? 0) + 1);
  return new Map(users.map((u) => [u.id, first(u) && count.get(first(u)) === 1 ? first(u) : u.email.split('@')[0].toLowerCase()]));
}

/** The staff a note mentions (@handle, or @local-part of their email), never its author. */
export function mentionedIn(text: string, handles: Map<string, string>, authorId: string): string[] {
  const said = new Set([...text.toLowerCase().matchAll(/(?:^|[^\p{L}\p{N}._%+-])@([\p{L}\p{N}._%+-]+)/gu)].map((m) => m[1].replace(/[._-]+$/, '')));
  return [...handles.entries()].filter(([id, h]) => id !== authorId && said.has(h)).map(([id]) => id);
}

/**
 * An internal note (never sent, never shown to the customer). Each staff member it @mentions
 * gets a task pointing at the conversation, in the note's transaction (once per note and person).
 */
export async function addNote(ctx: AppContext, conversationId: string, actor: Actor, text: string): Promise<{ messageId: string; mentioned: string[] }> {
  const now = ctx.now();
  const r = await ctx.db.transaction().execute(async (trx) => {
    const c = await loadConversation(trx, conversationId, true);
    const m = await insertMessage(trx, { conversationId, customerId: c.customer_id, channel: c.channel, subject: c.subject, authorKind: 'note', text, at: now, userId: actor.id });
    const mentioned: string[] = [];
    if (text.includes('@')) {
      const users = await trx.selectFrom('users').select(['id', 'name', 'email']).where('disabled_at', 'is', null).execute();
      for (const userId of mentionedIn(text, mentionHandles(users), actor.id)) {
        await createTask(trx, {
          customerId: c.customer_id,
          title: `${actor.name} mentioned you: ${c.subject}`.slice(0, 300),
          details: `${text.slice(0, 2000)}\n\nConversation: /inbox/${conversationId}`,
          dueAt: now,
          assigneeUserId: userId,
          source: `inbox:${conversationId}`,
          idempotencyKey: `inbox-mention:${m.id}:${userId}`,
        });
        mentioned.push(userId);
      }
    }
    return { id: m.id, mentioned };
  });
  announce(conversationId, 'message', r.id, 'note');
  return { messageId: r.id, mentioned: r.mentioned };
}

/**
 * Merges `sourceId` into `targetId` (two conversations of one customer): the source's messages
 * and attachments move over in their write order, tags join, and the source is closed with a
 * pointer to the target (no resolution event: nothing was resolved, so no CSAT). The target
 * keeps its clocks, unless it was resolved and the source was not: then it takes the source's
 * status and clocks. A system line in the target says what was merged.
 */
export async function mergeConversations(ctx: AppContext, targetId: string, sourceId: string, actor: Actor): Promise<void> {
  if (targetId === sourceId) throw new HttpError(400, 'validation', 'Invalid input: a conversation cannot be merged into itself', [{ field: 'sourceId', message: 'is this conversation' }]);
  const now = ctx.now();
  await ctx.db.transaction().execute(async (trx) => {
    // Lock both in id order, so two merges of the same pair cannot deadlock.
    const [a, b] = [targetId, sourceId].sort();
    const first = await loadConversation(trx, a, true);
    const second = await loadConversation(trx, b, true);
    const target = first.id === targetId ? first : second;
    const source = first.id === sourceId ? first : second;
    if (target.customer_id !== source.customer_id) throw new HttpError(409, 'different_customers', 'Only conversations of the same customer can be merged');
    if (source.merged_into_id) throw new HttpError(409, 'already_merged', 'That conversation was already merged into another');
    if (target.merged_into_id) throw new HttpError(409, 'already_merged', 'This conversation was merged into another; merge into that one');
    const moved = await trx.updateTable('messages').set({ conversation_id: target.id }).where('conversation_id', '=', source.id).executeTakeFirst();
    const takeSource = target.status === 'resolved' && source.status !== 'resolved';
    await trx
      .updateTable('conversations')
      .set({
        tags: [...new Set([...target.tags, ...source.tags])],
        message_count: target.message_count + Number(moved.numUpdatedRows),
        last_message_at: new Date(Math.max(new Date(target.last_message_at).getTime(), new Date(source.last_message_at).getTime())),
        first_responded_at: target.first_responded_at ?? source.first_responded_at,
        updated_at: new Date(),
        ...(takeSource
          ? {
              status: source.status,
              snoozed_until: source.snoozed_until,
              resolved_at: null,
              first_response_due_at: source.first_response_due_at,
              resolution_due_at: source.resolution_due_at,
              sla_paused_at: source.sla_paused_at,
              sla_first_left_ms: source.sla_first_left_ms,
              sla_resolution_left_ms: source.sla_resolution_left_ms,
            }
          : {}),
      })
      .where('id', '=', target.id)
      .execute();
    await trx
      .updateTable('conversations')
      .set({
        merged_into_id: target.id,
        status: 'resolved',
        resolved_at: source.resolved_at ?? now,
        message_count: 0,
        snoozed_until: null,
        first_response_due_at: null,
        resolution_due_at: null,
        sla_paused_at: null,
        sla_first_left_ms: null,
        sla_resolution_left_ms: null,
        tags: [...new Set([...source.tags, 'merged'])],
        updated_at: new Date(),
      })
      .where('id', '=', source.id)
      .execute();
    await insertMessage(trx, {
      conversationId: target.id,
      customerId: target.customer_id,
      channel: target.channel,
      subject: target.subject,
      authorKind: 'system',
      text: `${actor.name} merged "${source.subject}" (${source.channel}, ${Number(moved.numUpdatedRows)} message${Number(moved.numUpdatedRows) === 1 ? '' : 's'}) into this conversation.`,
      at: now,
      userId: actor.id,
    });
  });
  announce(targetId, 'merge');
  announce(sourceId, 'merge');
}

/**
 * A chat visitor asks to be called back: their line in the chat, the conversation tagged
 * call-back with high priority and a first reply due within the business's promise
 * (callBackMinutes, business time), and a call task with the number, due then — for the
 * assignee, else the owners. Asked twice for one number: one task.
 */
export async function requestCallBack(ctx: AppContext, conversationId: string, input: { phone: string; note?: string }): Promise<{ taskId: string; dueAt: Date }> {
  const settings = await getInboxSettings(ctx.db);
  const bh = await businessHours(ctx.db, settings);
  const now = ctx.now();
  const digits = input.phone.replace(/\D/g, '');
  await receiveMessage(ctx, {
    channel: 'chat',
    conversationId,
    from: {},
    subject: '',
    text: `Please call me back on ${input.phone}.${input.note?.trim() ? `\n\n${input.note.trim()}` : ''}`,
    receivedAt: now,
  });
  const due = addBusinessMs(now, settings.callBackMinutes * 60_000, bh);
  const taskId = await ctx.db.transaction().execute(async (trx) => {
    const c = await loadConversation(trx, conversationId, true);
    const firstDue = c.first_responded_at ? null : c.first_response_due_at && new Date(c.first_response_due_at) < due ? new Date(c.first_response_due_at) : due;
    await trx
      .updateTable('conversations')
      .set({
        tags: [...new Set([...c.tags, 'call-back'])],
        priority: c.priority === 'urgent' ? 'urgent' : 'high',
        ...(firstDue ? { first_response_due_at: firstDue } : {}),
        updated_at: new Date(),
      })
      .where('id', '=', conversationId)
      .execute();
    const customer = await trx.selectFrom('customers').select(['name']).where('id', '=', c.customer_id).executeTakeFirst();
    const t = await createTask(trx, {
      customerId: c.customer_id,
      title: `Call back ${customer?.name || 'a chat visitor'} on ${input.phone}`.slice(0, 300),
      details: `Asked in chat. ${input.note?.trim() ?? ''}\nConversation: /inbox/${conversationId}`.trim(),
      dueAt: due,
      assigneeUserId: c.assignee_user_id,
      assigneeRole: c.assignee_user_id ? null : 'owner',
      source: `inbox:${conversationId}`,
      idempotencyKey: `inbox-callback:${conversationId}:${digits}`,
    });
    return t.id;
  });
  announce(conversationId, 'update');
  return { taskId, dueAt: due };
}

export interface CallInput extends CallLog {
  notes: string;
}

/** A phone call logged into a conversation (an outbound call counts as the first response). */
export async function logCall(ctx: AppContext, conversationId: string, actor: Actor, call: CallInput): Promise<{ messageId: string }> {
  const now = ctx.now();
  const minutes = Math.floor(call.durationSeconds / 60);
  const seconds = call.durationSeconds % 60;
  const text = `${call.direction === 'inbound' ? 'Inbound' : 'Outbound'} call, ${minutes}m ${seconds}s, ${call.outcome.replace(/_/g, ' ')}${call.notes.trim() ? `\n\n${call.notes.trim()}` : ''}`;
  const id = await ctx.db.transaction().execute(async (trx) => {
    const c = await loadConversation(trx, conversationId, true);
    const m = await insertMessage(trx, {
      conversationId,
      customerId: c.customer_id,
      channel: c.channel,
      subject: c.subject,
      authorKind: call.direction === 'inbound' ? 'customer' : 'agent',
      text,
      call: { direction: call.direction, durationSeconds: call.durationSeconds, outcome: call.outcome },
      at: now,
      userId: actor.id,
    });
    if (call.direction === 'outbound' && call.outcome === 'answered' && !c.first_responded_at) {
      await trx.updateTable('conversations').set({ first_responded_at: now, first_response_due_at: null, sla_first_left_ms: null }).where('id', '=', conversationId).execute();
    }
    return m.id;
  });
  announce(conversationId, 'message', id, 'call');
  return { messageId: id };
}

/** A phone conversation started by staff for a customer (a call that came in or went out). */
export async function openPhoneConversation(ctx: AppContext, actor: Actor, input: { customerId: string; subject: string; call: CallInput }): Promise<{ conversationId: string; messageId: string }> {
  const now = ctx.now();
  const customer = await ctx.db.selectFrom('customers').select(['id', 'email', 'erased_at', 'merged_into']).where('id', '=', input.customerId).executeTakeFirst();
  if (!customer || customer.erased_at || customer.merged_into) throw notFound('Customer');
  const settings = await getInboxSettings(ctx.db);
  const bh = await businessHours(ctx.db, settings);
  const conversationId = await ctx.db.transaction().execute(async (trx) => {
    const c = await trx
      .insertInto('conversations')
      .values({
        channel: 'phone',
        customer_id: customer.id,
        subject: input.subject.trim() || 'Phone call',
        subject_key: subjectKey(input.subject),
        reply_to_address: customer.email,
        assignee_user_id: actor.id,
        ...slaFor(settings, bh, 'normal', 'phone', now),
        last_message_at: now,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await ctx.events.emit(trx, 'conversation.opened', { conversationId: c.id, customerId: customer.id, channel: 'phone', automatic: false });
    return c.id;
  });
  const m = await logCall(ctx, conversationId, actor, input.call);
  return { conversationId, messageId: m.messageId };
}

/** Snoozed conversations whose time has come are open again (a scheduled job). */
export async function wakeSnoozed(ctx: AppContext): Promise<number> {
  const now = ctx.now();
  const woke = await ctx.db
    .updateTable('conversations')
    .set({ status: 'open', snoozed_until: null, updated_at: new Date() })
    .where('status', '=', 'snoozed')
    .where('snoozed_until', '<=', now)
    .returning('id')
    .execute();
  for (const w of woke) announce(w.id, 'status');
  return woke.length;
}
