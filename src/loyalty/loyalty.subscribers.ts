// Loyalty hears of orders, status changes, survey answers and its own tier changes through
// events recorded in the writing transaction. Delivery is at least once: every write here is
// keyed (ledger idempotency keys, redemption keys, the recorded tier), so a second delivery, a
// retried webhook or a re-imported slice credits nothing twice.
import { sql } from 'kysely';
import type { AppContext } from '../platform/context.js';
import { subscriber } from '../platform/events/events.service.js';
import { z } from 'zod';
import { emitPlaybookEvents, type PlaybookTriggerDef } from '../playbooks/index.js';
import { creditOrdersWrittenAt } from './loyalty.credits.js';
import { reverseVoided } from './loyalty.ledger.js';
import { getLoyaltySettings } from './loyalty.settings.js';
import { refreshTiers } from './loyalty.tiers.js';

/** The playbook trigger loyalty adds (through playbooks' `playbookTriggers` extension point):
 * "a loyalty tier is reached" — the tier named, or any higher tier when none is (`tier: null`). */
export const tierReachedTrigger: PlaybookTriggerDef = {
  type: 'tier.reached',
  label: 'a loyalty tier is reached',
  fields: { tier: z.string().trim().min(1).max(60).nullable().default(null) },
  matches: (trigger, data) => trigger.tier === null || trigger.tier === undefined || String(data.tier ?? '').toLowerCase() === String(trigger.tier).toLowerCase(),
};

export const loyaltySubscribers = [
  subscriber({
    name: 'loyalty.order-created',
    on: ['order.created'],
    handle: async (ctx, event) => {
      await creditOrdersWrittenAt(ctx, event.payload.writtenAt);
    },
    // several import slices' orders in one crediting transaction: its fixed cost is paid once
    handleBatch: async (ctx, events) => {
      await creditOrdersWrittenAt(
        ctx,
        events.map((e) => e.payload.writtenAt),
      );
    },
  }),
  subscriber({
    name: 'loyalty.order-status',
    on: ['order.status_changed'],
    handle: async (ctx, event) => {
      const voided = event.payload.changes.filter((c) => c.to === 'refunded' || c.to === 'cancelled');
      if (!voided.length) return;
      const reversed = await reverseVoided(
        ctx.db,
        voided.map((c) => c.orderId),
      );
      // a second delivery reverses nothing; the tiers are recomputed all the same (a crash may have come between)
      await refreshTiers(ctx, { customerIds: [...new Set([...reversed, ...voided.map((c) => c.customerId)])] });
    },
  }),
  subscriber({
    name: 'loyalty.survey-answered',
    on: ['survey.answered'],
    handle: async (ctx, event) => {
      const rules = await getLoyaltySettings(ctx.db);
      if (rules.pointsPerSurvey <= 0) return;
      const p = event.payload;
      await sql`
        insert into loyalty_ledger (customer_id, kind, points, reason, idempotency_key, source, occurred_at)
        values (${p.customerId}, 'earn', ${rules.pointsPerSurvey}, ${`Answered the ${p.survey.toUpperCase()} survey`}, ${`survey:${p.requestId}`}, 'survey', ${ctx.now()})
        on conflict (idempotency_key) do nothing`.execute(ctx.db);
      await refreshTiers(ctx, { customerIds: [p.customerId] });
    },
  }),
  subscriber({
    // a higher tier reached starts the playbooks that wait for it (once per customer, tier and moment)
    name: 'loyalty.tier-reached',
    on: ['loyalty.tier_changed'],
    handle: async (ctx, event) => {
      await emitPlaybookEvents(
        ctx,
        event.payload.changes
          .filter((c) => c.direction === 'up' && c.tier)
          .map((c) => ({
            type: tierReachedTrigger.type,
            customerId: c.customerId,
            occurrenceKey: `${c.customerId}:${c.tier}:${event.payload.at}`,
            data: { tier: c.tier, previous: c.previous, points: c.yearPoints },
          })),
      );
    },
  }),
];

export const REVERSE_JOB = 'loyalty.reverse-voided';
export const EXPIRE_JOB = 'loyalty.expire';
export const BIRTHDAY_JOB = 'loyalty.birthday';

/** The hourly pass: points of orders refunded or cancelled where no status event said so (an import's update) are reversed. */
export async function reverseVoidedJob(ctx: AppContext): Promise<string> {
  const customers = await reverseVoided(ctx.db);
  await refreshTiers(ctx, { customerIds: [...new Set(customers)] });
  return `reversed ${customers.length}`;
}
