// Codes that come with orders: a promo code is redeemed for the order, a referral code links a
// new customer to the referrer (their first order then credits both). A shop sends the code
// with its order reference (POST /api/loyalty/order-codes, before or after the order itself
// arrives); the orders table's own code column is read too once the customers feature keeps one
// (an import or webhook column), so nothing here depends on it existing.
import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB } from '../platform/db/schema.js';
import { HttpError } from '../platform/http/errors.js';
import { discountFor, normalizeCode } from './codes.js';
import { type PromoCode, refusal, toCode } from './loyalty.codes.service.js';
import { claimReferralForOrder } from './loyalty.referrals.js';

type Executor = Kysely<DB> | Transaction<DB>;

export interface OrderWithCode {
  id: string;
  external_id: string | null;
  customer_id: string;
  amount_minor: number;
  currency: string;
  status: string;
  code: string;
  /** it is a customer's referral code */
  referral: boolean;
  /** the promo code's row (null: no such promo code) */
  promo: Record<string, unknown> | string | null;
  /** a promo code was redeemed for this order before (a second delivery) */
  redeemed: boolean;
}

let orderCodeColumn: { checked: number; has: boolean } | null = null;
/** Whether the orders table keeps a promo_code column (checked once a minute: a migration may add it). */
async function ordersHaveCodeColumn(db: Executor): Promise<boolean> {
  if (orderCodeColumn && Date.now() - orderCodeColumn.checked < 60_000) return orderCodeColumn.has;
  const r = await sql<{ n: number }>`
    select count(*)::int as n from information_schema.columns
    where table_name = 'orders' and column_name = 'promo_code' and table_schema = current_schema()`.execute(db);
  orderCodeColumn = { checked: Date.now(), has: Number(r.rows[0]?.n ?? 0) > 0 };
  return orderCodeColumn.has;
}

/**
 * The orders (written in one transaction, or with these references) that carry a code, each with
 * what the code is (a referral code, a promo code's row) and whether it was redeemed for the
 * order already: one statement.
 */
async function ordersWithCodes(db: Executor, where: { writtenAt: string | string[] } | { orderRefs: string[] }): Promise<OrderWithCode[]> {
  const filter = 'writtenAt' in where ? sql`o.created_at = any(${[where.writtenAt].flat()}::timestamptz[])` : sql`o.external_id = any(${where.orderRefs}::text[])`;
  // [[:space:]], not \s: a backslash in this template literal never reaches SQL ('\s+' arrived as 's+')
  const own = (await ordersHaveCodeColumn(db)) ? sql`coalesce(nullif(trim(oc.code), ''), nullif(trim(o.promo_code), ''))` : sql`oc.code`;
  const r = await sql<OrderWithCode>`
    select x.*, exists (select 1 from loyalty_referral_codes rc where rc.code = x.normalized) as referral,
      (select to_jsonb(c) from loyalty_codes c where c.code = x.normalized) as promo,
      exists (select 1 from loyalty_redemptions r where r.idempotency_key = 'order:' || x.id) as redeemed
    from (
      select o.id, o.external_id, o.customer_id, o.amount_minor, o.currency, o.status, ${own} as code, upper(regexp_replace(${own}, '[[:space:]]+', '', 'g')) as normalized, o.ordered_at
      from orders o left join loyalty_order_codes oc on oc.order_ref = o.external_id
      where ${filter} and ${own} is not null) x
    order by x.ordered_at, x.id`.execute(db);
  return r.rows;
}

interface Candidate {
  order: OrderWithCode;
  code: PromoCode;
  key: string;
  discount: number;
}

/**
 * Redeems or credits the codes these orders carried, in the caller's transaction; once per order
 * (keyed `order:<id>`), refusals recorded. A few statements per call whatever the number of
 * orders: the codes are read together and every promo redemption is one statement
 * (redeemForOrders). Returns what happened per order.
 */
