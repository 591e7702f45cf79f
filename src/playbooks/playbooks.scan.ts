// Scheduled scans, run as jobs ('playbook.scan', every 15 minutes, one job per period however
// many workers there are): new customers and orders since the last scan fire their events, and
// the date and inactivity triggers are evaluated over all customers (pure core, one query).
import { sql } from 'kysely';
import type { AppContext } from '../platform/context.js';
import { getFeatureSettings, getWorkspace } from '../workspace/workspace.service.js';
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

/** Fires customer.created / order.created for rows added since the last scan (imports and the API alike). Recent ones only. */
export async function scanNewRecords(ctx: AppContext): Promise<{ newCustomers: number; newOrders: number; cancelledSubscriptions: number }> {
  const recent = new Date(ctx.now().getTime() - 2 * 86400_000);
  const cwm = await watermark(ctx, 'customers');
  const customers = await ctx.db.selectFrom('customers').select(['id', 'created_at', 'acquired_at']).where('created_at', '>', cwm).orderBy('created_at').limit(5000).execute();
  for (const c of customers) {
    if (new Date(c.acquired_at) >= recent) await emitPlaybookEvent(ctx, { type: 'customer.created', customerId: c.id, occurrenceKey: c.id });
  }
  if (customers.length) await setWatermark(ctx, 'customers', new Date(customers[customers.length - 1].created_at));
  const owm = await watermark(ctx, 'orders');
  const orders = await ctx.db
    .selectFrom('orders')
    .select(['id', 'customer_id', 'created_at', 'ordered_at', 'amount_minor', 'currency', 'external_id'])
    .where('created_at', '>', owm)
    .where('status', 'in', ['paid', 'pending'])
    .orderBy('created_at')
    .limit(5000)
    .execute();
  for (const o of orders) {
    if (new Date(o.ordered_at) < recent) continue;
    const earlier = await sql<{ n: number }>`select count(*)::int as n from orders where customer_id = ${o.customer_id} and status in ('paid','pending') and (ordered_at < ${o.ordered_at} or (ordered_at = ${o.ordered_at} and id < ${o.id}))`.execute(ctx.db);
    let amount = `${(Number(o.amount_minor) / 100).toFixed(2)} ${o.currency}`;
    try {
      amount = new Intl.NumberFormat('en', { style: 'currency', currency: o.currency }).format(Number(o.amount_minor) / 100);
    } catch {
      /* keep plain */
    }
    await emitPlaybookEvent(ctx, {
      type: 'order.created',
      customerId: o.customer_id,
      occurrenceKey: o.id,
      data: { first: Number(earlier.rows[0]?.n ?? 0) === 0, order: { amount, date: new Date(o.ordered_at).toISOString().slice(0, 10), number: o.external_id ?? o.id.slice(0, 8) } },
    });
  }
  if (orders.length) await setWatermark(ctx, 'orders', new Date(orders[orders.length - 1].created_at));
  // cancellations are updates, not new rows: follow canceled_at itself, up to now
  const swm = await watermark(ctx, 'subscriptions');
  const now = ctx.now();
  const cancelled = await ctx.db
    .selectFrom('subscriptions')
    .select(['id', 'customer_id', 'canceled_at', 'cancel_reason', 'plan'])
    .where('canceled_at', '>', swm)
    .where('canceled_at', '<=', now)
    .orderBy('canceled_at')
    .limit(5000)
    .execute();
  for (const s of cancelled) {
    await emitPlaybookEvent(ctx, { type: 'subscription.cancelled', customerId: s.customer_id, occurrenceKey: s.id, data: { plan: s.plan, reason: s.cancel_reason ?? '' } });
  }
  if (cancelled.length) await setWatermark(ctx, 'subscriptions', new Date(cancelled[cancelled.length - 1].canceled_at!));
  return { newCustomers: customers.length, newOrders: orders.length, cancelledSubscriptions: cancelled.length };
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
  const fresh = await scanNewRecords(ctx);
  const scheduled = await scanScheduledTriggers(ctx);
  return { ...fresh, ...scheduled };
}

/** The `playbook.scan` job (listed in the playbooks manifest, every 15 minutes). */
export async function scanJob(ctx: AppContext) {
  const r = await runPlaybookScan(ctx);
  ctx.log.info(r, 'playbook scan');
  return 'scanned';
}
