// The event API other features call when something happens to a customer. Each enabled
// playbook whose trigger matches (and whose conditions hold) enrols the customer once per
// occurrence: emitting the same occurrenceKey again enrols no one twice.
//
//   await emitPlaybookEvent(ctx, { type: 'survey.answered', customerId, occurrenceKey: `survey:${responseId}`,
//                                  data: { kind: 'detractor', score: 3, category: 'support' } });
import { z } from 'zod';
import type { AppContext } from '../platform/context.js';
import { evaluateConditions, eventMatches, eventTypes, type EventType } from './playbooks.core.js';
import { loadOneFacts } from './playbooks.facts.js';
import { contributedTriggers } from './playbooks.triggers.js';
import { enroll, listPlaybooks } from './playbooks.service.js';

export type { EventType };

export interface PlaybookEvent {
  /** an engine event type, or the type of a trigger another feature contributes (playbooks.triggers.ts) */
  type: EventType | (string & {});
  customerId: string;
  /** what happened: survey.answered { kind: 'detractor'|'passive'|'promoter', score, category };
   *  order.created { first?: boolean, order?: { amount, date, number } }; health.dropped { score, previous };
   *  cart.abandoned { cart_url, value }; payment.failed { update_card_url, amount } … (available to templates as `event`) */
  data?: Record<string, unknown>;
  /** identifies this occurrence (an order id, a survey response id, a cart id) */
  occurrenceKey: string;
}

/** An engine event type or a contributed trigger's type (read when the event comes, not at start-up). */
export const playbookEventType = z
  .string()
  .refine((t) => (eventTypes as readonly string[]).includes(t) || contributedTriggers().some((d) => d.type === t), { message: 'is not a playbook event or trigger type' });

export const playbookEventSchema = z.object({
  type: playbookEventType,
  customerId: z.string().uuid('must be a customer id (uuid)'),
  data: z.record(z.string(), z.unknown()).default({}),
  occurrenceKey: z.string().trim().min(1, 'is required').max(200),
});

export interface EmitResult {
  /** playbooks the customer entered now (empty when none matched or this occurrence was seen before) */
  enrolled: { playbookId: string; name: string }[];
}

export async function emitPlaybookEvent(ctx: AppContext, event: PlaybookEvent): Promise<EmitResult> {
  const [result] = await emitPlaybookEvents(ctx, [event]);
  return result;
}

/**
 * Several occurrences at once (an import slice's orders, a pass's tier changes): the enabled
 * playbooks are read once, and an occurrence no playbook's trigger matches costs no query.
 */
export async function emitPlaybookEvents(ctx: AppContext, events: readonly PlaybookEvent[]): Promise<EmitResult[]> {
  const parsed = events.map((event) => playbookEventSchema.parse(event));
  const enabled = parsed.length ? await listPlaybooks(ctx.db, { enabledOnly: true }) : [];
  const contributed = contributedTriggers();
  const results: EmitResult[] = [];
  for (const e of parsed) {
    const data: Record<string, unknown> = { ...e.data };
    const matchesAny = (d: Record<string, unknown>) => enabled.some((p) => eventMatches(p.trigger, { type: e.type, data: d }, contributed));
    // whether an order is the first is read only when a playbook could care
    const firstUnknown = e.type === 'order.created' && data.first === undefined;
    if (!(firstUnknown ? matchesAny({ ...data, first: true }) || matchesAny({ ...data, first: false }) : matchesAny(data))) {
      results.push({ enrolled: [] });
      continue;
    }
    if (firstUnknown) {
      const n = await ctx.db
        .selectFrom('orders')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('customer_id', '=', e.customerId)
        .where('status', 'in', ['paid', 'pending'])
        .executeTakeFirstOrThrow();
      data.first = Number(n.n) <= 1;
    }
    results.push(await enrollMatching(ctx, e, data, enabled, contributed));
  }
  return results;
}

async function enrollMatching(
  ctx: AppContext,
  e: z.infer<typeof playbookEventSchema>,
  data: Record<string, unknown>,
  enabled: Awaited<ReturnType<typeof listPlaybooks>>,
  contributed: ReturnType<typeof contributedTriggers>,
): Promise<EmitResult> {
  const playbooks = enabled.filter((p) => eventMatches(p.trigger, { type: e.type, data }, contributed));
  if (playbooks.length === 0) return { enrolled: [] };
  const facts = await loadOneFacts(ctx.db, e.customerId);
  if (!facts) return { enrolled: [] };
  const enrolled: EmitResult['enrolled'] = [];
  for (const p of playbooks) {
    if (!evaluateConditions(p.conditions, facts, ctx.now().getTime()).ok) continue;
    const payload: Record<string, unknown> = { event: data, eventType: e.type };
    if (data.order && typeof data.order === 'object') payload.order = data.order;
    const n = await enroll(ctx, [{ playbook: p, customerId: e.customerId, occurrenceKey: `${e.type}:${e.occurrenceKey}`, data: payload }]);
    if (n > 0) enrolled.push({ playbookId: p.id, name: p.name });
  }
  return { enrolled };
}
