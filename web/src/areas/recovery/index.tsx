// Recovery: the incident log (search, new incident), an incident's affected customers (by a
// saved query or by hand), and the apology composer — five parts in order, a compensation
// suggestion, the checker's warnings, send by email or log a call or letter.
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { api, ApiError } from '../../api';
import { FormError } from '../../shell/FormError';
import { formatDate, formatDateTime, useWorkspaceTimeZone } from '../../shell/format';
import type { AreaRoute, WebArea } from '../../shell/types';
import { useApi } from '../../shell/useApi';

interface IncidentRow {
  id: string;
  title: string;
  severity: string;
  status: string;
  happenedAt: string;
  affected: number;
  apologised: number;
}
interface Incident {
  id: string;
  title: string;
  what: string;
  happenedAt: string;
  severity: string;
  cause: string;
  fix: string;
  prevention: string;
  status: string;
  affectedQuery: { from: string | null; to: string | null; tag: string | null } | null;
}
interface Affected {
  customerId: string;
  name: string;
  email: string | null;
  paidMinor: number;
  currency: string;
  addedBy: string;
  lifetimeValueMinor: number;
  orders: number;
  apology: { id: string; channel: string; sentAt: string } | null;
}
type Compensation =
  | { kind: 'refund'; amountMinor: number; currency: string; sharePercent: number }
  | { kind: 'credit'; amountMinor: number; currency: string }
  | { kind: 'promo'; percentOff: number }
  | { kind: 'none' };
interface Warning {
  kind: string;
  message: string;
}
interface DraftResponse {
  draft: { subject: string; text: string; parts: Record<string, string> };
  compensation: Compensation;
  paidMinor: number;
  currency: string;
  warnings: Warning[];
}

const money = (minor: number, currency: string) => {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(minor / 100);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
};
const compensationText = (c: Compensation) =>
  c.kind === 'refund'
    ? `refund ${money(c.amountMinor, c.currency)} (${c.sharePercent}% of what they paid)`
    : c.kind === 'credit'
      ? `credit ${money(c.amountMinor, c.currency)}`
      : c.kind === 'promo'
        ? `promo code, ${c.percentOff}% off`
        : 'none';
const severityBadge = (s: string) => <span className={`badge ${s === 'critical' || s === 'high' ? 'bad' : s === 'medium' ? 'warn' : ''}`}>{s}</span>;
const scroll = { overflowX: 'auto' as const };

