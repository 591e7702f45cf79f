// The customer list: search, filters, sort, server-side pages (fast at 100,000 customers).
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { api } from '../../api';
import { FormError } from '../../shell/FormError';
import { formatNumber, useWorkspaceFormat } from '../../shell/format';
import { useApi } from '../../shell/useApi';
import { day, drivers, money, statusBadge, statuses, type CustomerRow } from './types';

interface ListResponse {
  customers: CustomerRow[];
  nextCursor: string | null;
  /** on the first page only */
  total: number | null;
}

interface Company {
  id: string;
  name: string;
}
interface Segment {
  id: string;
  name: string;
  filters: Record<string, unknown>;
}

/** The list's filters, as the API takes them (empty: not set). */
interface Filters {
  search: string;
  tag: string;
  status: string;
  driver: string;
  company: string;
  minSpent: string;
  maxSpent: string;
  lastOrder: string;
  health: string;
  sort: string;
}
const noFilters: Filters = { search: '', tag: '', status: '', driver: '', company: '', minSpent: '', maxSpent: '', lastOrder: '', health: '', sort: 'name' };
// "last order" choices: within N days, or none for N days
const lastOrderChoices: [string, string][] = [
  ['within:30', 'ordered in the last 30 days'],
  ['within:90', 'ordered in the last 90 days'],
  ['none:90', 'no order for 90+ days'],
  ['none:180', 'no order for 180+ days'],
  ['none:365', 'no order for a year+'],
];

function query(f: Filters): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of ['search', 'tag', 'status', 'driver', 'company', 'minSpent', 'maxSpent', 'health'] as const) if (f[k].trim()) p.set(k, f[k].trim());
  if (f.lastOrder) {
    const [kind, days] = f.lastOrder.split(':');
    p.set(kind === 'within' ? 'orderedWithinDays' : 'noOrderForDays', days!);
  }
  p.set('sort', f.sort);
  return p;
}

