// One customer as one story: profile, health, orders, subscriptions and the timeline.
import { Fragment, useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api';
import { FormError } from '../../shell/FormError';
import { useWorkspaceFormat } from '../../shell/format';
import { useContributions } from '../../shell/contributions';
import { useMe } from '../../shell/me';
import type { CustomerRef, TimelineEntry } from '../../shell/types';
import { useApi } from '../../shell/useApi';
import { CustomerHealth, type CustomerAnalytics } from './CustomerHealth';
import type { CustomField } from './CustomFieldSettings';
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

/**
 * The customer's timeline: contacts (their source named by the server, through the features'
 * `timelineSources`), orders and subscriptions, and what other areas add through `timelineKinds`.
 */
function Timeline({ data }: { data: PageData }) {
  const { timelineKinds } = useContributions();
  const id = data.customer.id;
  const [contributed, setContributed] = useState<TimelineEntry[]>([]);
  useEffect(() => {
    let live = true;
    // an area whose API fails (or that this user may not read) leaves its entries out, not the timeline
    void Promise.allSettled(timelineKinds.map((k) => k.load(id))).then((all) => {
      if (live) setContributed(all.flatMap((r) => (r.status === 'fulfilled' ? r.value : [])));
    });
    return () => {
      live = false;
    };
  }, [id, timelineKinds, data]);
  const entries: TimelineEntry[] = [
    ...data.touchpoints.map((t) => ({
      at: t.occurredAt,
      kind: t.channel,
      text: `${t.direction === 'in' ? '← ' : t.direction === 'out' ? '→ ' : ''}${t.summary}`,
      who: t.userName ?? t.sourceLabel,
      link: t.userName ? null : t.sourceLink,
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
    ...contributed,
  ].sort((a, b) => b.at.localeCompare(a.at));
  return (
    <section className="card" aria-label="Timeline">
      <h2>Timeline</h2>
      {entries.length === 0 && <p className="muted">No contact, order or subscription yet.</p>}
      <table>
        <tbody>
          {entries.slice(0, 200).map((e, i) => (
            <tr key={i}>
              <td style={{ whiteSpace: 'nowrap' }}>{when(e.at)}</td>
              <td>
                <span className="badge">{e.kind}</span>
              </td>
              <td style={{ overflowWrap: 'anywhere' }}>
                {e.text}
                {e.who && (
                  <div className="muted" data-testid="timeline-who">
                    {e.link ? <Link to={e.link}>{e.who}</Link> : e.who}
                  </div>
                )}
              </td>
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
  const { customerPanels } = useContributions();
  const [actionError, setActionError] = useState<string | null>(null);
  if (error) return <p className="error">{error}</p>;
  if (!data) return <p className="loading">Loading…</p>;
  const c = data.customer;
  const ref: CustomerRef = { id: c.id, name: c.name, closed: Boolean(c.erasedAt || c.mergedInto) };
  const panels = (place: 'summary' | 'main') => customerPanels.filter((p) => p.place === place).map((p) => <Fragment key={p.id}>{p.element(ref)}</Fragment>);
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
      {panels('summary')}
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
      {panels('main')}
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
