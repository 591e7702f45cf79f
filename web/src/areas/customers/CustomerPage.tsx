// One customer as one story: profile, health, orders, subscriptions and the timeline.
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api';
import { FormError } from '../../shell/FormError';
import { useWorkspaceFormat } from '../../shell/format';
import { useMe } from '../../shell/me';
import { useApi } from '../../shell/useApi';
import { CustomerHealth, type CustomerAnalytics } from './CustomerHealth';
import type { CustomField } from './CustomFieldSettings';
import { CustomerLoyaltyPanel } from '../loyalty/CustomerLoyaltyPanel';
import { NewTaskForm } from '../tasks/NewTaskForm';
import { TaskList } from '../tasks/TaskList';
import { day, drivers, money, statusBadge, when, type CustomerRow, type Order, type Subscription, type Touchpoint } from './types';

interface PageData {
  customer: CustomerRow & { owner: { id: string; name: string } | null; companyId: string | null; custom: Record<string, string | number | boolean> };
  orders: Order[];
  subscriptions: Subscription[];
  touchpoints: Touchpoint[];
}

/**
 * One status in words an owner reads at a glance, agreeing with the health score when analytics
 * has one (never "active" beside "probably lost").
 */
export function ownerStatus(status: string | undefined, health: number | null | undefined): { text: string; tone: 'good' | 'warn' | 'bad' | '' } {
  if (status === 'erased') return { text: 'Erased', tone: 'bad' };
  if (status === 'prospect') return { text: 'No orders yet', tone: '' };
  if (health !== null && health !== undefined) {
    if (health >= 70) return { text: status === 'subscriber' ? 'Subscriber, doing well' : 'Doing well', tone: 'good' };
    if (health >= 40) return { text: 'Needs attention', tone: 'warn' };
    return { text: status === 'subscriber' ? 'Subscriber at risk' : 'At risk of leaving', tone: 'bad' };
  }
  if (status === 'subscriber') return { text: 'Subscriber', tone: 'good' };
  if (status === 'active') return { text: 'Buying', tone: 'good' };
  if (status === 'lapsed') return { text: 'Not buying any more', tone: 'warn' };
  return { text: status ?? '', tone: '' };
}

/** Who or what made a timeline entry, by name: a person, a playbook, a survey, an import. */
function sourceName(source: string | null, userName: string | null, playbooks: Map<string, string>): string {
  if (userName) return userName;
  if (!source) return '';
  const [kind, id] = source.split(':', 2);
  if (kind === 'playbook') return `Playbook ${id && playbooks.has(id) ? `“${playbooks.get(id)}”` : '(deleted)'}`;
  if (kind === 'survey') return 'Survey';
  if (kind === 'import') return 'Import';
  if (kind === 'mail') return 'Email';
  if (kind === 'api' || kind === 'webhook') return 'Shop (API)';
  if (kind === 'user') return 'Staff';
  return kind ? kind.charAt(0).toUpperCase() + kind.slice(1) : '';
}

