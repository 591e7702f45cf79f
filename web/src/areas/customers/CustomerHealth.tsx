// Health, the chance they are still a customer, lifetime value and the reasons, for one customer
// (figures from analytics; the customer page loads them and passes them in).
import { formatMoneyMajor, formatNumber, formatPercent } from '../../shell/format';

interface Factor {
  factor: string;
  points: number;
  max: number;
  text: string;
}

export interface CustomerAnalytics {
  id: string;
  hasData: boolean;
  /** false while no model is fitted (too little history): P(alive) and values are placeholders */
  modelled?: boolean;
  message?: string;
  currency?: string;
  health?: number;
  reasons?: string[];
  factors?: Factor[];
  pAlive?: number;
  clv?: number;
  valueAtRisk?: number;
  /** the one sentence that defines value at risk */
  valueAtRiskDefinition?: string;
  /** no repeat purchase yet: the share of customers like them who came back (null: too few to tell) */
  comeBack?: { share: number | null; peers: number; ageDays: number } | null;
  expectedPurchases?: number | null;
  /** repeat purchases (orders after the first) */
  frequency?: number | null;
  horizonDays?: number;
  subscription?: { active: boolean; plans: string[]; pAlive: number; clv: number } | null;
}

const pct = (v: number) => formatPercent(v);
const money = (v: number, currency?: string) => formatMoneyMajor(v, currency, { whole: v >= 100 });

export function CustomerHealth({ data, error, loading }: { data: CustomerAnalytics | null; error: string | null; loading: boolean }) {
  if (loading)
    return (
      <section className="card">
        <p className="muted">Scoring…</p>
      </section>
    );
  if (error)
    return (
      <section className="card">
        <p className="error">{error}</p>
      </section>
    );
  if (!data) return null;
  if (!data.hasData) {
    return (
      <section className="card" aria-label="Customer health">
        <h2>Health</h2>
        <p className="muted">{data.message}</p>
      </section>
    );
  }
  const h = data.health ?? 0;
  const modelled = data.modelled !== false;
  const months = Math.round((data.horizonDays ?? 365) / 30.4);
  const tone = h >= 70 ? 'good' : h >= 40 ? 'warn' : 'bad';
  return (
    <section className="card" aria-label="Customer health">
      <h2>
        Health <span className={`badge ${tone}`}>{h} / 100</span>
      </h2>
      <div className="kpis" style={{ marginBottom: '.75rem' }}>
        <div className="kpi">
          {data.comeBack ? (
            <>
              <div className="label">No second purchase yet; customers like this who came back</div>
              <div className="value">{data.comeBack.share === null ? '–' : pct(data.comeBack.share)}</div>
            </>
          ) : (
            <>
              <div className="label">Chance they are still a customer</div>
              <div className="value">{modelled ? pct(data.pAlive ?? 0) : '–'}</div>
            </>
          )}
        </div>
        <div className="kpi">
          <div className="label">Lifetime value, next {months} months</div>
          <div className="value">{modelled ? money(data.clv ?? 0, data.currency) : '–'}</div>
        </div>
        <div className="kpi">
          <div className="label">Value at risk</div>
          <div className="value">{modelled ? money(data.valueAtRisk ?? 0, data.currency) : '–'}</div>
        </div>
        {modelled && data.expectedPurchases !== null && data.expectedPurchases !== undefined && (
          <div className="kpi">
            <div className="label">Expected purchases, next {months} months</div>
            <div className="value">{formatNumber(data.expectedPurchases, 1)}</div>
          </div>
        )}
      </div>
      {modelled && data.valueAtRiskDefinition && <p className="muted">{data.valueAtRiskDefinition}</p>}
      {!modelled && <p className="muted">Not enough purchase history in this workspace yet to work out the chance of keeping this customer or their future value; the score uses what is known.</p>}
      <ul>
        {(data.factors ?? [])
          // a rhythm of their own needs two gaps at least: after two orders "usually every 3 days" says nothing
          .filter((f) => !(f.factor === 'rhythm' && (data.frequency ?? 0) === 1))
          .slice()
          .sort((a, b) => b.max - b.points - (a.max - a.points))
          .map((f) => (
            <li key={f.factor}>
              {f.text}{' '}
              <span className="muted">
                ({Math.round(f.points)} of {f.max} points)
              </span>
            </li>
          ))}
      </ul>
      {data.subscription && (
        <p className="muted">
          Subscription {data.subscription.active ? 'active' : 'ended'}: {data.subscription.plans.join(', ')}
        </p>
      )}
    </section>
  );
}
