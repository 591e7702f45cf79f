import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api';
import { FormError } from './FormError';
import { browserDefaults, formatDateTime, formatMoney } from './format';

interface Industry {
  key: string;
  name: string;
  annualRetention: number;
}

export function SetupPage({ onDone }: { onDone: () => void }) {
  const [industries, setIndustries] = useState<Industry[]>([]);
  // proposed from the browser: its language, its time zone, the currency of its region
  const proposed = browserDefaults();
  const [form, setForm] = useState({
    ownerName: '',
    email: '',
    password: '',
    business: '',
    industry: 'professional_services',
    timeZone: proposed.timeZone,
    currency: proposed.currency,
    locale: proposed.locale,
  });
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    void api.get<{ industries: Industry[] }>('/api/industries').then((r) => setIndustries(r.industries));
  }, []);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api.post('/api/setup', {
        owner: { name: form.ownerName, email: form.email, password: form.password },
        workspace: { name: form.business, industry: form.industry, timeZone: form.timeZone, currency: form.currency, locale: form.locale },
      });
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div className="auth-page">
      <form className="card auth-card wide" onSubmit={submit} aria-label="First-run setup">
        <h1>Welcome to Keepwell</h1>
        <p className="muted">Set up your business. You become its owner.</p>
        <fieldset>
          <legend>Your business</legend>
          <label>
            Business name
            <input value={form.business} onChange={set('business')} required />
          </label>
          <label>
            Industry (for retention benchmarks)
            <select value={form.industry} onChange={set('industry')}>
              {industries.map((i) => (
                <option key={i.key} value={i.key}>
                  {i.name} — {Math.round(i.annualRetention * 100)}% keep a year
                </option>
              ))}
            </select>
          </label>
          <label>
            Time zone
            <input value={form.timeZone} onChange={set('timeZone')} required />
          </label>
          <label>
            Currency
            <input value={form.currency} onChange={set('currency')} maxLength={3} required />
          </label>
          <label>
            Language and region for dates and money
            <input value={form.locale} onChange={set('locale')} maxLength={35} required />
            <span className="muted">{example(form.locale, form.timeZone, form.currency)}</span>
          </label>
        </fieldset>
        <fieldset>
          <legend>Your account</legend>
          <label>
            Your name
            <input value={form.ownerName} onChange={set('ownerName')} required />
          </label>
          <label>
            Email
            <input type="email" value={form.email} onChange={set('email')} required />
          </label>
          <label>
            Password (at least 10 characters)
            <input type="password" value={form.password} onChange={set('password')} minLength={10} required />
          </label>
        </fieldset>
        <FormError error={error} />
        <button className="btn primary">Create workspace</button>
      </form>
    </div>
  );
}

/** How a date and an amount will look with these settings, or what is wrong with them. */
function example(locale: string, timeZone: string, currency: string): string {
  try {
    new Intl.DateTimeFormat(locale, { timeZone });
    new Intl.NumberFormat(locale, { style: 'currency', currency });
  } catch {
    return 'Use a language tag such as en-GB, an IANA time zone and a three-letter currency code.';
  }
  return `For example ${formatDateTime(new Date(), timeZone, locale)} · ${formatMoney(123456, currency, {}, locale)}`;
}