export async function applyOrderCodes(trx: Transaction<DB>, now: Date, where: { writtenAt: string | string[] } | { orderRefs: string[] }): Promise<{ orderId: string; result: string }[]> {
  const orders = await ordersWithCodes(trx, where);
  if (!orders.length) return [];
  const result = new Map<string, string>();
  const candidates: Candidate[] = [];
  for (const o of orders) {
    const code = normalizeCode(o.code);
    const key = `order:${o.id}`;
    if (!code) result.set(o.id, 'code_unknown');
    else if (o.redeemed)
      result.set(o.id, 'redeemed'); // a second delivery: redeemed the first time
    else if (o.status !== 'paid' && o.status !== 'pending') result.set(o.id, 'order_not_paid');
    else if (o.referral) {
      try {
        await claimReferralForOrder(trx, o.customer_id, code, o.id);
        result.set(o.id, 'referral');
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        result.set(o.id, err.code);
      }
    } else if (!o.promo) result.set(o.id, 'code_unknown');
    else {
      const c = toCode(typeof o.promo === 'string' ? (JSON.parse(o.promo) as Record<string, unknown>) : o.promo);
      const amount = Number(o.amount_minor);
      const why = refusal(c, { customerId: o.customer_id, orderAmountMinor: amount, currency: o.currency }, now);
      if (why) result.set(o.id, why.code);
      else candidates.push({ order: o, code: c, key, discount: discountFor(c, amount) });
    }
  }
  // the results known already are recorded by the redemption's statement (or alone when nothing is to be redeemed)
  const known = orders.filter((o) => o.external_id && result.has(o.id)).map((o) => ({ ref: o.external_id as string, result: result.get(o.id) as string }));
  if (candidates.length) for (const [orderId, r] of await redeemForOrders(trx, now, candidates, known)) result.set(orderId, r);
  else if (known.length) await sql`with ${recordResults(now, known)} select 1`.execute(trx);
  return orders.map((o) => ({ orderId: o.id, result: result.get(o.id) ?? 'code_unknown' }));
}

/** The common table expression that records each order reference's result (once: a result recorded before stays). */
function recordResults(now: Date, known: { ref: string; result: string }[], more = sql``) {
  return sql`recorded as (
      update loyalty_order_codes oc set applied_at = ${now}, result = x.result
      from (select * from unnest(${known.map((k) => k.ref)}::text[], ${known.map((k) => k.result)}::text[]) ${more}) as x(order_ref, result)
      where oc.order_ref = x.order_ref and oc.applied_at is null
      returning 1)`;
}

/**
 * One statement for every promo redemption of a batch: codes locked in one order, a single-use
 * code once per customer (earlier redemptions and the batch's own duplicates refused), each
 * code's count raised by what was inserted and never past its limit (the orders ranked by time);
 * the results of the batch's orders (and those `known` before) recorded against their references.
 */
async function redeemForOrders(trx: Transaction<DB>, now: Date, cs: Candidate[], known: { ref: string; result: string }[]): Promise<Map<string, string>> {
  if (!cs.length) return new Map();
  const r = await sql<{ key: string; result: string }>`
    with cand0 as (
      select * from unnest(${cs.map((_, i) => i)}::int[], ${cs.map((c) => c.key)}::text[], ${cs.map((c) => c.code.id)}::uuid[], ${cs.map((c) => c.order.customer_id)}::uuid[],
        ${cs.map((c) => c.order.external_id ?? c.order.id)}::text[], ${cs.map((c) => Number(c.order.amount_minor))}::bigint[], ${cs.map((c) => c.discount)}::bigint[],
        ${cs.map((c) => c.order.currency)}::text[], ${cs.map((c) => c.code.use === 'single')}::boolean[], ${cs.map((c) => c.order.external_id ?? '')}::text[])
        as x(ord, key, code_id, customer_id, order_ref, amount, discount, currency, single, ext)),
    -- the shop's reference the result is recorded against (an order without one has none)
    cand as (select x.*, nullif(x.ext, '') as ref from cand0 x),
    codes as (
      select id, usage_limit, used_count from loyalty_codes
      where id in (select code_id from cand) and disabled_at is null and (expires_at is null or expires_at > ${now})
      order by id for update),
    firsts as (
      select c.*, c.single and (row_number() over (partition by c.code_id, c.customer_id order by c.ord) > 1
        or exists (select 1 from loyalty_redemptions r where r.code_id = c.code_id and r.customer_id = c.customer_id and r.single_use)) as already
      from cand c),
    ranked as (select f.*, row_number() over (partition by f.code_id order by f.ord) as rk from firsts f where not f.already),
    allowed as (select r.* from ranked r join codes k on k.id = r.code_id where k.usage_limit is null or r.rk <= k.usage_limit - k.used_count),
    ins as (
      insert into loyalty_redemptions (code_id, customer_id, order_ref, order_amount_minor, discount_minor, currency, idempotency_key, single_use, created_at)
      select code_id, customer_id, order_ref, amount, discount, currency, key, single, ${now} from allowed
      on conflict do nothing
      returning code_id, idempotency_key),
    bump as (
      update loyalty_codes k set used_count = k.used_count + n.n
      from (select code_id, count(*)::int as n from ins group by code_id) n where k.id = n.code_id
      returning k.id),
    res as (
      select f.key, case when i.idempotency_key is not null then 'redeemed' when f.already then 'code_already_used' else 'code_used_up' end as result
      from firsts f left join ins i on i.idempotency_key = f.key),
    ${recordResults(now, known, sql`union all select c.ref, r.result from res r join cand c on c.key = r.key where c.ref is not null`)}
    select key, result from res`.execute(trx);
  const orderOf = new Map(cs.map((c) => [c.key, c.order.id]));
  return new Map(r.rows.map((x) => [orderOf.get(x.key) ?? x.key, x.result]));
}
