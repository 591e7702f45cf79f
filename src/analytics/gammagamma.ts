// Gamma-Gamma model of spend per transaction (Fader & Hardie, "The Gamma-Gamma model of
// monetary value", 2013; Colombo & Jiang 1999). Fitted on customers with at least one repeat
// purchase, from x (repeat purchases) and m (their mean spend per repeat purchase).
import { lgamma, nelderMead } from './math.js';

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

export function fitGammaGamma(x: ArrayLike<number>, m: ArrayLike<number>): GammaGammaFit {
  // pre-filter and sort so the result does not depend on input order
  const pairs: [number, number][] = [];
  for (let i = 0; i < x.length; i++) if (x[i] > 0 && m[i] > 0) pairs.push([x[i], m[i]]);
  if (pairs.length < 2) throw new Error('Gamma-Gamma needs at least two customers with repeat purchases');
  pairs.sort((s, t) => s[0] - t[0] || s[1] - t[1]);
  const xs = Float64Array.from(pairs, (v) => v[0]);
  const ms = Float64Array.from(pairs, (v) => v[1]);
  const mean = ms.reduce((s, v) => s + v, 0) / ms.length;
  const f = (u: number[]) => {
    const e = u.map((v) => Math.exp(Math.max(-15, Math.min(15, v))));
    return -gammaGammaLogLikelihood(xs, ms, { p: e[0], q: e[1], gamma: e[2] });
  };
  let best = null as ReturnType<typeof nelderMead> | null;
  for (const start of [
    [0, 0, Math.log(mean)],
    [Math.log(5), Math.log(3), Math.log(mean * 2)],
  ]) {
    let m1 = nelderMead(f, start, { step: 0.5 });
    m1 = nelderMead(f, m1.x, { step: 0.05 }); // restart from the optimum to avoid a collapsed simplex
    if (!best || m1.f < best.f) best = m1;
  }
  const [p, q, gamma] = best!.x.map((v) => Math.exp(v));
  return { p, q, gamma, logLikelihood: -best!.f, customers: xs.length, converged: best!.converged };
}

/** E[spend per transaction | x, m]; the population mean when x = 0. Needs q > 1. */
export function expectedSpend(params: GammaGammaParams, x: number, m: number): number {
  const { p, q, gamma } = params;
  if (q <= 1) return x > 0 ? m : NaN;
  if (!(x > 0)) return (p * gamma) / (q - 1);
  return (p * (gamma + x * m)) / (p * x + q - 1);
}
