// The customer list query: filters (search, tag, status, driver, company, spend, last order,
// health, lifetime value), sorts, keyset pages and the total — one statement per page.
//
// Per-customer figures (orders, spend, last order, last contact) are computed for the page's rows
// only, after the page is cut, unless the sort or a filter needs them for every row (spend, last
// order). Health and lifetime value come from analytics (the `customerScores` extension point),
// which keeps them from its cached report: no model runs on the request path.
import { sql, type RawBuilder } from 'kysely';
import { z } from 'zod';
import type { AppContext } from '../platform/context.js';
import { contributions } from '../platform/feature.js';
import { badRequest } from '../platform/http/errors.js';
import { isContact } from './contact.js';
import { retentionDrivers } from './customers.tables.js';
import { normalizePhone } from './import/values.js';

/** Health 0–100 and lifetime value (major units, the workspace currency) per customer id. */
export type CustomerScores = Map<string, { health: number; value: number }>;
export type CustomerScoresSource = (ctx: AppContext) => Promise<CustomerScores>;

declare module '../platform/feature.js' {
  interface FeatureContributions {
    /** analytics: each customer's health and lifetime value, for sorting and filtering the list */
    customerScores: CustomerScoresSource[];
  }
}

export const customerStatuses = ['active', 'lapsed', 'prospect', 'subscriber', 'unsubscribed', 'erased'] as const;
export const customerSorts = ['name', 'newest', 'oldest', 'updated', 'spent', 'lastOrder', 'health', 'value'] as const;
/** health bands, as on the customer page: good 70+, fair 40–69, poor under 40 */
export const healthBands = { good: [70, 101], fair: [40, 70], poor: [0, 40] } as const;

