// The owner's Service page: how fast and how right each channel and each agent answers over a
// chosen period (first reply and resolution in business time, replies within target, reopen
// rate, volume), with CSAT after resolution and conversations per 100 orders. It reads
// GET /api/inbox/metrics, the same figures the dashboard card summarises.
import { useState } from 'react';
import { Link } from 'react-router';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatDate, formatNumber, formatPercent } from '../../shell/format';
import { useMe } from '../../shell/me';
import { ScrollTable } from '../../shell/Tabs';
import { useApi } from '../../shell/useApi';
import { Figure, figuresCss, minutesText, type Metrics, type Summary } from './service-card';

interface ServiceMetrics extends Metrics {
  from: string;
  to: string;
  byChannel: Group[];
  byAgent: Group[];
  orders: number;
  conversationsPer100Orders: number | null;
}

const channelNames: Record<string, string> = { email: 'Email', chat: 'Chat', form: 'Web form', phone: 'Phone' };
const DAY = 86400_000;
/** A day as the date inputs and the API write it (YYYY-MM-DD). */
const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const shiftDay = (day: string, days: number) => isoDay(new Date(new Date(`${day}T00:00:00Z`).getTime() + days * DAY));

const css = `
.service-page .range { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .5rem 0 1rem; }
.service-page .range label { display: flex; gap: .35rem; align-items: center; }
.service-page .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 1rem; }
.service-page .chart { height: 240px; }
.service-page td.num { text-align: right; white-space: nowrap; }
/* Headings wrap so the nine columns fit a desktop card; the figures never do. */
.service-page th.num { text-align: right; white-space: normal; vertical-align: bottom; }
@media (max-width: 640px) { .service-page .charts { grid-template-columns: 1fr; } }
`;

type Group = Summary & { key: string; csat: Metrics['csat'] };

