// The customer list: search, filters, sort, server-side pages (fast at 100,000 customers).
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api';
import { useApi } from '../../shell/useApi';
import { day, drivers, money, statusBadge, statuses, type CustomerRow } from './types';

interface ListResponse {
  customers: CustomerRow[];
  nextCursor: string | null;
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
  const [search, setSearch] = useState('');
  const [tag, setTag] = useState('');
  const [status, setStatus] = useState('');
  const [driver, setDriver] = useState('');
  const [sort, setSort] = useState('name');
  const q = useDebounced(search, 250);
  const { data: tags } = useApi<{ tags: { tag: string; n: number }[] }>('/api/customers/tags');
  const [rows, setRows] = useState<CustomerRow[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const params = new URLSearchParams();
  if (q) params.set('search', q);
  if (tag) params.set('tag', tag);
  if (status) params.set('status', status);
  if (driver) params.set('driver', driver);
  params.set('sort', sort);
  const qs = params.toString();

  const load = async (after: string | null) => {
    setLoading(true);
    try {
      const r = await api.get<ListResponse>(`/api/customers?${qs}&limit=50${after ? `&cursor=${encodeURIComponent(after)}` : ''}`);
      setRows((prev) => (after ? [...prev, ...r.customers] : r.customers));
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

  return (
    <div className="page">
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
        <h1>Customers</h1>
        <div className="inline-form" style={{ marginTop: 0 }}>
          <Link className="btn" to="/customers/import">
            Import CSV
          </Link>
          <a className="btn" href={`/api/customers/export.csv?${qs}`}>
            Export CSV
          </a>
        </div>
      </div>
      <section className="card">
        <div className="inline-form" style={{ marginTop: 0 }} role="search">
          <input aria-label="Search by name or email" placeholder="Search name or email…" value={search} onChange={(e) => setSearch(e.target.value)} style={{ minWidth: 240 }} />
          <select aria-label="Tag" value={tag} onChange={(e) => setTag(e.target.value)}>
            <option value="">All tags</option>
            {tags?.tags.map((t) => (
              <option key={t.tag} value={t.tag}>
                {t.tag} ({t.n})
              </option>
            ))}
          </select>
          <select aria-label="Status" value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">Any status</option>
            {statuses.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
          <select aria-label="Retention driver" value={driver} onChange={(e) => setDriver(e.target.value)}>
            <option value="">Any driver</option>
            {drivers.map((d) => (
              <option key={d}>{d}</option>
            ))}
          </select>
          <select aria-label="Sort" value={sort} onChange={(e) => setSort(e.target.value)}>
            <option value="name">Name A–Z</option>
            <option value="newest">Newest customers</option>
            <option value="oldest">Oldest customers</option>
            <option value="updated">Recently updated</option>
          </select>
        </div>
        {error && <p className="error">{error}</p>}
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Email</th>
              <th>Status</th>
              <th>Driver</th>
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
                <td>
                  <Link to={`/customers/${c.id}`}>{c.name}</Link>
                </td>
                <td>{c.email}</td>
                <td>
                  <span className={statusBadge(c.status)}>{c.status}</span>
                </td>
                <td>{c.retentionDriver ?? '—'}</td>
                <td>{c.tags.join(', ')}</td>
                <td className="num">{c.ordersCount}</td>
                <td className="num">{money(c.totalSpentMinor, c.currency)}</td>
                <td>{day(c.lastOrderAt)}</td>
                <td>{day(c.lastContactAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {!loading && rows.length === 0 && <p className="muted">No customers match. Import a CSV or add them through the API.</p>}
        {loading && <p className="muted">Loading…</p>}
        {cursor && !loading && (
          <button className="btn" onClick={() => load(cursor)}>
            Show more
          </button>
        )}
      </section>
      <Duplicates />
    </div>
  );
}
