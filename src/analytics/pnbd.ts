// Pareto/NBD model of repeat purchasing (Schmittlein, Morrison & Colombo 1987), in the form of
// Fader & Hardie, "A note on deriving the Pareto/NBD model and related expressions" (2005).
// Same summaries as BG/NBD: x repeat purchases, t_x the time of the last, T the customer's age.
// Customers are grouped by identical (x, t_x, T); the Gauss hypergeometric parts depend only on
// (x, t_x) and (x, T), so each distinct pair is evaluated once per likelihood evaluation.
import { type BgNbdData, subsample } from './bgnbd.js';
import { bfgs, boundedExp, digamma, lgamma, negateWithinBounds, nelderMead, polishMinimum, settledInside } from './math.js';

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
 * With `d`, also writes the series' derivatives by b, c and z into d[0..2] (same loop: term k
 * carries Σ_{j<k} 1/(b+j) and −Σ_{j<k} 1/(c+j) as its b and c derivatives, k z^(k−1) for z).
 */
function series1(b: number, c: number, z: number, d?: Float64Array): number {
  let term = 1;
  let sum = 1;
  let hb = 0;
  let hc = 0;
  let sb = 0;
  let sc = 0;
  let sz = 0;
  for (let k = 0; k < 200000; k++) {
    const ratio = (b + k) / (c + k);
    if (d) {
      sz += (k + 1) * ratio * term;
      hb += 1 / (b + k);
      hc += 1 / (c + k);
    }
    term *= ratio * z;
    sum += term;
    if (d) {
      sb += term * hb;
      sc -= term * hc;
    }
    if (term < 1e-16 * sum) break;
  }
  if (d) {
    d[0] = sb;
    d[1] = sc;
    d[2] = sz;
  }
  return sum;
}

/**
 * ln of the A0 piece at time t (t_x or T) of the note's likelihood, divided out so that
 * A0 = exp(logPiece(t_x)) − exp(logPiece(T)):
 *   α ≥ β: 2F1(ρ, s+1; ρ+1; (α−β)/(α+t)) / (α+t)^ρ = (β+t)^−s (α+t)^−(r+x) · Σ (r+x)_k/(ρ+1)_k z^k
 *   α < β: 2F1(ρ, r+x; ρ+1; (β−α)/(β+t)) / (β+t)^ρ = (α+t)^(1−r−x) (β+t)^−(s+1) · Σ (s+1)_k/(ρ+1)_k z^k
 * with ρ = r+s+x (Euler's transformation 2F1(a,b;c;z) = (1−z)^(c−a−b) 2F1(c−a,c−b;c;z)).
 * With `grad`, writes its derivatives by r, α, s and β into grad[at..at+3].
 */
function logPiece(p: ParetoNbdParams, x: number, t: number, grad?: Float64Array, at = 0, la = Math.log(p.alpha + t), lb = Math.log(p.beta + t)): number {
  const { r, alpha, s, beta } = p;
  const rho = r + s + x;
  if (alpha >= beta) {
    const z = (alpha - beta) / (alpha + t);
    const S = series1(r + x, rho + 1, z, grad ? scratch : undefined);
    if (grad) {
      const Sb = scratch[0];
      const Sc = scratch[1];
      const Sz = scratch[2];
      grad[at] = -la + (Sb + Sc) / S;
      grad[at + 1] = -(r + x) / (alpha + t) + ((Sz / S) * (beta + t)) / ((alpha + t) * (alpha + t));
      grad[at + 2] = -lb + Sc / S;
      grad[at + 3] = -s / (beta + t) - Sz / S / (alpha + t);
    }
    return -s * lb - (r + x) * la + Math.log(S);
  }
  const z = (beta - alpha) / (beta + t);
  const S = series1(s + 1, rho + 1, z, grad ? scratch : undefined);
  if (grad) {
    const Sb = scratch[0];
    const Sc = scratch[1];
    const Sz = scratch[2];
    grad[at] = -la + Sc / S;
    grad[at + 1] = (1 - r - x) / (alpha + t) - Sz / S / (beta + t);
    grad[at + 2] = -lb + (Sb + Sc) / S;
    grad[at + 3] = -(s + 1) / (beta + t) + ((Sz / S) * (alpha + t)) / ((beta + t) * (beta + t));
  }
  return (1 - r - x) * la - (s + 1) * lb + Math.log(S);
}
const scratch = new Float64Array(3);

/** ln A0 = ln(exp(a) − exp(b)), −∞ when t_x = T (nothing between the last purchase and now). */
function logDiff(a: number, b: number): number {
  if (!(a > b)) return -Infinity;
  return a + Math.log1p(-Math.exp(b - a));
}

