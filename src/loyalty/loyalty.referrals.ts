// Referrals: each customer has a code; a new customer who names it before their first order
// is linked once (never to themselves, nor to someone with the same email, phone or address),
// and that first order credits both sides once (loyalty.credits.ts: points, or a promo code each).
import { sql } from 'kysely';
import type { Database } from '../platform/db/database.js';
import { HttpError, notFound } from '../platform/http/errors.js';
import { normalizeCode, randomCode } from './codes.js';

/** The customer's referral code, made on first ask (the same one afterwards). */
export async function referralCodeFor(db: Database, customerId: string): Promise<string> {
  const existing = await db.selectFrom('loyalty_referral_codes').select('code').where('customer_id', '=', customerId).executeTakeFirst();
  if (existing) return existing.code;
  const c = await db.selectFrom('customers').select(['id', 'merged_into', 'erased_at']).where('id', '=', customerId).executeTakeFirst();
  if (!c || c.merged_into || c.erased_at) throw notFound('Customer');
  for (let i = 0; i < 5; i++) {
    await db
      .insertInto('loyalty_referral_codes')
      .values({ customer_id: customerId, code: randomCode('REF') })
      .onConflict((oc) => oc.doNothing())
      .execute();
    const row = await db.selectFrom('loyalty_referral_codes').select('code').where('customer_id', '=', customerId).executeTakeFirst();
    if (row) return row.code;
  }
  throw new Error('could not draw a unique referral code');
}

const refuse = (code: string, message: string, status = 409) => new HttpError(status, code, message, [{ field: 'code', message }]);

type Contact = { id: string; email_normalized: string | null; phone_normalized: string | null; address: string | null; postal_code: string | null };
const sameAddress = (a: Contact, b: Contact) => Boolean(a.address && b.address && a.address.trim().toLowerCase() === b.address.trim().toLowerCase() && (a.postal_code ?? '') === (b.postal_code ?? ''));

/** Links a new customer to the customer whose referral code they bring. */
export async function claimReferral(db: Database, referredId: string, rawCode: string): Promise<{ referralId: string; referrerId: string; created: boolean }> {
  return claim(db, referredId, rawCode, null);
}

/** The code came with an order: allowed when that order is the customer's first. */
export async function claimReferralForOrder(db: Database, referredId: string, rawCode: string, orderId: string) {
  return claim(db, referredId, rawCode, orderId);
}

async function claim(db: Database, referredId: string, rawCode: string, withOrder: string | null): Promise<{ referralId: string; referrerId: string; created: boolean }> {
  const code = normalizeCode(rawCode);
  if (!code) throw refuse('referral_unknown', 'No such referral code', 404);
  const found = await db
    .selectFrom('loyalty_referral_codes as rc')
    .innerJoin('customers as c', 'c.id', 'rc.customer_id')
    .select(['rc.customer_id', 'c.merged_into'])
    .where('rc.code', '=', code)
    .executeTakeFirst();
  if (!found) throw refuse('referral_unknown', 'No such referral code', 404);
  // the code of a customer merged into another (who had a code of their own) refers for the one kept
  const owner = { customer_id: found.merged_into ?? found.customer_id };
  const prior = await db.selectFrom('loyalty_referrals').select(['id', 'referrer_customer_id']).where('referred_customer_id', '=', referredId).executeTakeFirst();
  if (prior) {
    if (prior.referrer_customer_id === owner.customer_id) return { referralId: prior.id, referrerId: prior.referrer_customer_id, created: false };
    throw refuse('already_referred', 'This customer was already referred by someone else');
  }
  const people = await db
    .selectFrom('customers')
    .select(['id', 'email_normalized', 'phone_normalized', 'address', 'postal_code', 'merged_into'])
    .where('id', 'in', [referredId, owner.customer_id])
    .execute();
  const referred = people.find((p) => p.id === referredId);
  const referrer = people.find((p) => p.id === owner.customer_id);
  if (!referred || referred.merged_into) throw notFound('Customer');
  if (!referrer) throw refuse('referral_unknown', 'No such referral code', 404);
  if (referred.id === referrer.id) throw refuse('self_referral', 'A customer cannot refer themselves', 422);
  if (
    (referred.email_normalized && referred.email_normalized === referrer.email_normalized) ||
    (referred.phone_normalized && referred.phone_normalized === referrer.phone_normalized) ||
    sameAddress(referred, referrer)
  ) {
    throw refuse('self_referral', 'The referred customer shares an email, phone or address with the referrer', 422);
  }
  let earlier = db.selectFrom('orders').select('id').where('customer_id', '=', referredId).where('status', 'in', ['paid', 'pending']);
  if (withOrder) {
    const o = await db.selectFrom('orders').select(['ordered_at']).where('id', '=', withOrder).executeTakeFirstOrThrow();
    earlier = earlier.where('id', '<>', withOrder).where('ordered_at', '<=', o.ordered_at);
  }
  if ((await earlier.limit(1).execute()).length) throw refuse('not_new', 'Only a new customer (no order yet) can use a referral code', 422);
  const row = await db
    .insertInto('loyalty_referrals')
    .values({ referrer_customer_id: referrer.id, referred_customer_id: referredId, code })
    .onConflict((oc) => oc.column('referred_customer_id').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!row) return claim(db, referredId, rawCode, withOrder);
  return { referralId: row.id, referrerId: referrer.id, created: true };
}

export async function referralLeaderboard(db: Database, currency: string, limit = 20) {
  const r = await sql<{ customer_id: string; name: string; referred: number; credited: number; revenue: string | null }>`
    select r.referrer_customer_id as customer_id, c.name, count(*)::int as referred, count(*) filter (where r.status = 'credited')::int as credited,
      (select sum(o.amount_minor) from orders o where o.customer_id = any(array_agg(r.referred_customer_id)) and o.status = 'paid' and o.currency = ${currency})::text as revenue
    from loyalty_referrals r join customers c on c.id = r.referrer_customer_id
    group by r.referrer_customer_id, c.name order by referred desc, c.name limit ${limit}`.execute(db);
  return r.rows.map((x) => ({ customerId: x.customer_id, name: x.name, referred: x.referred, credited: x.credited, referredRevenueMinor: Number(x.revenue ?? 0), currency }));
}
