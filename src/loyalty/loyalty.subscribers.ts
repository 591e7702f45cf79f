// Loyalty hears of orders and survey answers through events recorded in the writing
// transaction. Delivery is at least once: every write here is keyed (ledger idempotency keys),
// so a second delivery, a retried webhook or a re-imported slice credits nothing twice.
import { sql } from 'kysely';
import type { AppContext } from '../platform/context.js';
import { subscriber } from '../platform/events/events.service.js';
import { creditReferrals } from './loyalty.referrals.js';
import { earnForOrders, reverseVoidedOrders } from './loyalty.ledger.js';
import { getLoyaltySettings } from './loyalty.settings.js';

/** Credits the orders one transaction wrote (a 1,000-order import slice is one statement). */
export async function creditOrdersWrittenAt(ctx: AppContext, writtenAt: string): Promise<{ earned: number; referrals: number }> {
  const rules = await getLoyaltySettings(ctx.db);
  const earned = await earnForOrders(ctx.db, rules, { writtenAt });
  const referrals = await creditReferrals(ctx, rules, writtenAt);
  return { earned, referrals };
}

export const loyaltySubscribers = [
  subscriber({
    name: 'loyalty.order-created',
    on: ['order.created'],
    handle: async (ctx, event) => {
      await creditOrdersWrittenAt(ctx, event.payload.writtenAt);
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
    },
  }),
];

export const REVERSE_JOB = 'loyalty.reverse-voided';
export const EXPIRE_JOB = 'loyalty.expire';

/** The hourly job: points of orders refunded or cancelled since they earned are reversed. */
export async function reverseVoidedJob(ctx: AppContext): Promise<string> {
  return `reversed ${await reverseVoidedOrders(ctx.db)}`;
}
