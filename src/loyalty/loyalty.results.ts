// Do members order more often and stay longer? Customers who used the programme (spent points,
// redeemed a code, referred or were referred) against the other buyers, and by tier: repeat rate,
// orders per customer-year, still buying in the last 180 days, months between first and last
// order — with the counts. One statement over orders.
import { sql } from 'kysely';
import type { Database } from '../platform/db/database.js';

export interface GroupResult {
  group: string;
  customers: number;
  repeatRate: number | null;
  ordersPerYear: number | null;
  activeShare: number | null;
  medianTenureDays: number | null;
}

export const ACTIVE_DAYS = 180;

export async function memberResults(db: Database, now: Date) {
  const activeSince = new Date(now.getTime() - ACTIVE_DAYS * 86400_000);
  const r = await sql<{ member: boolean; tier: string | null; customers: number; repeaters: number; orders: string; years: string; active: number; tenure: number | null }>`
    with buyers as (
      select o.customer_id, count(*) as n, min(o.ordered_at) as first_at, max(o.ordered_at) as last_at
      from orders o where o.status in ('paid', 'pending') and o.ordered_at <= ${now}
      group by o.customer_id),
    members as (
      select customer_id from loyalty_ledger where kind = 'spend'
      union select customer_id from loyalty_redemptions where customer_id is not null
      union select referrer_customer_id from loyalty_referrals
      union select referred_customer_id from loyalty_referrals)
    select (m.customer_id is not null) as member, t.tier,
      count(*)::int as customers,
      count(*) filter (where b.n >= 2)::int as repeaters,
      sum(b.n)::text as orders,
      sum(greatest(30, extract(epoch from (${now}::timestamptz - b.first_at)) / 86400) / 365.25)::text as years,
      count(*) filter (where b.last_at >= ${activeSince})::int as active,
      percentile_cont(0.5) within group (order by extract(epoch from (b.last_at - b.first_at)) / 86400) as tenure
    from buyers b
    left join members m on m.customer_id = b.customer_id
    left join loyalty_tiers t on t.customer_id = b.customer_id
    group by grouping sets ((m.customer_id is not null), (t.tier))`.execute(db);
  const out = (group: string, rows: typeof r.rows): GroupResult => {
    const customers = rows.reduce((a, x) => a + x.customers, 0);
    const years = rows.reduce((a, x) => a + Number(x.years), 0);
    const orders = rows.reduce((a, x) => a + Number(x.orders), 0);
    return {
      group,
      customers,
      repeatRate: customers ? rows.reduce((a, x) => a + x.repeaters, 0) / customers : null,
      ordersPerYear: years ? orders / years : null,
      activeShare: customers ? rows.reduce((a, x) => a + x.active, 0) / customers : null,
      // a weighted median of medians would mislead: with one row per group it is the group's own
      medianTenureDays: rows.length === 1 && rows[0].tenure != null ? Math.round(Number(rows[0].tenure)) : null,
    };
  };
  // grouping sets: rows of the first set have tier = null and member set; the second set repeats per tier
  const byMember = r.rows.slice(0, 0);
  const byTier = r.rows.slice(0, 0);
  for (const x of r.rows) (x.member === null ? byTier : byMember).push(x);
  return {
    activeDays: ACTIVE_DAYS,
    members: out(
      'members',
      byMember.filter((x) => x.member === true),
    ),
    others: out(
      'other buyers',
      byMember.filter((x) => x.member === false),
    ),
    byTier: byTier.map((x) => out(x.tier ?? 'no tier', [x])).sort((a, b) => b.customers - a.customers),
    note: 'Members chose to use the programme, so they may have been keener to begin with: the gap shows how they differ, not how much the programme caused.',
  };
}