function IncidentList() {
  const tz = useWorkspaceTimeZone();
  const [q, setQ] = useState('');
  const list = useApi<{ incidents: IncidentRow[] }>(`/api/recovery/incidents${q.trim() ? `?q=${encodeURIComponent(q.trim())}` : ''}`);
  const blank = { title: '', what: '', happenedAt: '', severity: 'medium', cause: '', fix: '', prevention: '' };
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

  return (
    <div className="page">
      <h1>Recovery</h1>
      <section className="card">
        <div className="inline-form" style={{ marginTop: 0, justifyContent: 'space-between' }}>
          <h2 style={{ margin: 0 }}>Incidents</h2>
          <input aria-label="Search incidents" placeholder="Search" value={q} onChange={(e) => setQ(e.target.value)} />
        </div>
        {list.error && <p className="error">{list.error}</p>}
        {list.data && list.data.incidents.length === 0 && <p className="muted">No incidents{q ? ' match' : ' yet'}.</p>}
        {list.data && list.data.incidents.length > 0 && (
          <div style={scroll}>
            <table data-testid="incidents">
              <thead>
                <tr>
                  <th>Incident</th>
                  <th>When</th>
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
                    <td>{severityBadge(i.severity)}</td>
                    <td className="num">{i.affected}</td>
                    <td className="num">{i.apologised}</td>
                    <td>{i.status}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <form className="card" style={{ marginTop: '1rem' }} onSubmit={create}>
        <h2 style={{ marginTop: 0 }}>Log an incident</h2>
        <div className="grid" style={{ gridTemplateColumns: 'repeat(auto-fit, minmax(200px, 1fr))', gap: '.5rem' }}>
          <label>
            Title
            <input value={form.title} onChange={(e) => setForm({ ...form, title: e.target.value })} required maxLength={200} />
          </label>
          <label>
            When
            <input type="datetime-local" value={form.happenedAt} onChange={(e) => setForm({ ...form, happenedAt: e.target.value })} required />
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
            {k === 'what' ? 'What happened to customers' : k === 'cause' ? 'Root cause' : k === 'fix' ? 'Fix' : 'Prevention'}
            <textarea
              aria-label={k === 'what' ? 'What happened to customers' : k === 'cause' ? 'Root cause' : k === 'fix' ? 'Fix' : 'Prevention'}
              rows={2}
              value={form[k]}
              onChange={(e) => setForm({ ...form, [k]: e.target.value })}
              maxLength={5000}
            />
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
    </div>
  );
}

function IncidentPage() {
  const { id } = useParams();
  const tz = useWorkspaceTimeZone();
  const inc = useApi<{ incident: Incident; affected: Affected[] }>(`/api/recovery/incidents/${id}`);
  const [query, setQuery] = useState({ from: '', to: '', tag: '' });
  const [search, setSearch] = useState('');
  const found = useApi<{ customers: { id: string; name: string; email: string | null }[] }>(search.trim().length >= 2 ? `/api/customers?search=${encodeURIComponent(search.trim())}&limit=10` : null);
  const [err, setErr] = useState<unknown>(null);
  const [added, setAdded] = useState<number | null>(null);
  const [composeFor, setComposeFor] = useState<string | null>(null);

  const add = async (body: unknown) => {
    setErr(null);
    try {
      const r = await api.post<{ added: number }>(`/api/recovery/incidents/${id}/affected`, body);
      setAdded(r.added);
      inc.reload();
    } catch (x) {
      setErr(x);
    }
  };
  if (inc.error) return <p className="error">{inc.error}</p>;
  if (!inc.data) return <p className="loading">Loading…</p>;
  const i = inc.data.incident;
  return (
    <div className="page">
      <p>
        <Link to="/recovery">← Incidents</Link>
      </p>
      <h1>
        {i.title} {severityBadge(i.severity)}
      </h1>
      <section className="card">
        <p className="muted">
          {formatDateTime(i.happenedAt, tz)} · {i.status}
        </p>
        <dl>
          {(
            [
              ['What happened', i.what],
              ['Root cause', i.cause],
              ['Fix', i.fix],
              ['Prevention', i.prevention],
            ] as const
          ).map(([k, v]) => (
            <div key={k}>
              <dt style={{ fontWeight: 600 }}>{k}</dt>
              <dd style={{ margin: '0 0 .5rem' }}>{v || <span className="muted">—</span>}</dd>
            </div>
          ))}
        </dl>
      </section>

      <section className="card" style={{ marginTop: '1rem' }}>
        <h2 style={{ marginTop: 0 }}>Affected customers</h2>
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void add({
              query: {
                from: query.from ? new Date(`${query.from}T00:00:00`).toISOString() : null,
                to: query.to ? new Date(`${query.to}T23:59:59`).toISOString() : null,
                tag: query.tag.trim() || null,
              },
            });
          }}
        >
          <span>Everyone with an order from</span>
          <input type="date" aria-label="Orders from" value={query.from} onChange={(e) => setQuery({ ...query, from: e.target.value })} />
          <span>to</span>
          <input type="date" aria-label="Orders to" value={query.to} onChange={(e) => setQuery({ ...query, to: e.target.value })} />
          <input aria-label="Tag" placeholder="and/or a tag" value={query.tag} onChange={(e) => setQuery({ ...query, tag: e.target.value })} style={{ width: '9rem' }} />
          <button className="btn" type="submit">
            Add by query
          </button>
        </form>
        <div className="inline-form">
          <input aria-label="Add a customer by hand" placeholder="Add a customer by hand" value={search} onChange={(e) => setSearch(e.target.value)} />
          {found.data &&
            search.trim().length >= 2 &&
            found.data.customers.map((c) => (
              <button key={c.id} className="btn" onClick={() => add({ customerIds: [c.id] })}>
                + {c.name}
              </button>
            ))}
        </div>
        <FormError error={err} />
        {added !== null && <p className="muted">{added} added.</p>}
        {inc.data.affected.length === 0 ? (
          <p className="muted">No one yet.</p>
        ) : (
          <div style={scroll}>
            <table data-testid="affected">
              <thead>
                <tr>
                  <th>Customer</th>
                  <th className="num">Paid (window)</th>
                  <th className="num">Lifetime</th>
                  <th className="num">Orders</th>
                  <th>Apology</th>
                </tr>
              </thead>
              <tbody>
                {inc.data.affected.map((a) => (
                  <tr key={a.customerId}>
                    <td>
                      <Link to={`/customers/${a.customerId}`}>{a.name}</Link>
                      {a.addedBy === 'hand' && <span className="muted"> (by hand)</span>}
                    </td>
                    <td className="num">{money(a.paidMinor, a.currency)}</td>
                    <td className="num">{money(a.lifetimeValueMinor, a.currency)}</td>
                    <td className="num">{a.orders}</td>
                    <td>
                      {a.apology ? (
                        <span className="badge good">
                          {a.apology.channel} {formatDate(a.apology.sentAt, tz)}
                        </span>
                      ) : (
                        <button className="btn" onClick={() => setComposeFor(a.customerId)}>
                          Write apology
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {composeFor && (
        <Composer
          incidentId={i.id}
          customer={inc.data.affected.find((a) => a.customerId === composeFor)!}
          onDone={() => {
            setComposeFor(null);
            inc.reload();
          }}
        />
      )}
    </div>
  );
}

function Composer({ incidentId, customer, onDone }: { incidentId: string; customer: Affected; onDone: () => void }) {
  const d = useApi<DraftResponse>(`/api/recovery/incidents/${incidentId}/customers/${customer.customerId}/draft`);
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const [warnings, setWarnings] = useState<Warning[]>([]);
  const [channel, setChannel] = useState<'email' | 'call' | 'letter'>(customer.email ? 'email' : 'call');
  const [err, setErr] = useState<unknown>(null);
  const [needsAnyway, setNeedsAnyway] = useState(false);

  useEffect(() => {
    if (!d.data) return;
    setSubject(d.data.draft.subject);
    setBody(d.data.draft.text);
    setWarnings(d.data.warnings);
  }, [d.data]);
  useEffect(() => {
    if (!body) return;
    const timer = setTimeout(() => {
      api.post<{ warnings: Warning[] }>('/api/recovery/check', { text: body }).then(
        (r) => setWarnings(r.warnings),
        () => undefined,
      );
    }, 300);
    return () => clearTimeout(timer);
  }, [body]);

  const send = async (sendAnyway: boolean) => {
    setErr(null);
    try {
      await api.post(`/api/recovery/incidents/${incidentId}/apologies`, { customerId: customer.customerId, channel, subject, body, compensation: d.data!.compensation, sendAnyway });
      onDone();
    } catch (x) {
      if (x instanceof ApiError && x.code === 'apology_warnings') setNeedsAnyway(true);
      setErr(x);
    }
  };
  if (d.error) return <p className="error">{d.error}</p>;
  if (!d.data) return <p className="loading">Drafting…</p>;
  return (
    <section className="card" style={{ marginTop: '1rem' }} data-testid="composer">
      <h2 style={{ marginTop: 0 }}>Apology to {customer.name}</h2>
      <p className="muted">
        Paid {money(d.data.paidMinor, d.data.currency)} in the affected window. Suggested compensation: <strong>{compensationText(d.data.compensation)}</strong>
        {d.data.compensation.kind === 'promo' && ' — the code is made when the apology is sent and replaces {{code}}'}.
      </p>
      <p className="muted">Five parts, in order: restore what was lost, own it, explain the cause, describe the fix, express regret.</p>
      <label>
        Subject
        <input aria-label="Subject" value={subject} onChange={(e) => setSubject(e.target.value)} maxLength={300} />
      </label>
      <label>
        Apology
        <textarea aria-label="Apology" rows={14} value={body} onChange={(e) => setBody(e.target.value)} />
      </label>
      <div data-testid="warnings" aria-live="polite">
        {warnings.length === 0 ? (
          <p className="badge good">No warnings</p>
        ) : (
          <ul className="error" style={{ paddingLeft: '1.5rem' }}>
            {warnings.map((w, n) => (
              <li key={n}>{w.message}</li>
            ))}
          </ul>
        )}
      </div>
      <div className="inline-form">
        <select aria-label="Channel" value={channel} onChange={(e) => setChannel(e.target.value as 'email' | 'call' | 'letter')}>
          <option value="email" disabled={!customer.email}>
            email{customer.email ? ` to ${customer.email}` : ' (no address)'}
          </option>
          <option value="call">log a call</option>
          <option value="letter">log a letter</option>
        </select>
        <button className="btn primary" onClick={() => send(false)}>
          {channel === 'email' ? 'Send apology' : 'Log apology'}
        </button>
        {needsAnyway && (
          <button className="btn" onClick={() => send(true)}>
            Send anyway
          </button>
        )}
      </div>
      <FormError error={err} />
    </section>
  );
}

const routes: AreaRoute[] = [
  { path: 'recovery', element: <IncidentList /> },
  { path: 'recovery/:id', element: <IncidentPage /> },
];

export const area: WebArea = { nav: { to: '/recovery', label: 'Recovery', order: 80 }, routes };
