// A self-contained HTML report (Chart.js inlined, no network) and plain-text tables for the
// terminal. Every value from the data is escaped: customer ids and plan names come from files.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { CohortRow, RetentionReport } from './report.js';

export const escapeHtml = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** JSON safe inside a <script> element */
const scriptJson = (v: unknown) =>
  JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

const pct = (v: number | null | undefined) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`);
const num = (v: number, digits = 2) => v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });

function chartJsSource(): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve('chart.js');
  let dir = path.dirname(main);
  while (!fs.existsSync(path.join(dir, 'package.json')) && dir !== path.dirname(dir)) dir = path.dirname(dir);
  return fs.readFileSync(path.join(dir, 'dist', 'chart.umd.js'), 'utf8').replace(/<\/script/gi, '<\\/script');
}

function heatColor(v: number): string {
  const t = Math.max(0, Math.min(1, v));
  // from pale to deep blue
  const l = 96 - t * 56;
  return `hsl(214, 70%, ${l}%)`;
}

function cohortTable(cohorts: CohortRow[]): string {
  const shown = cohorts.slice(-18);
  const width = Math.max(0, ...shown.map((c) => c.retention.length));
  const cols = Math.min(width, 13);
  const head = `<tr><th>Cohort</th><th class="num">Customers</th>${Array.from({ length: cols }, (_, k) => `<th class="num">M${k}</th>`).join('')}</tr>`;
  const body = shown
    .map(
      (c) =>
        `<tr><td>${escapeHtml(c.cohort)}</td><td class="num">${c.size}</td>${Array.from({ length: cols }, (_, k) => {
          const v = c.retention[k];
          if (v === undefined) return '<td></td>';
          // the month still running: left out, not drawn as a fall
          if (v === null) return '<td class="num muted" title="month not over yet">…</td>';
          return `<td class="num" style="background:${heatColor(v)};color:${v > 0.55 ? '#fff' : '#1d2433'}">${(v * 100).toFixed(0)}%</td>`;
        }).join('')}</tr>`,
    )
    .join('');
  return `<table class="heat">${head}${body}</table>`;
}

function section(title: string, r: RetentionReport, currency: string): string {
  const bg = r.models.bgnbd;
  const gg = r.models.gammaGamma;
  const months = r.periodsByType.month;
  const cards = [
    ['Customers', num(r.totals.customers, 0)],
    ['Revenue', `${escapeHtml(currency)} ${num(r.totals.revenue)}`],
    ['Annual retention', pct(r.annual.retentionRate)],
    r.benchmark ? [`Industry (${escapeHtml(r.benchmark.industryName)})`, pct(r.benchmark.rate)] : null,
    ['Repeat-purchase rate', pct(r.repeatRate)],
    ['Mean CLV', `${escapeHtml(currency)} ${num(r.clv.mean)}`],
  ].filter((c): c is string[] => c !== null);
  const periods = r.periods
    .slice(-24)
    .map(
      (p) =>
        `<tr><td>${escapeHtml(p.period)}${p.partial ? ' <span class="muted">(so far)</span>' : ''}</td><td class="num">${p.customersAtStart}</td><td class="num">${p.lost}</td><td class="num">${p.new}</td><td class="num">${p.returned}</td><td class="num">${pct(p.churnRate)}</td><td class="num">${pct(p.retentionRate)}</td>${p.nrr !== undefined ? `<td class="num">${pct(p.nrr)}</td><td class="num">${pct(p.grr)}</td>` : ''}<td class="num">${num(p.revenue)}</td></tr>`,
    )
    .join('');
  const save = r.saveList
    .map(
      (s) =>
        `<tr><td>${escapeHtml(s.name ?? s.id)}</td><td class="num">${num(s.valueAtRisk)}</td><td class="num">${num(s.clv)}</td><td class="num">${pct(s.pAlive)}</td><td class="num">${s.health}</td><td>${escapeHtml(s.topReason ?? '')}</td></tr>`,
    )
    .join('');
  const models = [
    bg
      ? `<p><b>BG/NBD</b> (per ${escapeHtml(bg.timeUnit)}): r = ${bg.r.toFixed(4)}, α = ${bg.alpha.toFixed(4)}, a = ${bg.a.toFixed(4)}, b = ${bg.b.toFixed(4)}; log-likelihood ${bg.logLikelihood.toFixed(2)} over ${bg.customers} customers.</p>`
      : '',
    gg ? `<p><b>Gamma-Gamma</b>: p = ${gg.p.toFixed(4)}, q = ${gg.q.toFixed(4)}, γ = ${gg.gamma.toFixed(4)}; ${gg.customers} customers with repeat purchases.</p>` : '',
    r.fitQuality ? `<p>Fit check: ${r.fitQuality.calibrationActualRepeatPurchases} repeat purchases seen, ${num(r.fitQuality.calibrationExpectedRepeatPurchases)} expected by the model.</p>` : '',
    r.holdout
      ? `<p><b>Holdout</b> ${escapeHtml(r.holdout.from)} – ${escapeHtml(r.holdout.to)}: ${r.holdout.actualRepeatPurchases} repeat purchases actual, ${num(r.holdout.predictedRepeatPurchases)} predicted (mean absolute error per customer ${r.holdout.meanAbsoluteError}).</p>`
      : '',
    ...(r.models.sbg ?? []).map(
      (s) =>
        `<p><b>sBG, plan ${escapeHtml(s.plan)}</b> (per ${escapeHtml(s.interval)}): γ = ${s.gamma.toFixed(4)}, δ = ${s.delta.toFixed(4)}; log-likelihood ${s.logLikelihood.toFixed(2)} over ${s.customers} subscriptions. A new subscriber is expected to pay ${s.derl.toFixed(2)} more times after the first (discounted).</p>`,
    ),
    ...r.models.notes.map((n) => `<p class="muted">${escapeHtml(n)}</p>`),
  ].join('');
  const id = title.replace(/\W+/g, '');
  const charts = {
    churn: { labels: months.map((p) => p.period), churn: months.map((p) => (p.churnRate === null ? null : +(p.churnRate * 100).toFixed(2))) },
    clv: { labels: r.clv.distribution.map((b) => `${num(b.from, 0)}–${num(b.to, 0)}`), values: r.clv.distribution.map((b) => b.customers) },
    curves: r.cohorts.slice(-8).map((c) => ({ label: c.cohort, data: c.retention.map((v) => (v === null ? null : +(v * 100).toFixed(1))) })),
    sbg: (r.models.sbg ?? []).map((s) => ({ label: s.plan, data: s.survival.map((v) => +(v * 100).toFixed(1)) })),
  };
  return `<section><h2>${escapeHtml(title)}</h2>