/**
 * the hypergeometric series is used while z <= this: its terms fall at least as z^k, so it
 * needs at most a few hundred terms, and it is evaluated once per distinct (x, t) where the
 * quadrature runs once per distinct (x, t_x, T)
 */
const SERIES_MAX_Z = 0.85;

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
 * With `grad`, writes its derivatives by r, α, s and β into grad[0..3] (differentiated under the integral: the limits in τ do not move).
 */
function logDeadByQuadrature(p: ParetoNbdParams, x: number, tx: number, T: number, grad?: Float64Array): number {
  if (!(T > tx)) return -Infinity;
  const { r, alpha, s, beta } = p;
  const a = r + x;
  const b = s + 1;
  const m = Math.min(alpha, beta);
  const lo = Math.log(m + tx);
  // with a > 1 the integrand falls at least as e^−(a−1)v: past e^−46 of its start nothing is left
  const hi = a > 1 ? Math.min(Math.log(m + T), lo + 46 / (a - 1)) : Math.log(m + T);
  // d ln(integrand)/dv = 1 − a e^v/(α+τ) − b e^v/(β+τ) is monotone in v, so its largest size is at an end
  const panels = Math.min(4000, Math.max(1, Math.ceil(((hi - lo) * Math.max(1, logSlope(p, a, b, lo), logSlope(p, a, b, hi))) / 6)));
  const width = (hi - lo) / panels;
  // integrand in v: e^v (α+τ)^−a (β+τ)^−b with τ = e^v − m; summed in logs against under/overflow
  const nodes = panels * 10;
  if (quadLogs.length < nodes) {
    quadLogs = new Float64Array(nodes * 2);
    quadTau = new Float64Array(nodes * 2);
  }
  let peak = -Infinity;
  let q = 0;
  for (let k = 0; k < panels; k++) {
    const mid = lo + (k + 0.5) * width;
    for (let j = 0; j < 10; j++) {
      const v = mid + 0.5 * width * GL_X[j];
      const tau = Math.exp(v) - m;
      const l = Math.log(0.5 * width * GL_W[j]) + v - a * Math.log(alpha + tau) - b * Math.log(beta + tau);
      quadLogs[q] = l;
      quadTau[q++] = tau;
      if (l > peak) peak = l;
    }
  }
  let sum = 0;
  let dr = 0;
  let da = 0;
  let ds = 0;
  let db = 0;
  for (let k = 0; k < nodes; k++) {
    const f = Math.exp(quadLogs[k] - peak);
    sum += f;
    if (grad) {
      const tau = quadTau[k];
      dr -= f * Math.log(alpha + tau);
      da -= (f * a) / (alpha + tau);
      ds -= f * Math.log(beta + tau);
      db -= (f * b) / (beta + tau);
    }
  }
  if (grad) {
    grad[0] = dr / sum;
    grad[1] = da / sum;
    grad[2] = 1 / s + ds / sum;
    grad[3] = db / sum;
  }
  return Math.log(s) + peak + Math.log(sum);
}
/** |d ln(integrand)/dv| at v: 1 − a e^v/(α+τ) − b e^v/(β+τ) with τ = e^v − min(α, β) */
function logSlope(p: ParetoNbdParams, a: number, b: number, v: number): number {
  const ev = Math.exp(v);
  const m = Math.min(p.alpha, p.beta);
  return Math.abs(1 - (a * ev) / (p.alpha + ev - m) - (b * ev) / (p.beta + ev - m));
}
let quadLogs = new Float64Array(0);
let quadTau = new Float64Array(0);

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
  /** per pair: d piece / d (r, α, s, β) */
  private readonly pieceGrad: Float64Array;
  /**
   * the distinct times (t_x and T), each pair's and group's index into them, and each group's
   * index into xs: ln(α+t), ln(β+t) and ln(s/(r+s+x)) are taken once per evaluation from tables
   * (the same values as per group: a few thousand logs instead of hundreds of thousands)
   */
  private readonly tVals: Float64Array;
  private readonly pairTi: Int32Array;
  private readonly gTi: Int32Array;
  private readonly gXi: Int32Array;
  private readonly lnA: Float64Array;
  private readonly lnB: Float64Array;
  private readonly lnSx: Float64Array;

  constructor(private readonly data: BgNbdData) {
    const byX = new Map<number, number>();
    const pairs = new Map<number, Map<number, number>>();
    const px: number[] = [];
    const pt: number[] = [];
    const pair = (x: number, t: number) => {
      let byT = pairs.get(x);
      if (!byT) pairs.set(x, (byT = new Map()));
      let k = byT.get(t);
      if (k === undefined) {
        k = px.push(x) - 1;
        pt.push(t);
        byT.set(t, k);
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
    this.pieceGrad = new Float64Array(4 * px.length);
    const tIndex = new Map<number, number>();
    const tv: number[] = [];
    const ti = (t: number) => {
      let k = tIndex.get(t);
      if (k === undefined) {
        k = tv.push(t) - 1;
        tIndex.set(t, k);
      }
      return k;
    };
    this.pairTi = new Int32Array(pt.length);
    for (let k = 0; k < pt.length; k++) this.pairTi[k] = ti(pt[k]);
    this.gTi = new Int32Array(n);
    this.gXi = new Int32Array(n);
    const xIndex = new Map(this.xs.map((v, k) => [v, k]));
    for (let i = 0; i < n; i++) {
      this.gTi[i] = ti(data.T[i]);
      this.gXi[i] = xIndex.get(data.x[i])!;
    }
    this.tVals = new Float64Array(tv);
    this.lnA = new Float64Array(tv.length);
    this.lnB = new Float64Array(tv.length);
    this.lnSx = new Float64Array(this.xs.length);
  }

  /** log-likelihood; with `grad`, writes d LL / d log(param) for (r, α, s, β). */
  value(p: ParetoNbdParams, grad?: number[]): number {
    const { r, alpha, s, beta } = p;
    if (!(r > 0 && alpha > 0 && s > 0 && beta > 0)) return -Infinity;
    const W = this.total;
    let ll = W * (-lgamma(r) + r * Math.log(alpha) + s * Math.log(beta));
    // gradient by the parameters themselves, turned into log-parameters at the end
    let gr = grad ? W * (Math.log(alpha) - digamma(r)) : 0;
    let ga = (W * r) / alpha;
    let gs = W * Math.log(beta);
    let gb = (W * s) / beta;
    for (let k = 0; k < this.xs.length; k++) {
      ll += this.xWeights[k] * lgamma(r + this.xs[k]);
      if (grad) gr += this.xWeights[k] * digamma(r + this.xs[k]);
      this.lnSx[k] = Math.log(s / (r + s + this.xs[k]));
    }
    const { lnA, lnB, tVals } = this;
    for (let k = 0; k < tVals.length; k++) {
      lnA[k] = Math.log(alpha + tVals[k]);
      lnB[k] = Math.log(beta + tVals[k]);
    }
    // series pieces only where the series converges fast; other groups are integrated directly
    const pg = this.pieceGrad;
    const pieceGrad = grad ? pg : undefined;
    for (let k = 0; k < this.pairX.length; k++) {
      const t = this.pairTi[k];
      this.pieces[k] = zOf(p, this.pairT[k]) <= SERIES_MAX_Z ? logPiece(p, this.pairX[k], this.pairT[k], pieceGrad, 4 * k, lnA[t], lnB[t]) : NaN;
    }
    const { x, tx, T, w } = this.data;
    const dd = deadGrad;
    for (let i = 0; i < x.length; i++) {
      const xi = x[i];
      const ka = this.gTx[i];
      const a = this.pieces[ka];
      let dead: number;
      let q = 0;
      if (Number.isNaN(a)) dead = logDeadByQuadrature(p, xi, tx[i], T[i], grad ? dd : undefined);
      else {
        const b = this.pieces[this.gT[i]];
        // logDiff(a, b) with its e^(b−a) kept for the gradient (one exp, the same values)
        q = Math.exp(b - a);
        dead = this.lnSx[this.gXi[i]] + (a > b ? a + Math.log1p(-q) : -Infinity);
      }
      const la = lnA[this.gTi[i]];
      const lb = lnB[this.gTi[i]];
      const alive = -(r + xi) * la - s * lb;
      const hi = Math.max(alive, dead);
      // e^(hi − hi) is exactly 1: one exp, the same sum as e^(alive − hi) + e^(dead − hi)
      const totalI = hi + Math.log(1 + Math.exp((alive === hi ? dead : alive) - hi));
      const wi = w[i];
      ll += wi * totalI;
      if (!grad) continue;
      // d total = P(alive part) d alive + (1 − that) d dead
      const pa = Math.exp(alive - totalI);
      gr -= wi * pa * la;
      ga -= (wi * pa * (r + xi)) / (alpha + T[i]);
      gs -= wi * pa * lb;
      gb -= (wi * pa * s) / (beta + T[i]);
      if (dead === -Infinity) continue;
      const pd = wi * (1 - pa);
      if (Number.isNaN(a)) {
        gr += pd * dd[0];
        ga += pd * dd[1];
        gs += pd * dd[2];
        gb += pd * dd[3];
      } else {
        // ln(s/(r+s+x)) + ln(e^a − e^b): (da − q db)/(1 − q) with q = e^(b−a)
        const kb = 4 * this.gT[i];
        const ka4 = 4 * ka;
        const inv = 1 / (1 - q);
        const rsx = 1 / (r + s + xi);
        gr += pd * (-rsx + (pg[ka4] - q * pg[kb]) * inv);
        ga += pd * (pg[ka4 + 1] - q * pg[kb + 1]) * inv;
        gs += pd * (1 / s - rsx + (pg[ka4 + 2] - q * pg[kb + 2]) * inv);
        gb += pd * (pg[ka4 + 3] - q * pg[kb + 3]) * inv;
      }
    }
    if (grad) {
      grad[0] = gr * r;
      grad[1] = ga * alpha;
      grad[2] = gs * s;
      grad[3] = gb * beta;
    }
    return ll;
  }
}
const deadGrad = new Float64Array(4);

/** Log-likelihood of the Pareto/NBD model for grouped data; with `grad`, its derivatives by ln r, ln α, ln s, ln β. */
export function paretoNbdLogLikelihood(data: BgNbdData, p: ParetoNbdParams, grad?: number[]): number {
  return new Likelihood(data).value(p, grad);
}

/**
 * Maximum-likelihood fit: BFGS with the analytic gradient on log-parameters from a few starts
 * (the best wins). With many distinct triples a systematic subsample finds the optimum's
 * neighbourhood and the full data polishes it, warm-started from the subsample's curvature.
 * `start`: the optimum of closely related data (the same customers a few months earlier), searched from directly.
 */
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
  const params = (u: number[]): ParetoNbdParams => ({ r: boundedExp(u[0]), alpha: boundedExp(u[1]), s: boundedExp(u[2]), beta: boundedExp(u[3]) });
  const objective = (lik: Likelihood) => (u: number[], grad: number[]) => {
    const v = lik.value(params(u), grad);
    if (!Number.isFinite(v)) return Infinity;
    negateWithinBounds(u, grad);
    return -v;
  };
  const fitOn = (lik: Likelihood, from: number[], inverseHessian?: number[][]) => bfgs(objective(lik), from, { maxIterations: 300, gradientTolerance: 1e-11, inverseHessian });
  const starts = start
    ? [[start.r, start.alpha, start.s, start.beta].map(Math.log)]
    : [
        [0, Math.log(meanT), 0, Math.log(meanT)],
        [Math.log(0.5), Math.log(meanT / 4), Math.log(0.5), Math.log(meanT)],
        [Math.log(2), Math.log(meanT * 2), Math.log(2), Math.log(meanT / 2)],
      ];
  let best = null as ReturnType<typeof fitOn> | null;
  for (const from of starts) {
    const m = fitOn(sample, from);
    if (!best || m.f < best.f) best = m;
    if (settledInside(best, starts[0])) {
      best = polishMinimum(objective(sample), best, { maxIterations: 300, gradientTolerance: 1e-11 });
      break;
    }
  }
  let result = best!;
  if (sample !== full) result = fitOn(full, result.x, result.inverseHessian);
  // a short Nelder-Mead polish guards against a line search that stalled early on the β ridge
  if (!result.converged && groups <= 2 * SUB) {
    const nm = nelderMead(
      (u) => {
        const v = full.value(params(u));
        return Number.isFinite(v) ? -v : Infinity;
      },
      result.x,
      { step: 0.05, maxIterations: 2000, tolerance: 1e-13 },
    );
    if (nm.f < result.f) result = { ...nm, converged: nm.converged };
  }
  const p = params(result.x);
  // the last search ran on the full data and ends at a point it evaluated there: −f is its log-likelihood
  return { ...p, logLikelihood: Number.isFinite(result.f) ? -result.f : full.value(p), customers, groups, converged: result.converged };
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

/**
 * Expected purchases in (T, T + t] given (x, t_x, T): (r+x)(β+T)/((α+T)(s−1)) [1 − ((β+T)/(β+T+t))^(s−1)] P(alive).
 * `alive`: P(alive | x, t_x, T) when the caller has it already (several horizons for one customer).
 */
export function paretoNbdConditionalExpected(p: ParetoNbdParams, t: number, x: number, tx: number, T: number, alive?: number): number {
  if (t <= 0) return 0;
  const { r, alpha, s, beta } = p;
  const rate = (r + x) / (alpha + T);
  const span = Math.abs(s - 1) < 1e-9 ? (beta + T) * Math.log((beta + T + t) / (beta + T)) : ((beta + T) / (s - 1)) * (1 - Math.pow((beta + T) / (beta + T + t), s - 1));
  return rate * span * (alive ?? paretoNbdPAlive(p, x, tx, T));
}
