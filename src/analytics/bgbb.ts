// BG/BB model for discrete purchase opportunities (Fader, Hardie & Shang 2010, "Customer-base
// analysis in a discrete-time noncontractual setting"): at each opportunity after the first a
// customer still alive buys with probability p ~ Beta(α, β) and, after it, drops out with
// probability θ ~ Beta(γ, δ). A customer is summarised by x (opportunities with a purchase),
// t_x (the last of them, 0 without one) and n (opportunities so far); customers with the same
// pattern are fitted once, weighted.
import { LOG_BOUND, lbeta, lgamma, maximizeLikelihood } from './math.js';

export interface BgBbParams {
  alpha: number;
  beta: number;
  gamma: number;
  delta: number;
}

export interface BgBbFit extends BgBbParams {
  logLikelihood: number;
  customers: number;
  patterns: number;
  converged: boolean;
}

/** Customers grouped by identical (x, t_x, n); w = how many share the pattern. */
export interface BgBbData {
  x: Float64Array;
  tx: Float64Array;
  n: Float64Array;
  w: Float64Array;
}

/** Groups customers by identical (x, t_x, n), sorted so the result does not depend on input order. */
export function groupPatterns(x: ArrayLike<number>, tx: ArrayLike<number>, n: ArrayLike<number>): BgBbData & { groupOf: Int32Array } {
  const index = new Map<string, number>();
  const keys: [number, number, number][] = [];
  const weights: number[] = [];
  const groupOf = new Int32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    if (!(x[i] >= 0 && tx[i] >= x[i] && n[i] >= tx[i]) || !Number.isInteger(x[i]) || !Number.isInteger(tx[i]) || !Number.isInteger(n[i]))
      throw new Error(`customer ${i}: x ≤ t_x ≤ n must be whole numbers of opportunities`);
    const key = `${x[i]}|${tx[i]}|${n[i]}`;
    let g = index.get(key);
    if (g === undefined) {
      g = keys.push([x[i], tx[i], n[i]]) - 1;
      weights.push(0);
      index.set(key, g);
    }
    weights[g]++;
    groupOf[i] = g;
  }
  const order = keys.map((_, i) => i).sort((a, b) => keys[a][0] - keys[b][0] || keys[a][1] - keys[b][1] || keys[a][2] - keys[b][2]);
  const rank = new Int32Array(keys.length);
  for (const [k, g] of order.entries()) rank[g] = k;
  for (let i = 0; i < groupOf.length; i++) groupOf[i] = rank[groupOf[i]];
  return {
    x: Float64Array.from(order, (g) => keys[g][0]),
    tx: Float64Array.from(order, (g) => keys[g][1]),
    n: Float64Array.from(order, (g) => keys[g][2]),
    w: Float64Array.from(order, (g) => weights[g]),
    groupOf,
  };
}

const logAdd = (a: number, b: number) => {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const hi = Math.max(a, b);
  return hi + Math.log(Math.exp(a - hi) + Math.exp(b - hi));
};

/**
 * ln L(α, β, γ, δ | x, t_x, n) = ln[ B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
 *   + Σ_{i=0}^{n−t_x−1} B(α+x, β+t_x−x+i)/B(α,β) · B(γ+1, δ+t_x+i)/B(γ,δ) ]
 * (alive through all n opportunities, or gone after opportunity t_x + i).
 */
function logLikelihoodOne(p: BgBbParams, x: number, tx: number, n: number, lbAB: number, lbGD: number): number {
  const { alpha, beta, gamma, delta } = p;
  let ll = lbeta(alpha + x, beta + n - x) - lbAB + lbeta(gamma, delta + n) - lbGD;
  for (let i = 0; i < n - tx; i++) ll = logAdd(ll, lbeta(alpha + x, beta + tx - x + i) - lbAB + lbeta(gamma + 1, delta + tx + i) - lbGD);
  return ll;
}

/**
 * The same sum over patterns with every log-Beta taken from tables of ln Γ(α+k), ln Γ(β+k),
 * ln Γ(α+β+k), ln Γ(γ+k), ln Γ(δ+k), ln Γ(γ+δ+k) for whole k (a pattern's terms differ only by
 * whole numbers), so an evaluation costs O(max n) log-gammas.
 */
