// Pareto/NBD model of repeat purchasing (Schmittlein, Morrison & Colombo 1987), in the form of
// Fader & Hardie, "A note on deriving the Pareto/NBD model and related expressions" (2005).
// Same summaries as BG/NBD: x repeat purchases, t_x the time of the last, T the customer's age.
// Customers are grouped by identical (x, t_x, T); the Gauss hypergeometric parts depend only on
// (x, t_x) and (x, T), so each distinct pair is evaluated once per likelihood evaluation.
import { type BgNbdData, subsample } from './bgnbd.js';
import { LOG_BOUND, lgamma, maximizeLikelihood } from './math.js';

export interface ParetoNbdParams {
  r: number;
  alpha: number;
  s: number;
  beta: number;
}

export interface ParetoNbdFit extends ParetoNbdParams {
  logLikelihood: number;
  customers: number;
  groups: number;
  converged: boolean;
}

/**
 * Σ_k (b)_k / (c)_k z^k = 2F1(1, b; c; z) for 0 <= z < 1 and b < c: every term is smaller than
 * the one before, so the series neither overflows nor cancels (the Euler-transformed form of the
 * likelihood's 2F1(r+s+x, ·; r+s+x+1; z), whose own terms can grow to 1e100 before they shrink).
 */
function series1(b: number, c: number, z: number): number {
  let term = 1;
  let sum = 1;
  for (let k = 0; k < 200000; k++) {
    term *= ((b + k) / (c + k)) * z;
    sum += term;
    if (term < 1e-16 * sum) break;
  }
  return sum;
}

/**
 * ln of the A0 piece at time t (t_x or T) of the note's likelihood, divided out so that
 * A0 = exp(logPiece(t_x)) − exp(logPiece(T)):
 *   α ≥ β: 2F1(ρ, s+1; ρ+1; (α−β)/(α+t)) / (α+t)^ρ = (β+t)^−s (α+t)^−(r+x) · Σ (r+x)_k/(ρ+1)_k z^k
 *   α < β: 2F1(ρ, r+x; ρ+1; (β−α)/(β+t)) / (β+t)^ρ = (α+t)^(1−r−x) (β+t)^−(s+1) · Σ (s+1)_k/(ρ+1)_k z^k
 * with ρ = r+s+x (Euler's transformation 2F1(a,b;c;z) = (1−z)^(c−a−b) 2F1(c−a,c−b;c;z)).
 */
function logPiece(p: ParetoNbdParams, x: number, t: number): number {
  const { r, alpha, s, beta } = p;
  const rho = r + s + x;
  if (alpha >= beta) {
    const z = (alpha - beta) / (alpha + t);
    return -s * Math.log(beta + t) - (r + x) * Math.log(alpha + t) + Math.log(series1(r + x, rho + 1, z));
  }
  const z = (beta - alpha) / (beta + t);
  return (1 - r - x) * Math.log(alpha + t) - (s + 1) * Math.log(beta + t) + Math.log(series1(s + 1, rho + 1, z));
}

/** ln A0 = ln(exp(a) − exp(b)), −∞ when t_x = T (nothing between the last purchase and now). */
function logDiff(a: number, b: number): number {
  if (!(a > b)) return -Infinity;
  return a + Math.log1p(-Math.exp(b - a));
}

/** the hypergeometric series is used while z <= this (it then converges in a few dozen terms) */
const SERIES_MAX_Z = 0.5;

const zOf = (p: ParetoNbdParams, t: number) => Math.abs(p.alpha - p.beta) / (Math.max(p.alpha, p.beta) + t);

// 10-point Gauss-Legendre nodes and weights on [-1, 1]
const GL_X = [
  -0.9739065285171717, -0.8650633666889845, -0.6794095682990244, -0.4333953941292472, -0.1488743389816312, 0.1488743389816312, 0.4333953941292472, 0.6794095682990244, 0.8650633666889845,
  0.9739065285171717,
];
const GL_W = [
  0.0666713443086881, 0.1494513491505806, 0.219086362515982, 0.2692667193099963, 0.2955242247147529, 0.2955242247147529, 0.2692667193099963, 0.219086362515982, 0.1494513491505806, 0.0666713443086881,
];

/**
 * ln of s ∫_{t_x}^{T} (α+τ)^−(r+x) (β+τ)^−(s+1) dτ — the chance of the history with the customer
 * gone at some τ between the last purchase and now, the same quantity as s/(r+s+x) A0 — by
 * Gauss-Legendre in v = ln(m + τ), m = min(α, β), on panels over which the integrand changes by
 * at most e^6 (relative error about 1e-9). Used where the series converges slowly (z near 1: β far above α or the reverse).
 */
