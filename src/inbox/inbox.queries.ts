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

function decodeCursor(cursor: string): { at: Date; id: string } {
  const raw = Buffer.from(cursor, 'base64url').toString('utf8');
  const [at, id] = raw.split('|');
  const date = new Date(at);
  if (!id || !/^[0-9a-f-]{36}$/i.test(id) || Number.isNaN(date.getTime()))
    throw badRequest('Invalid input: cursor is not a cursor from this list', [{ field: 'cursor', message: 'is not a cursor from this list' }]);
  return { at: date, id };
}
const encodeCursor = (at: Date, id: string) => Buffer.from(`${new Date(at).toISOString()}|${id}`).toString('base64url');

/** The conversation list: newest activity first (breaching: soonest due first), keyset-paged. */
export async function listConversations(db: Database, f: ListFilter, me: string, now: Date, soonMinutes: number) {
  const unresolved = ['open', 'pending', 'snoozed'] as const;
  const soon = new Date(now.getTime() + soonMinutes * 60_000);
  const cursor = f.cursor ? decodeCursor(f.cursor) : null;
  if (f.view === 'breaching' && cursor)
    throw badRequest('Invalid input: cursor is not used in the breaching view (it shows the most urgent first)', [{ field: 'cursor', message: 'is not used in this view' }]);
  // The view, the filters, the cursor and the order: applied to the list and to each search branch
  // (so each branch's own first page is exact, and the list is the first page of their union).
  const filtered = () => {
    let q = db.selectFrom('conversations as c');
    switch (f.view) {
      case 'open':
        q = q.where((eb) => eb.or([eb('c.status', '=', 'open'), eb.and([eb('c.status', '=', 'snoozed'), eb('c.snoozed_until', '<=', now)])]));
        break;
      case 'mine':
        q = q.where('c.assignee_user_id', '=', me).where('c.status', 'in', unresolved);
        break;
      case 'unassigned':
        q = q.where('c.assignee_user_id', 'is', null).where('c.status', 'in', unresolved);
        break;
      case 'breaching':
        q = q.where('c.status', '=', 'open').where((eb) => eb.or([eb('c.first_response_due_at', '<=', soon), eb('c.resolution_due_at', '<=', soon)]));
        break;
      case 'pending':
      case 'snoozed':
      case 'resolved':
        q = q.where('c.status', '=', f.view);
        break;
      case 'all':
        break;
    }
    if (f.status) q = q.where('c.status', '=', f.status);
    if (f.channel) q = q.where('c.channel', '=', f.channel);
    if (f.customerId) q = q.where('c.customer_id', '=', f.customerId);
    if (f.assigneeUserId) q = q.where('c.assignee_user_id', '=', f.assigneeUserId);
    if (f.view === 'breaching') return q.orderBy(sql`least(c.first_response_due_at, c.resolution_due_at)`, 'asc').orderBy('c.id');
    if (cursor) q = q.where((eb) => eb.or([eb('c.last_message_at', '<', cursor.at), eb.and([eb('c.last_message_at', '=', cursor.at), eb('c.id', '<', cursor.id)])]));
    return q.orderBy('c.last_message_at', 'desc').orderBy('c.id', 'desc');
  };
  let q = filtered()
    .innerJoin('customers as cu', 'cu.id', 'c.customer_id')
    .leftJoin('users as u', 'u.id', 'c.assignee_user_id')
    .select([
      'c.id',
      'c.channel',
      'c.status',
      'c.subject',
      'c.priority',
      'c.tags',
      'c.snoozed_until',
      'c.assignee_user_id',
      'u.name as assignee_name',
      'c.customer_id',
      'cu.name as customer_name',
      'cu.email as customer_email',
      'c.first_response_due_at',
      'c.first_responded_at',
      'c.resolution_due_at',
      'c.sla_paused_at',
      'c.automatic',
      'c.last_message_at',
      'c.message_count',
      'c.created_at',
    ])
    .select((eb) =>
      eb
        .selectFrom('messages as m')
        .select(sql<string>`left(m.body_text, 160)`.as('s'))
        .whereRef('m.conversation_id', '=', 'c.id')
        .where('m.author_kind', 'in', ['customer', 'agent'])
        .orderBy('m.seq', 'desc')
        .limit(1)
        .as('snippet'),
    )
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
    // the list, read by primary key.
    const page = f.limit + 1;
    const bySubject = filtered().select('c.id').where(sql`lower(c.subject)`, 'like', s).limit(page);
    const byCustomer = filtered()
      .select('c.id')
      .where('c.customer_id', 'in', (eb) =>
        eb
          .selectFrom('customers as sc')
          .select('sc.id')
          .where((w) => w.or([w(sql`lower(sc.name)`, 'like', s), w('sc.email_normalized', 'like', s)])),
      )
      .limit(page);
    q = q.where('c.id', 'in', (eb) =>
      eb
        .selectFrom(bySubject.as('a'))
        .select('a.id')
        .unionAll(eb.selectFrom(byCustomer.as('b')).select('b.id')),
    );
  }
  const rows = await q.execute();
  const more = rows.length > f.limit;
  const page = rows.slice(0, f.limit);
  return {
    conversations: page.map((r) => {
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
    nextCursor: more && f.view !== 'breaching' ? encodeCursor(page[page.length - 1].last_message_at, page[page.length - 1].id) : null,
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
  const customer = await db
    .selectFrom('customers')
    .select(['id', 'name', 'email', 'phone', 'tags', 'retention_driver', 'acquired_at', 'erased_at', 'marketing_consent'])
    .where('id', '=', customerId)
    .executeTakeFirst();
  if (!customer) return null;
  const [value, orders, tasks, others] = await Promise.all([
    db
      .selectFrom('orders')
      .select(['currency', (eb) => eb.fn.sum<number>('amount_minor').as('total'), (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.max('ordered_at').as('last')])
      .where('customer_id', '=', customerId)
      .where('status', '=', 'paid')
      .groupBy('currency')
      .execute(),
    db.selectFrom('orders').select(['id', 'amount_minor', 'currency', 'ordered_at', 'status']).where('customer_id', '=', customerId).orderBy('ordered_at', 'desc').limit(5).execute(),
    db.selectFrom('tasks').select(['id', 'title', 'due_at']).where('customer_id', '=', customerId).where('status', '=', 'open').orderBy('due_at').limit(10).execute(),
    db
      .selectFrom('conversations')
      .select(['id', 'subject', 'status', 'channel', 'last_message_at'])
      .where('customer_id', '=', customerId)
      .where('merged_into_id', 'is', null)
      .$if(Boolean(exceptConversationId), (q) => q.where('id', '<>', exceptConversationId!))
      .orderBy('last_message_at', 'desc')
      .limit(5)
      .execute(),
  ]);
  return {
    id: customer.id,
    name: customer.name,
    email: customer.email,
    phone: customer.phone,
    tags: customer.tags,
    retentionDriver: customer.retention_driver,
    customerSince: customer.acquired_at,
    erased: Boolean(customer.erased_at),
    value: value.map((v) => ({ currency: v.currency, totalMinor: Number(v.total ?? 0), orders: Number(v.n), lastOrderAt: v.last })),
    recentOrders: orders.map((o) => ({ id: o.id, amountMinor: o.amount_minor, currency: o.currency, orderedAt: o.ordered_at, status: o.status })),
    openTasks: tasks.map((t) => ({ id: t.id, title: t.title, dueAt: t.due_at })),
    otherConversations: others.map((o) => ({ id: o.id, subject: o.subject, status: o.status, channel: o.channel, lastMessageAt: o.last_message_at })),
  };
}
