// Follow-up settings: the marketing cap, sender and branding of emails, and the holiday list.
import { useEffect, useState } from 'react';
import { api } from '../../api';
import { FormError } from '../../shell/FormError';
import { useApi } from '../../shell/useApi';

interface MailSettings {
  fromAddress: string | null;
  brandColor: string;
  logoUrl: string | null;
  footer: string | null;
  marketingPerWeek: number;
  smtp: boolean;
}
interface Holidays {
  holidays: { date: string; name: string }[];
}

export function SettingsCard({ editable }: { editable: boolean }) {
  const mail = useApi<MailSettings>('/api/mail/settings');
  const hol = useApi<Holidays>('/api/playbooks/settings');
  const [form, setForm] = useState({ fromAddress: '', brandColor: '#2f6fdf', logoUrl: '', footer: '', marketingPerWeek: 2, holidays: '' });
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (mail.data && hol.data)
      setForm({
        fromAddress: mail.data.fromAddress ?? '',
        brandColor: mail.data.brandColor,
        logoUrl: mail.data.logoUrl ?? '',
        footer: mail.data.footer ?? '',
        marketingPerWeek: mail.data.marketingPerWeek,
        holidays: hol.data.holidays.map((h) => `${h.date} ${h.name}`).join('\n'),
      });
  }, [mail.data, hol.data]);
  const save = async () => {
    setError(null);
    setSaved(false);
    try {
      await api.put('/api/mail/settings', {
        fromAddress: form.fromAddress || null,
        brandColor: form.brandColor,
        logoUrl: form.logoUrl || null,
        footer: form.footer || null,
        marketingPerWeek: Number(form.marketingPerWeek),
      });
      const holidays = form.holidays
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .map((l) => {
          const [date, ...name] = l.split(/\s+/);
          return { date, name: name.join(' ') || date };
        });
      await api.put('/api/playbooks/settings', { holidays });
      setSaved(true);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section className="card">
      <h2>Email and greeting settings</h2>
      {(mail.error || hol.error) && <p className="error">{mail.error ?? hol.error}</p>}
      <fieldset disabled={!editable}>
        <div className="grid">
          <div>
            <label>
              At most this many marketing emails per customer a week (all playbooks together)
              <input type="number" min={0} max={50} value={form.marketingPerWeek} onChange={(e) => setForm({ ...form, marketingPerWeek: Number(e.target.value) })} />
            </label>
            <label>
              Sender address (empty: no-reply at your Keepwell address)
              <input type="email" value={form.fromAddress} onChange={(e) => setForm({ ...form, fromAddress: e.target.value })} />
            </label>
            <label>
              Brand colour
              <input value={form.brandColor} onChange={(e) => setForm({ ...form, brandColor: e.target.value })} />
            </label>
            <label>
              Logo URL
              <input value={form.logoUrl} onChange={(e) => setForm({ ...form, logoUrl: e.target.value })} />
            </label>
            <label>
              Footer line
              <input value={form.footer} onChange={(e) => setForm({ ...form, footer: e.target.value })} />
            </label>
          </div>
          <label>
            Holidays for greetings, one a line: MM-DD (every year) or YYYY-MM-DD, then the name
            <textarea rows={8} value={form.holidays} onChange={(e) => setForm({ ...form, holidays: e.target.value })} style={{ fontFamily: 'monospace' }} />
          </label>
        </div>
        <div className="inline-form">
          <button type="button" className="btn primary" onClick={save}>
            Save settings
          </button>
          {saved && <span className="ok">Saved.</span>}
          {mail.data && <span className="muted">{mail.data.smtp ? 'Sending through your SMTP server.' : 'No SMTP server set: emails stay in the Outbox.'}</span>}
        </div>
        <FormError error={error} />
      </fieldset>
    </section>
  );
}
