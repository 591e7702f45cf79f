// The owner's morning view: retention against the industry, churn trend, cohorts, lifetime
// value, the save list and today's tasks.
import { Fragment, useState } from 'react';
import { Link } from 'react-router';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useContributions } from '../../shell/contributions';
import { formatDateTime, formatMoneyMajor, formatMoneyRange, formatNumber, formatPercent } from '../../shell/format';
import type { AreaRoute, WebArea } from '../../shell/types';
import { useApi } from '../../shell/useApi';
import { TodayTasks } from '../tasks/TodayTasks';

type PeriodType = 'month' | 'quarter' | 'half' | 'year';

interface PeriodRow {
  period: string;
  start: string;
  end: string;
  customersAtStart: number;
  lost: number;
  new: number;
  returned: number;
  activeAtEnd: number;
  churnRate: number | null;
  retentionRate: number | null;
  revenue: number;
  repeatRate: number | null;
  nrr?: number | null;
  grr?: number | null;
  partial: boolean;
}

interface CohortRow {
  cohort: string;
  size: number;
  customers: number[];
  /** null: the month still running (not over yet, so not a fall) */
  retention: (number | null)[];
  revenue: number[];
}

interface SaveRow {
  id: string;
  name?: string;
  valueAtRisk: number;
  clv: number;
  pAlive: number;
  /** one-time buyers: the share of customers like them who came back (the model's P(alive) = 1 is no evidence) */
  comeBack?: { share: number | null; peers: number };
  health: number;
  topReason: string | null;
}

interface AsOf {
  date: string;
  source: 'today' | 'chosen' | 'last-data';
  today: string;
  dataFrom: string | null;
  dataTo: string | null;
  note: string | null;
}

interface ModelChoice {
  model: string;
  name: string;
  by: 'holdout' | 'log-likelihood' | 'only model fitted';
  holdout: { from: string; to: string; customers: number; actualRepeatPurchases: number } | null;
  comparison: { model: string; name: string; logLikelihood: number | null; holdoutPredicted: number | null; meanAbsoluteError: number | null; fitted: boolean }[];
  reason: string;
}

interface Overview {
  generatedAt: string;
  asOf: AsOf;
  /** what the charts cover */
  range: { from: string | null; to: string };
  workspace: { name: string; industry: string; timeZone: string; currency: string };
  hasData: boolean;
  kpis: {
    annualRetention: number | null;
    annual: {
      start: string;
      end: string;
      customersAtStart: number;
      lost: number;
      formula?: string;
      windowDays?: number | null;
      byWindow?: { days: number; retentionRate: number | null }[];
      note?: string | null;
    };
    benchmark: { industry: string; industryName: string; rate: number; yours: number | null; difference: number | null } | null;
    customersActive: number;
    subscribersActive: number | null;
    churnThisPeriod: PeriodRow | null;
    churnLastPeriod: PeriodRow | null;
    nrr: number | null;
    grr: number | null;
    repeatRate: number | null;
    customers: number;
    revenue: number;
  } | null;
  activityWindow: { days: number; source: string; explanation: string } | null;
  periods: PeriodRow[];
  subscriptionPeriods: PeriodRow[] | null;
  cohorts: CohortRow[];
  clv: { horizonDays: number; discountRate: number; total: number; mean: number; distribution: { from: number; to: number; customers: number }[]; valueAtRiskDefinition?: string } | null;
  models: {
    orders: {
      bgnbd: { r: number; alpha: number; a: number; b: number; logLikelihood: number; customers: number; timeUnit: string } | null;
      gammaGamma: { p: number; q: number; gamma: number; customers: number } | null;
      paretoNbd?: { r: number; alpha: number; s: number; beta: number; logLikelihood: number; customers: number; timeUnit: string } | null;
      bgbb?: { alpha: number; beta: number; gamma: number; delta: number; logLikelihood: number; customers: number; opportunityDays: number; purchasesPerOpportunity: number } | null;
      chosen?: ModelChoice | null;
      notes: string[];
      fitQuality: { calibrationActualRepeatPurchases: number; calibrationExpectedRepeatPurchases: number } | null;
    } | null;
    subscriptions: { sbg: { plan: string; interval: string; gamma: number; delta: number; customers: number; survival: number[]; derl: number }[]; notes: string[] } | null;
  };
  saveList: SaveRow[];
  /** one currency, per currency, or converted with the owner's rates: the note says which */
  currency?: { mode: 'single' | 'per-currency' | 'converted'; note: string | null } | null;
}

