// Loyalty: a customer's points (balance, tier, ledger, adjust), promo codes (list, make one,
// make a batch and export it as CSV, withdraw, redeem) and the rules (owner).
import { useState, type FormEvent } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api } from '../../api';
import { CustomerPicker } from '../../shell/CustomerPicker';
import { FormError } from '../../shell/FormError';
import { formatDate, formatDateTime, formatMoney, formatPercent, useWorkspaceTimeZone } from '../../shell/format';
import { useMe } from '../../shell/me';
import { ScrollTable, Tabs } from '../../shell/Tabs';
import type { AreaRoute, PlaybookTriggerField, TimelineEntry, WebArea } from '../../shell/types';
import { useApi } from '../../shell/useApi';
import { CustomerLoyaltyPanel } from './CustomerLoyaltyPanel';

interface Entry {
  id: string;
  kind: 'earn' | 'spend' | 'expire' | 'adjust' | 'reverse';
  points: number;
  reason: string;
  occurredAt: string;
}
interface Tier {
  name: string;
  threshold: number;
  perks: string;
}
interface CustomerLoyalty {
  customer: { id: string; name: string };
  balance: number;
  yearPoints: number;
  tier: Tier | null;
  next: (Tier & { remaining: number; progress: number }) | null;
  entries: Entry[];
  referralCode: string | null;
  codes: Code[];
}
interface Code {
  id: string;
  code: string;
  use: 'single' | 'multi';
  customerId: string | null;
  percentOff: number | null;
  amountOffMinor: number | null;
  currency: string | null;
  minOrderMinor: number;
  expiresAt: string | null;
  usageLimit: number | null;
  usedCount: number;
  batchId: string | null;
  note: string;
  disabledAt: string | null;
}
interface CodesReport {
  issued: number;
  codesRedeemed: number;
  redemptions: { currency: string; count: number; revenueMinor: number; discountMinor: number }[];
}
interface Settings {
  pointsPerUnit: number;
  pointsPerOrder: number;
  pointsPerSurvey: number;
  pointsOnBirthday: number;
  pointsPerReview: number;
  expiryMonths: number;
  expiryNoticeDays: number;
  currency: string | null;
  effectiveCurrency: string;
  tiers: Tier[];
  referral: { referrerPoints: number; referredPoints: number; reward: 'points' | 'promo'; promoPercentOff: number };
}

const money = (minor: number, currency: string | null) => formatMoney(minor, currency);
const discountText = (c: Code) => (c.percentOff != null ? `${c.percentOff}% off` : `${money(c.amountOffMinor ?? 0, c.currency)} off`);
type Tab = 'customers' | 'codes' | 'results' | 'settings';

function LoyaltyPage() {
  const [tab, setTab] = useState<Tab>('customers');
  return (
    <div className="page">
      <h1>Loyalty</h1>
      <Tabs
        tabs={[
          { id: 'customers', label: 'Points' },
          { id: 'codes', label: 'Promo codes' },
          { id: 'results', label: 'Results' },
          { id: 'settings', label: 'Rules' },
        ]}
        value={tab}
        onChange={setTab}
      />
      {tab === 'customers' && <CustomerPoints />}
      {tab === 'codes' && <Codes />}
      {tab === 'results' && <MemberResults />}
      {tab === 'settings' && <SettingsForm />}
    </div>
  );
}

interface GroupResult {
  group: string;
  customers: number;
  repeatRate: number | null;
  ordersPerYear: number | null;
  activeShare: number | null;
  medianTenureDays: number | null;
}

