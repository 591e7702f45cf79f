// Gamma-Gamma model of spend per transaction (Fader & Hardie, "The Gamma-Gamma model of
// monetary value", 2013; Colombo & Jiang 1999). Fitted on customers with at least one repeat
// purchase, from x (repeat purchases) and m (their mean spend per repeat purchase).
import { bfgs, digamma, lgamma, nelderMead, polishMinimum, settledInside } from './math.js';

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

export interface GammaGammaFit extends GammaGammaParams {
  logLikelihood: number;
  customers: number;
  converged: boolean;
}

/** Log-likelihood over customers with x > 0 and m > 0 (others are skipped). */
export function gammaGammaLogLikelihood(x: ArrayLike<number>, m: ArrayLike<number>, params: GammaGammaParams): number {
  const { p, q, gamma } = params;
  const byX = new Map<number, number>();
  let ll = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    const mi = m[i];
    if (!(xi > 0 && mi > 0)) continue;
    n++;
    byX.set(xi, (byX.get(xi) ?? 0) + 1);
    ll += (p * xi - 1) * Math.log(mi) + p * xi * Math.log(xi) - (p * xi + q) * Math.log(gamma + xi * mi);
  }
  for (const [xi, count] of byX) ll += count * (lgamma(p * xi + q) - lgamma(p * xi));
  ll += n * (q * Math.log(gamma) - lgamma(q));
  return ll;
}

/**
 * Maximum-likelihood fit by BFGS with the analytic gradient on log-parameters (from two starting
 * points, the best wins). Terms that depend only on x are summed per distinct x; each customer
 * then costs one log per evaluation.
 */
export function fitGammaGamma(x: ArrayLike<number>, m: ArrayLike<number>): GammaGammaFit {
  // pre-filter and sort so the result does not depend on input order
  // (no pair object per customer: the kept ones' indices, sorted by (x, m))
  const kept: number[] = [];
  for (let i = 0; i < x.length; i++) if (x[i] > 0 && m[i] > 0) kept.push(i);
  if (kept.length < 2) throw new Error('Gamma-Gamma needs at least two customers with repeat purchases');
  kept.sort((s, t) => x[s] - x[t] || m[s] - m[t]);
  const n = kept.length;
  const xs = new Float64Array(n);
  const ms = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    xs[k] = x[kept[k]];
    ms[k] = m[kept[k]];
  }
  // constant parts: sum over customers of x ln m, x ln x, ln m; x-only terms per distinct x
  const { distinct, sums } = summarise(xs, ms);
  const mean = ms.reduce((s, v) => s + v, 0) / n;
  const ll = (p: number, q: number, gamma: number, grad?: number[]) => logLikelihoodOn(xs, ms, distinct, sums, p, q, gamma, grad);
  const clampExp = (u: number) => Math.exp(Math.max(-15, Math.min(15, u)));
  const objective = (on: (p: number, q: number, gamma: number, grad?: number[]) => number) => (u: number[], grad: number[]) => {
    const v = on(clampExp(u[0]), clampExp(u[1]), clampExp(u[2]), grad);
    for (let i = 0; i < 3; i++) grad[i] = -grad[i];
    return -v;
  };
  // many customers: the starts are searched on a systematic sample (weights scaled to the
  // whole), then the optimum is polished on everyone from the sample's curvature
  const SAMPLE = 10000;
  let search = ll;
  if (n > 2 * SAMPLE) {
    const step = n / SAMPLE;
    const sx = Float64Array.from({ length: SAMPLE }, (_, k) => xs[Math.floor(k * step)]);
    const sm = Float64Array.from({ length: SAMPLE }, (_, k) => ms[Math.floor(k * step)]);
    const sample = summarise(sx, sm);
    const scale = n / SAMPLE;
    search = (p, q, gamma, grad) => {
      const v = logLikelihoodOn(sx, sm, sample.distinct, sample.sums, p, q, gamma, grad) * scale;
      if (grad) for (let i = 0; i < 3; i++) grad[i] *= scale;
      return v;
    };
  }
  let best = null as ReturnType<typeof bfgs> | null;
  const starts = [
    [0, 0, Math.log(mean)],
    [Math.log(5), Math.log(3), Math.log(mean * 2)],
  ];
  for (const start of starts) {
    const r = bfgs(objective(search), start, { maxIterations: 300 });
    if (!best || r.f < best.f) best = r;
    if (settledInside(best, starts[0])) {
      best = polishMinimum(objective(search), best, { maxIterations: 300 });
      break;
    }
  }
  if (search !== ll) best = bfgs(objective(ll), best!.x, { maxIterations: 300, inverseHessian: best!.inverseHessian });
  // a Nelder-Mead polish from the optimum guards against a stalled line search
  let u = best!.x;
  if (!best!.converged) {
    const nm = nelderMead((v) => -ll(clampExp(v[0]), clampExp(v[1]), clampExp(v[2])), best!.x, { step: 0.02, maxIterations: 200 });
    if (nm.f < best!.f) u = nm.x;
  }
  const [p, q, gamma] = u.map(clampExp);
  return { p, q, gamma, logLikelihood: ll(p, q, gamma), customers: n, converged: best!.converged };
}

