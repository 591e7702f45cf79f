// The database edge of analytics: reads compact per-order and per-subscription data once (one
// query each, local days computed by PostgreSQL in the workspace's time zone) and hands it to
// the pure report. Never one query per customer.
import { isContact } from '../customers/index.js';
import { sql } from 'kysely';
import type { Database } from '../platform/db/database.js';
import { getWorkspace } from '../workspace/index.js';
import { industryBenchmark } from '../workspace/index.js';
import { DayConverter, isoDay } from './dates.js';
import { OrderTableBuilder, type BillingInterval, type SubscriptionRow } from './orders.js';
import { ordersReport, subscriptionsReport, type CustomerExtras, type ReportOptions, type RetentionReport } from './report.js';

export interface WorkspaceReport {
  generatedAt: string;
  /** the day the figures are as of, and why that day */
  asOf: AsOf;
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

export interface AsOf {
  /** YYYY-MM-DD in the workspace's time zone */
  date: string;
  /** today: the default; chosen: asked for; last-data: the data ends long before today, so the default is its last day */
  source: 'today' | 'chosen' | 'last-data';
  today: string;
  /** the first and last day with an order or subscription event (null without data) */
  dataFrom: string | null;
  dataTo: string | null;
  note: string | null;
}

/** data that ends more than this many days before today is shown as of its last day by default */
export const STALE_DATA_DAYS = 180;

/** First and last local day with an order, subscription start or cancellation. */
async function dataSpan(db: Database, timeZone: string): Promise<{ from: number | null; to: number | null }> {
  const r = await sql<{ lo: number | null; hi: number | null }>`
    select min(d) as lo, max(d) as hi from (
      select (min(ordered_at) at time zone ${timeZone})::date - date '1970-01-01' as d from orders
      union all select (max(ordered_at) at time zone ${timeZone})::date - date '1970-01-01' from orders
      union all select (min(started_at) at time zone ${timeZone})::date - date '1970-01-01' from subscriptions
      union all select (max(coalesce(canceled_at, started_at)) at time zone ${timeZone})::date - date '1970-01-01' from subscriptions
    ) s`.execute(db);
  const row = r.rows[0];
  return { from: row?.lo == null ? null : Number(row.lo), to: row?.hi == null ? null : Number(row.hi) };
}

/**
 * The day a report is as of: the one asked for, else today — or, when the data ends more than
 * STALE_DATA_DAYS before today (a past year's invoices imported into a fresh workspace), its last
 * day, with a note saying so (as of today nobody would be active and every chart would be empty).
 */
export async function resolveAsOf(db: Database, timeZone: string, now: Date, asked?: number): Promise<{ day: number; info: AsOf }> {
  const today = new DayConverter(timeZone).dayOf(now.getTime());
  const span = await dataSpan(db, timeZone);
  const base = { today: isoDay(today), dataFrom: span.from === null ? null : isoDay(span.from), dataTo: span.to === null ? null : isoDay(Math.min(span.to, today)) };
  if (asked !== undefined) {
    const note = span.to !== null && asked < (span.from ?? asked) ? `The data begins on ${base.dataFrom}: there is nothing before it.` : null;
    return { day: asked, info: { ...base, date: isoDay(asked), source: asked === today ? 'today' : 'chosen', note } };
  }
  if (span.to !== null && span.to < today - STALE_DATA_DAYS) {
    const days = today - span.to;
    return {
      day: span.to,
      info: {
        ...base,
        date: isoDay(span.to),
        source: 'last-data',
        note: `Your data ends on ${isoDay(span.to)}, ${days.toLocaleString('en')} days before today, so these figures are as of that day: as of today every customer would have lapsed. Pick another date to look back or forward.`,
      },
    };
  }
  return { day: today, info: { ...base, date: isoDay(today), source: 'today', note: null } };
}

/** Names, last survey answer and last touchpoint per customer, in three set-based queries; with `asOfDay`, only what happened by then (open complaints are not known for a past day). */
export async function loadExtras(db: Database, timeZone: string, asOfDay?: number): Promise<Map<string, CustomerExtras>> {
  const until = asOfDay ?? 2 ** 30;
  const extras = new Map<string, CustomerExtras>();
  const names = await db.selectFrom('customers').select(['id', 'name']).where('merged_into', 'is', null).execute();
  for (const c of names) extras.set(c.id, { name: c.name, openComplaints: asOfDay === undefined ? 0 : null });
  // open complaints: open close-the-loop tasks raised by an unhappy survey answer
  const complaints =
    asOfDay !== undefined
      ? { rows: [] }
      : await sql<{ customer_id: string; n: number }>`
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
    where ${isContact()} and (occurred_at at time zone ${timeZone})::date - date '1970-01-01' <= ${until}
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
        where score is not null and kind in ('nps', 'csat') and (answered_at at time zone ${timeZone})::date - date '1970-01-01' <= ${until}
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

export interface WorkspaceReportOptions extends Pick<ReportOptions, 'timeUnit' | 'periodType' | 'horizonDays' | 'discountRate' | 'saveListSize' | 'onStage' | 'includeCustomers' | 'exchangeRates'> {
  now: Date;
  /** the day the figures are as of (a local day number); default: today, or the data's last day when it ends long before today */
  asOfDay?: number;
  /** the last calendar day of the calibration period (a local day number, see dates.ts) */
  calibrationEndDay?: number;
}

/** The retention report of the workspace's own data (orders and, when there are any, subscriptions). */
export async function workspaceReport(db: Database, options: WorkspaceReportOptions): Promise<WorkspaceReport> {
  const ws = await getWorkspace(db);
  const timeZone = ws?.timeZone ?? 'UTC';
  const currency = ws?.currency ?? 'EUR';
  const resolved = await resolveAsOf(db, timeZone, options.now, options.asOfDay);
  const asOfDay = resolved.day;
  const past = resolved.info.source !== 'today';
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
    // stored amounts are in each currency's own minor units
    currencyDigitsOf: currencyDigits,
  };
  base.extras = await loadExtras(db, timeZone, past ? asOfDay : undefined);

  const subRows = await sql<{ id: string; c: string; plan: string; amount: number; interval: BillingInterval; s: number; e: number | null }>`
    select s.id, coalesce(c.merged_into, s.customer_id) as c, s.plan, s.amount_minor as amount, s.interval,
           (s.started_at at time zone ${timeZone})::date - date '1970-01-01' as s,
           (s.canceled_at at time zone ${timeZone})::date - date '1970-01-01' as e
    from subscriptions s join customers c on c.id = s.customer_id
    where s.started_at < ${new Date(options.now.getTime() + 1)} and (s.started_at at time zone ${timeZone})::date - date '1970-01-01' <= ${asOfDay}`.execute(db);
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
    where o.ordered_at < ${new Date(options.now.getTime() + 1)} and (o.ordered_at at time zone ${timeZone})::date - date '1970-01-01' <= ${asOfDay}`.execute(db);
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
    asOf: resolved.info,
    workspace: { name: ws?.name ?? 'Keepwell', industry: industry.key, timeZone, currency },
    orders,
    subscriptions,
  };
}