function logDeadByQuadrature(p: ParetoNbdParams, x: number, tx: number, T: number): number {
  if (!(T > tx)) return -Infinity;
  const { r, alpha, s, beta } = p;
  const a = r + x;
  const b = s + 1;
  const m = Math.min(alpha, beta);
  const lo = Math.log(m + tx);
  // with a > 1 the integrand falls at least as e^−(a−1)v: past e^−46 of its start nothing is left
  const hi = a > 1 ? Math.min(Math.log(m + T), lo + 46 / (a - 1)) : Math.log(m + T);
  // d ln(integrand)/dv = 1 − a e^v/(α+τ) − b e^v/(β+τ) is monotone in v, so its largest size is at an end
  const slope = (v: number) => {
    const ev = Math.exp(v);
    return Math.abs(1 - (a * ev) / (alpha + ev - m) - (b * ev) / (beta + ev - m));
  };
  const panels = Math.min(4000, Math.max(1, Math.ceil(((hi - lo) * Math.max(1, slope(lo), slope(hi))) / 6)));
  const width = (hi - lo) / panels;
  // integrand in v: e^v (α+τ)^−a (β+τ)^−b with τ = e^v − m; summed in logs against under/overflow
  const logs: number[] = [];
  let peak = -Infinity;
  for (let k = 0; k < panels; k++) {
    const mid = lo + (k + 0.5) * width;
    for (let j = 0; j < 10; j++) {
      const v = mid + 0.5 * width * GL_X[j];
      const tau = Math.exp(v) - m;
      const l = Math.log(0.5 * width * GL_W[j]) + v - a * Math.log(alpha + tau) - b * Math.log(beta + tau);
      logs.push(l);
      if (l > peak) peak = l;
    }
  }
  let sum = 0;
  for (const l of logs) sum += Math.exp(l - peak);
  return Math.log(s) + peak + Math.log(sum);
}

/** ln of the "gone between t_x and T" part, by the series where it converges fast, else by quadrature. */
function logDead(p: ParetoNbdParams, x: number, tx: number, T: number): number {
  if (zOf(p, tx) <= SERIES_MAX_Z) return Math.log(p.s / (p.r + p.s + x)) + logDiff(logPiece(p, x, tx), logPiece(p, x, T));
  return logDeadByQuadrature(p, x, tx, T);
}

/** ln of {1 / ((α+T)^(r+x) (β+T)^s) + s/(r+s+x) A0}: the individual part of the likelihood. */
function logBracket(p: ParetoNbdParams, x: number, dead: number, T: number): { total: number; alive: number; dead: number } {
  const alive = -(p.r + x) * Math.log(p.alpha + T) - p.s * Math.log(p.beta + T);
  const hi = Math.max(alive, dead);
  return { total: hi + Math.log(Math.exp(alive - hi) + Math.exp(dead - hi)), alive, dead };
}

class Likelihood {
  private readonly xs: number[];
  private readonly xWeights: number[];
  private readonly total: number;
  /** distinct (x, t) pairs (t = t_x or T) and, per group, the index of its (x, t_x) and (x, T) pair */
  private readonly pairX: Float64Array;
  private readonly pairT: Float64Array;
  private readonly gTx: Int32Array;
  private readonly gT: Int32Array;
  private readonly pieces: Float64Array;

  constructor(private readonly data: BgNbdData) {
    const byX = new Map<number, number>();
    const pairs = new Map<string, number>();
    const px: number[] = [];
    const pt: number[] = [];
    const pair = (x: number, t: number) => {
      const key = `${x}|${t}`;
      let k = pairs.get(key);
      if (k === undefined) {
        k = px.push(x) - 1;
        pt.push(t);
        pairs.set(key, k);
      }
      return k;
    };
    const n = data.x.length;
    this.gTx = new Int32Array(n);
    this.gT = new Int32Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      byX.set(data.x[i], (byX.get(data.x[i]) ?? 0) + data.w[i]);
      total += data.w[i];
      this.gTx[i] = pair(data.x[i], data.tx[i]);
      this.gT[i] = pair(data.x[i], data.T[i]);
    }
    const xsSorted = [...byX.entries()].sort((a, b) => a[0] - b[0]);
    this.xs = xsSorted.map((e) => e[0]);
    this.xWeights = xsSorted.map((e) => e[1]);
    this.total = total;
    this.pairX = Float64Array.from(px);
    this.pairT = Float64Array.from(pt);
    this.pieces = new Float64Array(px.length);
  }

  value(p: ParetoNbdParams): number {
    const { r, alpha, s, beta } = p;
    if (!(r > 0 && alpha > 0 && s > 0 && beta > 0)) return -Infinity;
    let ll = this.total * (-lgamma(r) + r * Math.log(alpha) + s * Math.log(beta));
    for (let k = 0; k < this.xs.length; k++) ll += this.xWeights[k] * lgamma(r + this.xs[k]);
    // series pieces only where the series converges fast; other groups are integrated directly
    for (let k = 0; k < this.pairX.length; k++) this.pieces[k] = zOf(p, this.pairT[k]) <= SERIES_MAX_Z ? logPiece(p, this.pairX[k], this.pairT[k]) : NaN;
    const { x, tx, T, w } = this.data;
    const logShare = (xi: number) => Math.log(s / (r + s + xi));
    for (let i = 0; i < x.length; i++) {
      const a = this.pieces[this.gTx[i]];
      const dead = Number.isNaN(a) ? logDeadByQuadrature(p, x[i], tx[i], T[i]) : logShare(x[i]) + logDiff(a, this.pieces[this.gT[i]]);
      ll += w[i] * logBracket(p, x[i], dead, T[i]).total;
    }
    return ll;
  }
}