const MIN_FOR_RATE = 10;

const pct = (v: number | null | undefined, digits = 0) => (v === null || v === undefined ? '–' : formatPercent(v, digits));

const money = (v: number, currency: string, whole = false) => formatMoneyMajor(v, currency, { whole: whole || v >= 100 });

function Kpi({ label, value, note, tone }: { label: string; value: string; note?: React.ReactNode; tone?: 'good' | 'bad' | 'warn' }) {
  return (
    <div className="card kpi">
      <div className="label">{label}</div>
      <div className={`value ${tone ? `tone-${tone}` : ''}`}>{value}</div>
      {note && <div className="muted">{note}</div>}
    </div>
  );
}

function Kpis({ o }: { o: Overview }) {
  const k = o.kpis!;
  const b = k.benchmark;
  const diff = b?.difference ?? null;
  const current = k.churnThisPeriod;
  const last = k.churnLastPeriod;
  return (
    <div className="kpis">
      <Kpi
        label="Customers kept over the last 12 months"
        value={pct(k.annualRetention)}
        tone={diff === null ? undefined : diff >= 0 ? 'good' : diff > -0.1 ? 'warn' : 'bad'}
        note={
          b ? (
            <>
              {b.industryName}: {pct(b.rate)}
              {diff !== null && (
                <span className={`badge ${diff >= 0 ? 'good' : 'bad'}`} style={{ marginLeft: 6 }}>
                  {diff >= 0 ? '+' : ''}
                  {(diff * 100).toFixed(0)} pts
                </span>
              )}
              {/* the figure hinges on the activity window: say which, and how it moves */}
              {k.annual.windowDays ? (
                <div className="muted">
                  Active = bought in the last {k.annual.windowDays} days
                  {k.annual.byWindow?.length ? `; with ${k.annual.byWindow.map((w) => `${w.days} days ${pct(w.retentionRate)}`).join(', ')}` : ''}
                </div>
              ) : null}
              {k.annual.note && <div className="muted">{k.annual.note}</div>}
            </>
          ) : (
            'No industry set'
          )
        }
      />
      <Kpi
        label="Active customers"
        value={formatNumber(k.customersActive)}
        note={k.subscribersActive !== null ? `${formatNumber(k.subscribersActive)} with a subscription` : `of ${formatNumber(k.customers)} who ever bought`}
      />
      <Kpi
        label={current ? `Churn ${current.period}${current.partial ? ' so far' : ''}` : 'Churn this month'}
        value={pct(current?.churnRate ?? null, 1)}
        note={last ? `${last.period}: ${pct(last.churnRate, 1)} (${last.lost} of ${last.customersAtStart} lost)` : undefined}
      />
      {k.nrr !== null ? (
        <Kpi label="Net revenue retention (subscriptions, last month)" value={pct(k.nrr)} tone={k.nrr >= 1 ? 'good' : 'warn'} note={`Gross revenue retention ${pct(k.grr)}`} />
      ) : (
        <Kpi label="Repeat-purchase rate" value={pct(k.repeatRate)} note="customers who bought more than once" />
      )}
      {o.clv &&
        (clvModelled(o) ? (
          <Kpi
            label={`Average lifetime value (next ${Math.round(o.clv.horizonDays / 30.4)} months)`}
            value={money(o.clv.mean, o.workspace.currency)}
            note={`${money(o.clv.total, o.workspace.currency)} across all customers`}
          />
        ) : (
          <Kpi label={`Average lifetime value (next ${Math.round(o.clv.horizonDays / 30.4)} months)`} value="–" note="Needs more purchase history: worked out once customers have bought again." />
        ))}
    </div>
  );
}

