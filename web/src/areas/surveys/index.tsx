// Surveys: NPS, CSAT and CES with their trends, response rate, the voice of the customer,
// sending a survey, and survey settings.
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { NavLink } from 'react-router';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api } from '../../api';
import { FormError } from '../../shell/FormError';
import { formatDate, formatDateTime, useWorkspaceTimeZone } from '../../shell/format';
import { useMe } from '../../shell/me';
import type { AreaRoute, WebArea } from '../../shell/types';
import { useApi } from '../../shell/useApi';

type Kind = 'nps' | 'csat' | 'ces' | 'exit';

interface MonthPoint {
  month: string;
  nps: number | null;
  npsN: number;
  csat: number | null;
  csatN: number;
  ces: number | null;
  cesN: number;
}
interface Summary {
  scores: {
    nps: { n: number; promoters: number; passives: number; detractors: number; score: number | null };
    csat: { n: number; satisfied: number; score: number | null };
    ces: { n: number; score: number | null };
    exit: { n: number };
  };
  responseRate: { sent: number; answered: number; rate: number | null; byKind: Record<Kind, { sent: number; answered: number; rate: number | null }> };
  months: MonthPoint[];
  segments: { segment: string; n: number; nps: number | null; csat: number | null; ces: number | null }[];
  sentiments: { positive: number; neutral: number; negative: number };
  reasons: { reason: string; label: string; count: number }[];
  openDetractorTasks: number;
}
interface VoiceItem {
  id: string;
  kind: Kind;
  score: number | null;
  comment: string | null;
  answers: Record<string, string>;
  questions: { id: string; text: string }[];
  sentiment: 'positive' | 'neutral' | 'negative' | null;
  reasons: string[];
  answeredAt: string;
  customer: { id: string; name: string; tags: string[] };
  taskId: string | null;
}
interface Settings {
  npsCooldownDays: number;
  csatCooldownDays: number;
  cesCooldownDays: number;
  exitCooldownDays: number;
  anySurveyCooldownDays: number;
  linkValidDays: number;
  reviewUrl: string | null;
  referralUrl: string | null;
  weeklyDigest: boolean;
  customQuestions: Record<Kind, string[]>;
}

const kindLabel: Record<Kind, string> = { nps: 'NPS', csat: 'CSAT', ces: 'CES', exit: 'Exit' };
const reasonLabel: Record<string, string> = {
  difficult_product: 'Difficult product',
  poor_service: 'Poor service',
  competitor: 'Competitor',
  incomplete_onboarding: 'Incomplete onboarding',
  price: 'Price',
  needs_changed: 'Needs changed',
  other: 'Other',
};
const fmt = (v: number | null | undefined, suffix = '') => (v === null || v === undefined ? '–' : `${v}${suffix}`);

function Tabs() {
  return (
    <nav className="inline-form" aria-label="Surveys" style={{ marginTop: 0 }}>
      <NavLink end to="/surveys" className={({ isActive }) => `btn${isActive ? ' primary' : ''}`} style={{ textDecoration: 'none' }}>
        Overview
      </NavLink>
      <NavLink to="/surveys/voice" className={({ isActive }) => `btn${isActive ? ' primary' : ''}`} style={{ textDecoration: 'none' }}>
        Voice of the customer
      </NavLink>
      <NavLink to="/surveys/send" className={({ isActive }) => `btn${isActive ? ' primary' : ''}`} style={{ textDecoration: 'none' }}>
        Send a survey
      </NavLink>
      <NavLink to="/surveys/settings" className={({ isActive }) => `btn${isActive ? ' primary' : ''}`} style={{ textDecoration: 'none' }}>
        Settings
      </NavLink>
    </nav>
  );
}

