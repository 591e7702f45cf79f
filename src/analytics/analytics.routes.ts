// REST API of analytics. The report is computed from the whole database, so it is cached in
// memory for a minute per server (concurrent requests share one computation).
import { subscriber } from '../platform/events/events.service.js';
import { z } from 'zod';
import type { AppContext } from '../platform/context.js';
import { badRequest, notFound } from '../platform/http/errors.js';
import { getWorkspace } from '../workspace/index.js';
import { DayConverter, dayOfDate, isoDay } from './dates.js';
import type { App } from '../platform/http/server.js';
import { audit } from '../accounts/index.js';
import { listExchangeRates, loadExchangeRates, replaceExchangeRates } from './analytics.rates.js';
import { workspaceReport, type WorkspaceReport } from './analytics.service.js';
import type { CustomerRow, PeriodRow, RetentionReport, SaveListRow } from './report.js';

export const REPORT_CACHE_MS = 60_000;

interface Cached {
  at: number;
  report: Promise<WorkspaceReport>;
  byCustomer?: Promise<Map<string, { orders?: CustomerRow; subscriptions?: CustomerRow }>>;
}
/** per server: the default report ('') and a few reports as of chosen days */
const cache = new WeakMap<AppContext, Map<string, Cached>>();
const MAX_CACHED_DAYS = 8;

function cached(ctx: AppContext, asOfDay?: number): Cached {
  const now = Date.now();
  const key = asOfDay === undefined ? '' : String(asOfDay);
  const entries = cache.get(ctx) ?? cache.set(ctx, new Map()).get(ctx)!;
  const hit = entries.get(key);
  if (hit && now - hit.at < REPORT_CACHE_MS) return hit;
  // the owner's exchange rates (Settings) convert other currencies' orders; the report says which it used
  const report = loadExchangeRates(ctx.db).then((exchangeRates) => workspaceReport(ctx.db, { now: ctx.now(), asOfDay, saveListSize: 50, exchangeRates }));
  const entry: Cached = { at: now, report };
  entry.report.catch(() => entries.delete(key));
  entries.delete(key);
  entries.set(key, entry);
  // the oldest chosen days go first
  while (entries.size > MAX_CACHED_DAYS) entries.delete(entries.keys().next().value!);
  return entry;
}

/** Drops the cached reports (after an import, say). */
export function invalidateAnalytics(ctx: AppContext): void {
  cache.delete(ctx);
}

/** A YYYY-MM-DD query value as a local day number, or a 400 naming the field. */
function dayParam(field: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const day = m ? dayOfDate(+m[1], +m[2], +m[3]) : NaN;
  if (!m || isoDay(day) !== value || +m[1] < 1900) throw badRequest(`${field} must be a date such as 2011-12-09`, [{ field, message: 'must be a date such as 2011-12-09' }]);
  return day;
}

/** New data drops the cached report in this process, so the dashboard shows it on its next load. */
export const analyticsSubscribers = [
  subscriber({
    name: 'analytics.refresh',
    on: ['customer.created', 'order.created', 'customer.merged', 'customer.erased', 'subscription.cancelled', 'import.finished'],
    handle: async (ctx) => invalidateAnalytics(ctx),
  }),
];

function customerIndex(entry: Cached) {
  entry.byCustomer ??= entry.report.then((r) => {
    const m = new Map<string, { orders?: CustomerRow; subscriptions?: CustomerRow }>();
    for (const c of r.orders?.customers ?? []) m.set(c.id, { orders: c });
    for (const c of r.subscriptions?.customers ?? []) m.set(c.id, { ...m.get(c.id), subscriptions: c });
    return m;
  });
  return entry.byCustomer;
}

/** Each customer's health and lifetime value from the cached report: the customer list sorts and filters by them. */
export async function customerListScores(ctx: AppContext): Promise<Map<string, { health: number; value: number }>> {
  const scores = new Map<string, { health: number; value: number }>();
  for (const [id, rows] of await customerIndex(cached(ctx))) {
    const row = rows.orders ?? rows.subscriptions;
    if (row) scores.set(id, { health: row.health, value: (rows.orders?.clv ?? 0) + (rows.subscriptions?.clv ?? 0) });
  }
  return scores;
}

const lastComplete = (rows: PeriodRow[]) => [...rows].reverse().find((p) => !p.partial && p.churnRate !== null) ?? null;

function mergeSaveLists(a: SaveListRow[], b: SaveListRow[], top: number): SaveListRow[] {
  const best = new Map<string, SaveListRow>();
  for (const row of [...a, ...b]) {
    const have = best.get(row.id);
    if (!have || row.valueAtRisk > have.valueAtRisk) best.set(row.id, row);
  }
  return [...best.values()].sort((x, y) => y.valueAtRisk - x.valueAtRisk || (x.id < y.id ? -1 : 1)).slice(0, top);
}

function modelSummary(r: RetentionReport | null) {
  if (!r) return null;
  return { ...r.models, fitQuality: r.fitQuality };
}

const periodType = z.enum(['month', 'quarter', 'half', 'year']);