function AddCustomer({ companies, onClose }: { companies: Company[]; onClose: () => void }) {
  const navigate = useNavigate();
  const [form, setForm] = useState({ name: '', email: '', phone: '', companyId: '' });
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const c = await api.post<{ id: string }>('/api/customers', { name: form.name, email: form.email || null, phone: form.phone || null, companyId: form.companyId || null });
      navigate(`/customers/${c.id}`);
    } catch (err) {
      setError(err);
    }
  };
  const field = (k: 'name' | 'email' | 'phone', label: string, type = 'text') => (
    <label>
      {label}
      <input type={type} value={form[k]} required={k === 'name'} onChange={(e) => setForm({ ...form, [k]: e.target.value })} />
    </label>
  );
  return (
    <form className="card" onSubmit={submit} aria-label="Add customer">
      <h2>Add a customer</h2>
      <div className="grid" style={{ gap: '.5rem' }}>
        {field('name', 'Name')}
        {field('email', 'Email', 'email')}
        {field('phone', 'Phone')}
        <label>
          Company
          <select value={form.companyId} onChange={(e) => setForm({ ...form, companyId: e.target.value })}>
            <option value="">None</option>
            {companies.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <FormError error={error} />
      <div className="inline-form">
        <button className="btn primary">Add customer</button>
        <button type="button" className="btn" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

interface Duplicate {
  kind: string;
  value: string;
  ids: string[];
  names: string[];
}

function Duplicates() {
  const { data, reload } = useApi<{ duplicates: Duplicate[] }>('/api/customers/duplicates');
  const [error, setError] = useState<string | null>(null);
  if (!data || data.duplicates.length === 0) return null;
  const merge = async (d: Duplicate) => {
    if (!confirm(`Merge ${d.names.slice(1).join(', ')} into ${d.names[0]}? Every order and touchpoint is kept.`)) return;
    try {
      for (const other of d.ids.slice(1)) await api.post(`/api/customers/${d.ids[0]}/merge`, { otherId: other });
      reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <section className="card" aria-label="Possible duplicates">
      <h2>Possible duplicates ({data.duplicates.length})</h2>
      {error && <p className="error">{error}</p>}
      <table>
        <tbody>
          {data.duplicates.slice(0, 20).map((d) => (
            <tr key={d.kind + d.value}>
              <td>
                same {d.kind} <code>{d.value}</code>
              </td>
              <td>
                {d.ids.map((id, i) => (
                  <span key={id}>
                    {i > 0 && ', '}
                    <Link to={`/customers/${id}`}>{d.names[i]}</Link>
                  </span>
                ))}
              </td>
              <td>
                <button className="btn" onClick={() => merge(d)}>
                  Merge into {d.names[0]}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function CustomerList() {
  useWorkspaceFormat(); // re-render in the workspace's locale once it is loaded
  const [f, setF] = useState<Filters>(noFilters);
  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const debounced = useDebounced(f, 300);
  const { data: tags } = useApi<{ tags: { tag: string; n: number }[] }>('/api/customers/tags');
  const { data: companies } = useApi<{ companies: Company[] }>('/api/companies');
  const { data: segments, reload: reloadSegments } = useApi<{ segments: Segment[] }>('/api/customers/segments');
  const [adding, setAdding] = useState(false);
  const [rows, setRows] = useState<CustomerRow[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const qs = query(debounced).toString();

  const load = async (after: string | null) => {
    setLoading(true);
    try {
      const r = await api.get<ListResponse>(`/api/customers?${qs}&limit=50${after ? `&cursor=${encodeURIComponent(after)}` : ''}`);
      setRows((prev) => (after ? [...prev, ...r.customers] : r.customers));
      if (!after) setTotal(r.total);
      setCursor(r.nextCursor);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    void load(null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [qs]);

  // a segment keeps the list's query as the API takes it
  const saveSegment = async () => {
    const name = prompt('Name this segment (it keeps these filters and the sort):');
    if (!name?.trim()) return;
    try {
      await api.post('/api/customers/segments', { name: name.trim(), filters: Object.fromEntries(query(f)) });
      reloadSegments();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const applySegment = (id: string) => {
    const s = segments?.segments.find((x) => x.id === id);
    if (!s) return;
    const q = s.filters as Record<string, string | number | undefined>;
    const text = (v: unknown) => (v === undefined || v === null ? '' : String(v));
    setF({
      ...noFilters,
      ...Object.fromEntries((['search', 'tag', 'status', 'driver', 'company', 'minSpent', 'maxSpent', 'health'] as const).map((k) => [k, text(q[k])])),
      sort: text(q.sort) || 'name',
      lastOrder: q.orderedWithinDays ? `within:${q.orderedWithinDays}` : q.noOrderForDays ? `none:${q.noOrderForDays}` : '',
    });
  };

  return (
    <div className="page">
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', flexWrap: 'wrap', gap: '.5rem' }}>
        <h1>Customers{total !== null && <span className="muted"> ({formatNumber(total)})</span>}</h1>
        <div className="inline-form" style={{ marginTop: 0 }}>
          <button className="btn primary" onClick={() => setAdding(true)}>
            Add customer
          </button>
          <Link className="btn" to="/customers/companies">
            Companies
          </Link>
          <Link className="btn" to="/customers/import">
            Import CSV
          </Link>
          <a className="btn" href={`/api/customers/export.csv?${qs}`}>
            Export CSV
          </a>
        </div>
      </div>
      {adding && <AddCustomer companies={companies?.companies ?? []} onClose={() => setAdding(false)} />}
      <section className="card">
        <div className="inline-form" style={{ marginTop: 0 }} role="search">
          <input aria-label="Search by name or email" placeholder="Search name or email…" value={f.search} onChange={set('search')} style={{ minWidth: 200 }} />
          <select aria-label="Saved segment" value="" onChange={(e) => applySegment(e.target.value)}>
            <option value="">Segments…</option>
            {segments?.segments.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
          <select aria-label="Sort" value={f.sort} onChange={set('sort')}>
            <option value="name">Name A–Z</option>
            <option value="spent">Most spent</option>
            <option value="value">Highest lifetime value</option>
            <option value="health">Poorest health first</option>
            <option value="lastOrder">Latest order</option>
            <option value="newest">Newest customers</option>
            <option value="oldest">Oldest customers</option>
            <option value="updated">Recently updated</option>
          </select>
        </div>
        <div className="inline-form" aria-label="Filters">
          <select aria-label="Tag" value={f.tag} onChange={set('tag')}>
            <option value="">All tags</option>
            {tags?.tags.map((t) => (
              <option key={t.tag} value={t.tag}>
                {t.tag} ({t.n})
              </option>
            ))}
          </select>
          <select aria-label="Status" value={f.status} onChange={set('status')}>
            <option value="">Any status</option>
            {statuses.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
          <select aria-label="Health" value={f.health} onChange={set('health')}>
            <option value="">Any health</option>
            <option value="good">Good (70+)</option>
            <option value="fair">Fair (40–69)</option>
            <option value="poor">Poor (under 40)</option>
          </select>
          <select aria-label="Last order" value={f.lastOrder} onChange={set('lastOrder')}>
            <option value="">Any last order</option>
            {lastOrderChoices.map(([v, label]) => (
              <option key={v} value={v}>
                {label}
              </option>
            ))}
          </select>
          <input aria-label="Spent at least" placeholder="Spent from" inputMode="decimal" value={f.minSpent} onChange={set('minSpent')} style={{ width: 110 }} />
          <input aria-label="Spent at most" placeholder="Spent to" inputMode="decimal" value={f.maxSpent} onChange={set('maxSpent')} style={{ width: 110 }} />
          <select aria-label="Company" value={f.company} onChange={set('company')}>
            <option value="">Any company</option>
            {companies?.companies.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
          <select aria-label="Retention driver" value={f.driver} onChange={set('driver')}>
            <option value="">Any driver</option>
            {drivers.map((d) => (
              <option key={d}>{d}</option>
            ))}
          </select>
          <button className="btn" type="button" onClick={saveSegment}>
            Save as segment
          </button>
          <button className="btn" type="button" onClick={() => setF(noFilters)}>
            Clear
          </button>
        </div>
        {error && <p className="error">{error}</p>}
        <div className="table-scroll">
          {/* on a phone each customer is a short block instead of a row running off the screen */}
          <table className="stack-narrow">
            <thead>
              <tr>
                <th>Name</th>
                <th>Email</th>
                <th>Status</th>
                <th>Tags</th>
                <th className="num">Orders</th>
                <th className="num">Spent</th>
                <th>Last order</th>
                <th>Last contact</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((c) => (
                <tr key={c.id}>
                  <td className="stack-title">
                    <Link to={`/customers/${c.id}`}>{c.name}</Link>
                  </td>
                  <td>{c.email}</td>
                  <td>
                    <span className={statusBadge(c.status)}>{c.status}</span>
                  </td>
                  <td>{c.tags.join(', ')}</td>
                  <td className="num" data-label="Orders">
                    {formatNumber(c.ordersCount)}
                  </td>
                  <td className="num" data-label="Spent">
                    {money(c.totalSpentMinor, c.currency)}
                  </td>
                  <td data-label="Last order">{day(c.lastOrderAt)}</td>
                  <td data-label="Last contact">{day(c.lastContactAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {!loading && rows.length === 0 && <p className="muted">No customers match. Add one, import a CSV or send them through the API.</p>}
        {loading && <p className="muted">Loading…</p>}
        {cursor && !loading && (
          <button className="btn" onClick={() => load(cursor)}>
            Show more ({formatNumber(rows.length)} of {total !== null ? formatNumber(total) : 'many'} shown)
          </button>
        )}
      </section>
      <Duplicates />
    </div>
  );
}
