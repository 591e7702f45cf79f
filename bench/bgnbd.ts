// BG/NBD maximum-likelihood fit on 1,000,000 synthetic customers simulated from known
// parameters (fixed seed). Goal: under 1 s. Customers are grouped by identical
// (x, t_x, T) in whole days first: the likelihood depends only on those.
import { machineLine, peakMb } from './lib/machine.js';
import { Rng } from '../src/platform/random.js';
import { fitBgNbd, groupDayTriples } from '../src/analytics/bgnbd.js';

const N = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);
const truth = { r: 0.25, alpha: 4, a: 0.8, b: 2.5 }; // per week, CDNOW-like

// The demo generator's seeded random source (sfc32; Marsaglia-Tsang gamma).
const random = new Rng(11);
const rand = () => random.next();
const gamma = (shape: number) => random.gamma(shape, 1);

console.log(machineLine());
console.log(`simulating ${N} customers from BG/NBD r=${truth.r} alpha=${truth.alpha} a=${truth.a} b=${truth.b} (per week)…`);
const t0 = performance.now();
const x = new Int32Array(N);
const txDays = new Int32Array(N);
const TDays = new Int32Array(N);
for (let i = 0; i < N; i++) {
  const T = 7 + Math.floor(rand() * 266); // first purchase 1 to 39 weeks before the end, in days
  const lambda = gamma(truth.r) / truth.alpha / 7; // per day
  const ga = gamma(truth.a);
  const p = ga / (ga + gamma(truth.b));
  let t = 0;
  let k = 0;
  let last = 0;
  for (;;) {
    t += -Math.log(1 - rand()) / lambda;
    if (t > T) break;
    k++;
    last = t;
    if (rand() < p) break;
  }
  x[i] = k;
  txDays[i] = Math.floor(last);
  TDays[i] = T;
}
console.log(`simulated in ${((performance.now() - t0) / 1000).toFixed(2)} s (not counted)`);

const t1 = performance.now();
const grouped = groupDayTriples(x, txDays, TDays, 7);
const tGroup = (performance.now() - t1) / 1000;
console.log(`  group (x, t_x, T)   ${tGroup.toFixed(3)} s  (${grouped.x.length} distinct triples)`);
const t2 = performance.now();
const fit = fitBgNbd(grouped);
const tFit = (performance.now() - t2) / 1000;
console.log(`  fit                 ${tFit.toFixed(3)} s  (${fit.iterations} BFGS iterations, converged=${fit.converged})`);
console.log(`estimates: r=${fit.r.toFixed(4)} alpha=${fit.alpha.toFixed(4)} a=${fit.a.toFixed(4)} b=${fit.b.toFixed(4)} LL=${fit.logLikelihood.toFixed(1)}`);
console.log(`bgnbd: customers=${N} seconds=${(tGroup + tFit).toFixed(3)} fit_seconds=${tFit.toFixed(3)} groups=${grouped.x.length} peak_mb=${peakMb()}`);
