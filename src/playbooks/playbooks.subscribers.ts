// Playbook triggers hear of what happened through events recorded in the writing transaction
// (customers created, orders placed, subscriptions cancelled, surveys answered) instead of
// scanning tables for new rows. Delivery is at least once; enrolment is keyed on the occurrence
// (`<event type>:<row id>`), so a second delivery enrols no one twice.
import { sql } from 'kysely';
import type { AppContext } from '../platform/context.js';
import { subscriber } from '../platform/events/events.service.js';
import { workspaceMoney } from '../workspace/index.js';
import { emitPlaybookEvent, emitPlaybookEvents } from './playbooks.events.js';

/** Only what happened recently starts a playbook: an import of last year's orders sends no thank-yous. */
const RECENT_MS = 2 * 86400_000;
const recentSince = (ctx: AppContext) => new Date(ctx.now().getTime() - RECENT_MS);

/** The recent customers written at these instants (one transaction each) enter the customer.created playbooks. */
async function enrolNewCustomers(ctx: AppContext, writtenAt: string[]): Promise<void> {
  const rows = await sql<{ id: string }>`
    select id from customers
    where created_at = any(${writtenAt}::timestamptz[]) and acquired_at >= ${recentSince(ctx)} and merged_into is null
    order by id`.execute(ctx.db);
  await emitPlaybookEvents(
    ctx,
    rows.rows.map((c) => ({ type: 'customer.created', customerId: c.id, occurrenceKey: c.id })),
  );
}

/** The recent paid or pending orders written at these instants enter the order playbooks (first order or any). */
async function enrolNewOrders(ctx: AppContext, writtenAt: string[]): Promise<void> {
  const rows = await sql<{ id: string; customer_id: string; ordered_at: Date; amount_minor: number; currency: string; external_id: string | null; earlier: number }>`
    select o.id, o.customer_id, o.ordered_at, o.amount_minor, o.currency, o.external_id,
           (select count(*)::int from orders p where p.customer_id = o.customer_id and p.status in ('paid','pending')
              and (p.ordered_at < o.ordered_at or (p.ordered_at = o.ordered_at and p.id < o.id))) as earlier
    from orders o
    where o.created_at = any(${writtenAt}::timestamptz[]) and o.status in ('paid','pending') and o.ordered_at >= ${recentSince(ctx)}
    order by o.ordered_at, o.id`.execute(ctx.db);
  if (!rows.rows.length) return;
  const { money } = await workspaceMoney(ctx.db);
  await emitPlaybookEvents(
    ctx,
    rows.rows.map((o) => ({
      type: 'order.created',
      customerId: o.customer_id,
      occurrenceKey: o.id,
      data: {
        first: Number(o.earlier) === 0,
        order: { amount: money(Number(o.amount_minor), o.currency), date: new Date(o.ordered_at).toISOString().slice(0, 10), number: o.external_id ?? o.id.slice(0, 8) },
      },
    })),
  );
}

// Both take an import's many slices together when the worker claims several (handleBatch).
export const playbookSubscribers = [
  subscriber({
    name: 'playbooks.customer-created',
    on: ['customer.created'],
    handle: (ctx, event) => enrolNewCustomers(ctx, [event.payload.writtenAt]),
    handleBatch: (ctx, events) =>
      enrolNewCustomers(
        ctx,
        events.map((e) => e.payload.writtenAt),
      ),
  }),
  subscriber({
    name: 'playbooks.order-created',
    on: ['order.created'],
    handle: (ctx, event) => enrolNewOrders(ctx, [event.payload.writtenAt]),
    handleBatch: (ctx, events) =>
      enrolNewOrders(
        ctx,
        events.map((e) => e.payload.writtenAt),
      ),
  }),
  subscriber({
    name: 'playbooks.subscription-cancelled',
    on: ['subscription.cancelled'],
    handle: async (ctx, event) => {
      const p = event.payload;
      await emitPlaybookEvent(ctx, { type: 'subscription.cancelled', customerId: p.customerId, occurrenceKey: p.subscriptionId, data: { plan: p.plan, reason: p.reason } });
    },
  }),
  subscriber({
    name: 'playbooks.survey-answered',
    on: ['survey.answered'],
    handle: async (ctx, event) => {
      const p = event.payload;
      await emitPlaybookEvent(ctx, {
        type: 'survey.answered',
        customerId: p.customerId,
        data: { kind: p.category, survey: p.survey, score: p.score, category: p.reasons[0] ?? 'none', requestId: p.requestId },
        occurrenceKey: `survey:${p.requestId}:${p.category}`,
      });
    },
  }),
];