/** Lifetime values come from a fitted model (BG/NBD for orders, sBG for subscriptions); without one they are all 0. */
function clvModelled(o: Overview): boolean {
  return Boolean(o.models.orders?.bgnbd) || Boolean(o.models.subscriptions?.sbg.length);
}

/** "2010-12-01 to 2011-12-09": the dates a chart covers */
function RangeLabel({ from, to }: { from: string | null | undefined; to: string | null | undefined }) {
  if (!from || !to) return null;
  return (
    <span className="range-label">
      {from} to {to}
    </span>
  );
}

function ChurnTrend({ periods, subs, type, setType }: { periods: PeriodRow[]; subs: PeriodRow[] | null; type: PeriodType; setType: (t: PeriodType) => void }) {
  const subByPeriod = new Map((subs ?? []).map((p) => [p.period, p]));
  // a rate over a handful of customers is noise: periods starting with fewer than 10 are not drawn
  const rate = (p: PeriodRow | undefined) => (!p || p.churnRate === null || p.customersAtStart < MIN_FOR_RATE ? null : +(p.churnRate * 100).toFixed(1));
  const data = periods.map((p) => ({
    period: p.period + (p.partial ? '*' : ''),
    churn: rate(p),
    subscriptionChurn: rate(subByPeriod.get(p.period)),
    lost: p.lost,
    atStart: p.customersAtStart,
  }));
  const drawable = data.some((d) => d.churn !== null || d.subscriptionChurn !== null);
  return (
    <section className="card">
      <div className="card-head">
        <h2>
          Churn trend <RangeLabel from={periods[0]?.start} to={periods.at(-1)?.end} />
        </h2>
        <select aria-label="Period" value={type} onChange={(e) => setType(e.target.value as PeriodType)}>
          <option value="month">per month</option>
          <option value="quarter">per quarter</option>
          <option value="half">per half-year</option>
          <option value="year">per year</option>
        </select>
      </div>
      <p className="muted">
        Share of the customers active at the start of each period who were lost during it; periods that start with fewer than {MIN_FOR_RATE} customers are left out.
        {periods.some((p) => p.partial) ? ' * period not over yet.' : ''}
      </p>
      {!drawable && <p className="empty-chart">No churn rate to draw yet: a period needs at least {MIN_FOR_RATE} active customers at its start.</p>}
      {drawable && (
        <ResponsiveContainer width="100%" height={260}>
          <LineChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="period" fontSize={12} />
            <YAxis unit="%" fontSize={12} width={48} />
            <Tooltip formatter={(v) => `${v}%`} />
            <Legend />
            <Line type="linear" dataKey="churn" name="Customer churn" stroke="#c0392b" strokeWidth={2} connectNulls dot={false} />
            {subs && <Line type="linear" dataKey="subscriptionChurn" name="Subscriber churn" stroke="#2f6fdf" strokeWidth={2} connectNulls dot={false} />}
          </LineChart>
        </ResponsiveContainer>
      )}
    </section>
  );
}

function heat(v: number) {
  const l = 96 - Math.max(0, Math.min(1, v)) * 56;
  return { background: `hsl(214, 70%, ${l}%)`, color: v > 0.55 ? '#fff' : undefined };
}