export function bgbbLogLikelihood(data: BgBbData, p: BgBbParams): number {
  const { alpha, beta, gamma, delta } = p;
  if (!(alpha > 0 && beta > 0 && gamma > 0 && delta > 0)) return -Infinity;
  let maxN = 0;
  for (let i = 0; i < data.n.length; i++) if (data.n[i] > maxN) maxN = data.n[i];
  const table = (base: number) => Float64Array.from({ length: maxN + 3 }, (_, k) => lgamma(base + k));
  const gA = table(alpha);
  const gB = table(beta);
  const gAB = table(alpha + beta);
  const gG = table(gamma);
  const gD = table(delta);
  const gGD = table(gamma + delta);
  // ln B(α+x, β+y) − ln B(α, β) and ln B(γ+g, δ+t) − ln B(γ, δ) for whole x, y, g, t
  const lbAB = (x: number, y: number) => gA[x] + gB[y] - gAB[x + y] - (gA[0] + gB[0] - gAB[0]);
  const lbGD = (g: number, t: number) => gG[g] + gD[t] - gGD[g + t] - (gG[0] + gD[0] - gGD[0]);
  let ll = 0;
  for (let i = 0; i < data.x.length; i++) {
    const x = data.x[i];
    const tx = data.tx[i];
    const n = data.n[i];
    let one = lbAB(x, n - x) + lbGD(0, n);
    for (let j = 0; j < n - tx; j++) one = logAdd(one, lbAB(x, tx - x + j) + lbGD(1, tx + j));
    ll += data.w[i] * one;
  }
  return ll;
}

/** Maximum-likelihood fit on log-parameters (Nelder-Mead from two starts, BFGS polish). */
/** `start`: the optimum of closely related data, searched from directly. */
export function fitBgBb(data: BgBbData, start?: BgBbParams): BgBbFit {
  let customers = 0;
  for (let i = 0; i < data.w.length; i++) customers += data.w[i];
  if (customers === 0) throw new Error('BG/BB needs at least one customer');
  // bounded like BG/NBD's: a flat ridge (say γ → 0) must not send the search to 1e30
  const e = (v: number) => Math.exp(Math.max(-LOG_BOUND, Math.min(LOG_BOUND, v)));
  const params = (u: number[]): BgBbParams => ({ alpha: e(u[0]), beta: e(u[1]), gamma: e(u[2]), delta: e(u[3]) });
  const result = maximizeLikelihood(
    (u) => bgbbLogLikelihood(data, params(u)),
    start
      ? [[start.alpha, start.beta, start.gamma, start.delta].map(Math.log)]
      : [
          [0, 0, 0, 0],
          [Math.log(0.5), Math.log(2), Math.log(0.5), Math.log(5)],
        ],
    undefined,
    { warm: start !== undefined },
  );
  const p = params(result.x);
  return { ...p, logLikelihood: bgbbLogLikelihood(data, p), customers, patterns: data.x.length, converged: result.converged };
}

/** P(alive at opportunity n + 1 | x, t_x, n). */
export function bgbbPAlive(p: BgBbParams, x: number, tx: number, n: number): number {
  const lbAB = lbeta(p.alpha, p.beta);
  const lbGD = lbeta(p.gamma, p.delta);
  const alive = lbeta(p.alpha + x, p.beta + n - x) - lbAB + lbeta(p.gamma, p.delta + n + 1) - lbGD;
  return Math.exp(alive - logLikelihoodOne(p, x, tx, n, lbAB, lbGD));
}

/**
 * Expected purchases in the next `m` opportunities given (x, t_x, n) (FHS 2010, eq. 13):
 * 1/L · B(α+x+1, β+n−x)/B(α,β) · δ/(γ−1) · Γ(γ+δ)/Γ(1+δ) · [Γ(1+δ+n)/Γ(γ+δ+n) − Γ(1+δ+n+m)/Γ(γ+δ+n+m)].
 * `m` may be fractional (a horizon that is not a whole number of opportunities).
 */
export function bgbbConditionalExpected(p: BgBbParams, m: number, x: number, tx: number, n: number): number {
  if (m <= 0) return 0;
  const { alpha, beta, delta } = p;
  // γ = 1 is a removable singularity of the closed form
  const gamma = Math.abs(p.gamma - 1) < 1e-7 ? 1 + 1e-7 : p.gamma;
  const lbAB = lbeta(alpha, beta);
  const lbGD = lbeta(gamma, delta);
  const logL = logLikelihoodOne({ alpha, beta, gamma, delta }, x, tx, n, lbAB, lbGD);
  const a = Math.exp(lgamma(1 + delta + n) - lgamma(gamma + delta + n));
  const b = Math.exp(lgamma(1 + delta + n + m) - lgamma(gamma + delta + n + m));
  const head = Math.exp(lbeta(alpha + x + 1, beta + n - x) - lbAB - logL + lgamma(gamma + delta) - lgamma(1 + delta));
  return head * (delta / (gamma - 1)) * (a - b);
}

/** Expected purchases in the first `m` opportunities after the first purchase, for a new customer. */
export function bgbbExpectedNew(p: BgBbParams, m: number): number {
  return bgbbConditionalExpected(p, m, 0, 0, 0);
}
