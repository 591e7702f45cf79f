// The database edge of analytics: reads compact per-order and per-subscription data once (one
// query each, local days computed by PostgreSQL in the workspace's time zone) and hands it to
// the pure report. Never one query per customer.
import { isContact } from '../customers/index.js';
import { sql } from 'kysely';
import type { Database } from '../platform/db/database.js';
import { getWorkspace } from '../workspace/index.js';
import { industryBenchmark } from '../workspace/index.js';
import { DayConverter } from './dates.js';
import { OrderTableBuilder, type BillingInterval, type SubscriptionRow } from './orders.js';
import { ordersReport, subscriptionsReport, type CustomerExtras, type ReportOptions, type RetentionReport } from './report.js';

export interface WorkspaceReport {
  generatedAt: string;
  workspace: { name: string; industry: string; timeZone: string; currency: string };
  orders: RetentionReport | null;
  subscriptions: RetentionReport | null;
}

const currencyDigits = (currency: string) => {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
};

async function tableExists(db: Database, name: string): Promise<boolean> {
  const r = await sql<{ t: string | null }>`select to_regclass(${name})::text as t`.execute(db);
  return r.rows[0]?.t != null;
}

/** Names, last survey answer and last touchpoint per customer, in three set-based queries. */
export async function loadExtras(db: Database, timeZone: string): Promise<Map<string, CustomerExtras>> {
  const extras = new Map<string, CustomerExtras>();
  const names = await db.selectFrom('customers').select(['id', 'name']).where('merged_into', 'is', null).execute();
  for (const c of names) extras.set(c.id, { name: c.name, openComplaints: 0 });
  // open complaints: open close-the-loop tasks raised by an unhappy survey answer
  const complaints = await sql<{ customer_id: string; n: number }>`
    select customer_id, count(*) as n from tasks
    where status = 'open' and customer_id is not null and source like 'survey:%'
    group by customer_id`.execute(db);
  for (const c of complaints.rows) {
    const e = extras.get(c.customer_id);
    if (e) e.openComplaints = Number(c.n);
  }
  // "In touch" means contact as src/customers/contact.ts defines it (orders have their own factor).
  const touch = await sql<{ customer_id: string; day: number }>`
    select customer_id, max((occurred_at at time zone ${timeZone})::date - date '1970-01-01') as day
    from touchpoints
    where ${isContact()}
    group by customer_id`.execute(db);
  for (const t of touch.rows) {
    const e = extras.get(t.customer_id);
    if (e) e.lastTouchpointDay = Number(t.day);
  }
  if (await tableExists(db, 'survey_responses')) {
    // the latest NPS (0–10) or CSAT (1–5, put on 0–10) answer per customer; the surveys
    // feature owns this table, so a change there costs the health score one factor, not the report
    try {
      const surveys = await sql<{ customer_id: string; kind: string; score: number }>`
        select distinct on (customer_id) customer_id, kind, score from survey_responses
        where score is not null and kind in ('nps', 'csat')
        order by customer_id, answered_at desc`.execute(db);
      for (const s of surveys.rows) {
        const e = extras.get(s.customer_id);
        if (e) e.lastSurveyScore = s.kind === 'nps' ? Number(s.score) : ((Number(s.score) - 1) / 4) * 10;
      }
    } catch {
      // leave the survey factor out
    }
  }
  return extras;
}

export interface WorkspaceReportOptions extends Pick<ReportOptions, 'timeUnit' | 'periodType' | 'horizonDays' | 'discountRate' | 'saveListSize' | 'onStage' | 'includeCustomers'> {
  now: Date;
  /** the last calendar day of the calibration period (a local day number, see dates.ts) */
  calibrationEndDay?: number;
}

/** The retention report of the workspace's own data (orders and, when there are any, subscriptions). */
export async function workspaceReport(db: Database, options: WorkspaceReportOptions): Promise<WorkspaceReport> {
  const ws = await getWorkspace(db);
  const timeZone = ws?.timeZone ?? 'UTC';
  const currency = ws?.currency ?? 'EUR';
  const converter = new DayConverter(timeZone);
  const asOfDay = converter.dayOf(options.now.getTime());
  const calibrationEndDay = options.calibrationEndDay;
  const industry = industryBenchmark(ws?.industry ?? 'all');
  const base: ReportOptions = {
    ...options,
    asOfDay,
    calibrationEndDay,
    industry: { key: industry.key, name: industry.name, annualRetention: industry.annualRetention },
    activityWindowDays: ws?.activityWindowDays ?? null,
    currencyDigits: currencyDigits(currency),
    currency,
  };
  base.extras = await loadExtras(db, timeZone);

  const subRows = await sql<{ id: string; c: string; plan: string; amount: number; interval: BillingInterval; s: number; e: number | null }>`
    select s.id, coalesce(c.merged_into, s.customer_id) as c, s.plan, s.amount_minor as amount, s.interval,
           (s.started_at at time zone ${timeZone})::date - date '1970-01-01' as s,
           (s.canceled_at at time zone ${timeZone})::date - date '1970-01-01' as e
    from subscriptions s join customers c on c.id = s.customer_id
    where s.started_at < ${new Date(options.now.getTime() + 1)}`.execute(db);
  const subscriptionRows: SubscriptionRow[] = subRows.rows.map((r) => ({
    id: r.id,
    customerId: r.c,
    plan: r.plan,
    amount: Number(r.amount),
    interval: r.interval,
    startDay: Number(r.s),
    cancelDay: r.e === null ? null : Number(r.e) > asOfDay ? null : Number(r.e),
  }));
  // orders: one row per order, a few bytes each; merged customers' orders follow them
  const orderRows = await sql<{ c: string; d: number; a: number; v: boolean; cur: string }>`
    select coalesce(c.merged_into, o.customer_id) as c,
           (o.ordered_at at time zone ${timeZone})::date - date '1970-01-01' as d,
           o.amount_minor as a,
           o.status <> 'paid' as v,
           o.currency as cur
    from orders o join customers c on c.id = o.customer_id
    where o.ordered_at < ${new Date(options.now.getTime() + 1)}`.execute(db);
  let orders: RetentionReport | null = null;
  if (orderRows.rows.length > 0) {
    const builder = new OrderTableBuilder();
    // amounts in another currency than the workspace's are never added to it (the report totals them apart)
    for (const r of orderRows.rows) builder.add(r.c, Number(r.d), Number(r.a), r.v, { currency: r.cur });
    orderRows.rows.length = 0;
    // subscribers count as active customers while a subscription runs
    const otherActivity = new Map<string, { firstDay: number; ranges: [number, number][] }>();
    for (const sub of subscriptionRows) {
      const act = otherActivity.get(sub.customerId) ?? otherActivity.set(sub.customerId, { firstDay: sub.startDay, ranges: [] }).get(sub.customerId)!;
      act.firstDay = Math.min(act.firstDay, sub.startDay);
      act.ranges.push([sub.startDay + 1, sub.cancelDay ?? 2 ** 30]);
    }
    orders = ordersReport(builder.build(), { ...base, otherActivity });
  }

  const subscriptions = subscriptionRows.length > 0 ? subscriptionsReport(subscriptionRows, base) : null;
  return {
    generatedAt: options.now.toISOString(),
    workspace: { name: ws?.name ?? 'Keepwell', industry: industry.key, timeZone, currency },
    orders,
    subscriptions,
  };
}