/** x-only terms per distinct x, and the sums over customers that do not depend on the parameters */
function summarise(xs: Float64Array, ms: Float64Array) {
  let sumXlnM = 0;
  let sumXlnX = 0;
  let sumLnM = 0;
  const byX = new Map<number, number>();
  for (let i = 0; i < xs.length; i++) {
    sumXlnM += xs[i] * Math.log(ms[i]);
    sumXlnX += xs[i] * Math.log(xs[i]);
    sumLnM += Math.log(ms[i]);
    byX.set(xs[i], (byX.get(xs[i]) ?? 0) + 1);
  }
  return { distinct: [...byX.entries()].sort((a, b) => a[0] - b[0]), sums: { sumXlnM, sumXlnX, sumLnM } };
}

function logLikelihoodOn(
  xs: Float64Array,
  ms: Float64Array,
  distinct: [number, number][],
  sums: { sumXlnM: number; sumXlnX: number; sumLnM: number },
  p: number,
  q: number,
  gamma: number,
  grad?: number[],
): number {
  const n = xs.length;
  const { sumXlnM, sumXlnX, sumLnM } = sums;
  let v = p * (sumXlnM + sumXlnX) - sumLnM + n * (q * Math.log(gamma) - lgamma(q));
  let gp = sumXlnM + sumXlnX;
  let gq = n * (Math.log(gamma) - digamma(q));
  let gg = (n * q) / gamma;
  for (const [xv, count] of distinct) {
    v += count * (lgamma(p * xv + q) - lgamma(p * xv));
    if (grad) {
      const d = digamma(p * xv + q);
      gp += count * xv * (d - digamma(p * xv));
      gq += count * d;
    }
  }
  for (let i = 0; i < n; i++) {
    const xv = xs[i];
    const denom = gamma + xv * ms[i];
    const l = Math.log(denom);
    v -= (p * xv + q) * l;
    if (grad) {
      gp -= xv * l;
      gq -= l;
      gg -= (p * xv + q) / denom;
    }
  }
  if (grad) {
    grad[0] = gp * p;
    grad[1] = gq * q;
    grad[2] = gg * gamma;
  }
  return v;
}

/** E[spend per transaction | x, m]; the population mean when x = 0. Needs q > 1. */
export function expectedSpend(params: GammaGammaParams, x: number, m: number): number {
  const { p, q, gamma } = params;
  if (q <= 1) return x > 0 ? m : NaN;
  if (!(x > 0)) return (p * gamma) / (q - 1);
  return (p * (gamma + x * m)) / (p * x + q - 1);
}
