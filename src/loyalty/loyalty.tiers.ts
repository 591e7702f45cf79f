// Tier changes: each customer's current tier is kept (loyalty_tiers), so a change is noticed
// once — in one statement for every customer an import slice touched — and announced with a
// 'loyalty.tier_changed' event in the same transaction. A second delivery finds the tier
// already recorded and announces nothing.
import { sql } from 'kysely';
import type { AppContext } from '../platform/context.js';
import { getLoyaltySettings, type Tier } from './loyalty.settings.js';

export interface TierChange {
  customerId: string;
  tier: string | null;
  previous: string | null;
  direction: 'up' | 'down';
  /** points earned over the last 365 days when it changed */
  yearPoints: number;
}

declare module '../platform/events/events.service.js' {
  interface EventMap {
    /** customers whose tier changed (reached a higher one, or fell back), recorded when it was noticed */
    'loyalty.tier_changed': { changes: TierChange[]; at: string };
  }
}

export type TierScope = { writtenAt: string } | { customerIds: string[] } | { all: true };

const rank = (tiers: Tier[], name: string | null) => (name === null ? -1 : tiers.findIndex((t) => t.name === name));

/** Recomputes the tiers of the customers in scope; records and announces the changes. */
export async function refreshTiers(ctx: AppContext, scope: TierScope): Promise<TierChange[]> {
  if ('customerIds' in scope && scope.customerIds.length === 0) return [];
  const rules = await getLoyaltySettings(ctx.db);
  const tiers = rules.tiers; // sorted by threshold, lowest first
  const now = ctx.now();
  const since = new Date(now.getTime() - 365 * 86400_000);
  const tierOf = tiers.length
    ? sql`case ${sql.join(
        [...tiers].reverse().map((t) => sql`when p >= ${t.threshold} then ${t.name}`),
        sql` `,
      )} else null end`
    : sql`null`;
  const who =
    'writtenAt' in scope
      ? sql`select distinct customer_id from orders where created_at = ${scope.writtenAt}::timestamptz`
      : 'customerIds' in scope
        ? sql`select distinct unnest(${scope.customerIds}::uuid[])`
        : sql`select customer_id from loyalty_ledger union select customer_id from loyalty_tiers`;
  return ctx.db.transaction().execute(async (trx) => {
    const r = await sql<{ customer_id: string; tier: string | null; previous: string | null; p: number }>`
      with who(customer_id) as (${who}),
      pts as (
        select w.customer_id, greatest(0, coalesce((select sum(l.points) from loyalty_ledger l
          where l.customer_id = w.customer_id and l.kind in ('earn', 'reverse') and l.occurred_at > ${since}), 0))::int as p
        from who w),
      next as (select customer_id, p, (${tierOf})::text as tier from pts),
      up as (
        insert into loyalty_tiers as t (customer_id, tier, previous, changed_at)
        select customer_id, tier, null, ${now} from next
        on conflict (customer_id) do update set previous = t.tier, tier = excluded.tier, changed_at = excluded.changed_at
          where t.tier is distinct from excluded.tier
        returning t.customer_id, t.tier, t.previous)
      -- a hash join, not a lookup per returned row; a first row with no tier is no change
      select u.customer_id, u.tier, u.previous, n.p from up u join next n on n.customer_id = u.customer_id
      where u.tier is distinct from u.previous`.execute(trx);
    const changes: TierChange[] = r.rows
      .filter((x) => x.tier !== x.previous)
      .map((x) => ({
        customerId: x.customer_id,
        tier: x.tier,
        previous: x.previous,
        direction: rank(tiers, x.tier) > rank(tiers, x.previous) ? 'up' : 'down',
        yearPoints: Number(x.p),
      }));
    if (changes.length) await ctx.events.emit(trx, 'loyalty.tier_changed', { changes, at: now.toISOString() });
    return changes;
  });
}
