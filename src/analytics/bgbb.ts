// BG/BB model for discrete purchase opportunities (Fader, Hardie & Shang 2010, "Customer-base
// analysis in a discrete-time noncontractual setting"): at each opportunity after the first a
// customer still alive buys with probability p ~ Beta(α, β) and, after it, drops out with
// probability θ ~ Beta(γ, δ). A customer is summarised by x (opportunities with a purchase),
// t_x (the last of them, 0 without one) and n (opportunities so far); customers with the same
// pattern are fitted once, weighted.
import { bfgs, boundedExp, digamma, lbeta, lgamma, mapFloat64, negateWithinBounds, nelderMead, polishMinimum, settledInside } from './math.js';

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
  const index = new Map<string | number, number>();
  const keys: [number, number, number][] = [];
  const weights: number[] = [];
  const groupOf = new Int32Array(x.length);
  for (let i = 0; i < x.length; i++)
    if (!(x[i] >= 0 && tx[i] >= x[i] && n[i] >= tx[i]) || !Number.isInteger(x[i]) || !Number.isInteger(tx[i]) || !Number.isInteger(n[i]))
      throw new Error(`customer ${i}: x ≤ t_x ≤ n must be whole numbers of opportunities`);
  // x ≤ t_x ≤ n are whole numbers: (x K + t_x) K + n with K = max n + 1 names a pattern exactly
  // while it stays an exact integer (no string per customer); else a text key
  let maxN = 0;
  for (let i = 0; i < n.length; i++) if (n[i] > maxN) maxN = n[i];
  const K = maxN + 1;
  const numeric = K * K * K < 2 ** 52;
  for (let i = 0; i < x.length; i++) {
    const key = numeric ? (x[i] * K + tx[i]) * K + n[i] : `${x[i]}|${tx[i]}|${n[i]}`;
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
    x: mapFloat64(order, (g) => keys[g][0]),
    tx: mapFloat64(order, (g) => keys[g][1]),
    n: mapFloat64(order, (g) => keys[g][2]),
    w: mapFloat64(order, (g) => weights[g]),
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

/** ln Γ(base + k) and ψ(base + k) for k = 0..size−1, by the recurrences Γ(z+1) = zΓ(z), ψ(z+1) = ψ(z) + 1/z. */
function gammaTables(base: number, size: number): { lg: Float64Array; dg: Float64Array } {
  const lg = new Float64Array(size);
  const dg = new Float64Array(size);
  lg[0] = lgamma(base);
  dg[0] = digamma(base);
  for (let k = 1; k < size; k++) {
    lg[k] = lg[k - 1] + Math.log(base + k - 1);
    dg[k] = dg[k - 1] + 1 / (base + k - 1);
  }
  return { lg, dg };
}

/**
 * The likelihood over patterns with every log-Beta taken from tables of ln Γ and ψ at α+k, β+k,
 * α+β+k, γ+k, δ+k, γ+δ+k for whole k (a pattern's terms differ only by whole numbers). Patterns
 * with the same (x, t_x) share their "gone after opportunity t_x + i" terms: one running sum per
 * (x, t_x) serves every n, so an evaluation costs O(distinct (x, t_x) × max n) exps.
 */
class BgBbLikelihood {
  private readonly maxN: number;
  /** runs of patterns with the same (x, t_x): their first index (groupPatterns sorts by x, t_x, n) */
  private readonly runs: number[] = [];

  constructor(private readonly data: BgBbData) {
    let maxN = 0;
    const { x, tx, n } = data;
    for (let i = 0; i < x.length; i++) {
      if (n[i] > maxN) maxN = n[i];
      if (i === 0 || x[i] !== x[i - 1] || tx[i] !== tx[i - 1]) this.runs.push(i);
    }
    this.runs.push(x.length);
    this.maxN = maxN;
  }

  /** log-likelihood; with `grad`, its derivatives by ln α, ln β, ln γ, ln δ. */
  value(p: BgBbParams, grad?: number[]): number {
    const { alpha, beta, gamma, delta } = p;
    if (!(alpha > 0 && beta > 0 && gamma > 0 && delta > 0)) return -Infinity;
    const size = this.maxN + 3;
    const A = gammaTables(alpha, size);
    const B = gammaTables(beta, size);
    const AB = gammaTables(alpha + beta, size);
    const G = gammaTables(gamma, 2);
    const D = gammaTables(delta, size);
    const GD = gammaTables(gamma + delta, size);
    const ab0 = A.lg[0] + B.lg[0] - AB.lg[0];
    const gd0 = G.lg[0] + D.lg[0] - GD.lg[0];
    // ln B(α+x, β+y)/B(α,β) and ln B(γ+g, δ+t)/B(γ,δ), and their derivatives
    const lbAB = (x: number, y: number) => A.lg[x] + B.lg[y] - AB.lg[x + y] - ab0;
    const lbGD = (g: number, t: number) => G.lg[g] + D.lg[t] - GD.lg[g + t] - gd0;
    const { x: X, tx: TX, n: N, w: Wt } = this.data;
    // running sums of the "gone" terms (scaled by the first one) and of term × d term
    const sum = new Float64Array(size);
    const sA = grad ? new Float64Array(size) : sum;
    const sB = grad ? new Float64Array(size) : sum;
    const sG = grad ? new Float64Array(size) : sum;
    const sD = grad ? new Float64Array(size) : sum;
    let ll = 0;
    let gA = 0;
    let gB = 0;
    let gG = 0;
    let gD = 0;
    for (let r = 0; r + 1 < this.runs.length; r++) {
      const from = this.runs[r];
      const to = this.runs[r + 1];
      const x = X[from];
      const tx = TX[from];
      let terms = 0;
      for (let k = from; k < to; k++) terms = Math.max(terms, N[k] - tx);
      const ref = lbAB(x, tx - x) + lbGD(1, tx);
      let acc = 0;
      let aA = 0;
      let aB = 0;
      let aG = 0;
      let aD = 0;
      for (let i = 0; i < terms; i++) {
        const y = tx - x + i;
        const t = tx + i;
        const v = Math.exp(lbAB(x, y) + lbGD(1, t) - ref);
        acc += v;
        sum[i + 1] = acc;
        if (grad) {
          aA += v * (A.dg[x] - AB.dg[x + y] - A.dg[0] + AB.dg[0]);
          aB += v * (B.dg[y] - AB.dg[x + y] - B.dg[0] + AB.dg[0]);
          aG += v * (G.dg[1] - GD.dg[1 + t] - G.dg[0] + GD.dg[0]);
          aD += v * (D.dg[t] - GD.dg[1 + t] - D.dg[0] + GD.dg[0]);
          sA[i + 1] = aA;
          sB[i + 1] = aB;
          sG[i + 1] = aG;
          sD[i + 1] = aD;
        }
      }
      sum[0] = 0;
      if (grad) sA[0] = sB[0] = sG[0] = sD[0] = 0;
      for (let k = from; k < to; k++) {
        const n = N[k];
        const w = Wt[k];
        // alive through all n opportunities, relative to the same reference
        const alive = Math.exp(lbAB(x, n - x) + lbGD(0, n) - ref);
        const m = n - tx;
        const L = alive + sum[m];
        ll += w * (ref + Math.log(L));
        if (grad) {
          const wl = w / L;
          gA += wl * (alive * (A.dg[x] - AB.dg[n] - A.dg[0] + AB.dg[0]) + sA[m]);
          gB += wl * (alive * (B.dg[n - x] - AB.dg[n] - B.dg[0] + AB.dg[0]) + sB[m]);
          gG += wl * (alive * (G.dg[0] - GD.dg[n] - G.dg[0] + GD.dg[0]) + sG[m]);
          gD += wl * (alive * (D.dg[n] - GD.dg[n] - D.dg[0] + GD.dg[0]) + sD[m]);
        }
      }
    }
    if (grad) {
      grad[0] = gA * alpha;
      grad[1] = gB * beta;
      grad[2] = gG * gamma;
      grad[3] = gD * delta;
    }
    return ll;
  }
}

/** Log-likelihood of BG/BB for grouped patterns (sorted by x, t_x, n as groupPatterns makes them); with `grad`, its derivatives by the log-parameters. */
export function bgbbLogLikelihood(data: BgBbData, p: BgBbParams, grad?: number[]): number {
  return new BgBbLikelihood(data).value(p, grad);
}

/** Maximum-likelihood fit: BFGS with the analytic gradient on log-parameters from two starts (the best wins). */
/** `start`: the optimum of closely related data, searched from directly. */
export function fitBgBb(data: BgBbData, start?: BgBbParams): BgBbFit {
  let customers = 0;
  for (let i = 0; i < data.w.length; i++) customers += data.w[i];
  if (customers === 0) throw new Error('BG/BB needs at least one customer');
  const lik = new BgBbLikelihood(data);
  // bounded like BG/NBD's: a flat ridge (say γ → 0) must not send the search to 1e30
  const params = (u: number[]): BgBbParams => ({ alpha: boundedExp(u[0]), beta: boundedExp(u[1]), gamma: boundedExp(u[2]), delta: boundedExp(u[3]) });
  const negative = (u: number[]) => {
    const v = lik.value(params(u));
    return Number.isFinite(v) ? -v : Infinity;
  };
  const objective = (u: number[], grad: number[]) => {
    const v = lik.value(params(u), grad);
    if (!Number.isFinite(v)) return Infinity;
    negateWithinBounds(u, grad);
    return -v;
  };
  const fitFrom = (from: number[]) => bfgs(objective, from, { maxIterations: 300, gradientTolerance: 1e-11 });
  const starts = start
    ? [[start.alpha, start.beta, start.gamma, start.delta].map(Math.log)]
    : [
        [0, 0, 0, 0],
        [Math.log(0.5), Math.log(2), Math.log(0.5), Math.log(5)],
      ];
  let result = null as ReturnType<typeof fitFrom> | null;
  for (const from of starts) {
    const m = fitFrom(from);
    if (!result || m.f < result.f) result = m;
    if (settledInside(result, starts[0])) {
      result = polishMinimum(objective, result, { maxIterations: 300, gradientTolerance: 1e-11 });
      break;
    }
  }
  // a short Nelder-Mead polish guards against a line search that stalled early
  if (!result!.converged) {
    const nm = nelderMead(negative, result!.x, { step: 0.05, maxIterations: 1000, tolerance: 1e-13 });
    if (nm.f < result!.f) result = { ...nm, converged: nm.converged };
  }
  const p = params(result!.x);
  return { ...p, logLikelihood: lik.value(p), customers, patterns: data.x.length, converged: result!.converged };
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
