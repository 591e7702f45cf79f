// Promo codes: made by hand, in bulk, or by a playbook step (once per step), and redeemed with
// a conditional update that never lets the count pass the limit, whatever runs at once.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../platform/db/database.js';
import { HttpError, notFound } from '../platform/http/errors.js';
import { discountFor, normalizeCode, randomCode } from './codes.js';
import type { CodeUse } from './loyalty.tables.js';

export interface NewCodes {
  prefix?: string;
  use: CodeUse;
  customerId?: string | null;
  percentOff?: number | null;
  amountOffMinor?: number | null;
  currency: string;
  minOrderMinor?: number;
  expiresAt?: Date | null;
  usageLimit?: number | null;
  note?: string;
  source?: string | null;
  createdBy?: string | null;
}

export interface PromoCode {
  id: string;
  code: string;
  use: CodeUse;
  customerId: string | null;
  percentOff: number | null;
  amountOffMinor: number | null;
  currency: string | null;
  minOrderMinor: number;
  expiresAt: Date | null;
  usageLimit: number | null;
  usedCount: number;
  batchId: string | null;
  note: string;
  source: string | null;
  disabledAt: Date | null;
  createdAt: Date;
}

type CodeRow = Record<string, unknown>;
export const toCode = (r: CodeRow): PromoCode => ({
  id: String(r.id),
  code: String(r.code),
  use: r.use as CodeUse,
  customerId: (r.customer_id as string | null) ?? null,
  percentOff: r.percent_off == null ? null : Number(r.percent_off),
  amountOffMinor: r.amount_off_minor == null ? null : Number(r.amount_off_minor),
  currency: (r.currency as string | null) ?? null,
  minOrderMinor: Number(r.min_order_minor ?? 0),
  expiresAt: r.expires_at ? new Date(r.expires_at as Date) : null,
  usageLimit: r.usage_limit == null ? null : Number(r.usage_limit),
  usedCount: Number(r.used_count ?? 0),
  batchId: (r.batch_id as string | null) ?? null,
  note: String(r.note ?? ''),
  source: (r.source as string | null) ?? null,
  disabledAt: r.disabled_at ? new Date(r.disabled_at as Date) : null,
  createdAt: new Date(r.created_at as Date),
});

function columns(spec: NewCodes, batchId: string | null) {
  return {
    use: spec.use,
    customer_id: spec.customerId ?? null,
    percent_off: spec.percentOff ?? null,
    amount_off_minor: spec.amountOffMinor ?? null,
    currency: spec.currency,
    min_order_minor: spec.minOrderMinor ?? 0,
    expires_at: spec.expiresAt ?? null,
    usage_limit: spec.usageLimit ?? null,
    batch_id: batchId,
    note: (spec.note ?? '').slice(0, 500),
    source: spec.source ?? null,
    created_by: spec.createdBy ?? null,
  };
}

/** Makes `count` codes (one statement per 1,000; a code drawn twice is drawn again). */
export async function createCodes(db: Database, spec: NewCodes, count: number): Promise<{ batchId: string | null; codes: PromoCode[] }> {
  const batchId = count > 1 ? randomUUID() : null;
  const made: PromoCode[] = [];
  let left = count;
  for (let round = 0; left > 0 && round < 20; round++) {
    const n = Math.min(left, 1000);
    const rows = await db
      .insertInto('loyalty_codes')
      .values(Array.from({ length: n }, () => ({ ...columns(spec, batchId), code: randomCode(spec.prefix) })))
      .onConflict((oc) => oc.column('code').doNothing())
      .returningAll()
      .execute();
    made.push(...rows.map((r) => toCode(r as CodeRow)));
    left -= rows.length;
  }
  if (left > 0) throw new Error('could not draw unique codes');
  return { batchId, codes: made };
}

/** The code a playbook step (or another keyed caller) makes once: the same code on every retry. */
export async function codeForKey(db: Database, sourceKey: string, spec: NewCodes): Promise<{ code: PromoCode; created: boolean }> {
  for (let i = 0; i < 5; i++) {
    const row = await db
      .insertInto('loyalty_codes')
      .values({ ...columns(spec, null), code: randomCode(spec.prefix), source_key: sourceKey })
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst();
    if (row) return { code: toCode(row as CodeRow), created: true };
    const existing = await db.selectFrom('loyalty_codes').selectAll().where('source_key', '=', sourceKey).executeTakeFirst();
    if (existing) return { code: toCode(existing as CodeRow), created: false };
    // else the random code collided with another code: draw again
  }
  throw new Error('could not draw a unique code');
}

export async function getCode(db: Database, id: string): Promise<PromoCode> {
  const r = await db.selectFrom('loyalty_codes').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw notFound('Code');
  return toCode(r as CodeRow);
}

export interface Redemption {
  code: string;
  customerId?: string | null;
  orderRef?: string | null;
  orderAmountMinor: number;
  currency: string;
  idempotencyKey?: string | null;
}

export interface RedeemResult {
  redemptionId: string;
  code: string;
  discountMinor: number;
  currency: string;
  /** true when this key was redeemed before: the earlier answer, nothing counted again */
  replayed: boolean;
}