function MemberResults() {
  const r = useApi<{ activeDays: number; members: GroupResult; others: GroupResult; byTier: GroupResult[]; note: string }>('/api/loyalty/results');
  if (r.error) return <p className="error">{r.error}</p>;
  if (!r.data) return <p className="loading">Loading…</p>;
  const d = r.data;
  const pct = (x: number | null) => (x == null ? 0 : Math.round(x * 100));
  const chart = [
    { name: 'repeat buyers', members: pct(d.members.repeatRate), others: pct(d.others.repeatRate) },
    { name: `bought in ${d.activeDays} d`, members: pct(d.members.activeShare), others: pct(d.others.activeShare) },
  ];
  const rows = [d.members, d.others, ...d.byTier];
  return (
    <section className="card" data-testid="member-results">
      <h2 style={{ marginTop: 0 }}>Do members come back more?</h2>
      <p className="muted">Members used the programme: spent points, redeemed a code, referred someone or were referred. Others bought without.</p>
      <div style={{ width: '100%', height: 240 }}>
        <ResponsiveContainer>
          <BarChart data={chart} margin={{ top: 10, right: 10, left: -10, bottom: 0 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="name" tick={{ fontSize: 12 }} interval={0} />
            <YAxis unit="%" domain={[0, 100]} tick={{ fontSize: 12 }} />
            <Tooltip formatter={(v) => `${v}%`} />
            <Legend />
            <Bar dataKey="members" name={`members (${d.members.customers})`} fill="#2f5d50" isAnimationActive={false} />
            <Bar dataKey="others" name={`other buyers (${d.others.customers})`} fill="#f2b134" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <ScrollTable testId="results-table">
        <thead>
          <tr>
            <th>Group</th>
            <th className="num">Customers</th>
            <th className="num">Repeat buyers</th>
            <th className="num">Orders a year</th>
            <th className="num">Bought lately</th>
            <th className="num">First to last order</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((g, i) => (
            <tr key={`${i}-${g.group}`}>
              <td>{i === 2 ? <>tier: {g.group}</> : i > 2 ? <>tier: {g.group}</> : <strong>{g.group}</strong>}</td>
              <td className="num">{g.customers}</td>
              <td className="num">{formatPercent(g.repeatRate)}</td>
              <td className="num">{g.ordersPerYear == null ? '—' : g.ordersPerYear.toFixed(1)}</td>
              <td className="num">{formatPercent(g.activeShare)}</td>
              <td className="num">{g.medianTenureDays == null ? '—' : `${g.medianTenureDays} days (median)`}</td>
            </tr>
          ))}
        </tbody>
      </ScrollTable>
      <p className="muted">{d.note}</p>
    </section>
  );
}

function CustomerPoints() {
  const tz = useWorkspaceTimeZone();
  const [picked, setPicked] = useState<string | null>(null);
  const l = useApi<CustomerLoyalty>(picked ? `/api/loyalty/customers/${picked}?limit=200` : null);
  const [adjust, setAdjust] = useState({ points: '', reason: '' });
  const [err, setErr] = useState<unknown>(null);

  const submit = async (e: FormEvent, kind: 'adjust' | 'spend') => {
    e.preventDefault();
    setErr(null);
    try {
      const n = Number(adjust.points);
      await api.post(`/api/loyalty/customers/${picked}/${kind}`, { points: kind === 'spend' ? Math.abs(n) : n, reason: adjust.reason, idempotencyKey: crypto.randomUUID() });
      setAdjust({ points: '', reason: '' });
      l.reload();
    } catch (x) {
      setErr(x);
    }
  };
  const referral = async () => {
    await api.post(`/api/loyalty/customers/${picked}/referral-code`);
    l.reload();
  };

  return (
    <>
      <section className="card">
        <CustomerPicker label="Find a customer" onPick={(c) => setPicked(c.id)} />
      </section>
      {l.error && <p className="error">{l.error}</p>}
      {l.data && picked && (
        <section className="card" style={{ marginTop: '1rem' }} data-testid="customer-points">
          <h2 style={{ marginTop: 0 }}>{l.data.customer.name}</h2>
          <div className="kpis">
            <div className="kpi">
              <div className="value" data-testid="balance">
                {l.data.balance}
              </div>
              <div className="label">points to spend</div>
            </div>
            <div className="kpi">
              <div className="value">{l.data.tier?.name ?? '—'}</div>
              <div className="label">tier ({l.data.yearPoints} points earned in the last 12 months)</div>
              {l.data.tier?.perks && <div className="muted">{l.data.tier.perks}</div>}
            </div>
            <div className="kpi">
              {l.data.next ? (
                <>
                  <div className="progress" aria-label={`Progress to ${l.data.next.name}`}>
                    <div style={{ width: `${Math.round(l.data.next.progress * 100)}%` }} />
                  </div>
                  <div className="label">
                    {l.data.next.remaining} points to {l.data.next.name}
                  </div>
                </>
              ) : (
                <div className="label">Highest tier reached</div>
              )}
            </div>
            <div className="kpi">
              <div className="value" style={{ fontSize: '1.1rem' }}>
                {l.data.referralCode ?? (
                  <button className="btn" onClick={referral}>
                    Make referral code
                  </button>
                )}
              </div>
              <div className="label">referral code</div>
            </div>
          </div>
          <form className="inline-form" onSubmit={(e) => submit(e, 'adjust')}>
            <input
              type="number"
              aria-label="Points"
              placeholder="Points (+ or −)"
              value={adjust.points}
              onChange={(e) => setAdjust({ ...adjust, points: e.target.value })}
              required
              style={{ width: '9rem' }}
            />
            <input aria-label="Reason" placeholder="Reason" value={adjust.reason} onChange={(e) => setAdjust({ ...adjust, reason: e.target.value })} required />
            <button className="btn primary" type="submit">
              Adjust
            </button>
            <button className="btn" type="button" onClick={(e) => submit(e, 'spend')}>
              Spend
            </button>
          </form>
          <FormError error={err} />
          <h3>Ledger</h3>
          {l.data.entries.length === 0 ? (
            <p className="muted">No points yet.</p>
          ) : (
            <ScrollTable testId="ledger">
              <thead>
                <tr>
                  <th>When</th>
                  <th>What</th>
                  <th>Reason</th>
                  <th className="num">Points</th>
                </tr>
              </thead>
              <tbody>
                {l.data.entries.map((e) => (
                  <tr key={e.id}>
                    <td className="nowrap">{formatDateTime(e.occurredAt, tz)}</td>
                    <td>{e.kind}</td>
                    <td>{e.reason}</td>
                    <td className="num">{e.points > 0 ? `+${e.points}` : e.points}</td>
                  </tr>
                ))}
              </tbody>
            </ScrollTable>
          )}
          {l.data.codes.length > 0 && (
            <>
              <h3>Personal codes</h3>
              <ul>
                {l.data.codes.map((c) => (
                  <li key={c.id}>
                    <code>{c.code}</code> — {discountText(c)}, used {c.usedCount}
                    {c.usageLimit != null ? ` of ${c.usageLimit}` : ''}
                    {c.expiresAt ? `, until ${formatDate(c.expiresAt, tz)}` : ''}
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      )}
    </>
  );
}

function Codes() {
  const me = useMe();
  const tz = useWorkspaceTimeZone();
  const [status, setStatus] = useState('all');
  const list = useApi<{ codes: Code[]; report: CodesReport }>(`/api/loyalty/codes?status=${status}`);
  const blank = { prefix: '', kind: 'percent', value: '', use: 'single', minOrder: '', expiresAt: '', usageLimit: '', count: '100', note: '' };
  const [form, setForm] = useState(blank);
  const [err, setErr] = useState<unknown>(null);
  const [made, setMade] = useState<{ code?: string; batchId?: string; count?: number } | null>(null);
  const [check, setCheck] = useState({ code: '', amount: '' });
  const [checked, setChecked] = useState<string | null>(null);
  const [checkErr, setCheckErr] = useState<unknown>(null);

  const spec = () => ({
    prefix: form.prefix.trim() ? form.prefix.trim().toUpperCase() : undefined,
    use: form.use,
    percentOff: form.kind === 'percent' ? Number(form.value) : null,
    amountOffMinor: form.kind === 'amount' ? Math.round(Number(form.value) * 100) : null,
    minOrderMinor: form.minOrder ? Math.round(Number(form.minOrder) * 100) : 0,
    expiresAt: form.expiresAt ? new Date(`${form.expiresAt}T23:59:59`).toISOString() : null,
    usageLimit: form.usageLimit ? Number(form.usageLimit) : null,
    note: form.note,
  });
  const makeOne = async () => {
    setErr(null);
    try {
      const r = await api.post<{ code: Code }>('/api/loyalty/codes', spec());
      setMade({ code: r.code.code });
      list.reload();
    } catch (x) {
      setErr(x);
    }
  };
  const makeBatch = async () => {
    setErr(null);
    try {
      const r = await api.post<{ batchId: string; count: number }>('/api/loyalty/codes/bulk', { ...spec(), count: Number(form.count) });
      setMade({ batchId: r.batchId, count: r.count });
      list.reload();
    } catch (x) {
      setErr(x);
    }
  };
  const withdraw = async (id: string) => {
    await api.post(`/api/loyalty/codes/${id}/disable`);
    list.reload();
  };
  const redeem = async (e: FormEvent) => {
    e.preventDefault();
    setCheckErr(null);
    setChecked(null);
    try {
      const r = await api.post<{ discountMinor: number; currency: string }>('/api/loyalty/redeem', {
        code: check.code,
        orderAmountMinor: Math.round(Number(check.amount) * 100),
        currency: list.data?.report.redemptions[0]?.currency ?? 'EUR',
      });
      setChecked(`Redeemed: ${money(r.discountMinor, r.currency)} off`);
      list.reload();
    } catch (x) {
      setCheckErr(x);
    }
  };

  return (
    <>
      {list.data && (
        <div className="kpis" style={{ marginBottom: '1rem' }}>
          <div className="kpi card">
            <div className="value">{list.data.report.issued}</div>
            <div className="label">codes issued</div>
          </div>
          <div className="kpi card">
            <div className="value">{list.data.report.codesRedeemed}</div>
            <div className="label">codes redeemed at least once</div>
          </div>
          {list.data.report.redemptions.map((r) => (
            <div className="kpi card" key={r.currency}>
              <div className="value">{money(r.revenueMinor, r.currency)}</div>
              <div className="label">
                revenue of {r.count} redeeming orders ({money(r.discountMinor, r.currency)} discount)
              </div>
            </div>
          ))}
        </div>
      )}
      <section className="card">
        <h2 style={{ marginTop: 0 }}>Make codes</h2>
        <p className="muted">Codes are drawn at random: 10 characters without look-alikes (no 0/O, 1/I/L), after an optional prefix.</p>
        <div className="grid" style={{ gridTemplateColumns: 'repeat(auto-fit, minmax(150px, 1fr))', gap: '.5rem' }}>
          <label>
            Prefix
            <input value={form.prefix} onChange={(e) => setForm({ ...form, prefix: e.target.value })} placeholder="SPRING" maxLength={12} />
          </label>
          <label>
            Discount
            <select aria-label="Discount kind" value={form.kind} onChange={(e) => setForm({ ...form, kind: e.target.value })}>
              <option value="percent">percent off</option>
              <option value="amount">amount off</option>
            </select>
          </label>
          <label>
            {form.kind === 'percent' ? 'Percent' : 'Amount'}
            <input type="number" min="0" step={form.kind === 'percent' ? '1' : '0.01'} value={form.value} onChange={(e) => setForm({ ...form, value: e.target.value })} required />
          </label>
          <label>
            Use
            <select aria-label="Use" value={form.use} onChange={(e) => setForm({ ...form, use: e.target.value })}>
              <option value="single">once per customer</option>
              <option value="multi">anyone (up to the limit)</option>
            </select>
          </label>
          <label>
            Minimum order
            <input type="number" min="0" step="0.01" value={form.minOrder} onChange={(e) => setForm({ ...form, minOrder: e.target.value })} />
          </label>
          <label>
            Expires
            <input type="date" value={form.expiresAt} onChange={(e) => setForm({ ...form, expiresAt: e.target.value })} />
          </label>
          <label>
            Usage limit
            <input type="number" min="1" value={form.usageLimit} onChange={(e) => setForm({ ...form, usageLimit: e.target.value })} placeholder="no limit" />
          </label>
          <label>
            Note
            <input value={form.note} onChange={(e) => setForm({ ...form, note: e.target.value })} maxLength={500} />
          </label>
        </div>
        <div className="inline-form">
          <button className="btn primary" onClick={makeOne}>
            Make one code
          </button>
          {me.role === 'owner' && (
            <>
              <input type="number" aria-label="How many" min="1" max="10000" value={form.count} onChange={(e) => setForm({ ...form, count: e.target.value })} style={{ width: '7rem' }} />
              <button className="btn" onClick={makeBatch}>
                Make a batch
              </button>
            </>
          )}
        </div>
        <FormError error={err} />
        {made?.code && (
          <p data-testid="made">
            New code: <code>{made.code}</code>
          </p>
        )}
        {made?.batchId && (
          <p data-testid="made">
            {made.count} codes made.{' '}
            <a href={`/api/loyalty/codes/export.csv?batchId=${made.batchId}`} download>
              Download CSV
            </a>
          </p>
        )}
      </section>

      <section className="card" style={{ marginTop: '1rem' }}>
        <h2 style={{ marginTop: 0 }}>Redeem a code</h2>
        <form className="inline-form" onSubmit={redeem}>
          <input aria-label="Code to redeem" placeholder="Code" value={check.code} onChange={(e) => setCheck({ ...check, code: e.target.value })} required />
          <input
            aria-label="Order amount"
            type="number"
            min="0"
            step="0.01"
            placeholder="Order amount"
            value={check.amount}
            onChange={(e) => setCheck({ ...check, amount: e.target.value })}
            required
            style={{ width: '9rem' }}
          />
          <button className="btn" type="submit">
            Redeem
          </button>
        </form>
        {checked && <p className="badge good">{checked}</p>}
        <FormError error={checkErr} />
      </section>

      <section className="card" style={{ marginTop: '1rem' }}>
        <div className="inline-form" style={{ marginTop: 0, justifyContent: 'space-between' }}>
          <h2 style={{ margin: 0 }}>Codes</h2>
          <select aria-label="Show" value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="all">all</option>
            <option value="active">active</option>
            <option value="used">used</option>
            <option value="expired">expired</option>
            <option value="disabled">withdrawn</option>
          </select>
          {me.role === 'owner' && (
            <a className="btn" href="/api/loyalty/codes/export.csv" download>
              Export all (CSV)
            </a>
          )}
        </div>
        {list.error && <p className="error">{list.error}</p>}
        {list.data && list.data.codes.length === 0 && <p className="muted">No codes yet.</p>}
        {list.data && list.data.codes.length > 0 && (
          <ScrollTable testId="codes">
            <thead>
              <tr>
                <th>Code</th>
                <th>Discount</th>
                <th>Use</th>
                <th className="num">Used</th>
                <th>Expires</th>
                <th>Note</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {list.data.codes.map((c) => (
                <tr key={c.id}>
                  <td className="nowrap">
                    <code>{c.code}</code>
                  </td>
                  <td className="nowrap">
                    {discountText(c)}
                    {c.minOrderMinor > 0 ? ` over ${money(c.minOrderMinor, c.currency)}` : ''}
                  </td>
                  <td>{c.customerId ? 'personal' : c.use === 'single' ? 'once each' : 'anyone'}</td>
                  <td className="num">
                    {c.usedCount}
                    {c.usageLimit != null ? ` / ${c.usageLimit}` : ''}
                  </td>
                  <td className="nowrap">{c.expiresAt ? formatDate(c.expiresAt, tz) : '—'}</td>
                  <td>{c.note}</td>
                  <td>
                    {c.disabledAt ? (
                      <span className="badge bad">withdrawn</span>
                    ) : (
                      <button className="link" onClick={() => withdraw(c.id)}>
                        Withdraw
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </ScrollTable>
        )}
      </section>
    </>
  );
}

function SettingsForm() {
  const me = useMe();
  const s = useApi<{ settings: Settings }>('/api/loyalty/settings');
  const [draft, setDraft] = useState<Settings | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const v = draft ?? s.data?.settings ?? null;
  if (!v) return s.error ? <p className="error">{s.error}</p> : <p className="loading">Loading…</p>;
  const owner = me.role === 'owner';
  const set = (patch: Partial<Settings>) => {
    setSaved(false);
    setDraft({ ...v, ...patch });
  };
  const num = (x: string) => (x === '' ? 0 : Number(x));
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setErr(null);
    try {
      await api.put('/api/loyalty/settings', {
        pointsPerUnit: v.pointsPerUnit,
        pointsPerOrder: v.pointsPerOrder,
        pointsPerSurvey: v.pointsPerSurvey,
        pointsOnBirthday: v.pointsOnBirthday,
        pointsPerReview: v.pointsPerReview,
        expiryMonths: v.expiryMonths,
        expiryNoticeDays: v.expiryNoticeDays,
        tiers: v.tiers,
        referral: v.referral,
      });
      setDraft(null);
      setSaved(true);
      s.reload();
    } catch (x) {
      setErr(x);
    }
  };
  return (
    <form className="card" onSubmit={save}>
      {!owner && <p className="muted">Only the owner changes the rules.</p>}
      <fieldset disabled={!owner}>
        <legend>Earning</legend>
        <div className="grid" style={{ gridTemplateColumns: 'repeat(auto-fit, minmax(180px, 1fr))', gap: '.5rem' }}>
          <label>
            Points per {v.effectiveCurrency} 1
            <input type="number" min="0" step="0.1" value={v.pointsPerUnit} onChange={(e) => set({ pointsPerUnit: num(e.target.value) })} />
          </label>
          <label>
            Points per order
            <input type="number" min="0" value={v.pointsPerOrder} onChange={(e) => set({ pointsPerOrder: num(e.target.value) })} />
          </label>
          <label>
            Points per survey answer
            <input type="number" min="0" value={v.pointsPerSurvey} onChange={(e) => set({ pointsPerSurvey: num(e.target.value) })} />
          </label>
          <label>
            Points on their birthday
            <input type="number" min="0" value={v.pointsOnBirthday} onChange={(e) => set({ pointsOnBirthday: num(e.target.value) })} />
          </label>
          <label>
            Points per review
            <input type="number" min="0" value={v.pointsPerReview} onChange={(e) => set({ pointsPerReview: num(e.target.value) })} />
          </label>
          <label>
            Expire after months without activity (0: never)
            <input type="number" min="0" value={v.expiryMonths} onChange={(e) => set({ expiryMonths: num(e.target.value) })} />
          </label>
          <label>
            Notice days before points expire (0: none)
            <input type="number" min="0" max="365" value={v.expiryNoticeDays} onChange={(e) => set({ expiryNoticeDays: num(e.target.value) })} />
          </label>
        </div>
        <p className="muted">
          Orders in other currencies than {v.effectiveCurrency} earn the per-order points only. A refunded or cancelled order loses its points when its status changes. The notice starts playbooks with
          the trigger “points are about to expire”.
        </p>
      </fieldset>
      <fieldset disabled={!owner}>
        <legend>Referral reward</legend>
        <div className="grid" style={{ gridTemplateColumns: 'repeat(auto-fit, minmax(180px, 1fr))', gap: '.5rem' }}>
          <label>
            Reward
            <select aria-label="Reward" value={v.referral.reward} onChange={(e) => set({ referral: { ...v.referral, reward: e.target.value === 'promo' ? 'promo' : 'points' } })}>
              <option value="points">points for both</option>
              <option value="promo">a promo code for each</option>
            </select>
          </label>
          {v.referral.reward === 'promo' ? (
            <label>
              Promo code percent off
              <input type="number" min="1" max="100" value={v.referral.promoPercentOff} onChange={(e) => set({ referral: { ...v.referral, promoPercentOff: num(e.target.value) } })} />
            </label>
          ) : (
            <>
              <label>
                Referrer gets
                <input type="number" min="0" value={v.referral.referrerPoints} onChange={(e) => set({ referral: { ...v.referral, referrerPoints: num(e.target.value) } })} />
              </label>
              <label>
                New customer gets
                <input type="number" min="0" value={v.referral.referredPoints} onChange={(e) => set({ referral: { ...v.referral, referredPoints: num(e.target.value) } })} />
              </label>
            </>
          )}
        </div>
        <p className="muted">
          {v.referral.reward === 'promo'
            ? 'On the new customer’s first order, each side gets a personal single-use code, valid 90 days.'
            : 'On the new customer’s first order, both sides get their points once.'}
        </p>
      </fieldset>
      <fieldset disabled={!owner}>
        <legend>Tiers (points earned in the last 12 months)</legend>
        {v.tiers.map((t, i) => (
          <div className="inline-form" key={i} style={{ marginTop: 0, marginBottom: '.5rem' }}>
            <input aria-label={`Tier ${i + 1} name`} value={t.name} onChange={(e) => set({ tiers: v.tiers.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)) })} style={{ width: '8rem' }} />
            <input
              aria-label={`Tier ${i + 1} threshold`}
              type="number"
              min="0"
              value={t.threshold}
              onChange={(e) => set({ tiers: v.tiers.map((x, j) => (j === i ? { ...x, threshold: num(e.target.value) } : x)) })}
              style={{ width: '7rem' }}
            />
            <input
              aria-label={`Tier ${i + 1} perks`}
              value={t.perks}
              placeholder="Perks"
              onChange={(e) => set({ tiers: v.tiers.map((x, j) => (j === i ? { ...x, perks: e.target.value } : x)) })}
              style={{ flex: '1 1 12rem' }}
            />
            <button type="button" className="link" onClick={() => set({ tiers: v.tiers.filter((_, j) => j !== i) })}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" className="btn" onClick={() => set({ tiers: [...v.tiers, { name: '', threshold: 0, perks: '' }] })}>
          Add tier
        </button>
      </fieldset>
      <FormError error={err} />
      {saved && <p className="badge good">Saved</p>}
      {owner && (
        <div className="inline-form">
          <button className="btn primary" type="submit">
            Save rules
          </button>
        </div>
      )}
    </form>
  );
}

const routes: AreaRoute[] = [{ path: 'loyalty', element: <LoyaltyPage /> }];

const ledgerWords: Record<Entry['kind'], string> = { earn: 'Earned', spend: 'Spent', expire: 'Expired', adjust: 'Adjusted by hand', reverse: 'Taken back' };

/**
 * Points on the customer's timeline: what the owner did or the programme gave outside orders and
 * playbooks (an order's points go with the order; a playbook's step is on the timeline already).
 */
async function loyaltyTimeline(customerId: string): Promise<TimelineEntry[]> {
  const r = await api.get<{ entries: (Entry & { orderId: string | null; source: string | null })[] }>(`/api/loyalty/customers/${customerId}?limit=200`);
  return r.entries
    .filter((e) => !e.orderId && !e.source?.startsWith('playbook:'))
    .map((e) => ({ at: e.occurredAt, kind: 'points', text: `${ledgerWords[e.kind]} ${Math.abs(e.points)} points${e.reason ? `: ${e.reason}` : ''}`, who: 'Loyalty', link: '/loyalty' }));
}

type TriggerOf = Parameters<PlaybookTriggerField['element']>[0];

/** The tier of a `tier.reached` trigger, picked from the loyalty rules' tiers (or any higher tier). */
function TierTriggerField({ trigger, onChange, disabled }: { trigger: TriggerOf; onChange: (t: TriggerOf) => void; disabled: boolean }) {
  const s = useApi<{ settings: Settings }>('/api/loyalty/settings');
  const tier = typeof trigger.tier === 'string' ? trigger.tier : '';
  const names = (s.data?.settings.tiers ?? []).map((t) => t.name).filter(Boolean);
  return (
    <label>
      Tier
      <select aria-label="Tier" value={tier} disabled={disabled} onChange={(e) => onChange({ ...trigger, tier: e.target.value || null })}>
        <option value="">any higher tier</option>
        {names.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
        {tier && !names.includes(tier) && <option value={tier}>{tier} (no longer in the rules)</option>}
      </select>
      {s.data && names.length === 0 && <span className="muted">No tiers yet: set them in Loyalty › Rules.</span>}
    </label>
  );
}

const tierReached: PlaybookTriggerField = {
  type: 'tier.reached',
  label: 'a loyalty tier is reached',
  initial: { type: 'tier.reached', tier: null },
  element: (trigger, onChange, disabled) => <TierTriggerField trigger={trigger} onChange={onChange} disabled={disabled} />,
  describe: (t) => (typeof t.tier === 'string' && t.tier ? `the loyalty tier ${t.tier} is reached` : 'a higher loyalty tier is reached'),
};

export const area: WebArea = {
  nav: { to: '/loyalty', label: 'Loyalty', order: 90 },
  routes,
  settingsSections: [{ id: 'loyalty', title: 'Loyalty rules', order: 90, element: <SettingsForm />, ownerOnly: true }],
  customerPanels: [{ id: 'loyalty', order: 10, place: 'summary', element: (customer) => <CustomerLoyaltyPanel customerId={customer.id} /> }],
  timelineKinds: [{ id: 'loyalty', load: loyaltyTimeline }],
  playbookTriggerFields: [tierReached],
};
