// Companies: the list (customers and spend per company) and one company's page with its
// customers, their orders, spend and lifetime value together.
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { api } from '../../api';
import { FormError } from '../../shell/FormError';
import { formatMoney, formatMoneyMajor, formatNumber, useWorkspaceFormat } from '../../shell/format';
import { useApi } from '../../shell/useApi';
import { day } from './types';

interface CompanyRow {
  id: string;
  name: string;
  website: string | null;
  customers: number;
  spentMinor: number;
}

export function CompaniesPage() {
  useWorkspaceFormat(); // re-render in the workspace's locale once it is loaded
  const { data, error, reload } = useApi<{ companies: CompanyRow[] }>('/api/companies');
  const [name, setName] = useState('');
  const [formError, setFormError] = useState<unknown>(null);
  const add = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api.post('/api/companies', { name });
      setName('');
      setFormError(null);
      reload();
    } catch (err) {
      setFormError(err);
    }
  };
  return (
    <div className="page">
      <Link to="/customers">← Customers</Link>
      <h1>Companies</h1>
      <form className="card inline-form" onSubmit={add} aria-label="Add company">
        <input aria-label="Company name" placeholder="Company name" value={name} onChange={(e) => setName(e.target.value)} required />
        <button className="btn primary">Add company</button>
        <FormError error={formError} />
      </form>
      {error && <p className="error">{error}</p>}
      <section className="card">
        {data && data.companies.length === 0 && <p className="muted">No companies yet. Add one, then choose it on a customer's profile.</p>}
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th>Company</th>
                <th className="num">Customers</th>
                <th className="num">Spent</th>
              </tr>
            </thead>
            <tbody>
              {data?.companies.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Link to={`/customers/companies/${c.id}`}>{c.name}</Link>
                  </td>
                  <td className="num">{formatNumber(c.customers)}</td>
                  <td className="num">{formatMoney(c.spentMinor)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}

interface CompanyData {
  company: { id: string; name: string; website: string | null; notes: string | null };
  customers: {
    id: string;
    name: string;
    email: string | null;
    ordersCount: number;
    totalSpentMinor: number;
    currency: string | null;
    lastOrderAt: string | null;
    health: number | null;
    lifetimeValue: number | null;
  }[];
  totals: { customers: number; orders: number; spentMinor: number; lifetimeValue: number | null };
}

export function CompanyPage() {
  useWorkspaceFormat(); // re-render in the workspace's locale once it is loaded
  const { id } = useParams();
  const { data, error } = useApi<CompanyData>(`/api/companies/${id}`);
  if (error) return <p className="error">{error}</p>;
  if (!data) return <p className="loading">Loading…</p>;
  const t = data.totals;
  return (
    <div className="page">
      <Link to="/customers/companies">← Companies</Link>
      <h1>{data.company.name}</h1>
      {data.company.website && <p className="muted">{data.company.website}</p>}
      <div className="kpis">
        <div className="card kpi">
          <div className="value">{formatNumber(t.customers)}</div>
          <div className="label">customers</div>
        </div>
        <div className="card kpi">
          <div className="value">{formatNumber(t.orders)}</div>
          <div className="label">orders</div>
        </div>
        <div className="card kpi">
          <div className="value">{formatMoney(t.spentMinor, null, { whole: true })}</div>
          <div className="label">spent (paid orders)</div>
        </div>
        <div className="card kpi">
          <div className="value">{t.lifetimeValue === null ? '–' : formatMoneyMajor(t.lifetimeValue, null, { whole: true })}</div>
          <div className="label">lifetime value, next year</div>
        </div>
      </div>
      <section className="card" aria-label="Customers of the company">
        <h2>Customers</h2>
        {data.customers.length === 0 && <p className="muted">Nobody yet: choose this company on a customer's profile.</p>}
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th className="num">Orders</th>
                <th className="num">Spent</th>
                <th className="num">Lifetime value</th>
                <th className="num">Health</th>
                <th>Last order</th>
              </tr>
            </thead>
            <tbody>
              {data.customers.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Link to={`/customers/${c.id}`}>{c.name}</Link>
                  </td>
                  <td className="num">{formatNumber(c.ordersCount)}</td>
                  <td className="num">{formatMoney(c.totalSpentMinor, c.currency)}</td>
                  <td className="num">{c.lifetimeValue === null ? '–' : formatMoneyMajor(c.lifetimeValue)}</td>
                  <td className="num">{c.health === null ? '–' : c.health}</td>
                  <td>{day(c.lastOrderAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}