const days = z.coerce.number().int().min(1).max(36500);
const major = z.coerce.number().min(0).max(1e12);
export const customerListQuery = z.object({
  search: z.string().trim().max(200).optional(),
  tag: z.string().trim().max(60).optional(),
  status: z.enum(customerStatuses).optional(),
  driver: z.enum(retentionDrivers).optional(),
  company: z.uuid('must be a company id').optional(),
  minSpent: major.optional().describe('paid orders, in major units of the workspace currency'),
  maxSpent: major.optional(),
  orderedWithinDays: days.optional().describe('last order at most this many days ago'),
  noOrderForDays: days.optional().describe('has ordered, but not for more than this many days'),
  health: z.enum(['good', 'fair', 'poor']).optional(),
  minValue: major.optional().describe('lifetime value (next year) at least this, in major units'),
  sort: z.enum(customerSorts).default('name'),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type CustomerListQuery = z.infer<typeof customerListQuery>;

export interface ListStats {
  orders: number;
  spent: number;
  last_order_at: string | null;
  last_contact_at: string | null;
  currency: string | null;
  recent: boolean;
  subscriber: boolean;
}

const badCursor = () => badRequest('Invalid cursor', [{ field: 'querystring.cursor', message: 'is not a cursor from this list' }]);

function decodeCursor(c: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' && /^[0-9a-f-]{36}$/.test(v[1])) return [v[0], v[1]];
  } catch {
    /* fall through */
  }
  throw badCursor();
}
const encodeCursor = (v: [string, string]) => Buffer.from(JSON.stringify(v)).toString('base64url');

let scoresWarned = false;
async function scores(ctx: AppContext): Promise<CustomerScores> {
  const [source] = contributions('customerScores');
  if (!source) return new Map();
  try {
    return await source(ctx);
  } catch (err) {
    if (!scoresWarned) ctx.log.warn({ err }, 'customer scores unavailable: the list cannot sort or filter by health or value');
    scoresWarned = true;
    return new Map();
  }
}

/** True when the query sorts or filters by analytics' health or lifetime value. */
export const needsScores = (q: CustomerListQuery) => q.sort === 'health' || q.sort === 'value' || q.health !== undefined || q.minValue !== undefined;

/** The moments an answer to `q` depends on that move with the clock: the start of the activity
 * window (a customer is active with a last order since then) and those of the last-order filters. */
export function timeBoundaries(q: CustomerListQuery, windowStart: Date, now: Date): Date[] {
  const b = [windowStart];
  if (q.orderedWithinDays !== undefined) b.push(new Date(now.getTime() - q.orderedWithinDays * 86400_000));
  if (q.noOrderForDays !== undefined) b.push(new Date(now.getTime() - q.noOrderForDays * 86400_000));
  return b;
}

/** One page of customers (rows with their `stats`), the next cursor, and the total on the first page.
 * `db` runs the queries (default ctx.db: a connection of a shared run, see customers.list-cache.ts). */
export async function listCustomers(
  ctx: AppContext,
  q: CustomerListQuery,
  opts: { windowStart: Date; currencyDigits: number; db?: AppContext['db'] },
): Promise<{ rows: (Record<string, unknown> & { id: string; stats: ListStats })[]; nextCursor: string | null; total: number | null }> {
  const ws = opts.windowStart;
  const db = opts.db ?? ctx.db;
  const now = ctx.now();
  const conds: RawBuilder<unknown>[] = [sql`c.merged_into is null`];
  if (q.status !== 'erased') conds.push(sql`c.erased_at is null`);
  if (q.search) {
    const s = q.search.toLowerCase().replace(/[\\%_]/g, (m) => `\\${m}`);
    conds.push(sql`(lower(c.name) like ${`%${s}%`} or c.email_normalized like ${`${s}%`} or c.external_id = ${q.search} or c.phone_normalized = ${normalizePhone(q.search) ?? '-'})`);
  }
  if (q.tag) conds.push(sql`c.tags @> ${sql.val([q.tag])}::text[]`);
  if (q.driver) conds.push(sql`c.retention_driver = ${q.driver}`);
  if (q.company) conds.push(sql`c.company_id = ${q.company}::uuid`);
  const recent = sql`exists (select 1 from orders o where o.customer_id = c.id and o.ordered_at >= ${ws} and o.status <> 'cancelled')`;
  const anyOrder = sql`exists (select 1 from orders o where o.customer_id = c.id)`;
  switch (q.status) {
    case 'active':
      conds.push(recent);
      break;
    case 'lapsed':
      conds.push(sql`${anyOrder} and not ${recent}`);
      break;
    case 'prospect':
      conds.push(sql`not ${anyOrder}`);
      break;
    case 'subscriber':
      conds.push(sql`exists (select 1 from subscriptions s where s.customer_id = c.id and s.canceled_at is null)`);
      break;
    case 'unsubscribed':
      conds.push(sql`c.unsubscribed_at is not null`);
      break;
    case 'erased':
      conds.push(sql`c.erased_at is not null`);
      break;
  }
  const unit = 10 ** opts.currencyDigits;
  if (q.minSpent !== undefined) conds.push(sql`a.spent >= ${Math.round(q.minSpent * unit)}`);
  if (q.maxSpent !== undefined) conds.push(sql`a.spent <= ${Math.round(q.maxSpent * unit)}`);
  if (q.orderedWithinDays !== undefined) conds.push(sql`a.last_order_at >= ${new Date(now.getTime() - q.orderedWithinDays * 86400_000)}`);
  if (q.noOrderForDays !== undefined) conds.push(sql`a.last_order_at < ${new Date(now.getTime() - q.noOrderForDays * 86400_000)}`);

  const needScores = needsScores(q);
  const scoreMap = needScores ? await scores(ctx) : new Map();
  if (q.health) {
    const [lo, hi] = healthBands[q.health];
    conds.push(sql`sc.health >= ${lo} and sc.health < ${hi}`);
  }
  if (q.minValue !== undefined) conds.push(sql`sc.value >= ${q.minValue}`);
  // the figures every row needs when a sort or filter reads them
  const filterAgg = q.minSpent !== undefined || q.maxSpent !== undefined || q.orderedWithinDays !== undefined || q.noOrderForDays !== undefined;
  const needAgg = q.sort === 'spent' || q.sort === 'lastOrder' || filterAgg;
  const aggregate = sql`(select count(*)::int as orders, coalesce(sum(o.amount_minor) filter (where o.status = 'paid'), 0)::bigint as spent,
      max(o.ordered_at) filter (where o.status <> 'cancelled') as last_order_at, min(o.currency) as currency,
      coalesce(bool_or(o.ordered_at >= ${ws} and o.status <> 'cancelled'), false) as recent
    from orders o where o.customer_id = c.id)`;
  const ids = [...scoreMap.keys()];
  const scoreJoin = needScores
    ? sql`left join (select * from unnest(${ids}::uuid[], ${ids.map((i) => scoreMap.get(i)!.health)}::float8[], ${ids.map((i) => scoreMap.get(i)!.value)}::float8[]) as x(id, health, value)) sc on sc.id = c.id`
    : sql``;
  // Every row's figures: grouped in one pass over the orders (a hash join) when the list is not
  // narrowed to a few customers, else looked up per customer (an index probe each).
  const narrowed = q.search !== undefined || q.tag !== undefined || q.company !== undefined;
  const grouped = sql`left join (select o.customer_id, count(*)::int as orders, coalesce(sum(o.amount_minor) filter (where o.status = 'paid'), 0)::bigint as spent,
      max(o.ordered_at) filter (where o.status <> 'cancelled') as last_order_at, min(o.currency) as currency,
      coalesce(bool_or(o.ordered_at >= ${ws} and o.status <> 'cancelled'), false) as recent
    from orders o group by o.customer_id) a0 on a0.customer_id = c.id
    cross join lateral (select coalesce(a0.orders, 0) as orders, coalesce(a0.spent, 0::bigint) as spent, a0.last_order_at, a0.currency, coalesce(a0.recent, false) as recent) a`;
  const aggJoin = !needAgg ? sql`` : narrowed ? sql`left join lateral ${aggregate} a on true` : grouped;

  // sort key (text in the cursor), its SQL, direction
  const after = q.cursor ? decodeCursor(q.cursor) : null;
  let key: RawBuilder<unknown>;
  let dir: 'asc' | 'desc';
  let cast: 'text' | 'timestamptz' | 'bigint' | 'float8';
  switch (q.sort) {
    case 'name':
      [key, dir, cast] = [sql`lower(c.name)`, 'asc', 'text'];
      break;
    case 'newest':
    case 'oldest':
      [key, dir, cast] = [sql`c.acquired_at`, q.sort === 'newest' ? 'desc' : 'asc', 'timestamptz'];
      break;
    case 'updated':
      [key, dir, cast] = [sql`c.updated_at`, 'desc', 'timestamptz'];
      break;
    case 'spent':
      [key, dir, cast] = [sql`a.spent`, 'desc', 'bigint'];
      break;
    case 'lastOrder':
      [key, dir, cast] = [sql`coalesce(a.last_order_at, '-infinity'::timestamptz)`, 'desc', 'timestamptz'];
      break;
    case 'health': // the most at risk first; unscored last
      [key, dir, cast] = [sql`coalesce(sc.health, 1000)`, 'asc', 'float8'];
      break;
    case 'value':
      [key, dir, cast] = [sql`coalesce(sc.value, -1)`, 'desc', 'float8'];
      break;
  }
  if (after) {
    // the key as the database wrote it: refuse anything else rather than let the database choke on it
    if (cast === 'timestamptz' && !/^(-infinity|\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2})?|Z)?)$/.test(after[0])) throw badCursor();
    if ((cast === 'bigint' || cast === 'float8') && !Number.isFinite(Number(after[0]))) throw badCursor();
    if (cast === 'bigint' && !/^-?\d{1,18}$/.test(after[0])) throw badCursor();
    const op = sql.raw(dir === 'asc' ? '>' : '<');
    conds.push(sql`(${key}, c.id) ${op} (${after[0]}::${sql.raw(cast)}, ${after[1]}::uuid)`);
  }
  const where = sql.join(conds, sql` and `);
  const order = sql.raw(dir);
  const stats = sql`json_build_object('orders', p.s_orders, 'spent', p.s_spent, 'last_order_at', p.s_last_order_at, 'currency', p.s_currency, 'recent', p.s_recent,
      'last_contact_at', (select max(t.occurred_at) from touchpoints t where t.customer_id = p.id and ${isContact('t')}),
      'subscriber', exists (select 1 from subscriptions s where s.customer_id = p.id and s.canceled_at is null))`;
  // the page first, then the figures of its rows
  const pageSql = needAgg
    ? sql`select c.*, ${key} as sort_val, ${key}::text as sort_key, a.orders as s_orders, a.spent as s_spent, a.last_order_at as s_last_order_at, a.currency as s_currency, a.recent as s_recent
        from customers c ${aggJoin} ${scoreJoin} where ${where} order by ${key} ${order}, c.id ${order} limit ${q.limit + 1}`
    : sql`select p0.*, a.orders as s_orders, a.spent as s_spent, a.last_order_at as s_last_order_at, a.currency as s_currency, a.recent as s_recent
        from (select c.*, ${key} as sort_val, ${key}::text as sort_key from customers c ${scoreJoin} where ${where} order by ${key} ${order}, c.id ${order} limit ${q.limit + 1}) p0
        left join lateral (select count(*)::int as orders, coalesce(sum(o.amount_minor) filter (where o.status = 'paid'), 0)::bigint as spent,
          max(o.ordered_at) filter (where o.status <> 'cancelled') as last_order_at, min(o.currency) as currency,
          coalesce(bool_or(o.ordered_at >= ${ws} and o.status <> 'cancelled'), false) as recent
          from orders o where o.customer_id = p0.id) a on true`;
  const result = await sql<Record<string, unknown> & { id: string; sort_key: string; stats: ListStats }>`
    select p.*, ${stats} as stats from (${pageSql}) p order by p.sort_val ${order}, p.id ${order}`.execute(db);
  const sorted = result.rows;
  const page = sorted.slice(0, q.limit);
  const last = page[page.length - 1];
  let total: number | null = null;
  if (!q.cursor) {
    // the first page has no cursor condition: the figures join only when a filter reads them
    const counted = await sql<{ n: number }>`select count(*)::int as n from customers c ${filterAgg ? aggJoin : sql``} ${scoreJoin} where ${where}`.execute(db);
    total = Number(counted.rows[0]?.n ?? 0);
  }
  const nextCursor = sorted.length > q.limit && last ? encodeCursor([String(last.sort_key), last.id]) : null;
  for (const r of page) {
    for (const k of ['sort_val', 'sort_key', 's_orders', 's_spent', 's_last_order_at', 's_currency', 's_recent']) delete r[k];
  }
  return { rows: page, nextCursor, total };
}