function ProfileForm({ customer, onSaved }: { customer: PageData['customer']; onSaved: () => void }) {
  const { data: companies } = useApi<{ companies: { id: string; name: string }[] }>('/api/companies');
  const { data: fieldDefs } = useApi<{ fields: CustomField[] }>('/api/customers/custom-fields');
  const [form, setForm] = useState(() => ({ ...customer, tagsText: customer.tags.join(', ') }));
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => setForm({ ...customer, tagsText: customer.tags.join(', ') }), [customer]);
  const setCustom = (key: string, value: string | number | boolean | null) => setForm({ ...form, custom: { ...form.custom, [key]: value as string } });
  const text = (k: 'name' | 'email' | 'phone' | 'birthday' | 'address' | 'city' | 'postalCode' | 'country' | 'externalId', label: string, type = 'text') => (
    <label>
      {label}
      <input type={type} style={{ width: '100%' }} value={form[k] ?? ''} onChange={(e) => setForm({ ...form, [k]: e.target.value })} />
    </label>
  );
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api.patch(`/api/customers/${customer.id}`, {
        name: form.name,
        email: form.email || null,
        phone: form.phone || null,
        birthday: form.birthday || null,
        address: form.address || null,
        city: form.city || null,
        postalCode: form.postalCode || null,
        country: form.country || null,
        tags: form.tagsText
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
        retentionDriver: form.retentionDriver || null,
        marketingConsent: form.marketingConsent,
        companyId: form.companyId || null,
        ...(fieldDefs?.fields.length ? { custom: Object.fromEntries(fieldDefs.fields.map((f) => [f.key, form.custom?.[f.key] === '' ? null : (form.custom?.[f.key] ?? null)])) } : {}),
      });
      setError(null);
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(err);
      setSaved(false);
    }
  };
  return (
    <form className="card" onSubmit={submit} aria-label="Profile">
      <h2>Profile</h2>
      <fieldset disabled={Boolean(customer.erasedAt || customer.mergedInto)}>
        {text('name', 'Name')}
        {text('email', 'Email', 'email')}
        {text('phone', 'Phone')}
        {text('birthday', 'Birthday', 'date')}
        {text('address', 'Address')}
        <div className="grid" style={{ gridTemplateColumns: '1fr 1fr 1fr', gap: '.5rem' }}>
          {text('postalCode', 'Postal code')}
          {text('city', 'City')}
          {text('country', 'Country')}
        </div>
        <label>
          Company
          <select value={form.companyId ?? ''} onChange={(e) => setForm({ ...form, companyId: e.target.value || null })}>
            <option value="">None</option>
            {companies?.companies.map((co) => (
              <option key={co.id} value={co.id}>
                {co.name}
              </option>
            ))}
          </select>
          {form.companyId && <Link to={`/customers/companies/${form.companyId}`}>Open the company</Link>}
        </label>
        {fieldDefs?.fields.map((f) =>
          f.type === 'yes_no' ? (
            <label key={f.key} style={{ flexDirection: 'row', alignItems: 'center', gap: '.5rem' }}>
              <input type="checkbox" checked={form.custom?.[f.key] === true} onChange={(e) => setCustom(f.key, e.target.checked)} />
              {f.label}
            </label>
          ) : (
            <label key={f.key}>
              {f.label}
              <input
                type={f.type === 'number' ? 'number' : f.type === 'date' ? 'date' : 'text'}
                style={{ width: '100%' }}
                value={String(form.custom?.[f.key] ?? '')}
                onChange={(e) => setCustom(f.key, e.target.value)}
              />
            </label>
          ),
        )}
        <label>
          Tags (comma-separated)
          <input style={{ width: '100%' }} value={form.tagsText} onChange={(e) => setForm({ ...form, tagsText: e.target.value })} />
        </label>
        <label>
          Retention driver (what keeps this customer)
          <select value={form.retentionDriver ?? ''} onChange={(e) => setForm({ ...form, retentionDriver: e.target.value || null })}>
            <option value="">Not known</option>
            {drivers.map((d) => (
              <option key={d}>{d}</option>
            ))}
          </select>
        </label>
        <label style={{ flexDirection: 'row', alignItems: 'center', gap: '.5rem' }}>
          <input type="checkbox" checked={form.marketingConsent} onChange={(e) => setForm({ ...form, marketingConsent: e.target.checked })} />
          Agreed to marketing email
        </label>
        <FormError error={error} />
        {saved && <p className="ok">Saved.</p>}
        <button className="btn primary">Save profile</button>
      </fieldset>
    </form>
  );
}

function LogContact({ customerId, onSaved }: { customerId: string; onSaved: () => void }) {
  const [channel, setChannel] = useState('call');
  const [direction, setDirection] = useState('out');
  const [summary, setSummary] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api.post(`/api/customers/${customerId}/touchpoints`, { channel, direction, summary });
      setSummary('');
      setError(null);
      onSaved();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="card" onSubmit={submit} aria-label="Log a contact">
      <h2>Log a call, meeting or note</h2>
      <div className="inline-form" style={{ marginTop: 0 }}>
        <select aria-label="Channel" value={channel} onChange={(e) => setChannel(e.target.value)}>
          <option value="call">Call</option>
          <option value="meeting">Meeting</option>
          <option value="note">Note</option>
          <option value="email">Email</option>
          <option value="chat">Chat</option>
        </select>
        {channel !== 'note' && (
          <select aria-label="Direction" value={direction} onChange={(e) => setDirection(e.target.value)}>
            <option value="out">We contacted them</option>
            <option value="in">They contacted us</option>
          </select>
        )}
      </div>
      <label>
        Summary
        <textarea rows={3} value={summary} onChange={(e) => setSummary(e.target.value)} required />
      </label>
      <FormError error={error} />
      <button className="btn primary" disabled={!summary.trim()}>
        Add to timeline
      </button>
    </form>
  );
}

type Event = { at: string; kind: string; text: string; who?: string | null };

