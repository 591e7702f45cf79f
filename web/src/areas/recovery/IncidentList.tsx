// The incident log (search, log a new one) with the library (apologies and their outcomes,
// results of apologised vs not) and the saved templates beside it.
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api } from '../../api';
import { FormError } from '../../shell/FormError';
import { formatDate, useWorkspaceTimeZone } from '../../shell/format';
import { ScrollTable, Tabs } from '../../shell/Tabs';
import { useApi } from '../../shell/useApi';
import { Library, Templates } from './Library';
import { severityBadge } from './parts';
import { type IncidentRow, incidentKinds } from './types';

type Tab = 'incidents' | 'library' | 'templates';

export function RecoveryPage() {
  const [tab, setTab] = useState<Tab>('incidents');
  return (
    <div className="page">
      <h1>Recovery</h1>
      <Tabs
        tabs={[
          { id: 'incidents', label: 'Incidents' },
          { id: 'library', label: 'Library and results' },
          { id: 'templates', label: 'Templates' },
        ]}
        value={tab}
        onChange={setTab}
      />
      {tab === 'incidents' && <Incidents />}
      {tab === 'library' && <Library />}
      {tab === 'templates' && <Templates />}
    </div>
  );
}

function Incidents() {
  const tz = useWorkspaceTimeZone();
  const [q, setQ] = useState('');
  const list = useApi<{ incidents: IncidentRow[] }>(`/api/recovery/incidents${q.trim() ? `?q=${encodeURIComponent(q.trim())}` : ''}`);
  const blank = { title: '', what: '', happenedAt: '', severity: 'medium', kind: 'other', cause: '', fix: '', prevention: '' };
  const [form, setForm] = useState(blank);
  const [err, setErr] = useState<unknown>(null);
  const [created, setCreated] = useState<string | null>(null);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setErr(null);
    try {
      const r = await api.post<{ incident: { id: string } }>('/api/recovery/incidents', { ...form, happenedAt: form.happenedAt ? new Date(form.happenedAt).toISOString() : '' });
      setForm(blank);
      setCreated(r.incident.id);
      list.reload();
    } catch (x) {
      setErr(x);
    }
  };
  const labels = { what: 'What happened to customers', cause: 'Root cause', fix: 'Fix', prevention: 'Prevention' } as const;

  return (
    <>
      <section className="card">
        <div className="inline-form" style={{ marginTop: 0, justifyContent: 'space-between' }}>
          <h2 style={{ margin: 0 }}>Incidents</h2>
          <input aria-label="Search incidents" placeholder="Search" value={q} onChange={(e) => setQ(e.target.value)} />
        </div>
        {list.error && <p className="error">{list.error}</p>}
        {list.data && list.data.incidents.length === 0 && <p className="muted">No incidents{q ? ' match' : ' yet'}.</p>}
        {list.data && list.data.incidents.length > 0 && (
          <ScrollTable testId="incidents">
            <thead>
              <tr>
                <th>Incident</th>
                <th>When</th>
                <th>Kind</th>
                <th>Severity</th>
                <th className="num">Affected</th>
                <th className="num">Apologised</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {list.data.incidents.map((i) => (
                <tr key={i.id}>
                  <td>
                    <Link to={`/recovery/${i.id}`}>{i.title}</Link>
                  </td>
                  <td className="nowrap">{formatDate(i.happenedAt, tz)}</td>
                  <td>{i.kind}</td>
                  <td>{severityBadge(i.severity)}</td>
                  <td className="num">{i.affected}</td>
                  <td className="num">{i.apologised}</td>
                  <td>{i.status}</td>
                </tr>
              ))}
            </tbody>
          </ScrollTable>
        )}
      </section>
      <form className="card" style={{ marginTop: '1rem' }} onSubmit={create}>
        <h2 style={{ marginTop: 0 }}>Log an incident</h2>
        <div className="grid" style={{ gridTemplateColumns: 'repeat(auto-fit, minmax(180px, 1fr))', gap: '.5rem' }}>
          <label>
            Title
            <input value={form.title} onChange={(e) => setForm({ ...form, title: e.target.value })} required maxLength={200} />
          </label>
          <label>
            When
            <input type="datetime-local" value={form.happenedAt} onChange={(e) => setForm({ ...form, happenedAt: e.target.value })} required />
          </label>
          <label>
            Kind
            <select aria-label="Kind" value={form.kind} onChange={(e) => setForm({ ...form, kind: e.target.value })}>
              {incidentKinds.map((k) => (
                <option key={k}>{k}</option>
              ))}
            </select>
          </label>
          <label>
            Severity
            <select aria-label="Severity" value={form.severity} onChange={(e) => setForm({ ...form, severity: e.target.value })}>
              {['low', 'medium', 'high', 'critical'].map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
        </div>
        {(['what', 'cause', 'fix', 'prevention'] as const).map((k) => (
          <label key={k}>
            {labels[k]}
            <textarea aria-label={labels[k]} rows={2} value={form[k]} onChange={(e) => setForm({ ...form, [k]: e.target.value })} maxLength={5000} />
          </label>
        ))}
        <FormError error={err} />
        <div className="inline-form">
          <button className="btn primary" type="submit">
            Log incident
          </button>
          {created && <Link to={`/recovery/${created}`}>Open the new incident</Link>}
        </div>
      </form>
    </>
  );
}