function TrendCard(props: { title: string; value: string; sub: string; months: MonthPoint[]; dataKey: 'nps' | 'csat' | 'ces'; domain: [number, number]; testId: string }) {
  const data = props.months.filter((m) => m[props.dataKey] !== null);
  return (
    <section className="card" data-testid={props.testId}>
      <div className="kpi">
        <div className="label">{props.title}</div>
        <div className="value">{props.value}</div>
        <div className="muted">{props.sub}</div>
      </div>
      {data.length > 1 ? (
        <div style={{ height: 160 }}>
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={data} margin={{ top: 10, right: 10, left: -20, bottom: 0 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="#e4e7ec" />
              <XAxis dataKey="month" tick={{ fontSize: 11 }} />
              <YAxis domain={props.domain} tick={{ fontSize: 11 }} />
              <Tooltip />
              <Line type="monotone" dataKey={props.dataKey} stroke="#2f6fdf" dot={false} strokeWidth={2} isAnimationActive={false} />
            </LineChart>
          </ResponsiveContainer>
        </div>
      ) : (
        <p className="muted">The trend appears once there are answers in two or more months.</p>
      )}
    </section>
  );
}

function Overview() {
  const [segment, setSegment] = useState<'tag' | 'driver'>('tag');
  const { data, error } = useApi<Summary>(`/api/surveys/summary?segment=${segment}`);
  if (error) return <div className="error">{error}</div>;
  if (!data) return <p>Loading…</p>;
  const s = data.scores;
  const total = s.nps.n + s.csat.n + s.ces.n + s.exit.n;
  return (
    <>
      {total === 0 && (
        <section className="card">
          <p>No survey answers yet. Send a survey from the “Send a survey” tab, or let a playbook send them after a sale or a resolved ticket.</p>
        </section>
      )}
      <div className="grid">
        <TrendCard
          testId="nps-card"
          title="NPS (% promoters − % detractors)"
          value={fmt(s.nps.score)}
          sub={`${s.nps.n} answers · ${s.nps.promoters} promoters · ${s.nps.passives} passives · ${s.nps.detractors} detractors`}
          months={data.months}
          dataKey="nps"
          domain={[-100, 100]}
        />
        <TrendCard testId="csat-card" title="CSAT (% answering 4–5)" value={fmt(s.csat.score, '%')} sub={`${s.csat.n} answers`} months={data.months} dataKey="csat" domain={[0, 100]} />
        <TrendCard testId="ces-card" title="CES (mean, 7 = very easy)" value={fmt(s.ces.score)} sub={`${s.ces.n} answers`} months={data.months} dataKey="ces" domain={[1, 7]} />
      </div>
      <div className="kpis">
        <div className="card kpi">
          <div className="label">Response rate</div>
          <div className="value">{fmt(data.responseRate.rate, '%')}</div>
          <div className="muted">
            {data.responseRate.answered} of {data.responseRate.sent} surveys answered
          </div>
        </div>
        {(['nps', 'csat', 'ces', 'exit'] as Kind[]).map((k) => (
          <div className="card kpi" key={k}>
            <div className="label">{kindLabel[k]} response rate</div>
            <div className="value">{fmt(data.responseRate.byKind[k].rate, '%')}</div>
            <div className="muted">
              {data.responseRate.byKind[k].answered} of {data.responseRate.byKind[k].sent}
            </div>
          </div>
        ))}
        <div className="card kpi">
          <div className="label">Open detractor follow-ups</div>
          <div className="value">{data.openDetractorTasks}</div>
          <div className="muted">tasks on the Today list</div>
        </div>
      </div>
      <div className="grid">
        <section className="card">
          <h2>By segment</h2>
          <div className="inline-form" style={{ marginTop: 0, marginBottom: '.5rem' }}>
            <label style={{ flexDirection: 'row', alignItems: 'center', margin: 0 }}>
              Group by&nbsp;
              <select value={segment} onChange={(e) => setSegment(e.target.value as 'tag' | 'driver')}>
                <option value="tag">Customer tag</option>
                <option value="driver">Retention driver</option>
              </select>
            </label>
          </div>
          <table>
            <thead>
              <tr>
                <th>Segment</th>
                <th className="num">Answers</th>
                <th className="num">NPS</th>
                <th className="num">CSAT</th>
                <th className="num">CES</th>
              </tr>
            </thead>
            <tbody>
              {data.segments.length === 0 && (
                <tr>
                  <td colSpan={5} className="muted">
                    No answers to group yet.
                  </td>
                </tr>
              )}
              {data.segments.map((g) => (
                <tr key={g.segment}>
                  <td>{g.segment}</td>
                  <td className="num">{g.n}</td>
                  <td className="num">{fmt(g.nps)}</td>
                  <td className="num">{fmt(g.csat, '%')}</td>
                  <td className="num">{fmt(g.ces)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section className="card">
          <h2>What comments say</h2>
          <p>
            <span className="badge good">{data.sentiments.positive} positive</span> <span className="badge">{data.sentiments.neutral} neutral</span>{' '}
            <span className="badge bad">{data.sentiments.negative} negative</span>
          </p>
          <table>
            <thead>
              <tr>
                <th>Churn reason (from comments and exit surveys)</th>
                <th className="num">Mentions</th>
              </tr>
            </thead>
            <tbody>
              {data.reasons.length === 0 && (
                <tr>
                  <td colSpan={2} className="muted">
                    No churn reasons mentioned yet.
                  </td>
                </tr>
              )}
              {data.reasons.map((r) => (
                <tr key={r.reason}>
                  <td>
                    <NavLink to={`/surveys/voice?reason=${r.reason}`}>{r.label}</NavLink>
                  </td>
                  <td className="num">{r.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted">Tagged by Keepwell's own classifier (sentiment and churn reason) when each answer arrives.</p>
        </section>
      </div>
    </>
  );
}

function sentimentBadge(s: VoiceItem['sentiment']) {
  if (!s) return null;
  return <span className={`badge ${s === 'positive' ? 'good' : s === 'negative' ? 'bad' : ''}`}>{s}</span>;
}

function Voice() {
  const initialReason = typeof window !== 'undefined' ? (new URLSearchParams(window.location.search).get('reason') ?? '') : '';
  const [kind, setKind] = useState('');
  const [sentiment, setSentiment] = useState('');
  const [reason, setReason] = useState(initialReason);
  const [q, setQ] = useState('');
  const [withComment, setWithComment] = useState(true);
  const [offset, setOffset] = useState(0);
  const timeZone = useWorkspaceTimeZone();
  const params = new URLSearchParams();
  if (kind) params.set('kind', kind);
  if (sentiment) params.set('sentiment', sentiment);
  if (reason) params.set('reason', reason);
  if (q.trim()) params.set('q', q.trim());
  if (withComment) params.set('withComment', 'true');
  params.set('limit', '50');
  params.set('offset', String(offset));
  const { data, error } = useApi<{ items: VoiceItem[]; total: number }>(`/api/surveys/responses?${params}`);
  useEffect(() => setOffset(0), [kind, sentiment, reason, q, withComment]);
  return (
    <section className="card">
      <h2>Voice of the customer</h2>
      <div className="inline-form" role="search" style={{ marginTop: 0 }}>
        <select aria-label="Kind" value={kind} onChange={(e) => setKind(e.target.value)}>
          <option value="">All kinds</option>
          {(['nps', 'csat', 'ces', 'exit'] as Kind[]).map((k) => (
            <option key={k} value={k}>
              {kindLabel[k]}
            </option>
          ))}
        </select>
        <select aria-label="Sentiment" value={sentiment} onChange={(e) => setSentiment(e.target.value)}>
          <option value="">Any sentiment</option>
          <option value="positive">Positive</option>
          <option value="neutral">Neutral</option>
          <option value="negative">Negative</option>
        </select>
        <select aria-label="Reason" value={reason} onChange={(e) => setReason(e.target.value)}>
          <option value="">Any reason</option>
          {Object.entries(reasonLabel).map(([k, v]) => (
            <option key={k} value={k}>
              {v}
            </option>
          ))}
        </select>
        <input aria-label="Search comments" placeholder="Search comments" value={q} onChange={(e) => setQ(e.target.value)} />
        <label style={{ flexDirection: 'row', alignItems: 'center', margin: 0, gap: '.3rem' }}>
          <input type="checkbox" checked={withComment} onChange={(e) => setWithComment(e.target.checked)} /> With a comment
        </label>
      </div>
      {error && <div className="error">{error}</div>}
      {data && (
        <>
          <p className="muted">{data.total} answers</p>
          <table data-testid="voice-list">
            <thead>
              <tr>
                <th>When</th>
                <th>Customer</th>
                <th>Survey</th>
                <th>Comment</th>
                <th>Tags</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((v) => (
                <tr key={v.id}>
                  <td className="nowrap">{formatDate(v.answeredAt, timeZone)}</td>
                  <td>
                    {v.customer.name}
                    {v.customer.tags.length > 0 && <div className="muted">{v.customer.tags.join(', ')}</div>}
                  </td>
                  <td>
                    {kindLabel[v.kind]} {v.score ?? ''}
                    {v.taskId && <div className="muted">follow-up task</div>}
                  </td>
                  <td style={{ whiteSpace: 'pre-wrap', maxWidth: 480 }}>
                    {v.comment ?? <span className="muted">(no comment)</span>}
                    {v.questions
                      .filter((qq) => v.answers[qq.id])
                      .map((qq) => (
                        <div key={qq.id} className="muted">
                          {qq.text}: {v.answers[qq.id]}
                        </div>
                      ))}
                  </td>
                  <td>
                    {sentimentBadge(v.sentiment)}{' '}
                    {v.reasons.map((r) => (
                      <span key={r} className="badge warn" style={{ marginRight: 4 }}>
                        {reasonLabel[r] ?? r}
                      </span>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="inline-form">
            <button className="btn" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - 50))}>
              Newer
            </button>
            <button className="btn" disabled={offset + 50 >= data.total} onClick={() => setOffset(offset + 50)}>
              Older
            </button>
          </div>
        </>
      )}
    </section>
  );
}

interface SentRow {
  id: string;
  kind: Kind;
  status: string;
  sentAt: string;
  score: number | null;
  customer: { id: string; name: string };
}

function Send() {
  const [query, setQuery] = useState('');
  const [customer, setCustomer] = useState<{ id: string; name: string; email: string | null } | null>(null);
  const [kind, setKind] = useState<Kind>('nps');
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<{ link?: string } | null>(null);
  const found = useApi<{ items: { id: string; name: string; email: string | null }[] }>(query.trim().length >= 2 && !customer ? `/api/surveys/customers?q=${encodeURIComponent(query.trim())}` : null);
  const sent = useApi<{ items: SentRow[] }>('/api/surveys/requests?limit=20');
  const timeZone = useWorkspaceTimeZone();
  const [links, setLinks] = useState<Record<string, string>>({});
  const showLink = async (id: string) => {
    try {
      const r = await api.get<{ link: string }>(`/api/surveys/requests/${id}/link`);
      setLinks({ ...links, [id]: r.link });
    } catch (err) {
      setLinks({ ...links, [id]: err instanceof Error ? err.message : String(err) });
    }
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!customer) return setError(new Error('Choose a customer first'));
    try {
      setResult(await api.post<{ link?: string }>('/api/surveys/send', { customerId: customer.id, kind }));
      setError(null);
      sent.reload();
    } catch (err) {
      setResult(null);
      setError(err);
    }
  };
  return (
    <>
      <form className="card" onSubmit={submit} aria-label="Send a survey">
        <h2>Send a survey to a customer</h2>
        <label>
          Customer (name or email)
          <input
            value={customer ? `${customer.name}${customer.email ? ` <${customer.email}>` : ''}` : query}
            onChange={(e) => {
              setCustomer(null);
              setQuery(e.target.value);
            }}
          />
        </label>
        {!customer && found.data && (
          <ul style={{ listStyle: 'none', padding: 0, margin: '0 0 .75rem' }}>
            {found.data.items.map((c) => (
              <li key={c.id}>
                <button type="button" className="link" onClick={() => setCustomer(c)}>
                  {c.name} {c.email ? `<${c.email}>` : '(no email)'}
                </button>
              </li>
            ))}
            {found.data.items.length === 0 && <li className="muted">No customer matches.</li>}
          </ul>
        )}
        <label>
          Survey
          <select value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
            <option value="nps">NPS – how likely to recommend (0–10), sent as marketing mail</option>
            <option value="csat">CSAT – how satisfied (1–5)</option>
            <option value="ces">CES – how easy to get help (1–7)</option>
            <option value="exit">Exit survey – why they left (marketing mail)</option>
          </select>
        </label>
        <FormError error={error} />
        {result && (
          <p className="ok">
            Sent. The customer's link: <code style={{ wordBreak: 'break-all' }}>{result.link}</code>
          </p>
        )}
        <button className="btn primary">Send</button>
      </form>
      <section className="card">
        <h2>Recently sent</h2>
        <table>
          <thead>
            <tr>
              <th>Sent</th>
              <th>Customer</th>
              <th>Survey</th>
              <th>Status</th>
              <th>Link</th>
            </tr>
          </thead>
          <tbody>
            {sent.data?.items.length === 0 && (
              <tr>
                <td colSpan={5} className="muted">
                  No surveys sent yet.
                </td>
              </tr>
            )}
            {sent.data?.items.map((r) => (
              <tr key={r.id}>
                <td className="nowrap">{formatDateTime(r.sentAt, timeZone)}</td>
                <td>{r.customer.name}</td>
                <td>{kindLabel[r.kind]}</td>
                <td>{r.status === 'answered' ? `answered${r.score !== null ? `: ${r.score}` : ''}` : r.status}</td>
                <td>
                  {links[r.id] ? (
                    <code style={{ wordBreak: 'break-all', fontSize: '.8rem' }}>{links[r.id]}</code>
                  ) : (
                    <button type="button" className="link" onClick={() => showLink(r.id)}>
                      Hosted page link
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}

function SettingsForm() {
  const me = useMe();
  const { data } = useApi<Settings>('/api/surveys/settings');
  const [form, setForm] = useState<Settings | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [digest, setDigest] = useState<string | null>(null);
  useEffect(() => setForm(data), [data]);
  if (!form) return <p>Loading…</p>;
  const readOnly = me.role !== 'owner';
  const num = (key: keyof Settings) => (
    <input type="number" min={0} value={String(form[key] ?? '')} onChange={(e) => setForm({ ...form, [key]: e.target.value === '' ? 0 : Number(e.target.value) })} />
  );
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const body = { ...form, reviewUrl: form.reviewUrl?.trim() || null, referralUrl: form.referralUrl?.trim() || null };
      setForm(await api.put<Settings>('/api/surveys/settings', body));
      setError(null);
      setSaved(true);
    } catch (err) {
      setSaved(false);
      setError(err);
    }
  };
  const sendDigest = async () => {
    try {
      const r = await api.post<{ queued: number }>('/api/surveys/digest');
      setDigest(`Digest queued to ${r.queued} owner(s).`);
    } catch (err) {
      setDigest(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <form className="card" onSubmit={submit} aria-label="Survey settings">
      <h2>Survey settings</h2>
      {readOnly && <p className="muted">Only an owner can change these.</p>}
      <fieldset disabled={readOnly}>
        <legend>How often a customer may be asked (days; 0 = no limit)</legend>
        <div className="grid" style={{ gridTemplateColumns: 'repeat(auto-fit, minmax(160px, 1fr))' }}>
          <label>One NPS every {num('npsCooldownDays')}</label>
          <label>One CSAT every {num('csatCooldownDays')}</label>
          <label>One CES every {num('cesCooldownDays')}</label>
          <label>One exit survey every {num('exitCooldownDays')}</label>
          <label>Any survey at most every {num('anySurveyCooldownDays')}</label>
          <label>Links stay valid for {num('linkValidDays')}</label>
        </div>
        <label>
          Review link for promoters (Google, Trustpilot…)
          <input type="url" placeholder="https://…" value={form.reviewUrl ?? ''} onChange={(e) => setForm({ ...form, reviewUrl: e.target.value })} />
        </label>
        <label>
          Referral link for promoters
          <input type="url" placeholder="https://…" value={form.referralUrl ?? ''} onChange={(e) => setForm({ ...form, referralUrl: e.target.value })} />
        </label>
        {(['nps', 'csat', 'ces', 'exit'] as Kind[]).map((k) => (
          <label key={k}>
            Extra questions on the {kindLabel[k]} page (one per line, up to 5)
            <textarea
              rows={2}
              value={form.customQuestions[k].join('\n')}
              onChange={(e) => setForm({ ...form, customQuestions: { ...form.customQuestions, [k]: e.target.value.split('\n').filter((l) => l.trim()) } })}
            />
          </label>
        ))}
        <label style={{ flexDirection: 'row', alignItems: 'center', gap: '.4rem' }}>
          <input type="checkbox" checked={form.weeklyDigest} onChange={(e) => setForm({ ...form, weeklyDigest: e.target.checked })} /> Email owners a weekly digest of answers
        </label>
        <FormError error={error} />
        {saved && !error && <p className="ok">Saved.</p>}
        <div className="inline-form">
          <button className="btn primary">Save</button>
          <button type="button" className="btn" onClick={sendDigest}>
            Send the digest now
          </button>
          {digest && <span className="muted">{digest}</span>}
        </div>
      </fieldset>
    </form>
  );
}

function Page({ children }: { children: ReactNode }) {
  return (
    <div className="page">
      <h1>Surveys</h1>
      <Tabs />
      {children}
    </div>
  );
}

const routes: AreaRoute[] = [
  {
    path: 'surveys',
    element: (
      <Page>
        <Overview />
      </Page>
    ),
  },
  {
    path: 'surveys/voice',
    element: (
      <Page>
        <Voice />
      </Page>
    ),
  },
  {
    path: 'surveys/send',
    element: (
      <Page>
        <Send />
      </Page>
    ),
  },
  {
    path: 'surveys/settings',
    element: (
      <Page>
        <SettingsForm />
      </Page>
    ),
  },
];

export const area: WebArea = { nav: { to: '/surveys', label: 'Surveys', order: 60 }, routes };