const refuse = (code: string, message: string, status = 409) => new HttpError(status, code, message, [{ field: 'code', message }]);

/** Why a code cannot be redeemed now (or null): the reasons a shop shows its customer. */
export function refusal(c: PromoCode, r: Pick<Redemption, 'customerId' | 'orderAmountMinor' | 'currency'>, now: Date): HttpError | null {
  if (c.disabledAt) return refuse('code_disabled', 'This code has been withdrawn');
  if (c.expiresAt && c.expiresAt.getTime() <= now.getTime()) return refuse('code_expired', `This code expired on ${c.expiresAt.toISOString().slice(0, 10)}`, 410);
  if (c.usageLimit != null && c.usedCount >= c.usageLimit) return refuse('code_used_up', 'This code has been used as many times as it may be');
  if (c.customerId && c.customerId !== r.customerId) return refuse('code_not_yours', 'This code belongs to another customer', 403);
  if (c.use === 'single' && !r.customerId) return refuse('customer_required', 'This code is once per customer: say which customer redeems it', 400);
  if ((c.amountOffMinor != null || c.minOrderMinor > 0) && c.currency && c.currency !== r.currency) return refuse('wrong_currency', `This code is for orders in ${c.currency}`, 400);
  if (r.orderAmountMinor < c.minOrderMinor) return refuse('below_minimum', `This code needs an order of at least ${c.minOrderMinor} (minor units of ${c.currency})`, 400);
  return null;
}

/**
 * Redeems a code for one order. The count goes up in a conditional update (`used_count <
 * usage_limit`, re-checked under the row lock PostgreSQL takes), so parallel redemptions past
 * the limit are refused; a single-use code is refused the second time for the same customer
 * (unique index); the same idempotency key answers as the first time.
 */
export async function redeemCode(db: Database, r: Redemption, now: Date): Promise<RedeemResult> {
  const normalized = normalizeCode(r.code);
  if (!normalized) throw refuse('code_unknown', 'No such code', 404);
  const key = r.idempotencyKey ?? null;
  if (key) {
    const prior = await priorRedemption(db, key);
    if (prior) return prior;
  }
  const row = await db.selectFrom('loyalty_codes').selectAll().where('code', '=', normalized).executeTakeFirst();
  if (!row) throw refuse('code_unknown', 'No such code', 404);
  const c = toCode(row as CodeRow);
  const why = refusal(c, r, now);
  if (why) throw why;
  const discount = discountFor(c, r.orderAmountMinor);
  try {
    return await db.transaction().execute(async (trx) => {
      const claimed = await sql<{ id: string }>`
        update loyalty_codes set used_count = used_count + 1
        where id = ${c.id} and disabled_at is null and (usage_limit is null or used_count < usage_limit) and (expires_at is null or expires_at > ${now})
        returning id`.execute(trx);
      if (claimed.rows.length === 0) throw refuse('code_used_up', 'This code has been used as many times as it may be');
      const ins = await trx
        .insertInto('loyalty_redemptions')
        .values({
          code_id: c.id,
          customer_id: r.customerId ?? null,
          order_ref: r.orderRef ?? null,
          order_amount_minor: r.orderAmountMinor,
          discount_minor: discount,
          currency: r.currency,
          idempotency_key: key ?? `redeem:${randomUUID()}`,
          single_use: c.use === 'single',
          created_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { redemptionId: ins.id, code: c.code, discountMinor: discount, currency: r.currency, replayed: false };
    });
  } catch (err) {
    if ((err as { code?: string }).code === '23505') {
      // the same key raced us (answer as it did), or this customer already used a single-use code
      if (key) {
        const prior = await priorRedemption(db, key);
        if (prior) return prior;
      }
      throw refuse('code_already_used', 'This customer has already used this code');
    }
    throw err;
  }
}

async function priorRedemption(db: Database, key: string): Promise<RedeemResult | null> {
  const p = await db
    .selectFrom('loyalty_redemptions as r')
    .innerJoin('loyalty_codes as c', 'c.id', 'r.code_id')
    .select(['r.id', 'c.code', 'r.discount_minor', 'r.currency'])
    .where('r.idempotency_key', '=', key)
    .executeTakeFirst();
  return p ? { redemptionId: p.id, code: p.code, discountMinor: Number(p.discount_minor), currency: p.currency, replayed: true } : null;
}

/** Issued vs redeemed and the revenue of redeeming orders, per currency. */
export async function codesReport(db: Database) {
  const issued = await sql<{ n: number; used: number }>`select count(*)::int as n, count(*) filter (where used_count > 0)::int as used from loyalty_codes`.execute(db);
  const red = await sql<{ currency: string; n: number; revenue: string; discount: string }>`
    select currency, count(*)::int as n, sum(order_amount_minor)::text as revenue, sum(discount_minor)::text as discount from loyalty_redemptions group by currency order by currency`.execute(db);
  return {
    issued: issued.rows[0]?.n ?? 0,
    codesRedeemed: issued.rows[0]?.used ?? 0,
    redemptions: red.rows.map((r) => ({ currency: r.currency, count: Number(r.n), revenueMinor: Number(r.revenue), discountMinor: Number(r.discount) })),
  };
}
