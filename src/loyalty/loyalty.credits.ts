// Crediting, set-based: the orders one transaction wrote (an import slice of 1,000 is one
// event) and the referrals their first orders complete are written to the ledger in one
// statement, which also adds what it wrote to each customer's points of the year and moves the
// tiers that cross a threshold. Every entry is keyed (order:<id>, referral:<id>:<side>) and the
// year points grow only by the entries the statement really inserted, so a second delivery, a
// retried webhook or a re-imported file adds nothing anywhere.
import { sql, type Transaction } from 'kysely';
import type { AppContext } from '../platform/context.js';
import type { DB } from '../platform/db/schema.js';
import { codeForKey } from './loyalty.codes.service.js';
import { applyOrderCodes } from './loyalty.ordercodes.js';
import { getLoyaltySettings, type LoyaltySettings, minorDigits } from './loyalty.settings.js';
import { announceTierChanges, type TierChange, tierCase, toChanges, YEAR_MS } from './loyalty.tiers.js';

type Rules = LoyaltySettings & { effectiveCurrency: string };

/** The orders written at one instant or several (and the referrals they complete), or only the referrals of these new customers. */
export type CreditScope = { writtenAt: string | string[] } | { referredIds: string[] };

export interface DueReferral {
  id: string;
  referrer_customer_id: string;
  referred_customer_id: string;
}

export interface Credits {
  /** order entries written now (0 on a second delivery) */
  earned: number;
  /** referrals completed now (each credited once) */
  referrals: DueReferral[];
  changes: TierChange[];
}

/**
 * Writes the entries of the scope and moves the tiers, in one statement of the caller's
 * transaction (announce `changes` in it). The SQL earn formula is orderPoints() of the ledger.
 */
export async function writeCredits(trx: Transaction<DB>, now: Date, rules: Rules, scope: CreditScope): Promise<Credits> {
  const since = new Date(now.getTime() - YEAR_MS);
  const scale = 10 ** minorDigits(rules.effectiveCurrency);
  const filter = 'writtenAt' in scope ? sql`o.created_at = any(${[scope.writtenAt].flat()}::timestamptz[])` : sql`o.customer_id = any(${scope.referredIds}::uuid[])`;
  const orderEntries =
    'writtenAt' in scope
      ? sql`select customer_id, 'earn' as kind, points, reason, 'order:' || id as idempotency_key, id as order_id, 'order' as source, ordered_at as occurred_at from (
          select o.id, o.customer_id, o.ordered_at,
                 'Order ' || coalesce(o.external_id, left(o.id::text, 8)) as reason,
                 ((case when o.currency = ${rules.effectiveCurrency} then floor(greatest(o.amount_minor, 0)::numeric * ${rules.pointsPerUnit}::numeric / ${scale}) else 0 end) + ${rules.pointsPerOrder})::int as points
          from orders o
          where ${filter} and o.status in ('paid', 'pending')) x
        where points > 0
        union all`
      : sql``;
  const referralPoints = rules.referral.reward === 'promo' ? { referrer: 0, referred: 0 } : { referrer: rules.referral.referrerPoints, referred: rules.referral.referredPoints };
  const q = sql<{ earned: number; due: DueReferral[] | string; changes: { customer_id: string; tier: string | null; previous: string | null; p: number }[] | string }>`
    with due as (
      update loyalty_referrals r set status = 'credited', credited_at = ${now}
      from (select distinct r2.id from orders o join loyalty_referrals r2 on r2.referred_customer_id = o.customer_id
            where ${filter} and o.status in ('paid', 'pending') and r2.status = 'pending') d
      where r.id = d.id and r.status = 'pending'
      returning r.id, r.referrer_customer_id, r.referred_customer_id),
    entries as (
      ${orderEntries}
      select referrer_customer_id, 'earn', ${referralPoints.referrer}::int, 'Referred a new customer', 'referral:' || id || ':referrer', null::uuid, 'referral', ${now}::timestamptz
        from due where ${referralPoints.referrer}::int > 0
      union all
      select referred_customer_id, 'earn', ${referralPoints.referred}::int, 'Welcome: joined through a referral', 'referral:' || id || ':referred', null::uuid, 'referral', ${now}::timestamptz
        from due where ${referralPoints.referred}::int > 0),
    ins as (
      insert into loyalty_ledger (customer_id, kind, points, reason, idempotency_key, order_id, source, occurred_at)
      select * from entries
      on conflict (idempotency_key) do nothing
      returning customer_id, points, occurred_at, source),
    gain as (select customer_id, coalesce(sum(points) filter (where occurred_at > ${since}), 0)::int as p from ins group by customer_id),
    -- the tiers before this statement (its snapshot), by the primary key: a join would scan every customer's tier
    old as (select t.customer_id, t.tier from loyalty_tiers t where t.customer_id = any(array(select customer_id from gain))),
    up as (
      insert into loyalty_tiers as t (customer_id, tier, previous, year_points, changed_at)
      select customer_id, ${tierCase(rules.tiers, sql`greatest(0, p)`)}, null, p, ${now} from gain
      on conflict (customer_id) do update set year_points = t.year_points + excluded.year_points,
        tier = ${tierCase(rules.tiers, sql`greatest(0, t.year_points + excluded.year_points)`)},
        previous = case when t.tier is distinct from ${tierCase(rules.tiers, sql`greatest(0, t.year_points + excluded.year_points)`)} then t.tier else t.previous end,
        changed_at = case when t.tier is distinct from ${tierCase(rules.tiers, sql`greatest(0, t.year_points + excluded.year_points)`)} then excluded.changed_at else t.changed_at end
      returning t.customer_id, t.tier, t.year_points)
    select (select count(*) from ins where source = 'order')::int as earned,
      (select coalesce(json_agg(due), '[]'::json) from due) as due,
      (select coalesce(json_agg(json_build_object('customer_id', u.customer_id, 'tier', u.tier, 'previous', o.tier, 'p', greatest(0, u.year_points))), '[]'::json)
         from up u left join old o on o.customer_id = u.customer_id where u.tier is distinct from o.tier) as changes`;
  const r = await q.execute(trx);
  const row = r.rows[0];
  const parse = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);
  return { earned: Number(row.earned), referrals: parse(row.due), changes: toChanges(rules.tiers, parse(row.changes)) };
}

