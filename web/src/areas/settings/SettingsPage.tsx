import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../../api';
import { FormError } from '../../shell/FormError';
import { forgetWorkspaceTimeZone, formatDateTime, useWorkspaceTimeZone } from '../../shell/format';
import { useContributions } from '../../shell/contributions';
import { useMe } from '../../shell/me';
import { useApi } from '../../shell/useApi';

interface Workspace {
  name: string;
  industry: string;
  timeZone: string;
  currency: string;
  activityWindowDays: number | null;
}
interface Industry {
  key: string;
  name: string;
}

function WorkspaceForm() {
  const me = useMe();
  const { data } = useApi<Workspace>('/api/workspace');
  const { data: ind } = useApi<{ industries: Industry[] }>('/api/industries');
  const [form, setForm] = useState<Workspace | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => setForm(data), [data]);
  if (!form) return <p>Loading…</p>;
  const readOnly = me.role !== 'owner';
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      setForm(await api.patch<Workspace>('/api/workspace', form));
      forgetWorkspaceTimeZone();
      setError(null);
      setSaved(true);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="card" onSubmit={submit} aria-label="Workspace settings">
      <h2>Business</h2>
      {readOnly && <p className="muted">Only an owner can change these.</p>}
      <fieldset disabled={readOnly}>
        <label>
          Business name
          <input value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
        </label>
        <label>
          Industry
          <select value={form.industry} onChange={(e) => setForm({ ...form, industry: e.target.value })}>
            {ind?.industries.map((i) => (
              <option key={i.key} value={i.key}>
                {i.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Time zone
          <input value={form.timeZone} onChange={(e) => setForm({ ...form, timeZone: e.target.value })} />
        </label>
        <label>
          Currency
          <input value={form.currency} maxLength={3} onChange={(e) => setForm({ ...form, currency: e.target.value })} />
          <span className="muted">The currency your orders are in: amounts are shown in it, never converted.</span>
        </label>
        <label>
          Activity window in days (empty: derived from your customers' purchase cycle)
          <input type="number" value={form.activityWindowDays ?? ''} onChange={(e) => setForm({ ...form, activityWindowDays: e.target.value ? Number(e.target.value) : null })} />
        </label>
        <FormError error={error} />
        {saved && !error && <p className="ok">Saved.</p>}
        <button className="btn primary">Save</button>
      </fieldset>
    </form>
  );
}

interface User {
  id: string;
  email: string;
  name: string;
  role: string;
  disabled_at: string | null;
}

function Staff() {
  const me = useMe();
  const { data, reload } = useApi<{ users: User[] }>('/api/users');
  const [form, setForm] = useState({ name: '', email: '', password: '', role: 'agent' });
  const [error, setError] = useState<unknown>(null);
  const add = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api.post('/api/users', form);
      setForm({ name: '', email: '', password: '', role: 'agent' });
      setError(null);
      reload();
    } catch (err) {
      setError(err);
    }
  };
  const change = async (u: User, body: { role?: string; disabled?: boolean }) => {
    try {
      await api.patch(`/api/users/${u.id}`, body);
      setError(null);
      reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section className="card">
      <h2>Staff</h2>
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Email</th>
            <th>Role</th>
            <th>Status</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {data?.users.map((u) => (
            <tr key={u.id}>
              <td>{u.name}</td>
              <td>{u.email}</td>
              <td>{u.role}</td>
              <td>{u.disabled_at ? 'disabled' : 'active'}</td>
              <td className="nowrap">
                {u.id === me.id ? (
                  <span className="muted">you</span>
                ) : (
                  <>
                    <button className="link" onClick={() => change(u, { role: u.role === 'owner' ? 'agent' : 'owner' })}>
                      {u.role === 'owner' ? 'Make agent' : 'Make owner'}
                    </button>{' '}
                    ·{' '}
                    <button className="link" onClick={() => change(u, { disabled: !u.disabled_at })}>
                      {u.disabled_at ? 'Enable' : 'Disable'}
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="inline-form" onSubmit={add} aria-label="Add staff">
        <input placeholder="Name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} required />
        <input placeholder="Email" type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} required />
        <input placeholder="Password" type="password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} required />
        <select value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value })}>
          <option value="agent">agent</option>
          <option value="owner">owner</option>
        </select>
        <button className="btn">Add</button>
      </form>
      <FormError error={error} />
    </section>
  );
}

interface Token {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
}

function Tokens() {
  const { data, reload } = useApi<{ tokens: Token[] }>('/api/tokens');
  const [name, setName] = useState('');
  const [fresh, setFresh] = useState<string | null>(null);
  const create = async (e: FormEvent) => {
    e.preventDefault();
    const t = await api.post<{ token: string }>('/api/tokens', { name });
    setFresh(t.token);
    setName('');
    reload();
  };
  return (
    <section className="card">
      <h2>API tokens</h2>
      <p className="muted">
        For scripts and integrations: send <code>Authorization: Bearer &lt;token&gt;</code>. API reference: <a href="/api/docs">/api/docs</a>.
      </p>
      {fresh && (
        <p className="ok">
          New token (copy it now, it is shown once): <code>{fresh}</code>
        </p>
      )}
      <ul>
        {data?.tokens.map((t) => (
          <li key={t.id}>
            {t.name} <code>{t.prefix}…</code>{' '}
            <button className="link" onClick={() => api.delete(`/api/tokens/${t.id}`).then(reload)}>
              revoke
            </button>
          </li>
        ))}
      </ul>
      <form className="inline-form" onSubmit={create}>
        <input placeholder="Token name" value={name} onChange={(e) => setName(e.target.value)} required />
        <button className="btn">Create token</button>
      </form>
    </section>
  );
}

interface AuditEntry {
  id: number;
  at: string;
  actor_email: string | null;
  action: string;
  target: string | null;
  details?: Record<string, unknown> | null;
  ip?: string | null;
}

/** Details as short "key: value" text (never raw JSON): "changed: name, timeZone". */
function auditDetails(d: AuditEntry['details']): string {
  if (!d || typeof d !== 'object') return '';
  return Object.entries(d)
    .filter(([k]) => k !== 'email')
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v !== null && typeof v === 'object' ? Object.keys(v).join(', ') : String(v)}`)
    .join('; ');
}

function AuditLog() {
  const { data } = useApi<{ entries: AuditEntry[] }>('/api/audit');
  const timeZone = useWorkspaceTimeZone();
  return (
    <section className="card">
      <h2>Audit log</h2>
      <table>
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>What</th>
            <th>Target</th>
            <th>Details</th>
          </tr>
        </thead>
        <tbody>
          {data?.entries.map((e) => (
            <tr key={e.id}>
              <td className="nowrap">{formatDateTime(e.at, timeZone)}</td>
              <td>{e.actor_email ?? '—'}</td>
              <td>{e.action}</td>
              <td>{e.target ?? ''}</td>
              <td className="muted">
                {auditDetails(e.details)}
                {e.ip ? ` (from ${e.ip})` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function SettingsPage() {
  const me = useMe();
  const { settingsSections } = useContributions();
  return (
    <div className="page">
      <h1>Settings</h1>
      <WorkspaceForm />
      {me.role === 'owner' && <Staff />}
      <Tokens />
      {settingsSections
        .filter((s) => !s.ownerOnly || me.role === 'owner')
        .map((s) => (
          <section className="card" key={s.id} aria-label={s.title}>
            <h2>{s.title}</h2>
            {s.element}
          </section>
        ))}
      {me.role === 'owner' && <AuditLog />}
    </div>
  );
}
