// The analytics area's own parts of the web app: the owner's exchange rates (a Settings section).
// The dashboard's figures convert other currencies with them and say which rates they used.
import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { FormError } from '../../shell/FormError';
import { formatDate, formatNumber } from '../../shell/format';
import { useMe } from '../../shell/me';
import type { WebArea } from '../../shell/types';
import { useApi } from '../../shell/useApi';

interface Rate {
  currency: string;
  date: string;
  rate: number;
}

interface RateDraft {
  currency: string;
  date: string;
  rate: string;
}

const toDraft = (r: Rate): RateDraft => ({ currency: r.currency, date: r.date, rate: String(r.rate) });

/** What is wrong with a row before it is sent ('' when nothing): the server checks the same and answers 400 otherwise. */
function rowProblem(r: RateDraft, home: string): string {
  if (!/^[A-Za-z]{3}$/.test(r.currency.trim())) return 'Currency must be a three-letter code such as USD.';
  if (r.currency.trim().toUpperCase() === home) return `${home} is the workspace currency: rates convert other currencies into it.`;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(r.date)) return 'Pick the day the rate holds from.';
  const n = Number(r.rate);
  if (r.rate.trim() === '' || !Number.isFinite(n) || n <= 0) return 'The rate must be a number above 0.';
  return '';
}

function ExchangeRatesSettings() {
  const me = useMe();
  const s = useApi<{ currency: string; rates: Rate[] }>('/api/analytics/exchange-rates');
  const [draft, setDraft] = useState<RateDraft[] | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  if (!s.data) return s.error ? <p className="error">{s.error}</p> : <p className="loading">Loading…</p>;
  const home = s.data.currency;
  const rows = draft ?? s.data.rates.map(toDraft);
  const owner = me.role === 'owner';
  const change = (i: number, patch: Partial<RateDraft>) => {
    setSaved(false);
    setDraft(rows.map((r, k) => (k === i ? { ...r, ...patch } : r)));
  };
  const problems = rows.map((r) => rowProblem(r, home));
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setErr(null);
    if (problems.some(Boolean)) return;
    try {
      await api.put('/api/analytics/exchange-rates', { rates: rows.map((r) => ({ currency: r.currency.trim().toUpperCase(), date: r.date, rate: Number(r.rate) })) });
      setDraft(null);
      setSaved(true);
      s.reload();
    } catch (x) {
      setErr(x);
    }
  };
  return (
    <form onSubmit={save} data-testid="exchange-rates">
      <p className="muted">
        Orders in another currency than {home} are converted with your rates: each order at the latest rate on or before its day. Without a rate they are totalled apart and never added to {home}. The
        dashboard says which rates it used.
      </p>
      {!owner && <p className="muted">Only the owner changes the rates.</p>}
      <fieldset disabled={!owner} style={{ border: 0, padding: 0, margin: 0 }}>
        {rows.length === 0 ? (
          <p className="muted">No exchange rates yet.</p>
        ) : (
          <div data-testid="exchange-rates-list" style={{ display: 'grid', gap: '.75rem' }}>
            {rows.map((r, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity of their own while being edited
              <div key={i} style={{ display: 'flex', flexWrap: 'wrap', gap: '.5rem', alignItems: 'flex-end' }}>
                <label style={{ flex: '0 0 5.5rem' }}>
                  Currency
                  <input aria-label={`Currency ${i + 1}`} value={r.currency} maxLength={3} placeholder="USD" onChange={(e) => change(i, { currency: e.target.value })} />
                </label>
                <label style={{ flex: '1 1 9rem' }}>
                  From
                  <input aria-label={`From ${i + 1}`} type="date" value={r.date} onChange={(e) => change(i, { date: e.target.value })} />
                </label>
                <label style={{ flex: '1 1 9rem' }}>
                  1 unit in {home}
                  <input aria-label={`Rate ${i + 1}`} type="number" min="0" step="any" value={r.rate} onChange={(e) => change(i, { rate: e.target.value })} />
                </label>
                <button type="button" className="secondary" onClick={() => setDraft(rows.filter((_, k) => k !== i))}>
                  Remove
                </button>
                <div style={{ flexBasis: '100%' }} className={problems[i] ? 'error' : 'muted'}>
                  {problems[i] || `1 ${r.currency.trim().toUpperCase()} = ${formatNumber(Number(r.rate), 6)} ${home} from ${formatDate(r.date, 'UTC')}`}
                </div>
              </div>
            ))}
          </div>
        )}
        <div style={{ display: 'flex', gap: '.5rem', flexWrap: 'wrap', marginTop: '.5rem' }}>
          <button type="button" className="secondary" onClick={() => setDraft([...rows, { currency: '', date: new Date().toISOString().slice(0, 10), rate: '' }])}>
            Add a rate
          </button>
          <button type="submit" disabled={draft === null || problems.some(Boolean)}>
            Save rates
          </button>
          {saved && <span className="muted">Saved: the dashboard uses them from its next refresh.</span>}
        </div>
      </fieldset>
      <FormError error={err} />
    </form>
  );
}

export const area: WebArea = {
  routes: [],
  settingsSections: [{ id: 'exchange-rates', title: 'Exchange rates', order: 70, element: <ExchangeRatesSettings /> }],
};
