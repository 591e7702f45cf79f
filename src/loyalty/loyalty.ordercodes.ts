// Codes that come with orders: a promo code is redeemed for the order, a referral code links a
// new customer to the referrer (their first order then credits both). A shop sends the code
// with its order reference (POST /api/loyalty/order-codes, before or after the order itself
// arrives); the orders table's own code column is read too once the customers feature keeps one
// (an import or webhook column), so nothing here depends on it existing.
import { sql } from 'kysely';
import type { AppContext } from '../platform/context.js';
import type { Database } from '../platform/db/database.js';
import { HttpError } from '../platform/http/errors.js';
import { normalizeCode } from './codes.js';
import { redeemCode } from './loyalty.codes.service.js';
import { claimReferralForOrder } from './loyalty.referrals.js';

export interface OrderWithCode {
  id: string;
  external_id: string | null;
  customer_id: string;
  amount_minor: number;
  currency: string;
  status: string;
  code: string;
}

let orderCodeColumn: { checked: number; has: boolean } | null = null;
/** Whether the orders table keeps a promo_code column (checked once a minute: a migration may add it). */
async function ordersHaveCodeColumn(db: Database): Promise<boolean> {
  if (orderCodeColumn && Date.now() - orderCodeColumn.checked < 60_000) return orderCodeColumn.has;
  const r = await sql<{ n: number }>`
    select count(*)::int as n from information_schema.columns
    where table_name = 'orders' and column_name = 'promo_code' and table_schema = current_schema()`.execute(db);
  orderCodeColumn = { checked: Date.now(), has: Number(r.rows[0]?.n ?? 0) > 0 };
  return orderCodeColumn.has;
}

/** The orders (written in one transaction, or with these references) that carry a code. */
async function ordersWithCodes(db: Database, where: { writtenAt: string } | { orderRefs: string[] }): Promise<OrderWithCode[]> {
  const filter = 'writtenAt' in where ? sql`o.created_at = ${where.writtenAt}::timestamptz` : sql`o.external_id = any(${where.orderRefs}::text[])`;
  const own = (await ordersHaveCodeColumn(db)) ? sql`coalesce(nullif(trim(oc.code), ''), nullif(trim(o.promo_code), ''))` : sql`oc.code`;
  const r = await sql<OrderWithCode>`
    select o.id, o.external_id, o.customer_id, o.amount_minor, o.currency, o.status, ${own} as code
    from orders o left join loyalty_order_codes oc on oc.order_ref = o.external_id
    where ${filter} and ${own} is not null
    order by o.ordered_at, o.id`.execute(db);
  return r.rows;
}

/** Redeems or credits the codes these orders carried; once per order (keyed), refusals recorded. Returns what happened per order. */
export async function applyOrderCodes(ctx: AppContext, where: { writtenAt: string } | { orderRefs: string[] }): Promise<{ orderId: string; result: string }[]> {
  const orders = await ordersWithCodes(ctx.db, where);
  const out: { orderId: string; result: string }[] = [];
  for (const o of orders) {
    const result = await applyOne(ctx, o);
    out.push({ orderId: o.id, result });
    if (o.external_id) await ctx.db.updateTable('loyalty_order_codes').set({ applied_at: ctx.now(), result }).where('order_ref', '=', o.external_id).where('applied_at', 'is', null).execute();
  }
  return out;
}

async function applyOne(ctx: AppContext, o: OrderWithCode): Promise<string> {
  const code = normalizeCode(o.code);
  if (!code) return 'code_unknown';
  if (o.status !== 'paid' && o.status !== 'pending') return 'order_not_paid';
  try {
    const ref = await ctx.db.selectFrom('loyalty_referral_codes').select('customer_id').where('code', '=', code).executeTakeFirst();
    if (ref) {
      await claimReferralForOrder(ctx.db, o.customer_id, code, o.id);
      return 'referral';
    }
    await redeemCode(
      ctx.db,
      { code, customerId: o.customer_id, orderRef: o.external_id ?? o.id, orderAmountMinor: Number(o.amount_minor), currency: o.currency, idempotencyKey: `order:${o.id}` },
      ctx.now(),
    );
    return 'redeemed';
  } catch (err) {
    if (err instanceof HttpError) return err.code;
    throw err;
  }
}
