// Scheduled scans, run as jobs ('playbook.scan', every 15 minutes, one job per period however
// many workers there are): the date and inactivity triggers are evaluated over all customers
// (pure core, one query), and imported cancellations are picked up. New customers and orders
// are not scanned for: they arrive as events recorded with them (playbooks.subscribers.ts).
import { sql } from 'kysely';
import type { AppContext } from '../platform/context.js';
import { getFeatureSettings, getWorkspace } from '../workspace/index.js';
import { evaluateScheduledTriggers, localDate, scheduledTriggerTypes, splitByEnabledAt, thresholdCrossedAt, type Enrollment, type Holiday } from './playbooks.core.js';
import { emitPlaybookEvent } from './playbooks.events.js';
import { loadAllFacts } from './playbooks.facts.js';
import { enroll, listPlaybooks, type Playbook } from './playbooks.service.js';

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

/**
 * Evaluates the date and inactivity triggers of enabled playbooks over all customers and enrols
 * who is due. A threshold playbook (no order / no contact for so long) enrols only customers who
 * crossed its threshold after it was switched on; those already past it enter only when the owner
 * chose to include them, at most its daily cap in any 24 hours, most valuable first.
 */
export async function scanScheduledTriggers(ctx: AppContext): Promise<{ customers: number; enrolled: number; existingWaiting: number }> {
  const playbooks = (await listPlaybooks(ctx.db, { enabledOnly: true })).filter((p) => scheduledTriggerTypes.has(p.trigger.type));
  if (playbooks.length === 0) return { customers: 0, enrolled: 0, existingWaiting: 0 };
  const ws = await getWorkspace(ctx.db);
  const settings = await getFeatureSettings(ctx.db, 'playbooks', defaultPlaybookSettings);
  const now = ctx.now();
  const facts = await loadAllFacts(ctx.db);
  const due = evaluateScheduledTriggers(playbooks, facts, { now, today: localDate(now, ws?.timeZone ?? 'UTC'), holidays: settings.holidays });
  const { fresh, existing } = splitByEnabledAt(due, playbooks, facts);
  const byId = new Map(playbooks.map((p) => [p.id, p]));
  const take: { d: Enrollment; existing: boolean }[] = fresh.map((d) => ({ d, existing: false }));
  let existingWaiting = 0;
  const waiting = await notYetEnrolled(ctx, existing);
  for (const p of playbooks) {
    const mine = waiting.filter((d) => d.playbookId === p.id);
    if (mine.length === 0) continue;
    if (!p.includeExisting) continue;
    const room = Math.max(0, p.dailyCap - (await existingEnrolledLastDay(ctx, p.id, now)));
    take.push(...mine.slice(0, room).map((d) => ({ d, existing: true })));
    existingWaiting += Math.max(0, mine.length - room);
  }
  const enrolled = await enroll(
    ctx,
    take.map(({ d, existing }) => ({
      playbook: byId.get(d.playbookId)!,
      customerId: d.customerId,
      occurrenceKey: d.occurrenceKey,
      data: { eventType: byId.get(d.playbookId)!.trigger.type, ...(existing ? { existing: true } : {}) },
    })),
  );
  return { customers: facts.length, enrolled, existingWaiting };
}

/** The due enrolments that are not in yet (order kept). */
async function notYetEnrolled(ctx: AppContext, due: Enrollment[]): Promise<Enrollment[]> {
  if (due.length === 0) return [];
  const have = new Set<string>();
  for (const pid of new Set(due.map((d) => d.playbookId))) {
    const rows = await ctx.db.selectFrom('playbook_enrollments').select(['customer_id', 'occurrence_key']).where('playbook_id', '=', pid).execute();
    for (const r of rows) have.add(`${pid}|${r.customer_id}|${r.occurrence_key}`);
  }
  return due.filter((d) => !have.has(`${d.playbookId}|${d.customerId}|${d.occurrenceKey}`));
}

async function existingEnrolledLastDay(ctx: AppContext, playbookId: string, now: Date): Promise<number> {
  const r = await ctx.db
    .selectFrom('playbook_enrollments')
    .select(sql<number>`count(*)`.as('n'))
    .where('playbook_id', '=', playbookId)
    .where(sql<boolean>`data->>'existing' = 'true'`)
    .where('entered_at', '>', new Date(now.getTime() - 86400_000))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export interface EnrolmentPreview {
  /** the trigger has a threshold (no order / no contact); date and weekly triggers fire on the day */
  threshold: boolean;
  /** customers already past the threshold today (matching the conditions, not yet enrolled) */
  existing: number;
  /** of those, the ones who crossed in the last 7 days: about a week of "from now on" */
  crossedLastWeek: number;
  dailyCap: number;
  /** days to enrol every existing one at the daily cap */
  daysToIncludeAll: number;
}

/** How many customers would enter if the owner switched this playbook on including existing ones. */
export async function previewEnrolment(ctx: AppContext, playbook: Playbook, dailyCap = playbook.dailyCap): Promise<EnrolmentPreview> {
  const threshold = playbook.trigger.type === 'no_order' || playbook.trigger.type === 'no_touchpoint';
  if (!threshold) return { threshold, existing: 0, crossedLastWeek: 0, dailyCap, daysToIncludeAll: 0 };
  const ws = await getWorkspace(ctx.db);
  const now = ctx.now();
  const facts = await loadAllFacts(ctx.db);
  const due = await notYetEnrolled(ctx, evaluateScheduledTriggers([playbook], facts, { now, today: localDate(now, ws?.timeZone ?? 'UTC'), holidays: [] }));
  const byId = new Map(facts.map((f) => [f.id, f]));
  const weekAgo = now.getTime() - 7 * 86400_000;
  const crossedLastWeek = due.filter((d) => (thresholdCrossedAt(playbook.trigger, byId.get(d.customerId)!) ?? 0) >= weekAgo).length;
  return { threshold, existing: due.length, crossedLastWeek, dailyCap, daysToIncludeAll: Math.ceil(due.length / Math.max(1, dailyCap)) };
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