/** How long a referral reward code stays valid. */
export const REFERRAL_CODE_DAYS = 90;

/**
 * When referrals reward with promo codes: a personal single-use code for each side, made once
 * per referral and side (keyed), in the crediting transaction.
 */
async function issueReferralCodes(trx: Transaction<DB>, now: Date, rules: Rules, due: DueReferral[]): Promise<number> {
  if (rules.referral.reward !== 'promo' || !due.length) return 0;
  let made = 0;
  for (const r of due) {
    for (const [side, customerId, note] of [
      ['referrer', r.referrer_customer_id, 'Referral reward: referred a new customer'],
      ['referred', r.referred_customer_id, 'Referral reward: welcome'],
    ] as const) {
      const { created } = await codeForKey(trx, `referral:${r.id}:${side}`, {
        prefix: 'REFER',
        use: 'single',
        customerId,
        percentOff: rules.referral.promoPercentOff,
        currency: rules.effectiveCurrency,
        usageLimit: 1,
        expiresAt: new Date(now.getTime() + REFERRAL_CODE_DAYS * 86400_000),
        note,
        source: 'referral',
      });
      if (created) made++;
    }
  }
  return made;
}

/**
 * Credits what the scope brings — the codes its orders carried, the orders, the referrals they
 * complete (points or codes), the tiers they move — in one transaction with its tier event.
 */
export async function creditScope(ctx: AppContext, scope: CreditScope): Promise<{ earned: number; referrals: number; codes: number; referralCodes: number; changes: TierChange[] }> {
  const rules = await getLoyaltySettings(ctx.db);
  const now = ctx.now();
  return ctx.db.transaction().execute(async (trx) => {
    // codes first: a referral code on a first order links the referral that order then credits
    const codes = 'writtenAt' in scope ? await applyOrderCodes(trx, now, scope) : [];
    const credits = await writeCredits(trx, now, rules, scope);
    const referralCodes = await issueReferralCodes(trx, now, rules, credits.referrals);
    await announceTierChanges(ctx, trx, credits.changes);
    return { earned: credits.earned, referrals: credits.referrals.length, codes: codes.length, referralCodes, changes: credits.changes };
  });
}

/** Credits the orders one transaction wrote (the order.created event), or several such transactions' orders together. */
export const creditOrdersWrittenAt = (ctx: AppContext, writtenAt: string | string[]) => creditScope(ctx, { writtenAt });
