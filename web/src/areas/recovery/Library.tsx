// The library: every apology sent, searchable, with what happened after (ordered again, left,
// waiting); the results of apologised vs not as a chart; templates saved from good apologies.
import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api';
import { FormError } from '../../shell/FormError';
import { formatDate, useWorkspaceTimeZone } from '../../shell/format';
import { ScrollTable } from '../../shell/Tabs';
import { useApi } from '../../shell/useApi';
import { OutcomeBadge, ResultsChart, SurveyOutcome } from './parts';
import type { Apology, Results, Template } from './types';

export function Library() {
  const tz = useWorkspaceTimeZone();
  const [q, setQ] = useState('');
  const [days, setDays] = useState('90');
  const d = /^\d{1,3}$/.test(days) && Number(days) >= 1 ? Number(days) : 90;
  const results = useApi<Results>(`/api/recovery/results?days=${d}`);
  const list = useApi<{ apologies: Apology[] }>(`/api/recovery/apologies?days=${d}${q.trim() ? `&q=${encodeURIComponent(q.trim())}` : ''}`);
  const [saving, setSaving] = useState<Apology | null>(null);
  const [name, setName] = useState('');
  const [err, setErr] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const save = async () => {
    if (!saving) return;
    setErr(null);
    try {
      await api.post('/api/recovery/templates', { name, fromApologyId: saving.id });
      setSaved(name);
      setSaving(null);
      setName('');
    } catch (x) {
      setErr(x);
    }
  };

  return (
    <>
      <section className="card">
        <div className="inline-form" style={{ marginTop: 0, justifyContent: 'space-between' }}>
          <h2 style={{ margin: 0 }}>Results: apologised vs not</h2>
          <label className="inline-form" style={{ margin: 0 }}>
            Window (days)
            <input aria-label="Window in days" type="number" min="1" max="730" value={days} onChange={(e) => setDays(e.target.value)} style={{ width: '5rem' }} />
          </label>
        </div>
        {results.error && <p className="error">{results.error}</p>}
        {results.data && <ResultsChart results={results.data} />}
        {results.data && results.data.byKind.length > 0 && (
          <p>
            {results.data.byKind
              .filter((k) => k.of > 0)
              .map((k) => `Apologies for ${k.kind} incidents kept ${k.kept} of ${k.of} customers`)
              .join('. ')}
          </p>
        )}
      </section>
      <section className="card" style={{ marginTop: '1rem' }}>
        <div className="inline-form" style={{ marginTop: 0, justifyContent: 'space-between' }}>
          <h2 style={{ margin: 0 }}>Apologies</h2>
          <input aria-label="Search apologies" placeholder="Search" value={q} onChange={(e) => setQ(e.target.value)} />
        </div>
        {saved && <p className="badge good">Saved as template “{saved}”</p>}
        {list.error && <p className="error">{list.error}</p>}
        {list.data && list.data.apologies.length === 0 && <p className="muted">No apologies{q ? ' match' : ' yet'}.</p>}
        {list.data && list.data.apologies.length > 0 && (
          <ScrollTable testId="apologies">
            <thead>
              <tr>
                <th>Sent</th>
                <th>Customer</th>
                <th>Incident</th>
                <th>How</th>
                <th>Outcome</th>
                <th>Next survey</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.data.apologies.map((a) => (
                <tr key={a.id}>
                  <td className="nowrap">{formatDate(a.sentAt, tz)}</td>
                  <td>
                    <Link to={`/customers/${a.customerId}`}>{a.customerName}</Link>
                  </td>
                  <td>
                    <Link to={`/recovery/${a.incidentId}`}>{a.incidentTitle}</Link>
                  </td>
                  <td>{a.channel}</td>
                  <td>
                    <OutcomeBadge o={a.outcome} />
                  </td>
                  <td>
                    <SurveyOutcome o={a.outcome} />
                  </td>
                  <td>
                    <button className="link" onClick={() => setSaving(a)}>
                      Save as template
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </ScrollTable>
        )}
        {saving && (
          <div className="inline-form" data-testid="save-template">
            <span>Save the apology to {saving.customerName} as</span>
            <input aria-label="Template name" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} placeholder="Template name" />
            <button className="btn primary" onClick={save} disabled={!name.trim()}>
              Save template
            </button>
            <button className="btn" onClick={() => setSaving(null)}>
              Cancel
            </button>
          </div>
        )}
        <FormError error={err} />
      </section>
    </>
  );
}

export function Templates() {
  const list = useApi<{ templates: Template[] }>('/api/recovery/templates');
  const remove = async (id: string) => {
    await api.delete(`/api/recovery/templates/${id}`);
    list.reload();
  };
  return (
    <section className="card">
      <h2 style={{ marginTop: 0 }}>Templates</h2>
      <p className="muted">
        Saved from good apologies (Library → Save as template). In a template, {'{{first_name}}'}, {'{{amount}}'}, {'{{percent}}'} and {'{{code}}'} are filled in for each customer.
      </p>
      {list.error && <p className="error">{list.error}</p>}
      {list.data && list.data.templates.length === 0 && <p className="muted">No templates yet.</p>}
      {list.data?.templates.map((t) => (
        <details key={t.id} className="card" style={{ marginTop: '.5rem' }}>
          <summary>
            <strong>{t.name}</strong> <span className="badge">{t.kind}</span>
          </summary>
          <p>
            <strong>{t.subject}</strong>
          </p>
          <pre style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', fontFamily: 'inherit' }}>{t.body}</pre>
          <button className="link" onClick={() => remove(t.id)}>
            Delete
          </button>
        </details>
      ))}
    </section>
  );
}