<div class="kpis">${cards.map(([l, v]) => `<div class="kpi"><div class="label">${l}</div><div class="value">${v}</div></div>`).join('')}</div>
<p class="muted">${escapeHtml(r.activityWindow.explanation)} Churn = customers lost during a period ÷ customers at its start.</p>
<div class="grid"><div class="card"><h3>Churn per month</h3><canvas id="churn${id}"></canvas></div>
<div class="card"><h3>Lifetime value (next ${Math.round(r.clv.horizonDays / 30.4)} months, ${(r.clv.discountRate * 100).toFixed(0)}% discount)</h3><canvas id="clv${id}"></canvas></div>
<div class="card"><h3>Cohort retention curves</h3><canvas id="curves${id}"></canvas></div>
${charts.sbg.length ? `<div class="card"><h3>Projected survival per plan (sBG)</h3><canvas id="sbg${id}"></canvas></div>` : ''}</div>
<div class="card"><h3>Cohorts: share of each acquisition month active M months later</h3>${cohortTable(r.cohorts)}</div>
<div class="card"><h3>Periods (${escapeHtml(r.periodType)})</h3><table><tr><th>Period</th><th class="num">At start</th><th class="num">Lost</th><th class="num">New</th><th class="num">Returned</th><th class="num">Churn</th><th class="num">Retention</th>${r.type === 'subscriptions' ? '<th class="num">NRR</th><th class="num">GRR</th>' : ''}<th class="num">Revenue</th></tr>${periods}</table></div>
<div class="card"><h3>Save list by value at risk</h3><p class="muted">${escapeHtml(r.clv.valueAtRiskDefinition)}</p><table><tr><th>Customer</th><th class="num">Value at risk</th><th class="num">CLV</th><th class="num">P(alive)</th><th class="num">Health</th><th>Top reason</th></tr>${save}</table></div>
<div class="card"><h3>Models</h3>${models}</div>
<script>(function(){var d=${scriptJson(charts)};
new Chart(document.getElementById('churn${id}'),{type:'line',data:{labels:d.churn.labels,datasets:[{label:'Churn %',data:d.churn.churn,borderColor:'#c0392b',spanGaps:true}]},options:{scales:{y:{beginAtZero:true,title:{display:true,text:'%'}}}}});
new Chart(document.getElementById('clv${id}'),{type:'bar',data:{labels:d.clv.labels,datasets:[{label:'Customers',data:d.clv.values,backgroundColor:'#2f6fdf'}]}});
new Chart(document.getElementById('curves${id}'),{type:'line',data:{labels:Array.from({length:Math.max(0,...d.curves.map(function(c){return c.data.length}))},function(_,k){return 'M'+k}),datasets:d.curves},options:{scales:{y:{beginAtZero:true,max:100}}}});
if(d.sbg.length)new Chart(document.getElementById('sbg${id}'),{type:'line',data:{labels:d.sbg[0].data.map(function(_,k){return k}),datasets:d.sbg},options:{scales:{y:{beginAtZero:true,max:100}}}});
})();</script></section>`;
}

export function renderHtmlReport(input: { title: string; currency: string; generatedAt: string; reports: { title: string; report: RetentionReport }[] }): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<style>
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2433;background:#f6f7f9;margin:0;padding:1.5rem 2rem;max-width:1300px}
h1{font-size:1.5rem}h2{font-size:1.25rem;margin-top:2rem}h3{font-size:1rem;margin:0 0 .5rem}
.muted{color:#667085;font-size:.9em}.card{background:#fff;border:1px solid #e4e7ec;border-radius:10px;padding:1rem 1.25rem;margin:1rem 0}
.grid{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(420px,1fr))}.grid .card{margin:0}
.kpis{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));margin:1rem 0}
.kpi{background:#fff;border:1px solid #e4e7ec;border-radius:10px;padding:.75rem 1rem}.kpi .value{font-size:1.6rem;font-weight:650}.kpi .label{color:#667085;font-size:.85rem}
table{width:100%;border-collapse:collapse;font-size:.9rem}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e4e7ec}
th{color:#667085;font-size:.78rem;text-transform:uppercase}.num{text-align:right;font-variant-numeric:tabular-nums}
table.heat td{border:1px solid #fff}
</style><script>${chartJsSource()}</script></head><body>
<h1>${escapeHtml(input.title)}</h1><p class="muted">Generated ${escapeHtml(input.generatedAt)} by keepwell report.</p>
${input.reports.map((r) => section(r.title, r.report, input.currency)).join('\n')}
</body></html>`;
}

