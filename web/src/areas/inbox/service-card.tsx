// The owner's dashboard card for service: how fast and how right the business answers over the
// last 30 days (first reply and resolution in business time, first replies within target, CSAT),
// what is open and overdue right now, and when conversations come in (by hour, for staffing).
import { Link } from 'react-router';
import { Bar, BarChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatNumber, formatPercent } from '../../shell/format';
import { useApi } from '../../shell/useApi';

export interface Summary {
  conversations: number;
  firstResponseMinutes: { median: number | null; p90: number | null; answered: number };
  resolutionMinutes: { median: number | null; p90: number | null; resolved: number };
  /** in %, of answered conversations */
  firstResponseWithinTarget: number | null;
  /** in %, of resolved conversations */
  reopenRate: number | null;
}
export interface Metrics {
  timeZone: string;
  overall: Summary;
  byChannel: (Summary & { key: string })[];
  volumeByHour: { hour: number; conversations: number }[];
  csat: { responses: number; average: number | null; satisfied: number | null };
  current: { open: number; waitingFirstReply: number; breached: number };
}

/** "45m", "3h 10m", "2d 4h" from business minutes; "—" when unknown. */
export function minutesText(m: number | null | undefined): string {
  if (m == null) return '—';
  if (m < 60) return `${m}m`;
  if (m < 48 * 60) return `${Math.floor(m / 60)}h${m % 60 ? ` ${m % 60}m` : ''}`;
  return `${Math.floor(m / 1440)}d${Math.floor((m % 1440) / 60) ? ` ${Math.floor((m % 1440) / 60)}h` : ''}`;
}

/** The figures' look (the card and the Service page). */
export const figuresCss = `
.service-card .figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(120px, 1fr)); gap: .6rem; margin: .5rem 0; }
.service-card .figure { border: 1px solid var(--line); border-radius: 8px; padding: .45rem .6rem; min-width: 0; }
.service-card .figure .label { font-size: .78rem; color: var(--muted); }
.service-card .figure .value { font-size: 1.35rem; font-weight: 600; }
.service-card .figure .sub { font-size: .75rem; color: var(--muted); }
.service-card .figure.bad .value { color: var(--bad, #b42318); }
`;

export function Figure({ label, value, sub, bad, testId }: { label: string; value: string; sub?: string; bad?: boolean; testId?: string }) {
  return (
    <div className={`figure${bad ? ' bad' : ''}`} data-testid={testId}>
      <div className="label">{label}</div>
      <div className="value">{value}</div>
      {sub && <div className="sub">{sub}</div>}
    </div>
  );
}

export function ServiceCard() {
  const { data, error } = useApi<Metrics>('/api/inbox/metrics');
  return (
    <section className="card service-card" data-testid="service-card">
      <style>{figuresCss}</style>
      <h2 style={{ marginBottom: '.25rem' }}>Service</h2>
      <p className="muted" style={{ margin: 0, fontSize: '.85rem' }}>
        Last 30 days, in business hours. <Link to="/inbox/service">Per channel and agent</Link> · <Link to="/inbox">Open the inbox</Link>
      </p>
      {error && <p className="error">{error}</p>}
      {!data && !error && <p className="loading">Loading…</p>}
      {data && (
        <>
          <div className="figures">
            <Figure label="Open now" value={String(data.current.open)} sub={`${data.current.waitingFirstReply} waiting for a first reply`} testId="service-open" />
            <Figure label="Past a target" value={String(data.current.breached)} bad={data.current.breached > 0} sub="open and overdue" testId="service-breached" />
            <Figure
              label="First reply"
              value={minutesText(data.overall.firstResponseMinutes.median)}
              sub={`median · 90% within ${minutesText(data.overall.firstResponseMinutes.p90)}`}
              testId="service-first"
            />
            <Figure label="Resolution" value={minutesText(data.overall.resolutionMinutes.median)} sub={`median · 90% within ${minutesText(data.overall.resolutionMinutes.p90)}`} />
            <Figure
              label="Replied within target"
              value={formatPercent(data.overall.firstResponseWithinTarget == null ? null : data.overall.firstResponseWithinTarget / 100)}
              sub={`${data.overall.firstResponseMinutes.answered} of ${data.overall.conversations} answered`}
              testId="service-sla"
            />
            <Figure
              label="CSAT"
              value={data.csat.average == null ? '—' : `${data.csat.average.toFixed(1)} / 5`}
              sub={
                data.csat.responses
                  ? `${formatPercent((data.csat.satisfied ?? 0) / 100)} satisfied · ${formatNumber(data.csat.responses)} ${data.csat.responses === 1 ? 'answer' : 'answers'}`
                  : 'no answers yet'
              }
            />
          </div>
          <div style={{ fontSize: '.8rem', color: 'var(--muted)' }}>New conversations by hour of day ({data.timeZone})</div>
          <div style={{ width: '100%', height: 120 }}>
            <ResponsiveContainer>
              <BarChart data={data.volumeByHour} margin={{ top: 4, right: 4, bottom: 0, left: -28 }}>
                <XAxis dataKey="hour" tick={{ fontSize: 10 }} interval={2} />
                <YAxis allowDecimals={false} tick={{ fontSize: 10 }} />
                <Tooltip formatter={(v) => [String(v), 'conversations']} labelFormatter={(h) => `${String(h).padStart(2, '0')}:00`} />
                <Bar dataKey="conversations" fill="var(--accent, #2f6fdf)" />
              </BarChart>
            </ResponsiveContainer>
          </div>
        </>
      )}
    </section>
  );
}
