// Scheduled scans, run as jobs ('playbook.scan', every 15 minutes, one job per period however
// many workers there are): the date and inactivity triggers are evaluated over all customers
// (pure core, one query), and imported cancellations are picked up. New customers and orders
// are not scanned for: they arrive as events recorded with them (playbooks.subscribers.ts).
import { sql } from 'kysely';
import type { AppContext } from '../platform/context.js';
import { getFeatureSettings, getWorkspace } from '../workspace/index.js';
import { evaluateScheduledTriggers, localDate, scheduledTriggerTypes, type Holiday } from './playbooks.core.js';
import { emitPlaybookEvent } from './playbooks.events.js';
import { loadAllFacts } from './playbooks.facts.js';
import { enroll, listPlaybooks } from './playbooks.service.js';

export const SCAN_JOB = 'playbook.scan';

export interface PlaybookSettings {
  /** MM-DD every year, or YYYY-MM-DD once */
  holidays: Holiday[];
}
export const defaultPlaybookSettings: PlaybookSettings = {
  holidays: [
    { date: '01-01', name: 'New Year' },
    { date: '12-24', name: 'Christmas' },
  ],
};

async function watermark(ctx: AppContext, name: string): Promise<Date> {
  const row = await ctx.db.selectFrom('playbook_watermarks').select('value').where('name', '=', name).executeTakeFirst();
  return row ? new Date(row.value) : new Date(Date.now() - 3600_000);
}
async function setWatermark(ctx: AppContext, name: string, value: Date) {
  await ctx.db
    .insertInto('playbook_watermarks')
    .values({ name, value })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value }))
    .execute();
}

/**
 * Cancellations that arrive by import (a changed `canceled_at`) rather than through the API,
 * which records 'subscription.cancelled' itself: every cancellation dated after the last scan
 * and up to now, all of them (no page limit, so rows sharing a timestamp are never split), and
 * the same occurrence key as the event, so nobody enrols twice. New customers and orders are
 * not scanned for: they arrive as events (playbooks.subscribers.ts).
 */
export async function scanCancellations(ctx: AppContext): Promise<{ cancelledSubscriptions: number }> {
  const swm = await watermark(ctx, 'subscriptions');
  const now = ctx.now();
  const cancelled = await ctx.db
    .selectFrom('subscriptions')
    .select(['id', 'customer_id', 'canceled_at', 'cancel_reason', 'plan'])
    .where('canceled_at', '>', swm)
    .where('canceled_at', '<=', now)
    .orderBy('canceled_at')
    .orderBy('id')
    .execute();
  for (const s of cancelled) {
    await emitPlaybookEvent(ctx, { type: 'subscription.cancelled', customerId: s.customer_id, occurrenceKey: s.id, data: { plan: s.plan, reason: s.cancel_reason ?? '' } });
  }
  await setWatermark(ctx, 'subscriptions', now);
  return { cancelledSubscriptions: cancelled.length };
}

/** Evaluates the date and inactivity triggers of enabled playbooks over all customers and enrols who is due. */
export async function scanScheduledTriggers(ctx: AppContext): Promise<{ customers: number; enrolled: number }> {
  const playbooks = (await listPlaybooks(ctx.db, { enabledOnly: true })).filter((p) => scheduledTriggerTypes.has(p.trigger.type));
  if (playbooks.length === 0) return { customers: 0, enrolled: 0 };
  const ws = await getWorkspace(ctx.db);
  const settings = await getFeatureSettings(ctx.db, 'playbooks', defaultPlaybookSettings);
  const now = ctx.now();
  const facts = await loadAllFacts(ctx.db);
  const due = evaluateScheduledTriggers(playbooks, facts, { now, today: localDate(now, ws?.timeZone ?? 'UTC'), holidays: settings.holidays });
  const byId = new Map(playbooks.map((p) => [p.id, p]));
  const enrolled = await enroll(
    ctx,
    due.map((d) => ({ playbook: byId.get(d.playbookId)!, customerId: d.customerId, occurrenceKey: d.occurrenceKey, data: { eventType: byId.get(d.playbookId)!.trigger.type } })),
  );
  return { customers: facts.length, enrolled };
}

export async function runPlaybookScan(ctx: AppContext) {
  const fresh = await scanCancellations(ctx);
  const scheduled = await scanScheduledTriggers(ctx);
  return { ...fresh, ...scheduled };
}

/** The `playbook.scan` job (listed in the playbooks manifest, every 15 minutes). */
export async function scanJob(ctx: AppContext) {
  const r = await runPlaybookScan(ctx);
  ctx.log.info(r, 'playbook scan');
  return 'scanned';
}
