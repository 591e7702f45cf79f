// Small pieces the recovery pages share: severity and outcome badges, compensation in words,
// the results chart (apologised on time / late / not: who ordered again, with the ranges).
import { Bar, BarChart, CartesianGrid, ErrorBar, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatMoney, formatPercent } from '../../shell/format';
import type { Compensation, Outcome, Results } from './types';

export const severityBadge = (s: string) => <span className={`badge ${s === 'critical' || s === 'high' ? 'bad' : s === 'medium' ? 'warn' : ''}`}>{s}</span>;

export const compensationText = (c: Compensation) =>
  c.kind === 'refund'
    ? `refund ${formatMoney(c.amountMinor, c.currency)} (${c.sharePercent}% of what they paid)`
    : c.kind === 'credit'
      ? `credit ${formatMoney(c.amountMinor, c.currency)}`
      : c.kind === 'promo'
        ? `promo code, ${c.percentOff}% off`
        : 'none';

const outcomeText: Record<Outcome['status'], [string, string]> = {
  returned: ['ordered again', 'good'],
  left: ['left', 'bad'],
  no_order: ['no order', 'warn'],
  waiting: ['waiting', ''],
};
export function OutcomeBadge({ o }: { o: Outcome | null }) {
  if (!o) return <span className="muted">—</span>;
  const [text, tone] = outcomeText[o.status];
  return (
    <span className={`badge ${tone}`} title={o.daysToNextOrder != null ? `next order ${o.daysToNextOrder} days after the incident` : undefined}>
      {text}
      {o.status === 'returned' && o.daysToNextOrder != null ? ` (${o.daysToNextOrder} d)` : ''}
    </span>
  );
}

const categoryTone = { promoter: 'good', passive: '', detractor: 'bad' } as const;

/** The next survey answer after the incident: "NPS 9, promoter (+3 since)", or a dash. */
export function SurveyOutcome({ o }: { o: Outcome | null }) {
  const s = o?.nextSurvey;
  if (!s) return <span className="muted">—</span>;
  const before = s.change !== null ? ` (${s.change > 0 ? '+' : ''}${s.change} since before)` : '';
  const moved = s.previousCategory && s.previousCategory !== s.category ? `, was ${s.previousCategory}` : '';
  return (
    <span className={`badge ${categoryTone[s.category]}`} title={`first answer within the window after the incident${moved}`}>
      {s.survey.toUpperCase()} {s.score ?? '—'}, {s.category}
      {before}
    </span>
  );
}

export function ResultsChart({ results }: { results: Results }) {
  const short = { on_time: 'on time', late: 'late', none: 'no apology' } as const;
  const data = results.groups.map((g) => ({
    name: short[g.group],
    rate: g.returnRate == null ? 0 : Math.round(g.returnRate * 100),
    range: g.interval && g.returnRate != null ? [Math.round((g.returnRate - g.interval[0]) * 100), Math.round((g.interval[1] - g.returnRate) * 100)] : [0, 0],
    g,
  }));
  return (
    <div data-testid="results">
      <div style={{ width: '100%', height: 220 }}>
        <ResponsiveContainer>
          <BarChart data={data} margin={{ top: 10, right: 10, left: -10, bottom: 0 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="name" tick={{ fontSize: 12 }} interval={0} />
            <YAxis unit="%" domain={[0, 100]} tick={{ fontSize: 12 }} />
            <Tooltip formatter={(v) => [`${v}%`, `ordered again within ${results.windowDays} days`]} />
            <Bar dataKey="rate" fill="#2f5d50" isAnimationActive={false}>
              <ErrorBar dataKey="range" width={6} stroke="#1d2433" />
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
      <div style={{ overflowX: 'auto' }}>
        <table>
          <thead>
            <tr>
              <th>Group</th>
              <th className="num">Customers</th>
              <th className="num">Ordered again</th>
              <th className="num">Left</th>
              <th className="num">Waiting</th>
              <th className="num">Health since</th>
              <th className="num">Next survey</th>
              <th className="num">Time to apology</th>
            </tr>
          </thead>
          <tbody>
            {results.groups.map((g) => (
              <tr key={g.group}>
                <td>{g.label}</td>
                <td className="num">{g.customers}</td>
                <td className="num">
                  {g.returned} of {g.decided} ({formatPercent(g.returnRate)}
                  {g.interval ? `, ${formatPercent(g.interval[0])}–${formatPercent(g.interval[1])}` : ''})
                </td>
                <td className="num">{g.left}</td>
                <td className="num">{g.waiting}</td>
                <td className="num">{g.meanHealthChange == null ? '—' : `${g.meanHealthChange > 0 ? '+' : ''}${Math.round(g.meanHealthChange)}`}</td>
                <td className="num" title="promoters / passives / detractors; rose / fell against their answer before the incident">
                  {!g.surveys || g.surveys.answered === 0
                    ? '—'
                    : `${g.surveys.answered} answered: ${g.surveys.promoters} / ${g.surveys.passives} / ${g.surveys.detractors}; ${g.surveys.rose} rose, ${g.surveys.fell} fell`}
                </td>
                <td className="num">
                  {g.medianHoursToApology == null ? '—' : g.medianHoursToApology < 48 ? `${Math.round(g.medianHoursToApology)} h` : `${Math.round(g.medianHoursToApology / 24)} d`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted">
        Ordered again within {results.windowDays} days of the incident; the range is where the rate could lie by chance alone (95%). Next survey: the first answer within the window (promoters /
        passives / detractors), and how many scored higher or lower than their last answer to the same survey before. {results.note}
      </p>
    </div>
  );
}
