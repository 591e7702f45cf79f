// A customer's tier, points and progress to the next tier, shown on their page.
import { Link } from 'react-router';
import { formatNumber } from '../../shell/format';
import { useApi } from '../../shell/useApi';

interface Status {
  balance: number;
  yearPoints: number;
  tier: { name: string; perks: string } | null;
  next: { name: string; remaining: number; progress: number } | null;
  referralCode: string | null;
}

export function CustomerLoyaltyPanel({ customerId }: { customerId: string }) {
  const s = useApi<Status>(`/api/loyalty/customers/${customerId}?limit=1`);
  if (!s.data) return null;
  const d = s.data;
  return (
    <section className="card" aria-label="Loyalty" data-testid="customer-loyalty" style={{ marginBottom: '1rem' }}>
      <div className="inline-form" style={{ marginTop: 0, justifyContent: 'space-between' }}>
        <h2 style={{ margin: 0 }}>Loyalty</h2>
        <Link to="/loyalty">Points and codes</Link>
      </div>
      <div className="kpis">
        <div className="kpi">
          <div className="value">{d.tier?.name ?? '—'}</div>
          <div className="label">tier ({formatNumber(d.yearPoints)} points in 12 months)</div>
          {d.tier?.perks && <div className="muted">{d.tier.perks}</div>}
        </div>
        <div className="kpi">
          <div className="value">{formatNumber(d.balance)}</div>
          <div className="label">points to spend</div>
        </div>
        <div className="kpi">
          {d.next ? (
            <>
              <div className="progress" aria-label={`Progress to ${d.next.name}`}>
                <div style={{ width: `${Math.round(d.next.progress * 100)}%` }} />
              </div>
              <div className="label">
                {formatNumber(d.next.remaining)} points to {d.next.name}
              </div>
            </>
          ) : (
            <div className="label">Highest tier reached</div>
          )}
        </div>
      </div>
    </section>
  );
}