const exchangeRatesInput = z.object({
  rates: z
    .array(
      z.object({
        currency: z.string().regex(/^[A-Za-z]{3}$/, 'must be an ISO currency code such as USD'),
        date: z.string().max(20).describe('YYYY-MM-DD: the rate holds from this day on'),
        rate: z.number().positive('must be more than 0').max(1e9, 'must be at most 1,000,000,000').describe('1 unit of the currency in the workspace currency'),
      }),
    )
    .max(1000, 'at most 1,000 rates'),
});

export async function analyticsRoutes(app: App, ctx: AppContext): Promise<void> {
  app.get(
    '/api/analytics/overview',
    {
      config: { access: 'staff' },
      schema: {
        tags: ['analytics'],
        summary: 'Retention overview: periods, benchmark, cohorts, CLV distribution, models and the save list',
        querystring: z.object({
          period: periodType.default('month'),
          top: z.coerce.number().int().min(1).max(200).default(20),
          asOf: z.string().max(20).optional().describe('the day the figures are as of (YYYY-MM-DD, not after today); default today, or the last day of data that ends long before today'),
          from: z.string().max(20).optional().describe('charts start at this day (YYYY-MM-DD); default: all the data'),
        }),
      },
    },
    async (req) => {
      const { period, top } = req.query;
      const asOfDay = dayParam('asOf', req.query.asOf);
      const fromDay = dayParam('from', req.query.from);
      const ws0 = await getWorkspace(ctx.db);
      const today = new DayConverter(ws0?.timeZone ?? 'UTC').dayOf(ctx.now().getTime());
      if (asOfDay !== undefined && asOfDay > today) throw badRequest(`asOf must not be after today (${isoDay(today)})`, [{ field: 'asOf', message: `must not be after today (${isoDay(today)})` }]);
      if (fromDay !== undefined && asOfDay !== undefined && fromDay > asOfDay) throw badRequest('from must not be after asOf', [{ field: 'from', message: 'must not be after asOf' }]);
      const ws = await cached(ctx, asOfDay).report;
      // charts from the chosen day on: periods that end before it and cohorts acquired before it are left out
      const from = fromDay === undefined ? null : isoDay(fromDay);
      const inRange = <T extends { end: string }>(rows: T[]) => (from === null ? rows : rows.filter((p) => p.end >= from));
      const cohortsFrom = <T extends { cohort: string }>(rows: T[]) => (from === null ? rows : rows.filter((c) => c.cohort >= from.slice(0, 7)));
      const o = ws.orders;
      const s = ws.subscriptions;
      const main = o ?? s;
      const currentOrders = o?.periodsByType.month.at(-1) ?? null;
      const currentSubs = s?.periodsByType.month.at(-1) ?? null;
      const periods = inRange(o?.periodsByType[period] ?? s?.periodsByType[period] ?? []);
      return {
        generatedAt: ws.generatedAt,
        asOf: ws.asOf,
        /** what the charts cover: from the chosen day (or the first period shown) to the as-of day */
        range: { from: from ?? periods[0]?.start ?? null, to: ws.asOf.date },
        workspace: ws.workspace,
        hasData: main !== null,
        kpis: main
          ? {
              annualRetention: main.annual.retentionRate,
              annual: main.annual,
              benchmark: main.benchmark,
              customersActive: (currentOrders?.activeAtEnd ?? 0) + (currentSubs && !o ? currentSubs.activeAtEnd : 0),
              subscribersActive: currentSubs?.activeAtEnd ?? null,
              churnThisPeriod: currentOrders ?? currentSubs,
              churnLastPeriod: lastComplete(main.periodsByType.month),
              nrr: s ? (lastComplete(s.periodsByType.month)?.nrr ?? null) : null,
              grr: s ? (lastComplete(s.periodsByType.month)?.grr ?? null) : null,
              repeatRate: o?.repeatRate ?? null,
              customers: o?.totals.customers ?? s?.totals.customers ?? 0,
              revenue: (o?.totals.revenue ?? 0) + (s?.totals.revenue ?? 0),
            }
          : null,
        /** the currency of the money figures: one, per currency, or converted with the owner's rates (the note says which) */
        currency: o?.currency ?? null,
        activityWindow: o?.activityWindow ?? null,
        periods,
        subscriptionPeriods: s ? inRange(s.periodsByType[period]) : null,
        cohorts: cohortsFrom((o ?? s)?.cohorts ?? []).slice(-12),
        subscriptionCohorts: s && o ? cohortsFrom(s.cohorts).slice(-12) : null,
        clv: o?.clv ?? s?.clv ?? null,
        models: { orders: modelSummary(o), subscriptions: s ? { sbg: s.models.sbg ?? [], notes: s.models.notes } : null },
        saveList: mergeSaveLists(o?.saveList ?? [], s?.saveList ?? [], top),
      };
    },
  );

  app.get('/api/analytics/exchange-rates', { config: { access: 'staff' }, schema: { tags: ['analytics'], summary: "The owner's exchange rates into the workspace currency, dated" } }, async () => {
    const ws = await getWorkspace(ctx.db);
    return { currency: ws?.currency ?? 'EUR', rates: await listExchangeRates(ctx.db) };
  });

  app.put(
    '/api/analytics/exchange-rates',
    {
      config: { access: 'owner' },
      schema: {
        tags: ['analytics'],
        summary: 'Replace the exchange rates (owner; audited): 1 unit of currency = rate in the workspace currency from date on',
        body: exchangeRatesInput,
      },
    },
    async (req) => {
      const ws = await getWorkspace(ctx.db);
      const home = ws?.currency ?? 'EUR';
      const seen = new Set<string>();
      const rates = req.body.rates.map((r, i) => {
        const currency = r.currency.toUpperCase();
        const field = (name: string) => `rates.${i}.${name}`;
        if (currency === home)
          throw badRequest(`rates[${i}]: ${currency} is the workspace currency; rates convert other currencies into it`, [{ field: field('currency'), message: 'is the workspace currency' }]);
        const day = dayParam(field('date'), r.date);
        if (day === undefined) throw badRequest(`rates[${i}]: date is required`, [{ field: field('date'), message: 'is required' }]);
        const key = `${currency} ${r.date}`;
        if (seen.has(key)) throw badRequest(`rates[${i}]: ${currency} has two rates from ${r.date}`, [{ field: field('date'), message: `${currency} already has a rate from this day` }]);
        seen.add(key);
        return { currency, date: r.date, rate: r.rate };
      });
      await replaceExchangeRates(ctx.db, rates);
      await audit(ctx.db, req, 'analytics.exchange_rates', null, { rates: rates.length, currencies: [...new Set(rates.map((r) => r.currency))] });
      invalidateAnalytics(ctx);
      return { currency: home, rates: await listExchangeRates(ctx.db) };
    },
  );

  app.get(
    '/api/analytics/customers/:id',
    {
      config: { access: 'staff' },
      schema: {
        tags: ['analytics'],
        summary: "One customer's health, P(alive), CLV and the reasons",
        params: z.object({ id: z.uuid('must be a customer id (uuid)') }),
      },
    },
    async (req) => {
      const customer = await ctx.db.selectFrom('customers').select(['id', 'name', 'merged_into']).where('id', '=', req.params.id).executeTakeFirst();
      if (!customer) throw notFound('Customer');
      const id = customer.merged_into ?? customer.id;
      const entry = cached(ctx);
      const ws = await entry.report;
      const rows = (await customerIndex(entry)).get(id);
      const row = rows?.orders ?? rows?.subscriptions;
      if (!row) {
        return { id, name: customer.name, hasData: false, message: 'No orders or subscriptions yet, so there is nothing to score.', asOf: ws.generatedAt };
      }
      const sub = rows?.subscriptions;
      // false when no model could be fitted yet (too little history): P(alive) and lifetime value are then placeholders
      const modelled = Boolean((rows?.orders && ws.orders?.models.bgnbd) || (sub && ws.subscriptions?.models.sbg?.length));
      return {
        id,
        name: customer.name,
        hasData: true,
        modelled,
        asOf: ws.generatedAt,
        currency: ws.workspace.currency,
        health: row.health,
        reasons: row.reasons,
        factors: row.factors,
        pAlive: row.pAlive,
        clv: (rows?.orders?.clv ?? 0) + (sub?.clv ?? 0),
        valueAtRisk: (rows?.orders?.valueAtRisk ?? 0) + (sub?.valueAtRisk ?? 0),
        valueAtRiskDefinition: (ws.orders ?? ws.subscriptions)!.clv.valueAtRiskDefinition,
        // no repeat purchase yet: what the data says about customers like them (P(alive) = 1 is the model's convention)
        comeBack: rows?.orders?.comeBack ?? null,
        expectedPurchases: rows?.orders?.expectedPurchases ?? null,
        horizonDays: (ws.orders ?? ws.subscriptions)!.clv.horizonDays,
        frequency: rows?.orders?.frequency ?? null,
        firstPurchase: row.firstPurchase,
        lastPurchase: row.lastPurchase,
        revenue: (rows?.orders?.revenue ?? 0) + (sub?.revenue ?? 0),
        subscription: sub ? { active: sub.active ?? false, plans: sub.plans ?? [], pAlive: sub.pAlive, clv: sub.clv } : null,
      };
    },
  );
}

export interface CustomerScore {
  /** 0–100 */
  health: number;
  /** lifetime value over the report's horizon, major units of the workspace currency */
  clv: number;
  pAlive: number;
}

/** Health, CLV and P(alive) of these customers from the (cached) report; a customer without orders or subscriptions is absent. */
export async function customerScores(ctx: AppContext, ids: readonly string[]): Promise<Map<string, CustomerScore>> {
  const index = await customerIndex(cached(ctx));
  const out = new Map<string, CustomerScore>();
  for (const id of ids) {
    const rows = index.get(id);
    const row = rows?.orders ?? rows?.subscriptions;
    if (row) out.set(id, { health: row.health, clv: (rows?.orders?.clv ?? 0) + (rows?.subscriptions?.clv ?? 0), pAlive: row.pAlive });
  }
  return out;
}