function Breakdown({ title, rows, name, testId }: { title: string; rows: Group[]; name: (key: string) => string; testId: string }) {
  return (
    <section className="card">
      <h2>{title}</h2>
      {rows.length === 0 ? (
        <p className="muted">No conversations in this period.</p>
      ) : (
        <ScrollTable testId={testId}>
          <thead>
            <tr>
              <th />
              <th className="num">Conversations</th>
              <th className="num">First reply (median)</th>
              <th className="num">First reply (90%)</th>
              <th className="num">Resolution (median)</th>
              <th className="num">Resolution (90%)</th>
              <th className="num">Replied within target</th>
              <th className="num">Reopened</th>
              <th className="num">CSAT</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key}>
                <th scope="row">{name(r.key)}</th>
                <td className="num">{formatNumber(r.conversations)}</td>
                <td className="num">{minutesText(r.firstResponseMinutes.median)}</td>
                <td className="num">{minutesText(r.firstResponseMinutes.p90)}</td>
                <td className="num">{minutesText(r.resolutionMinutes.median)}</td>
                <td className="num">{minutesText(r.resolutionMinutes.p90)}</td>
                <td className="num">{formatPercent(r.firstResponseWithinTarget == null ? null : r.firstResponseWithinTarget / 100)}</td>
                <td className="num">{formatPercent(r.reopenRate == null ? null : r.reopenRate / 100)}</td>
                <td className="num" title={r.csat.responses ? `${formatPercent((r.csat.satisfied ?? 0) / 100)} satisfied` : undefined}>
                  {r.csat.average == null ? '—' : `${formatNumber(r.csat.average, 1)} / 5 (${formatNumber(r.csat.responses)})`}
                </td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
    </section>
  );
}

/** Medians per group in hours (business time), and the share replied within target. */
function SpeedChart({ rows, name, testId }: { rows: (Summary & { key: string })[]; name: (key: string) => string; testId: string }) {
  const data = rows.map((r) => ({
    name: name(r.key),
    firstReply: r.firstResponseMinutes.median == null ? null : Math.round((r.firstResponseMinutes.median / 60) * 10) / 10,
    resolution: r.resolutionMinutes.median == null ? null : Math.round((r.resolutionMinutes.median / 60) * 10) / 10,
    withinTarget: r.firstResponseWithinTarget,
    conversations: r.conversations,
  }));
  return (
    <div className="chart" data-testid={testId}>
      <ResponsiveContainer>
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="name" tick={{ fontSize: 11 }} interval={0} />
          <YAxis yAxisId="h" tick={{ fontSize: 11 }} unit="h" />
          <YAxis yAxisId="pct" orientation="right" domain={[0, 100]} tick={{ fontSize: 11 }} unit="%" />
          <Tooltip formatter={(v, key) => (key === 'Replied within target' ? [formatPercent(Number(v) / 100), key] : [`${formatNumber(Number(v), 1)} business hours`, String(key)])} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Bar yAxisId="h" dataKey="firstReply" name="First reply (median)" fill="var(--accent, #2f6fdf)" />
          <Bar yAxisId="h" dataKey="resolution" name="Resolution (median)" fill="#8bb0ee" />
          <Bar yAxisId="pct" dataKey="withinTarget" name="Replied within target" fill="#3b9c6a" />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export function ServicePage() {
  const me = useMe();
  const today = isoDay(new Date());
  const [range, setRange] = useState({ from: shiftDay(today, -29), to: today });
  const valid = range.from <= range.to;
  // The API's `to` is the first day not counted: the page's range includes its last day.
  const { data, error, loading } = useApi<ServiceMetrics>(me.role === 'owner' && valid ? `/api/inbox/metrics?from=${range.from}&to=${shiftDay(range.to, 1)}` : null);
  const preset = (days: number) => setRange({ from: shiftDay(today, -(days - 1)), to: today });
  const channelName = (k: string) => channelNames[k] ?? k;
  const agentName = (k: string) => (k === '(unassigned)' ? 'Unassigned' : k);

  return (
    <div className="page service-page" data-testid="service-page">
      <style>{figuresCss + css}</style>
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'baseline', flexWrap: 'wrap', gap: '.5rem' }}>
        <h1 style={{ margin: 0 }}>Service</h1>
        <Link to="/inbox">Open the inbox</Link>
      </div>
      {me.role !== 'owner' ? (
        <p className="muted">Only the owner sees the service figures.</p>
      ) : (
        <>
          <div className="range" role="group" aria-label="Period">
            <label>
              From <input type="date" aria-label="From" value={range.from} max={range.to} onChange={(e) => e.target.value && setRange({ ...range, from: e.target.value })} />
            </label>
            <label>
              to <input type="date" aria-label="To" value={range.to} min={range.from} onChange={(e) => e.target.value && setRange({ ...range, to: e.target.value })} />
            </label>
            {[7, 30, 90].map((d) => (
              <button key={d} type="button" className="btn" onClick={() => preset(d)}>
                Last {d} days
              </button>
            ))}
            <span className="muted" style={{ fontSize: '.85rem' }}>
              Conversations opened {formatDate(range.from)} – {formatDate(range.to)}; times in business hours{data ? ` (${data.timeZone})` : ''}.
            </span>
          </div>
          {!valid && <p className="error">The start of the period is after its end.</p>}
          {error && <p className="error">{error}</p>}
          {loading && !data && <p className="loading">Loading…</p>}
          {data && (
            <>
              <section className="card service-card">
                <div className="figures" data-testid="service-figures">
                  <Figure label="Conversations" value={formatNumber(data.overall.conversations)} sub={`${formatNumber(data.overall.resolutionMinutes.resolved)} resolved`} testId="service-volume" />
                  <Figure
                    label="First reply"
                    value={minutesText(data.overall.firstResponseMinutes.median)}
                    sub={`median · 90% within ${minutesText(data.overall.firstResponseMinutes.p90)}`}
                    testId="service-first"
                  />
                  <Figure
                    label="Resolution"
                    value={minutesText(data.overall.resolutionMinutes.median)}
                    sub={`median · 90% within ${minutesText(data.overall.resolutionMinutes.p90)}`}
                    testId="service-resolution"
                  />
                  <Figure
                    label="Replied within target"
                    value={formatPercent(data.overall.firstResponseWithinTarget == null ? null : data.overall.firstResponseWithinTarget / 100)}
                    sub={`${formatNumber(data.overall.firstResponseMinutes.answered)} answered`}
                    testId="service-sla"
                  />
                  <Figure label="Reopened" value={formatPercent(data.overall.reopenRate == null ? null : data.overall.reopenRate / 100)} sub="of resolved conversations" />
                  <Figure
                    label="Per 100 orders"
                    value={data.conversationsPer100Orders == null ? '—' : formatNumber(data.conversationsPer100Orders, 1)}
                    sub={`things gone wrong · ${formatNumber(data.orders)} orders`}
                  />
                  {data.csat.responses > 0 && (
                    <Figure
                      label="CSAT"
                      value={data.csat.average == null ? '—' : `${formatNumber(data.csat.average, 1)} / 5`}
                      sub={`${formatPercent((data.csat.satisfied ?? 0) / 100)} satisfied · ${formatNumber(data.csat.responses)} ${data.csat.responses === 1 ? 'answer' : 'answers'}`}
                      testId="service-csat"
                    />
                  )}
                </div>
              </section>
              <div className="charts">
                <section className="card">
                  <h2>By channel</h2>
                  <SpeedChart rows={data.byChannel} name={channelName} testId="chart-channel" />
                </section>
                <section className="card">
                  <h2>By agent</h2>
                  <SpeedChart rows={data.byAgent} name={agentName} testId="chart-agent" />
                </section>
              </div>
              <Breakdown title="Channels" rows={data.byChannel} name={channelName} testId="table-channel" />
              <Breakdown title="Agents" rows={data.byAgent} name={agentName} testId="table-agent" />
              <section className="card">
                <h2>New conversations by hour of day</h2>
                <p className="muted" style={{ marginTop: 0, fontSize: '.85rem' }}>
                  For staffing: when customers write ({data.timeZone}).
                </p>
                <div className="chart" data-testid="chart-hours">
                  <ResponsiveContainer>
                    <BarChart data={data.volumeByHour} margin={{ top: 4, right: 8, bottom: 0, left: -20 }}>
                      <CartesianGrid strokeDasharray="3 3" vertical={false} />
                      <XAxis dataKey="hour" tick={{ fontSize: 11 }} interval={1} tickFormatter={(h) => String(h).padStart(2, '0')} />
                      <YAxis allowDecimals={false} tick={{ fontSize: 11 }} />
                      <Tooltip formatter={(v) => [formatNumber(Number(v)), 'conversations']} labelFormatter={(h) => `${String(h).padStart(2, '0')}:00`} />
                      <Bar dataKey="conversations" fill="var(--accent, #2f6fdf)" />
                    </BarChart>
                  </ResponsiveContainer>
                </div>
              </section>
            </>
          )}
        </>
      )}
    </div>
  );
}