function CohortHeatmap({ cohorts }: { cohorts: CohortRow[] }) {
  const cols = Math.min(12, Math.max(0, ...cohorts.map((c) => c.retention.length)));
  return (
    <section className="card">
      <h2>
        Cohorts <RangeLabel from={cohorts[0]?.cohort} to={cohorts.at(-1)?.cohort} />
      </h2>
      <p className="muted">Customers grouped by the month of their first purchase: the share who bought (or were subscribed) 0, 1, 2… months later.</p>
      <div style={{ overflowX: 'auto' }}>
        <table className="heatmap">
          <thead>
            <tr>
              <th>First bought</th>
              <th className="num">Customers</th>
              {Array.from({ length: cols }, (_, k) => (
                <th key={k} className="num">
                  +{k}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {cohorts.map((c) => (
              <tr key={c.cohort}>
                <td>{c.cohort}</td>
                <td className="num">{c.size}</td>
                {Array.from({ length: cols }, (_, k) =>
                  c.retention[k] === undefined ? (
                    <td key={k} />
                  ) : c.retention[k] === null ? (
                    <td key={k} className="num muted" title={`Month not over yet: ${c.customers[k]} of ${c.size} so far`}>
                      …
                    </td>
                  ) : (
                    <td key={k} className="num" style={heat(k === 0 ? 1 : c.retention[k]!)} title={`${c.customers[k]} of ${c.size}`}>
                      {Math.round(c.retention[k]! * 100)}%
                    </td>
                  ),
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

const curveColors = ['#2f6fdf', '#1a7f4b', '#b7791f', '#c0392b', '#7b4fd6', '#0f8b8d'];

function RetentionCurves({ cohorts }: { cohorts: CohortRow[] }) {
  // the six most recent cohorts with at least three months of history
  const shown = cohorts.filter((c) => c.retention.length >= 3).slice(-6);
  const len = Math.min(12, Math.max(0, ...shown.map((c) => c.retention.length)));
  const data = Array.from({ length: len }, (_, k) => {
    const row: Record<string, number | string | null> = { month: `+${k}` };
    // the month still running is left out of the curve (null), not drawn as a fall to 0%
    for (const c of shown) row[c.cohort] = c.retention[k] == null ? null : Math.round(c.retention[k]! * 100);
    return row;
  });
  return (
    <section className="card">
      <h2>
        Retention curves <RangeLabel from={shown[0]?.cohort} to={shown.at(-1)?.cohort} />
      </h2>
      <p className="muted">For each recent acquisition month: the share still buying 1, 2, 3… months later.</p>
      {shown.length === 0 && <p className="empty-chart">Curves appear once a month's new customers have three months of history.</p>}
      {shown.length > 0 && (
        <ResponsiveContainer width="100%" height={260}>
          <LineChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="month" fontSize={12} />
            <YAxis unit="%" fontSize={12} width={48} domain={[0, 100]} />
            <Tooltip formatter={(v) => `${v}%`} />
            <Legend />
            {shown.map((c, i) => (
              <Line key={c.cohort} type="linear" dataKey={c.cohort} stroke={curveColors[i % curveColors.length]} strokeWidth={2} dot={false} connectNulls={false} />
            ))}
          </LineChart>
        </ResponsiveContainer>
      )}
    </section>
  );
}

function ClvHistogram({ clv, currency, asOf }: { clv: NonNullable<Overview['clv']>; currency: string; asOf: string }) {
  const data = clv.distribution.map((b) => ({ range: formatMoneyRange(b.from, b.to, currency), customers: b.customers }));
  return (
    <section className="card">
      <h2>
        Lifetime value <span className="range-label">as of {asOf}</span>
      </h2>
      <p className="muted">
        Expected spend per customer over the {Math.round(clv.horizonDays / 30.4)} months after {asOf}, discounted at {(clv.discountRate * 100).toFixed(0)}% a year.
      </p>
      <ResponsiveContainer width="100%" height={260}>
        <BarChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="range" fontSize={11} interval={0} angle={-25} textAnchor="end" height={60} />
          <YAxis fontSize={12} width={56} allowDecimals={false} label={{ value: 'customers', angle: -90, position: 'insideLeft', fontSize: 11, offset: 0 }} />
          <Tooltip />
          <ReferenceLine y={0} stroke="#999" />
          <Bar dataKey="customers" name="Customers" fill="#2f6fdf" />
        </BarChart>
      </ResponsiveContainer>
    </section>
  );
}

function SaveList({ rows, currency, modelled, definition, asOf }: { rows: SaveRow[]; currency: string; modelled: boolean; definition?: string; asOf: string }) {
  return (
    <section className="card">
      <h2>
        Worth saving <span className="range-label">as of {asOf}</span>
      </h2>
      <p className="muted">Ranked by value at risk. {definition ?? ''} Start at the top.</p>
      {rows.length === 0 ? (
        <p className="muted">{modelled ? 'Nobody at risk right now.' : 'Not enough purchase history to rank anyone yet: the list fills once customers have bought again.'}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Customer</th>
              <th className="num">Value at risk</th>
              <th className="num">Still a customer?</th>
              <th className="num">Health</th>
              <th>Why</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <td>
                  <Link to={`/customers/${r.id}`}>{r.name ?? r.id}</Link>
                </td>
                <td className="num">{money(r.valueAtRisk, currency)}</td>
                <td className="num">{r.comeBack ? (r.comeBack.share === null ? 'No 2nd purchase yet' : `No 2nd purchase yet; ${pct(r.comeBack.share)} like them came back`) : pct(r.pAlive)}</td>
                <td className="num">
                  <span className={`badge ${r.health >= 70 ? 'good' : r.health >= 40 ? 'warn' : 'bad'}`}>{r.health}</span>
                </td>
                <td>{r.topReason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function HowComputed({ o }: { o: Overview }) {
  const bg = o.models.orders?.bgnbd;
  const gg = o.models.orders?.gammaGamma;
  const fq = o.models.orders?.fitQuality;
  const chosen = o.models.orders?.chosen;
  const pn = o.models.orders?.paretoNbd;
  const bb = o.models.orders?.bgbb;
  return (
    <details className="card">
      <summary>How these figures are worked out</summary>
      <ul>
        <li>
          Figures as of {o.asOf.date}, from the data up to that day{o.range.from ? `; charts from ${o.range.from}` : ''}.
        </li>
        {chosen && (
          <li className="chosen-model">
            <strong>Purchase model used: {chosen.name}</strong> (chosen by {chosen.by === 'holdout' ? 'holdout fit' : chosen.by}). {chosen.reason}
            {chosen.by === 'holdout' && (
              <table className="model-comparison">
                <thead>
                  <tr>
                    <th>Model</th>
                    <th className="num">Predicted</th>
                    <th className="num">Error per customer</th>
                  </tr>
                </thead>
                <tbody>
                  {chosen.comparison
                    .filter((c) => c.fitted)
                    .map((c) => (
                      <tr key={c.model} className={c.model === chosen.model ? 'chosen' : undefined}>
                        <td>{c.name}</td>
                        <td className="num">{c.holdoutPredicted?.toFixed(0)}</td>
                        <td className="num">{c.meanAbsoluteError?.toFixed(3)}</td>
                      </tr>
                    ))}
                  <tr>
                    <td>Actual</td>
                    <td className="num">{chosen.holdout?.actualRepeatPurchases}</td>
                    <td />
                  </tr>
                </tbody>
              </table>
            )}
          </li>
        )}
        <li>Churn for a period = customers lost during the period ÷ customers active at its start. Retention = 1 − churn.</li>
        {o.activityWindow && <li>{o.activityWindow.explanation}</li>}
        {o.subscriptionPeriods && <li>A subscriber is lost when their last subscription ends.</li>}
        {bg && (
          <li>
            BG/NBD (per {bg.timeUnit}): r = {bg.r.toFixed(3)}, α = {bg.alpha.toFixed(3)}, a = {bg.a.toFixed(3)}, b = {bg.b.toFixed(3)}; log-likelihood {bg.logLikelihood.toFixed(1)} over {bg.customers}{' '}
            customers.
            {fq && ` It expects ${fq.calibrationExpectedRepeatPurchases.toFixed(0)} repeat purchases where ${fq.calibrationActualRepeatPurchases} happened.`}
          </li>
        )}
        {pn && (
          <li>
            Pareto/NBD (per {pn.timeUnit}): r = {pn.r.toFixed(3)}, α = {pn.alpha.toFixed(3)}, s = {pn.s.toFixed(3)}, β = {pn.beta.toFixed(3)}; log-likelihood {pn.logLikelihood.toFixed(1)}.
          </li>
        )}
        {bb && (
          <li>
            BG/BB (each month after the first purchase an opportunity to buy): α = {bb.alpha.toFixed(3)}, β = {bb.beta.toFixed(3)}, γ = {bb.gamma.toFixed(3)}, δ = {bb.delta.toFixed(3)}; a month with a
            purchase holds {bb.purchasesPerOpportunity.toFixed(2)} purchases on average.
          </li>
        )}
        {gg && (
          <li>
            Spend model Gamma-Gamma: p = {gg.p.toFixed(2)}, q = {gg.q.toFixed(2)}, γ = {gg.gamma.toFixed(2)} ({gg.customers} repeat customers).
          </li>
        )}
        {o.models.subscriptions?.sbg.map((s) => (
          <li key={s.plan}>
            Subscription model sBG, plan {s.plan}: γ = {s.gamma.toFixed(3)}, δ = {s.delta.toFixed(3)}; projected to keep {pct(s.survival[12] ?? s.survival.at(-1))} of new subscribers after 12{' '}
            {s.interval}s; a new subscriber is expected to pay about {s.derl.toFixed(1)} more times (discounted).
          </li>
        ))}
        {o.clv?.valueAtRiskDefinition && <li>{o.clv.valueAtRiskDefinition}</li>}
        {[...(o.models.orders?.notes ?? []), ...(o.models.subscriptions?.notes ?? [])].map((n) => (
          <li key={n}>{n}</li>
        ))}
      </ul>
    </details>
  );
}

/** The day the figures are as of, and where the charts start: the owner can look at any past day. */
function AsOfBar({ o, asOf, setAsOf, from, setFrom }: { o: Overview | null; asOf: string; setAsOf: (v: string) => void; from: string; setFrom: (v: string) => void }) {
  const today = o?.asOf.today;
  return (
    <section className="card as-of-bar" aria-label="Date of the figures">
      <div className="as-of-controls">
        <label>
          As of <input type="date" aria-label="As of" value={asOf || o?.asOf.date || ''} max={today} min={o?.asOf.dataFrom ?? undefined} onChange={(e) => setAsOf(e.target.value)} />
        </label>
        <label>
          Charts from <input type="date" aria-label="Charts from" value={from || o?.range.from || ''} max={asOf || o?.asOf.date} onChange={(e) => setFrom(e.target.value)} />
        </label>
        {(asOf || from) && (
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setAsOf('');
              setFrom('');
            }}
          >
            Reset
          </button>
        )}
        {o && o.asOf.date !== o.asOf.today && (
          <button type="button" className="secondary" onClick={() => setAsOf(o.asOf.today)}>
            Today
          </button>
        )}
      </div>
      {o && (
        <p className={o.asOf.source === 'last-data' ? 'as-of-note warn' : 'as-of-note muted'}>
          {o.asOf.note ?? (o.asOf.source === 'today' ? `Figures as of today, ${o.asOf.date}.` : `Figures as of ${o.asOf.date}, from the data up to that day.`)}
          {o.asOf.dataFrom && o.asOf.dataTo && ` Your data covers ${o.asOf.dataFrom} to ${o.asOf.dataTo}.`}
        </p>
      )}
    </section>
  );
}

function Dashboard() {
  const [type, setType] = useState<PeriodType>('month');
  const [asOf, setAsOf] = useState('');
  const [from, setFrom] = useState('');
  const query = `period=${type}&top=15${asOf ? `&asOf=${asOf}` : ''}${from ? `&from=${from}` : ''}`;
  const { data, error, loading } = useApi<Overview>(`/api/analytics/overview?${query}`);
  const { dashboardCards } = useContributions();
  return (
    <div className="page dashboard">
      <h1>{data ? data.workspace.name : 'Dashboard'}</h1>
      {(data?.hasData || asOf || from) && <AsOfBar o={data} asOf={asOf} setAsOf={setAsOf} from={from} setFrom={setFrom} />}
      {error && <p className="error">{error}</p>}
      {loading && !data && <p className="muted">Working out your retention…</p>}
      {data && !data.hasData && (
        <section className="card">
          <h2>No orders or subscriptions yet</h2>
          <p>
            <Link to="/customers/import">Import your customers and orders</Link> (or send them through the <a href="/api/docs">API</a>) and this page shows how many customers you keep, how that
            compares with your industry, and who is worth saving.
          </p>
        </section>
      )}
      <div className="dash-top">
        <div className="dash-main">
          {data?.kpis && <Kpis o={data} />}
          {data?.hasData && <ChurnTrend periods={data.periods} subs={data.subscriptionPeriods} type={type} setType={setType} />}
        </div>
        <section className="card dash-today">
          <h2>Today</h2>
          <TodayTasks />
        </section>
      </div>
      {data?.currency?.note && (
        <p className="muted currency-note">
          {data.currency.note} <Link to="/settings">Exchange rates in Settings</Link>
        </p>
      )}
      {dashboardCards.length > 0 && (
        <div className="grid dash-areas">
          {dashboardCards.map((c) => (
            <Fragment key={c.id}>{c.element}</Fragment>
          ))}
        </div>
      )}
      {data?.hasData && (
        <>
          <SaveList rows={data.saveList} currency={data.workspace.currency} modelled={clvModelled(data)} definition={data.clv?.valueAtRiskDefinition} asOf={data.asOf.date} />
          <div className="grid">
            {data.clv && clvModelled(data) && <ClvHistogram clv={data.clv} currency={data.workspace.currency} asOf={data.asOf.date} />}
            <RetentionCurves cohorts={data.cohorts} />
          </div>
          <CohortHeatmap cohorts={data.cohorts} />
          <HowComputed o={data} />
          <p className="muted">
            Figures as of {data.asOf.date} ({data.workspace.timeZone}), worked out {formatDateTime(data.generatedAt, data.workspace.timeZone)}; they refresh every minute.
          </p>
        </>
      )}
      <style>{`
        .dashboard .card-head { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: 0.5rem 1rem; }
        .dashboard .card-head select { width: auto; }
        .dashboard .dash-top { display: grid; grid-template-columns: minmax(0, 1fr) 320px; gap: 1rem; align-items: start; }
        .dashboard .dash-main { display: flex; flex-direction: column; gap: 1rem; }
        .dashboard .kpi .value.tone-good { color: var(--good); }
        .dashboard .kpi .value.tone-bad { color: var(--bad); }
        .dashboard .kpi .value.tone-warn { color: var(--warn); }
        .dashboard table.heatmap td { border: 1px solid #fff; padding: .3rem .4rem; font-size: .82rem; }
        .dashboard .today-tasks { padding-left: 1.1rem; margin: 0; display: flex; flex-direction: column; gap: .4rem; }
        .dashboard .dash-today .today-tasks { max-height: 34rem; overflow-y: auto; } /* a long Today list scrolls inside its card, not down the whole page */
        .dashboard details summary { cursor: pointer; font-weight: 600; }
        .dashboard .range-label { font-size: .8rem; font-weight: 400; color: var(--muted, #6b7280); margin-left: .4rem; white-space: nowrap; }
        .dashboard .as-of-controls { display: flex; flex-wrap: wrap; gap: .6rem 1rem; align-items: center; }
        .dashboard .as-of-controls label { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; min-width: 0; }
        .dashboard .as-of-controls input { width: auto; max-width: 100%; min-width: 0; }
        .dashboard .chosen-model { overflow-wrap: anywhere; }
        .dashboard .as-of-note { margin: .5rem 0 0; }
        .dashboard .as-of-note.warn { color: var(--warn); }
        .dashboard table.model-comparison { margin-top: .4rem; max-width: 28rem; width: 100%; }
        .dashboard table.model-comparison tr.chosen td { font-weight: 600; }
        .dashboard .empty-chart { color: var(--muted, #6b7280); padding: 2rem 0; text-align: center; }
        @media (max-width: 1100px) { .dashboard .dash-top { grid-template-columns: minmax(0, 1fr); } }
        .dashboard .kpis .kpi { min-width: 0; overflow-wrap: anywhere; }
      `}</style>
    </div>
  );
}

const routes: AreaRoute[] = [{ path: 'dashboard', element: <Dashboard /> }];

export const area: WebArea = { nav: { to: '/dashboard', label: 'Dashboard', order: 10 }, routes };