/** Log-likelihood of the Pareto/NBD model for grouped data. */
export function paretoNbdLogLikelihood(data: BgNbdData, p: ParetoNbdParams): number {
  return new Likelihood(data).value(p);
}

/**
 * Maximum-likelihood fit on log-parameters (Nelder-Mead from a few starts, then BFGS polished
 * to a tight gradient). With many distinct triples a systematic subsample finds the optimum's
 * neighbourhood and the full data polishes it.
 */
/** `start`: the optimum of closely related data (the same customers a few months earlier), searched from directly. */
export function fitParetoNbd(data: BgNbdData, start?: ParetoNbdParams): ParetoNbdFit {
  const groups = data.x.length;
  let customers = 0;
  let meanT = 0;
  for (let i = 0; i < groups; i++) {
    customers += data.w[i];
    meanT += data.w[i] * data.T[i];
  }
  if (customers === 0) throw new Error('Pareto/NBD needs at least one customer');
  meanT = meanT / customers || 1;
  const full = new Likelihood(data);
  const SUB = 4000;
  const sample = groups > 2 * SUB ? new Likelihood(subsample(data, SUB)) : full;
  // bounded like BG/NBD's: on a flat ridge (s → 0 with β → ∞: nobody drops out) the search stops at e^±15
  const e = (v: number) => Math.exp(Math.max(-LOG_BOUND, Math.min(LOG_BOUND, v)));
  const params = (u: number[]): ParetoNbdParams => ({ r: e(u[0]), alpha: e(u[1]), s: e(u[2]), beta: e(u[3]) });
  const result = maximizeLikelihood(
    (u) => sample.value(params(u)),
    start
      ? [[start.r, start.alpha, start.s, start.beta].map(Math.log)]
      : [
          [0, Math.log(meanT), 0, Math.log(meanT)],
          [Math.log(0.5), Math.log(meanT / 4), Math.log(0.5), Math.log(meanT)],
        ],
    sample === full ? undefined : (u) => full.value(params(u)),
    { warm: start !== undefined },
  );
  const p = params(result.x);
  return { ...p, logLikelihood: full.value(p), customers, groups, converged: result.converged };
}

/** P(alive | x, t_x, T) = 1 / (1 + s/(r+s+x) (α+T)^(r+x) (β+T)^s A0). */
export function paretoNbdPAlive(p: ParetoNbdParams, x: number, tx: number, T: number): number {
  const b = logBracket(p, x, logDead(p, x, tx, T), T);
  return Math.exp(b.alive - b.total);
}

/** Expected purchases in (0, t] for a customer just acquired: rβ/(α(s−1)) [1 − (β/(β+t))^(s−1)]. */
export function paretoNbdExpectedNew(p: ParetoNbdParams, t: number): number {
  const { r, alpha, s, beta } = p;
  if (Math.abs(s - 1) < 1e-9) return ((r * beta) / alpha) * Math.log((beta + t) / beta);
  return ((r * beta) / (alpha * (s - 1))) * (1 - Math.pow(beta / (beta + t), s - 1));
}

/** Expected purchases in (T, T + t] given (x, t_x, T): (r+x)(β+T)/((α+T)(s−1)) [1 − ((β+T)/(β+T+t))^(s−1)] P(alive). */
export function paretoNbdConditionalExpected(p: ParetoNbdParams, t: number, x: number, tx: number, T: number): number {
  if (t <= 0) return 0;
  const { r, alpha, s, beta } = p;
  const rate = (r + x) / (alpha + T);
  const span = Math.abs(s - 1) < 1e-9 ? (beta + T) * Math.log((beta + T + t) / (beta + T)) : ((beta + T) / (s - 1)) * (1 - Math.pow((beta + T) / (beta + T + t), s - 1));
  return rate * span * paretoNbdPAlive(p, x, tx, T);
}