function Timeline({ data }: { data: PageData }) {
  const { data: pb } = useApi<{ playbooks: { id: string; name: string }[] }>('/api/playbooks');
  const playbooks = new Map((pb?.playbooks ?? []).map((p) => [p.id, p.name]));
  const events: Event[] = [
    ...data.touchpoints.map((t) => ({
      at: t.occurredAt,
      kind: t.channel,
      text: `${t.direction === 'in' ? '← ' : t.direction === 'out' ? '→ ' : ''}${t.summary}`,
      who: sourceName(t.source, t.userName, playbooks),
    })),
    ...data.orders.map((o) => ({
      at: o.orderedAt,
      kind: 'order',
      text: `Order ${o.externalId && !o.externalId.startsWith('h:') ? o.externalId : ''} ${money(o.amountMinor, o.currency)} (${o.status})`,
    })),
    ...data.subscriptions.flatMap((s) => [
      { at: s.startedAt, kind: 'subscription', text: `Started ${s.plan}: ${money(s.amountMinor, s.currency)} per ${s.interval}` },
      ...(s.canceledAt ? [{ at: s.canceledAt, kind: 'subscription', text: `Cancelled ${s.plan}${s.cancelReason ? `: ${s.cancelReason}` : ''}` }] : []),
    ]),
  ].sort((a, b) => b.at.localeCompare(a.at));
  return (
    <section className="card" aria-label="Timeline">
      <h2>Timeline</h2>
      {events.length === 0 && <p className="muted">No contact, order or subscription yet.</p>}
      <table>
        <tbody>
          {events.slice(0, 200).map((e, i) => (
            <tr key={i}>
              <td style={{ whiteSpace: 'nowrap' }}>{when(e.at)}</td>
              <td>
                <span className="badge">{e.kind}</span>
              </td>
              <td>{e.text}</td>
              <td className="muted">{e.who ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function MergeCard({ customer, onMerged }: { customer: CustomerRow; onMerged: () => void }) {
  const [q, setQ] = useState('');
  const [results, setResults] = useState<CustomerRow[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (q.trim().length < 2) return setResults([]);
    const t = setTimeout(() => {
      api.get<{ customers: CustomerRow[] }>(`/api/customers?search=${encodeURIComponent(q)}&limit=10`).then(
        (r) => setResults(r.customers.filter((c) => c.id !== customer.id)),
        (e: Error) => setError(e.message),
      );
    }, 250);
    return () => clearTimeout(t);
  }, [q, customer.id]);
  const merge = async (other: CustomerRow) => {
    if (!confirm(`Merge ${other.name} into ${customer.name}? All orders, subscriptions and touchpoints of ${other.name} move here.`)) return;
    try {
      await api.post(`/api/customers/${customer.id}/merge`, { otherId: other.id });
      setQ('');
      onMerged();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <section className="card" aria-label="Merge">
      <h2>Merge a duplicate into this customer</h2>
      <input aria-label="Find the duplicate" placeholder="Find by name or email…" value={q} onChange={(e) => setQ(e.target.value)} />
      {error && <p className="error">{error}</p>}
      <ul>
        {results.map((r) => (
          <li key={r.id}>
            {r.name} <span className="muted">{r.email}</span>{' '}
            <button className="link" onClick={() => merge(r)}>
              merge into {customer.name}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The customer's tasks (open, today, done) and a new task for them. */
function CustomerTasks({ customer }: { customer: { id: string; name: string } }) {
  const [reloadKey, setReloadKey] = useState(0);
  const [adding, setAdding] = useState(false);
  return (
    <section className="card" aria-label="Tasks">
      <h2>Tasks</h2>
      <TaskList customerId={customer.id} reloadKey={reloadKey} pageSize={20} />
      {adding ? (
        <div style={{ marginTop: '1rem' }}>
          <NewTaskForm customer={customer} onCreated={() => setReloadKey((k) => k + 1)} />
        </div>
      ) : (
        <button className="btn" style={{ marginTop: '.75rem' }} onClick={() => setAdding(true)}>
          New task for {customer.name}
        </button>
      )}
    </section>
  );
}

function StatusBadge({ status, analytics }: { status: string | undefined; analytics: CustomerAnalytics | null }) {
  const health = analytics?.hasData ? analytics.health : null;
  const s = ownerStatus(status, health);
  return (
    <span className={`badge ${s.tone}`} title={health !== null && health !== undefined ? `Health ${health} / 100` : undefined} data-testid="customer-status">
      {s.text}
    </span>
  );
}

export function CustomerPage() {
  useWorkspaceFormat(); // re-render in the workspace's locale once it is loaded
  const { id } = useParams();
  const me = useMe();
  const navigate = useNavigate();
  const { data, error, reload } = useApi<PageData>(`/api/customers/${id}`);
  const analytics = useApi<CustomerAnalytics>(`/api/analytics/customers/${encodeURIComponent(id ?? '')}`);
  const [actionError, setActionError] = useState<string | null>(null);
  if (error) return <p className="error">{error}</p>;
  if (!data) return <p className="loading">Loading…</p>;
  const c = data.customer;
  const erase = async () => {
    if (!confirm(`Erase ${c.name}'s personal data? Their orders stay as anonymous totals. This cannot be undone.`)) return;
    try {
      await api.post(`/api/customers/${c.id}/erase`);
      reload();
    } catch (e) {
      setActionError((e as Error).message);
    }
  };
  return (
    <div className="page">
      <div>
        <Link to="/customers">← Customers</Link>
        <h1 style={{ marginTop: '.5rem' }}>
          {c.name} <StatusBadge status={c.status} analytics={analytics.data} />
        </h1>
        {c.mergedInto && (
          <p className="error">
            Merged into{' '}
            <Link to={`/customers/${c.mergedInto}`} onClick={() => navigate(`/customers/${c.mergedInto}`)}>
              another customer
            </Link>
            .
          </p>
        )}
        <p className="muted">
          {c.email} {c.phone && `· ${c.phone}`} · customer since {day(c.acquiredAt)}
          {c.externalId && ` · id ${c.externalId}`} {c.owner && `· account owner ${c.owner.name}`}
        </p>
      </div>
      <div className="kpis">
        <div className="card kpi">
          <div className="value">{c.ordersCount}</div>
          <div className="label">orders</div>
        </div>
        <div className="card kpi">
          <div className="value">{money(c.totalSpentMinor, c.currency)}</div>
          <div className="label">spent (paid orders)</div>
        </div>
        <div className="card kpi">
          <div className="value">{day(c.lastOrderAt)}</div>
          <div className="label">last order</div>
        </div>
        <div className="card kpi">
          <div className="value">{day(c.lastContactAt)}</div>
          <div className="label">last contact</div>
        </div>
      </div>
      <CustomerHealth data={analytics.data} error={analytics.error} loading={analytics.loading} />
      <CustomerLoyaltyPanel customerId={c.id} />
      <div className="grid">
        <ProfileForm customer={c} onSaved={reload} />
        <div className="page">
          {!c.erasedAt && <LogContact customerId={c.id} onSaved={reload} />}
          <section className="card" aria-label="Data">
            <h2>Data</h2>
            <div className="inline-form" style={{ marginTop: 0 }}>
              <a className="btn" href={`/api/customers/${c.id}/export`}>
                Export record (JSON)
              </a>
              <a className="btn" href={`/api/orders/export.csv?customerId=${c.id}`}>
                Orders (CSV)
              </a>
              {me.role === 'owner' && !c.erasedAt && (
                <button className="btn" style={{ color: 'var(--bad)' }} onClick={erase}>
                  Erase personal data
                </button>
              )}
            </div>
            {actionError && <p className="error">{actionError}</p>}
          </section>
          {!c.erasedAt && !c.mergedInto && <MergeCard customer={c} onMerged={reload} />}
        </div>
      </div>
      {!c.erasedAt && !c.mergedInto && <CustomerTasks customer={c} />}
      <Timeline data={data} />
      <div className="grid">
        <section className="card" aria-label="Orders">
          <h2>Orders ({data.orders.length})</h2>
          <table>
            <thead>
              <tr>
                <th>Date</th>
                <th>Order</th>
                <th>Status</th>
                <th className="num">Amount</th>
              </tr>
            </thead>
            <tbody>
              {data.orders.map((o) => (
                <tr key={o.id}>
                  <td>{day(o.orderedAt)}</td>
                  <td>{o.externalId && !o.externalId.startsWith('h:') ? o.externalId : '—'}</td>
                  <td>{o.status}</td>
                  <td className="num">{money(o.amountMinor, o.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section className="card" aria-label="Subscriptions">
          <h2>Subscriptions</h2>
          {data.subscriptions.length === 0 && <p className="muted">None.</p>}
          <table>
            <tbody>
              {data.subscriptions.map((s) => (
                <tr key={s.id}>
                  <td>{s.plan}</td>
                  <td className="num">
                    {money(s.amountMinor, s.currency)} / {s.interval}
                  </td>
                  <td>since {day(s.startedAt)}</td>
                  <td>{s.canceledAt ? `cancelled ${day(s.canceledAt)}${s.cancelReason ? ` (${s.cancelReason})` : ''}` : <span className="badge good">active</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
    </div>
  );
}
