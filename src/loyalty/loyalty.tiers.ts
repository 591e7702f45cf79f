// Tier changes: each customer's current tier is kept (loyalty_tiers) with their points of the
// rolling year beside it, so a change is noticed once and announced with a 'loyalty.tier_changed'
// event in the same transaction; a second delivery finds the tier already recorded and announces
// nothing. Crediting adds the points it writes to year_points in the statement that writes them
// (credits.ts), so only a customer who crosses a threshold changes; refreshTiers recomputes the
// year from the ledger (a few customers after a spend or a reversal, everyone once a day, when
// points older than a year stop counting).
import { type RawBuilder, sql, type Transaction } from 'kysely';
import type { AppContext } from '../platform/context.js';
import type { DB } from '../platform/db/schema.js';
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

export type TierScope = { customerIds: string[] } | { all: true };

export const YEAR_MS = 365 * 86400_000;

const rank = (tiers: Tier[], name: string | null) => (name === null ? -1 : tiers.findIndex((t) => t.name === name));

/** The SQL for the tier a number of points reaches (tiers sorted by threshold, lowest first). */
export function tierCase(tiers: Tier[], points: RawBuilder<unknown>): RawBuilder<unknown> {
  if (!tiers.length) return sql`null::text`;
  return sql`(case ${sql.join(
    [...tiers].reverse().map((t) => sql`when ${points} >= ${t.threshold} then ${t.name}`),
    sql` `,
  )} else null end)::text`;
}

/** Rows of (customer_id, tier, previous, p) that changed, as TierChange. */
export function toChanges(tiers: Tier[], rows: { customer_id: string; tier: string | null; previous: string | null; p: number | string }[]): TierChange[] {
  return rows
    .filter((x) => x.tier !== x.previous)
    .map((x) => ({
      customerId: x.customer_id,
      tier: x.tier,
      previous: x.previous,
      direction: rank(tiers, x.tier) > rank(tiers, x.previous) ? 'up' : 'down',
      yearPoints: Number(x.p),
    }));
}

export async function announceTierChanges(ctx: AppContext, trx: Transaction<DB>, changes: TierChange[]): Promise<void> {
  if (changes.length) await ctx.events.emit(trx, 'loyalty.tier_changed', { changes, at: ctx.now().toISOString() });
}

/** Recomputes the year points and tiers of the customers in scope from the ledger; records and announces the changes. */
export async function refreshTiers(ctx: AppContext, scope: TierScope): Promise<TierChange[]> {
  if ('customerIds' in scope && scope.customerIds.length === 0) return [];
  const rules = await getLoyaltySettings(ctx.db);
  const now = ctx.now();
  const since = new Date(now.getTime() - YEAR_MS);
  // one pass over the ledger for everyone; an index range per customer for a few
  const pts =
    'all' in scope
      ? sql`select w.customer_id, greatest(0, coalesce(y.p, 0))::int as p
            from (select customer_id from loyalty_ledger union select customer_id from loyalty_tiers) w
            left join (select customer_id, sum(points) as p from loyalty_ledger where kind in ('earn', 'reverse') and occurred_at > ${since} group by customer_id) y
              on y.customer_id = w.customer_id`
      : sql`select w.customer_id, greatest(0, coalesce((select sum(l.points) from loyalty_ledger l
              where l.customer_id = w.customer_id and l.kind in ('earn', 'reverse') and l.occurred_at > ${since}), 0))::int as p
            from (select distinct unnest(${scope.customerIds}::uuid[]) as customer_id) w`;
  return ctx.db.transaction().execute(async (trx) => {
    const r = await sql<{ customer_id: string; tier: string | null; previous: string | null; p: number }>`
      with pts as (${pts}),
      next as (select customer_id, p, ${tierCase(rules.tiers, sql`p`)} as tier from pts),
      old as (select t.customer_id, t.tier from loyalty_tiers t where t.customer_id = any(array(select customer_id from next))),
      up as (
        insert into loyalty_tiers as t (customer_id, tier, previous, year_points, changed_at)
        select customer_id, tier, null, p, ${now} from next
        on conflict (customer_id) do update set year_points = excluded.year_points,
          tier = excluded.tier,
          previous = case when t.tier is distinct from excluded.tier then t.tier else t.previous end,
          changed_at = case when t.tier is distinct from excluded.tier then excluded.changed_at else t.changed_at end
          where t.tier is distinct from excluded.tier or t.year_points <> excluded.year_points
        returning t.customer_id, t.tier)
      -- hash joins, not a lookup per row; a first row with no tier is no change
      select u.customer_id, u.tier, o.tier as previous, n.p from up u join next n on n.customer_id = u.customer_id left join old o on o.customer_id = u.customer_id
      where u.tier is distinct from o.tier`.execute(trx);
    const changes = toChanges(rules.tiers, r.rows);
    await announceTierChanges(ctx, trx, changes);
    return changes;
  });
}
