// "Points about to expire": a balance expires `expiryMonths` after the customer's last earn or
// spend (expireInactive in the ledger). `expiryNoticeDays` before that, the daily pass records a
// notice — once per balance and last activity, so a rerun or a second worker notices nothing
// twice and new activity (which moves the expiry) makes the next notice a new one — and announces
// the notices with a 'loyalty.points_expiring' event in the same transaction. The subscriber
// below hands each one to playbooks as the 'points.expiring' trigger.
import { sql } from 'kysely';
import type { AppContext } from '../platform/context.js';
import { subscriber } from '../platform/events/events.service.js';
import { z } from 'zod';
import { emitPlaybookEvent, type PlaybookTriggerDef } from '../playbooks/index.js';
import { getLoyaltySettings } from './loyalty.settings.js';

export interface ExpiryNotice {
  customerId: string;
  /** the balance that will expire */
  points: number;
  /** when it expires unless the customer earns or spends before */
  expiresAt: string;
  /** the last earn or spend it expires from (the occurrence) */
  lastActivityId: string;
}

declare module '../platform/events/events.service.js' {
  interface EventMap {
    /** balances that expire within the notice period, noticed once per balance and last activity */
    'loyalty.points_expiring': { notices: ExpiryNotice[]; at: string };
  }
}

/** Records and announces the balances expiring within the notice period; returns them. */
export async function noticeExpiring(ctx: AppContext): Promise<ExpiryNotice[]> {
  const rules = await getLoyaltySettings(ctx.db);
  if (rules.expiryMonths <= 0 || rules.expiryNoticeDays <= 0) return [];
  const now = ctx.now();
  const until = new Date(now.getTime() + rules.expiryNoticeDays * 86400_000);
  return ctx.db.transaction().execute(async (trx) => {
    // the same balance, last activity and expiry (+ months) as expireInactive
    const r = await sql<{ customer_id: string; points: number; expires_at: Date; last_activity_id: string }>`
      with b as (
        select customer_id, sum(points)::int as balance,
               (array_agg(id order by occurred_at desc, id desc) filter (where kind in ('earn', 'spend')))[1] as last_id,
               max(occurred_at) filter (where kind in ('earn', 'spend')) + make_interval(months => ${rules.expiryMonths}::int) as expires_at
        from loyalty_ledger group by customer_id)
      insert into loyalty_expiry_notices (customer_id, last_activity_id, points, expires_at, noticed_at)
      select customer_id, last_id, balance, expires_at, ${now} from b
      where balance > 0 and last_id is not null and expires_at > ${now} and expires_at <= ${until}
      on conflict do nothing
      returning customer_id, points, expires_at, last_activity_id`.execute(trx);
    const notices = r.rows.map((x) => ({ customerId: x.customer_id, points: Number(x.points), expiresAt: new Date(x.expires_at).toISOString(), lastActivityId: x.last_activity_id }));
    if (notices.length) await ctx.events.emit(trx, 'loyalty.points_expiring', { notices, at: now.toISOString() });
    return notices;
  });
}

/** The playbook trigger loyalty adds (through playbooks' `playbookTriggers` extension point):
 * "points are about to expire", optionally only from a number of points up. */
export const pointsExpiringTrigger: PlaybookTriggerDef = {
  type: 'points.expiring',
  label: 'points are about to expire',
  fields: { minPoints: z.number().int().min(0).max(1_000_000_000).default(0) },
  matches: (trigger, data) => Number(data.points) >= Number(trigger.minPoints ?? 0),
};

export const expirySubscribers = [
  subscriber({
    // a playbook with the 'points.expiring' trigger starts once per notice
    name: 'loyalty.points-expiring',
    on: ['loyalty.points_expiring'],
    handle: async (ctx, event) => {
      for (const n of event.payload.notices) {
        await emitPlaybookEvent(ctx, {
          type: pointsExpiringTrigger.type,
          customerId: n.customerId,
          occurrenceKey: `${n.customerId}:${n.lastActivityId}`,
          data: { points: n.points, expires_at: n.expiresAt.slice(0, 10) },
        });
      }
    },
  }),
];