// ---------------------------------------------------------------------------------------------
// Terminal

export function textTable(headers: string[], rows: (string | number)[][], numeric: boolean[] = []): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function renderText(r: RetentionReport, currency: string): string {
  const out: string[] = [];
  out.push(`Customers ${r.totals.customers}, ${r.type === 'subscriptions' ? 'subscriptions' : 'orders'} ${r.totals.orders}, revenue ${currency} ${num(r.totals.revenue)} (as of ${r.asOf})`);
  out.push(r.activityWindow.explanation);
  out.push(
    `Annual retention ${pct(r.annual.retentionRate)} (${r.annual.start} to ${r.annual.end})` +
      (r.benchmark ? `; ${r.benchmark.industryName} benchmark ${pct(r.benchmark.rate)}` : '') +
      (r.repeatRate !== null ? `; repeat-purchase rate ${pct(r.repeatRate)}` : ''),
  );
  out.push(
    `  = ${r.annual.formula}` +
      (r.annual.windowDays ? `; active = bought in the last ${r.annual.windowDays} days` : '') +
      (r.annual.byWindow?.length ? `; with other windows: ${r.annual.byWindow.map((w) => `${w.days} days ${pct(w.retentionRate)}`).join(', ')}` : '') +
      (r.annual.note ? `. ${r.annual.note}` : ''),
  );
  out.push('');
  const subs = r.type === 'subscriptions';
  out.push(
    textTable(
      ['Period', 'At start', 'Lost', 'New', 'Returned', 'Churn', 'Retention', ...(subs ? ['NRR', 'GRR'] : []), 'Revenue'],
      r.periods
        .slice(-12)
        .map((p) => [
          p.period + (p.partial ? '*' : ''),
          p.customersAtStart,
          p.lost,
          p.new,
          p.returned,
          pct(p.churnRate),
          pct(p.retentionRate),
          ...(subs ? [pct(p.nrr), pct(p.grr)] : []),
          num(p.revenue),
        ]),
      [false, true, true, true, true, true, true, true, true, true],
    ),
  );
  if (r.periods.some((p) => p.partial)) out.push('* period not over yet');
  if (r.periods.some((p) => !p.known)) out.push('churn of periods before the activity window could pass since the data began is not known yet (–)');
  out.push('');
  const bg = r.models.bgnbd;
  if (bg) out.push(`BG/NBD (per ${bg.timeUnit}): r=${bg.r.toFixed(4)} alpha=${bg.alpha.toFixed(4)} a=${bg.a.toFixed(4)} b=${bg.b.toFixed(4)} log-likelihood=${bg.logLikelihood.toFixed(2)}`);
  const gg = r.models.gammaGamma;
  if (gg) out.push(`Gamma-Gamma: p=${gg.p.toFixed(4)} q=${gg.q.toFixed(4)} gamma=${gg.gamma.toFixed(4)}`);
  for (const s of r.models.sbg ?? [])
    out.push(
      `sBG plan ${s.plan} (per ${s.interval}): gamma=${s.gamma.toFixed(4)} delta=${s.delta.toFixed(4)} log-likelihood=${s.logLikelihood.toFixed(2)} DERL=${s.derl.toFixed(2)}; survival ${s.survival
        .slice(0, 8)
        .map((v) => pct(v))
        .join(' ')}`,
    );
  for (const n of r.models.notes) out.push(n);
  if (r.holdout) out.push(`Holdout ${r.holdout.from} to ${r.holdout.to}: actual repeat purchases ${r.holdout.actualRepeatPurchases}, predicted ${num(r.holdout.predictedRepeatPurchases)}`);
  out.push(`CLV over ${r.clv.horizonDays} days at ${(r.clv.discountRate * 100).toFixed(0)}%: total ${currency} ${num(r.clv.total)}, mean ${num(r.clv.mean)}`);
  out.push('');
  if (r.cohorts.length) {
    const shown = r.cohorts.slice(-12);
    const cols = Math.min(7, Math.max(...shown.map((c) => c.retention.length)));
    out.push('Cohorts (share active k months after acquisition):');
    out.push(
      textTable(
        ['Cohort', 'Size', ...Array.from({ length: cols }, (_, k) => `M${k}`)],
        shown.map((c) => [c.cohort, c.size, ...Array.from({ length: cols }, (_, k) => (c.retention[k] === undefined ? '' : c.retention[k] === null ? '…' : `${Math.round(c.retention[k]! * 100)}%`))]),
        [false, ...Array(cols + 1).fill(true)],
      ),
    );
    out.push('');
  }
  if (r.saveList.length) {
    out.push('Save list by value at risk.', r.clv.valueAtRiskDefinition);
    out.push(
      textTable(
        ['Customer', 'Value at risk', 'CLV', 'P(alive)', 'Health', 'Top reason'],
        r.saveList.map((s) => [(s.name ?? s.id).slice(0, 30), num(s.valueAtRisk), num(s.clv), pct(s.pAlive), s.health, s.topReason ?? '']),
        [false, true, true, true, true, false],
      ),
    );
  }
  return out.join('\n');
}
