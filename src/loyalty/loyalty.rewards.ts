// Points for things other than orders: the customer's birthday (a daily job, once a year,
// 29 February birthdays on 28 February in other years) and a review the shop reports (once
// per review). Both keyed in the ledger, then tiers are refreshed.
import { sql } from 'kysely';
import type { AppContext } from '../platform/context.js';
import { localDate } from '../platform/time.js';
import { getWorkspace } from '../workspace/index.js';
import { addEntry } from './loyalty.ledger.js';
import { getLoyaltySettings } from './loyalty.settings.js';
import { refreshTiers } from './loyalty.tiers.js';

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Month-days that have their birthday on this local date. */
export function birthdaysOn(date: string): string[] {
  const [y, m, d] = date.split('-');
  const md = `${m}-${d}`;
  return md === '02-28' && !isLeap(Number(y)) ? [md, '02-29'] : [md];
}

/** Credits today's birthdays in the workspace's time zone (a rerun, or a second worker, adds nothing). */
export async function creditBirthdays(ctx: AppContext): Promise<number> {
  const rules = await getLoyaltySettings(ctx.db);
  if (rules.pointsOnBirthday <= 0) return 0;
  const today = localDate(ctx.now(), (await getWorkspace(ctx.db))?.timeZone ?? 'UTC');
  const year = today.slice(0, 4);
  const r = await sql<{ customer_id: string }>`
    insert into loyalty_ledger (customer_id, kind, points, reason, idempotency_key, source, occurred_at)
    select id, 'earn', ${rules.pointsOnBirthday}, 'Happy birthday', 'birthday:' || id || ':' || ${year}, 'birthday', ${ctx.now()}
    from customers
    where birthday is not null and merged_into is null and erased_at is null and to_char(birthday, 'MM-DD') = any(${birthdaysOn(today)}::text[])
    on conflict (idempotency_key) do nothing
    returning customer_id`.execute(ctx.db);
  await refreshTiers(ctx, { customerIds: r.rows.map((x) => x.customer_id) });
  return r.rows.length;
}

/** Points for a review (once per review reference); null when reviews earn nothing. */
export async function creditReview(ctx: AppContext, customerId: string, reviewRef: string) {
  const rules = await getLoyaltySettings(ctx.db);
  if (rules.pointsPerReview <= 0) return null;
  const r = await addEntry(ctx.db, {
    customerId,
    kind: 'earn',
    points: rules.pointsPerReview,
    reason: 'Wrote a review',
    idempotencyKey: `review:${reviewRef}`,
    source: 'review',
    occurredAt: ctx.now(),
  });
  if (r.created) await refreshTiers(ctx, { customerIds: [customerId] });
  return r;
}
