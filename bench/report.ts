// The full retention report (periods, cohorts, BG/NBD + Gamma-Gamma fit, CLV and health for
// every customer) on 1,000,000 synthetic orders from 100,000 customers, generated in memory from
// a fixed seed. Goal: under 5 s and under 1 GB on a 2-core machine.
import { machineLine, peakMb } from './lib/machine.js';
import { Rng } from '../src/platform/random.js';
import { OrderTableBuilder } from '../src/analytics/orders.js';
import { ordersReport } from '../src/analytics/report.js';
import { dayOfDate } from '../src/analytics/dates.js';
import { expectedPurchasesNew } from '../src/analytics/bgnbd.js';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 1_000_000);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);

// mulberry32: small, fast, deterministic
console.log(machineLine());
console.log(`generating ${ORDERS} orders for ${CUSTOMERS} customers (seed 7)…`);
const t0 = performance.now();
// The demo generator's seeded random source (sfc32; Marsaglia-Tsang gamma).
const random = new Rng(7);
const rand = () => random.next();
const gammaDraw = (shape: number) => random.gamma(shape, 1);
// customers buy as BG/NBD assumes (rate ~ Gamma(r, alpha), drop-out after a purchase ~ Beta(a, b));
// alpha is chosen so that customers make ORDERS / CUSTOMERS orders on average
const start = dayOfDate(2023, 1, 1);
const span = 1095; // three years
const shape = { r: 0.9, a: 0.7, b: 3 };
const meanRepeats = (alpha: number) => {
  let s = 0;
  for (let T = 1; T <= span; T += 7) s += expectedPurchasesNew({ ...shape, alpha }, T);
  return s / Math.ceil(span / 7);
};
let lo = 0.01;
let hi = 1e4;
for (let i = 0; i < 60; i++) {
  const mid = Math.sqrt(lo * hi);
  if (meanRepeats(mid) > ORDERS / CUSTOMERS - 1) lo = mid;
  else hi = mid;
}
const alpha = lo;
const perCustomer: number[][] = [];
let total = 0;
for (let c = 0; c < CUSTOMERS; c++) {
  const acquired = Math.floor(rand() * span);
  const lambda = gammaDraw(shape.r) / alpha;
  const ga = gammaDraw(shape.a);
  const p = ga / (ga + gammaDraw(shape.b));
  const days = [acquired];
  let t = acquired;
  for (;;) {
    t += -Math.log(1 - rand()) / lambda;
    if (t >= span) break;
    days.push(Math.floor(t));
    if (rand() < p) break;
  }
  perCustomer.push(days);
  total += days.length;
}
// trim or top up at random so the total is exactly ORDERS
while (total > ORDERS) {
  const c = Math.floor(rand() * CUSTOMERS);
  if (perCustomer[c].length > 1) {
    perCustomer[c].pop();
    total--;
  }
}
while (total < ORDERS) {
  const c = Math.floor(rand() * CUSTOMERS);
  const days = perCustomer[c];
  days.push(days[0] + Math.floor(rand() * (span - days[0])));
  total++;
}
const builder = new OrderTableBuilder();
for (let c = 0; c < CUSTOMERS; c++) {
  const id = `C${String(c).padStart(6, '0')}`;
  const meanSpend = 1500 + Math.floor(rand() * 6000);
  for (const d of perCustomer[c]) {
    const amount = Math.round(meanSpend * (0.5 + rand()));
    // 1% refunded orders, 1% refund rows
    builder.add(id, start + d, rand() < 0.01 ? -amount : amount, rand() < 0.01);
  }
}
perCustomer.length = 0;
const table = builder.build();
const genSeconds = (performance.now() - t0) / 1000;
console.log(`generated ${table.length} rows in ${genSeconds.toFixed(2)} s (not counted); simulated with r=${shape.r} alpha=${alpha.toFixed(2)} a=${shape.a} b=${shape.b} per day`);
(globalThis as { gc?: () => void }).gc?.();

const stages: [string, number][] = [];
const t1 = performance.now();
const report = ordersReport(table, {
  timeUnit: 'week',
  industry: { key: 'all', name: 'Average across all industries', annualRetention: 0.75 },
  onStage: (stage, ms) => {
    stages.push([stage, ms]);
    console.log(`  ${stage.padEnd(28)} ${(ms / 1000).toFixed(3)} s`);
  },
});
const seconds = (performance.now() - t1) / 1000;
const bg = report.models.bgnbd!;
console.log(`customers in the report: ${report.customers.length}; periods ${report.periods.length}; cohorts ${report.cohorts.length}`);
console.log(`BG/NBD (per week): r=${bg.r.toFixed(4)} alpha=${bg.alpha.toFixed(4)} a=${bg.a.toFixed(4)} b=${bg.b.toFixed(4)} LL=${bg.logLikelihood.toFixed(1)}`);
console.log(`annual retention ${report.annual.retentionRate}; mean CLV ${report.clv.mean}`);
console.log(`report: orders=${table.length} customers=${table.customerIds.length} buyers=${report.totals.customers} seconds=${seconds.toFixed(2)} peak_mb=${peakMb()}`);
