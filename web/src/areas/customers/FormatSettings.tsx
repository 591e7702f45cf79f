// Settings → Dates and money: the language and region dates, numbers and money are written in.
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../../api';
import { FormError } from '../../shell/FormError';
import { forgetWorkspaceFormat, formatDateTime, formatMoney } from '../../shell/format';
import { useMe } from '../../shell/me';
import { useApi } from '../../shell/useApi';

interface Workspace {
  locale: string;
  timeZone: string;
  currency: string;
}

export function FormatSettings() {
  const me = useMe();
  const { data } = useApi<Workspace>('/api/workspace');
  const [locale, setLocale] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => setLocale(data?.locale ?? ''), [data]);
  if (!data) return <p className="muted">Loading…</p>;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api.patch('/api/workspace', { locale });
      forgetWorkspaceFormat();
      setError(null);
      setSaved(true);
    } catch (err) {
      setError(err);
      setSaved(false);
    }
  };
  let example = '';
  try {
    example = `${formatDateTime(new Date(), data.timeZone, locale)} · ${formatMoney(123456, data.currency, {}, locale)}`;
  } catch {
    example = '';
  }
  return (
    <form onSubmit={submit} aria-label="Dates and money">
      <fieldset disabled={me.role !== 'owner'}>
        <label>
          Language and region (a tag such as en-GB, en-US, de-DE)
          <input value={locale} maxLength={35} onChange={(e) => setLocale(e.target.value)} />
          {example && <span className="muted">For example {example}</span>}
        </label>
        <FormError error={error} />
        {saved && !error && <p className="ok">Saved. Pages opened from now on use it.</p>}
        <button className="btn primary">Save</button>
      </fieldset>
    </form>
  );
}
