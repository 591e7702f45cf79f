// BG/NBD maximum-likelihood fit on 1,000,000 synthetic customers simulated from known
// parameters (fixed seed). Goal: under 1 s. Customers are grouped by identical
// (x, t_x, T) in whole days first: the likelihood depends only on those.
import { machineLine, peakMb } from './lib/machine.js';
import { fitBgNbd, groupDayTriples } from '../src/analytics/bgnbd.js';

const N = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);
const truth = { r: 0.25, alpha: 4, a: 0.8, b: 2.5 }; // per week, CDNOW-like

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(11);
function normal() {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}
// Marsaglia-Tsang gamma(shape, 1)
function gamma(shape: number): number {
  if (shape < 1) return gamma(shape + 1) * Math.pow(rand(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rand();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

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
