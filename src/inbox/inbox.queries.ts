// Reading the inbox: the list with its saved views, one conversation with its messages, and
// the customer panel (value, recent orders, open tasks — read from the customers and tasks tables).
import { sql } from 'kysely';
import type { Database } from '../platform/db/database.js';
import { badRequest, notFound } from '../platform/http/errors.js';
import type { AttachmentMeta, CallLog, Channel, ConversationStatus } from './inbox.tables.js';

export const views = ['open', 'mine', 'unassigned', 'breaching', 'pending', 'snoozed', 'resolved', 'all'] as const;
export type View = (typeof views)[number];

export interface ListFilter {
  view: View;
  status?: ConversationStatus;
  channel?: Channel;
  customerId?: string;
  assigneeUserId?: string;
  q?: string;
  limit: number;
  cursor?: string;
}

// The cursor is the last row's sort key: its last activity to the microsecond (as the database
// keeps it: a millisecond cursor would skip rows within that millisecond) and its id.
const cursorAt = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/;
function decodeCursor(cursor: string): { at: string; id: string } {
  const raw = Buffer.from(cursor, 'base64url').toString('utf8');
  const [at, id] = raw.split('|');
  if (!id || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id) || !cursorAt.test(at ?? '') || Number.isNaN(new Date(at).getTime()))
    throw badRequest('Invalid input: cursor is not a cursor from this list', [{ field: 'cursor', message: 'is not a cursor from this list' }]);
  return { at, id };
}
const encodeCursor = (at: string, id: string) => Buffer.from(`${at}|${id}`).toString('base64url');

// Each view is written in the form its partial index (0507) states, with constant statuses, so the
// planner walks that index in the list's order and stops at the page:
//   open        conversations_open_last        (last_message_at desc, id desc) where status in ('open','snoozed')
//   mine        conversations_assignee_unresolved (assignee_user_id, last_message_at desc, id desc) where unresolved
//   unassigned  the same, assignee_user_id is null
//   breaching   conversations_open_due         (least(first due, resolution due), id) where status = 'open'
//   pending, snoozed, resolved  conversations_status_recent (status, last_message_at desc, id desc)
//   all         conversations_last             (last_message_at desc, id desc) (0504)
/** Up to this many customers matching a search term are read by their conversations (see the search). */
const FEW_CUSTOMERS = 100;
const UNRESOLVED = sql`c.status in ('open', 'pending', 'snoozed')`;
const NEXT_DUE = sql`least(c.first_response_due_at, c.resolution_due_at)`;

