// The owner's limits on compensation (a Settings section): the share of what the customer paid,
// a cap in the workspace currency, and the promo code's percentage.
import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { FormError } from '../../shell/FormError';
import { useMe } from '../../shell/me';
import { useApi } from '../../shell/useApi';

interface Limits {
  maxSharePercent: number;
  maxAmountMinor: number;
  promoPercent: number;
}

export function RecoverySettings() {
  const me = useMe();
  const s = useApi<{ settings: Limits }>('/api/recovery/settings');
  const [draft, setDraft] = useState<{ maxSharePercent: string; maxAmount: string; promoPercent: string } | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  if (!s.data) return s.error ? <p className="error">{s.error}</p> : <p className="loading">Loading…</p>;
  const v = draft ?? { maxSharePercent: String(s.data.settings.maxSharePercent), maxAmount: (s.data.settings.maxAmountMinor / 100).toFixed(2), promoPercent: String(s.data.settings.promoPercent) };
  const set = (patch: Partial<typeof v>) => {
    setSaved(false);
    setDraft({ ...v, ...patch });
  };
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setErr(null);
    try {
      await api.put('/api/recovery/settings', { maxSharePercent: Number(v.maxSharePercent), maxAmountMinor: Math.round(Number(v.maxAmount) * 100), promoPercent: Number(v.promoPercent) });
      setDraft(null);
      setSaved(true);
      s.reload();
    } catch (x) {
      setErr(x);
    }
  };
  return (
    <form onSubmit={save} data-testid="recovery-settings">
      <p className="muted">Apologies suggest a refund scaled to what the customer paid and to the incident's severity, never above these limits; sending refuses more.</p>
      <fieldset disabled={me.role !== 'owner'}>
        <div className="grid" style={{ gridTemplateColumns: 'repeat(auto-fit, minmax(180px, 1fr))', gap: '.5rem' }}>
          <label>
            At most this share of what they paid (%)
            <input type="number" min="0" max="100" value={v.maxSharePercent} onChange={(e) => set({ maxSharePercent: e.target.value })} />
          </label>
          <label>
            And never more than (workspace currency)
            <input type="number" min="0" step="0.01" value={v.maxAmount} onChange={(e) => set({ maxAmount: e.target.value })} />
          </label>
          <label>
            Promo code when they paid nothing (% off)
            <input type="number" min="0" max="100" value={v.promoPercent} onChange={(e) => set({ promoPercent: e.target.value })} />
          </label>
        </div>
      </fieldset>
      <FormError error={err} />
      {saved && <p className="badge good">Saved</p>}
      {me.role === 'owner' && (
        <div className="inline-form">
          <button className="btn primary" type="submit">
            Save limits
          </button>
        </div>
      )}
    </form>
  );
}