/** The conversation list: newest activity first (breaching: soonest due first), keyset-paged. */
export async function listConversations(db: Database, f: ListFilter, me: string, now: Date, soonMinutes: number) {
  const soon = new Date(now.getTime() + soonMinutes * 60_000);
  const cursor = f.cursor ? decodeCursor(f.cursor) : null;
  if (f.view === 'breaching' && cursor)
    throw badRequest('Invalid input: cursor is not used in the breaching view (it shows the most urgent first)', [{ field: 'cursor', message: 'is not used in this view' }]);
  // The view, the filters, the cursor and the order: applied to the page and to each search branch
  // (so each branch's own first page is exact, and the page is the first page of their union).
  const filtered = () => {
    let q = db.selectFrom('conversations as c');
    switch (f.view) {
      case 'open':
        // open, or snoozed until a time that has passed (woken by the list before the job wakes it)
        q = q.where(sql<boolean>`c.status in ('open', 'snoozed')`).where((eb) => eb.or([eb(sql`c.status`, '=', sql.lit('open')), eb('c.snoozed_until', '<=', now)]));
        break;
      case 'mine':
        q = q.where('c.assignee_user_id', '=', me).where(sql<boolean>`${UNRESOLVED}`);
        break;
      case 'unassigned':
        q = q.where('c.assignee_user_id', 'is', null).where(sql<boolean>`${UNRESOLVED}`);
        break;
      case 'breaching':
        // least() skips a missing target: "either target due by then"
        q = q.where(sql<boolean>`c.status = 'open'`).where(NEXT_DUE, '<=', soon);
        break;
      case 'pending':
      case 'snoozed':
      case 'resolved':
        q = q.where('c.status', '=', sql.lit(f.view));
        break;
      case 'all':
        break;
    }
    if (f.status) q = q.where('c.status', '=', f.status);
    if (f.channel) q = q.where('c.channel', '=', f.channel);
    if (f.customerId) q = q.where('c.customer_id', '=', f.customerId);
    if (f.assigneeUserId) q = q.where('c.assignee_user_id', '=', f.assigneeUserId);
    if (f.view === 'breaching') return q.orderBy(NEXT_DUE, 'asc').orderBy('c.id');
    // a row comparison: the index scan starts at the cursor (an `or` of the two parts would read from the top)
    if (cursor) q = q.where(sql<boolean>`(c.last_message_at, c.id) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`);
    return q.orderBy('c.last_message_at', 'desc').orderBy('c.id', 'desc');
  };
  let page = filtered()
    .select([
      'c.id',
      'c.channel',
      'c.status',
      'c.subject',
      'c.priority',
      'c.tags',
      'c.snoozed_until',
      'c.assignee_user_id',
      'c.customer_id',
      'c.first_response_due_at',
      'c.first_responded_at',
      'c.resolution_due_at',
      'c.sla_paused_at',
      'c.automatic',
      'c.last_message_at',
      sql<string>`to_char(c.last_message_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('sort_at'),
      'c.message_count',
      'c.created_at',
    ])
    .limit(f.limit + 1);
  if (f.q?.trim()) {
    const s = `%${f.q
      .trim()
      .toLowerCase()
      .replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    // Two branches, each a first page of its own: conversations whose subject matches, and
    // conversations of the customers whose name or email matches. Each carries the list's filters,
    // order and limit, so the planner picks per branch by how many rows the term matches: a rare
    // term reads the trigram index (0505) and sorts the few rows found; a common one walks the
    // newest-first index and stops at the page (bench/inbox-list). At most two pages of ids reach
    // the page, read by primary key.
    const n = f.limit + 1;
    const bySubject = filtered().select('c.id').where(sql`lower(c.subject)`, 'like', s).limit(n);
    // The customers matching the term are looked up first (their trigram indexes; at most
    // FEW_CUSTOMERS + 1 ids): when they are few, the branch reads their conversations by
    // conversations_customer and sorts those; left to itself the planner sometimes over-estimated
    // them and walked every conversation newest-first (415 ms for one customer at 100,000).
    // When they are many, the branch keeps the subquery and the walk that stops at the page.
    const matching = db
      .selectFrom('customers as sc')
      .select('sc.id')
      .where((w) => w.or([w(sql`lower(sc.name)`, 'like', s), w('sc.email_normalized', 'like', s)]));
    const few = await matching.limit(FEW_CUSTOMERS + 1).execute();
    const byCustomer = filtered()
      .select('c.id')
      .$if(few.length <= FEW_CUSTOMERS, (b) =>
        few.length
          ? b.where(
              'c.customer_id',
              'in',
              few.map((r) => r.id),
            )
          : b.where(sql<boolean>`false`),
      )
      .$if(few.length > FEW_CUSTOMERS, (b) => b.where('c.customer_id', 'in', () => matching))
      .limit(n);
    page = page.where('c.id', 'in', (eb) =>
      eb
        .selectFrom(bySubject.as('a'))
        .select('a.id')
        .unionAll(eb.selectFrom(byCustomer.as('b')).select('b.id')),
    );
  }
  // The page first (limited inside: a subquery with a limit is planned on its own), then its
  // customers, assignees and snippets for those rows only — one statement in all.
  const sorted = f.view === 'breaching' ? [sql`least(p.first_response_due_at, p.resolution_due_at)`, sql`p.id`] : [sql`p.last_message_at desc`, sql`p.id desc`];
  const rows = await db
    .selectFrom(page.as('p'))
    .innerJoin('customers as cu', 'cu.id', 'p.customer_id')
    .leftJoin('users as u', 'u.id', 'p.assignee_user_id')
    .selectAll('p')
    .select(['u.name as assignee_name', 'cu.name as customer_name', 'cu.email as customer_email'])
    .select((eb) =>
      eb
        .selectFrom('messages as m')
        .select(sql<string>`left(m.body_text, 160)`.as('s'))
        .whereRef('m.conversation_id', '=', 'p.id')
        .where('m.author_kind', 'in', ['customer', 'agent'])
        .orderBy('m.seq', 'desc')
        .limit(1)
        .as('snippet'),
    )
    .orderBy(sql.join(sorted))
    .execute();
  const more = rows.length > f.limit;
  const shown = rows.slice(0, f.limit);
  const last = shown[shown.length - 1];
  return {
    conversations: shown.map((r) => {
      const due = [r.first_response_due_at, r.resolution_due_at].filter(Boolean).map((d) => new Date(d!).getTime());
      const next = due.length ? Math.min(...due) : null;
      return {
        id: r.id,
        channel: r.channel,
        status: r.status === 'snoozed' && r.snoozed_until && new Date(r.snoozed_until) <= now ? ('open' as const) : r.status,
        subject: r.subject,
        priority: r.priority,
        tags: r.tags,
        snoozedUntil: r.snoozed_until,
        assignee: r.assignee_user_id ? { id: r.assignee_user_id, name: r.assignee_name } : null,
        customer: { id: r.customer_id, name: r.customer_name, email: r.customer_email },
        firstResponseDueAt: r.first_response_due_at,
        firstRespondedAt: r.first_responded_at,
        resolutionDueAt: r.resolution_due_at,
        slaPaused: Boolean(r.sla_paused_at),
        /** ms until the nearest target (negative: breached); null when no clock runs */
        timeLeftMs: next === null ? null : next - now.getTime(),
        breached: next !== null && next < now.getTime(),
        automatic: r.automatic,
        snippet: r.snippet ?? '',
        lastMessageAt: r.last_message_at,
        messageCount: r.message_count,
        createdAt: r.created_at,
      };
    }),
    nextCursor: more && last && f.view !== 'breaching' ? encodeCursor(last.sort_at, last.id) : null,
  };
}

export function messageView(m: {
  id: string;
  author_kind: string;
  user_id: string | null;
  user_name?: string | null;
  body_text: string;
  body_html_sanitised: string;
  quoted_text: string | null;
  from_address: string | null;
  automatic: string | null;
  attachments: AttachmentMeta[] | string;
  call: CallLog | null | string;
  email_id: string | null;
  email_message_id: string | null;
  created_at: Date;
}) {
  const attachments = (typeof m.attachments === 'string' ? JSON.parse(m.attachments) : m.attachments) as AttachmentMeta[];
  const call = (typeof m.call === 'string' ? JSON.parse(m.call) : m.call) as CallLog | null;
  return {
    id: m.id,
    authorKind: m.author_kind,
    author: m.user_id ? { id: m.user_id, name: m.user_name ?? null } : null,
    text: m.body_text,
    html: m.body_html_sanitised,
    quoted: m.quoted_text,
    from: m.from_address,
    automatic: m.automatic,
    attachments: attachments.map((a) => ({ ...a, url: a.kept ? `/api/inbox/attachments/${a.id}` : null })),
    call,
    emailId: m.email_id,
    emailMessageId: m.email_message_id,
    createdAt: m.created_at,
  };
}

/** One conversation with its messages (oldest first) and the customer panel. */
export async function conversationDetail(db: Database, id: string, now: Date) {
  const c = await db.selectFrom('conversations as c').leftJoin('users as u', 'u.id', 'c.assignee_user_id').selectAll('c').select('u.name as assignee_name').where('c.id', '=', id).executeTakeFirst();
  if (!c) throw notFound('Conversation');
  const messages = await db
    .selectFrom('messages as m')
    .leftJoin('users as u', 'u.id', 'm.user_id')
    .select([
      'm.id',
      'm.author_kind',
      'm.user_id',
      'u.name as user_name',
      'm.body_text',
      'm.body_html_sanitised',
      'm.quoted_text',
      'm.from_address',
      'm.automatic',
      'm.attachments',
      'm.call',
      'm.email_id',
      'm.email_message_id',
      'm.created_at',
    ])
    .where('m.conversation_id', '=', id)
    .orderBy('m.seq')
    .limit(2000)
    .execute();
  const due = [c.first_response_due_at, c.resolution_due_at].filter(Boolean).map((d) => new Date(d!).getTime());
  const next = due.length ? Math.min(...due) : null;
  return {
    conversation: {
      id: c.id,
      channel: c.channel,
      status: c.status,
      subject: c.subject,
      priority: c.priority,
      tags: c.tags,
      snoozedUntil: c.snoozed_until,
      assignee: c.assignee_user_id ? { id: c.assignee_user_id, name: c.assignee_name } : null,
      replyTo: c.reply_to_address,
      firstResponseDueAt: c.first_response_due_at,
      firstRespondedAt: c.first_responded_at,
      resolutionDueAt: c.resolution_due_at,
      slaPaused: Boolean(c.sla_paused_at),
      timeLeftMs: next === null ? null : next - now.getTime(),
      resolvedAt: c.resolved_at,
      automatic: c.automatic,
      createdAt: c.created_at,
      lastMessageAt: c.last_message_at,
    },
    messages: messages.map(messageView),
    customer: await customerPanel(db, c.customer_id, id),
  };
}

/** What the agent needs beside the thread so the customer never repeats themselves. */
export async function customerPanel(db: Database, customerId: string, exceptConversationId?: string) {
  // One statement: the customer and, beside it, its paid value per currency, recent orders, open
  // tasks and other conversations (each a small indexed read, aggregated to JSON).
  const except = exceptConversationId ?? null;
  const customer = (
    await sql<{
      id: string;
      name: string | null;
      email: string | null;
      phone: string | null;
      tags: string[];
      retention_driver: string | null;
      acquired_at: Date | null;
      erased_at: Date | null;
      value: Json<{ currency: string; total: number | string | null; n: number | string; last: string | null }[]>;
      orders: Json<{ id: string; amount_minor: number | string; currency: string; ordered_at: string; status: string }[]>;
      tasks: Json<{ id: string; title: string; due_at: string | null }[]>;
      others: Json<{ id: string; subject: string; status: string; channel: string; last_message_at: string }[]>;
    }>`select cu.id, cu.name, cu.email, cu.phone, cu.tags, cu.retention_driver, cu.acquired_at, cu.erased_at,
      (select coalesce(json_agg(v order by v.currency), '[]') from (select currency, sum(amount_minor) as total, count(*) as n, max(ordered_at) as last
         from orders where customer_id = cu.id and status = 'paid' group by currency) v) as value,
      (select coalesce(json_agg(o order by o.ordered_at desc), '[]') from (select id, amount_minor, currency, ordered_at, status
         from orders where customer_id = cu.id order by ordered_at desc limit 5) o) as orders,
      (select coalesce(json_agg(t order by t.due_at), '[]') from (select id, title, due_at
         from tasks where customer_id = cu.id and status = 'open' order by due_at limit 10) t) as tasks,
      (select coalesce(json_agg(x order by x.last_message_at desc), '[]') from (select id, subject, status, channel, last_message_at
         from conversations where customer_id = cu.id and merged_into_id is null and (${except}::uuid is null or id <> ${except}::uuid)
         order by last_message_at desc limit 5) x) as others
    from customers cu where cu.id = ${customerId}`.execute(db)
  ).rows[0];
  if (!customer) return null;
  const list = <T>(v: Json<T[]>): T[] => (typeof v === 'string' ? (JSON.parse(v) as T[]) : v);
  const at = (v: string | null) => (v === null ? null : new Date(v));
  return {
    id: customer.id,
    name: customer.name,
    email: customer.email,
    phone: customer.phone,
    tags: customer.tags,
    retentionDriver: customer.retention_driver,
    customerSince: customer.acquired_at,
    erased: Boolean(customer.erased_at),
    value: list(customer.value).map((v) => ({ currency: v.currency, totalMinor: Number(v.total ?? 0), orders: Number(v.n), lastOrderAt: at(v.last) })),
    recentOrders: list(customer.orders).map((o) => ({ id: o.id, amountMinor: Number(o.amount_minor), currency: o.currency, orderedAt: at(o.ordered_at), status: o.status })),
    openTasks: list(customer.tasks).map((t) => ({ id: t.id, title: t.title, dueAt: at(t.due_at) })),
    otherConversations: list(customer.others).map((o) => ({ id: o.id, subject: o.subject, status: o.status, channel: o.channel, lastMessageAt: at(o.last_message_at) })),
  };
}

/** A json column: parsed by the driver, or its text. */
type Json<T> = T | string;
