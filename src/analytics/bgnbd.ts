// BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005, "Counting your customers the
// easy way"). Each customer is summarised by x (repeat purchases), t_x (time of the last
// purchase since the first) and T (time since the first purchase), all in one time unit.
// The likelihood depends only on those triples, so identical triples are fitted once, weighted.
import { bfgs, digamma, hyp2f1, lgamma, nelderMead } from './math.js';

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export interface BgNbdFit extends BgNbdParams {
  logLikelihood: number;
  /** customers the fit saw */
  customers: number;
  /** distinct (x, t_x, T) triples */
  groups: number;
  iterations: number;
  converged: boolean;
}

/** Customers grouped by identical (x, t_x, T); w = how many customers share the triple. */
export interface BgNbdData {
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  w: Float64Array;
}

/** Groups customers by identical (x, t_x, T) (exact values). Result order is sorted, so it does not depend on input order. */
export function groupTriples(x: ArrayLike<number>, tx: ArrayLike<number>, T: ArrayLike<number>): BgNbdData & { groupOf: Int32Array } {
  const n = x.length;
  const index = new Map<string, number>();
  const groupOf = new Int32Array(n);
  const gx: number[] = [];
  const gtx: number[] = [];
  const gT: number[] = [];
  const gw: number[] = [];
  for (let i = 0; i < n; i++) {
    const key = `${x[i]}|${tx[i]}|${T[i]}`;
    let g = index.get(key);
    if (g === undefined) {
      g = gx.length;
      index.set(key, g);
      gx.push(x[i]);
      gtx.push(tx[i]);
      gT.push(T[i]);
      gw.push(0);
    }
    gw[g]++;
    groupOf[i] = g;
  }
  return sortGroups(gx, gtx, gT, gw, groupOf);
}

/**
 * Fast grouping for integer day counts (x repeat purchases, recency and age in whole days),
 * converted to the model's time unit by dividing by `unitDays`.
 */
export function groupDayTriples(
  x: ArrayLike<number>,
  txDays: ArrayLike<number>,
  TDays: ArrayLike<number>,
  unitDays: number,
): BgNbdData & { groupOf: Int32Array } {
  const n = x.length;
  const index = new Map<number, number>();
  const groupOf = new Int32Array(n);
  const gx: number[] = [];
  const gtx: number[] = [];
  const gT: number[] = [];
  const gw: number[] = [];
  for (let i = 0; i < n; i++) {
    const key = (x[i] * 65536 + txDays[i]) * 65536 + TDays[i];
    let g = index.get(key);
    if (g === undefined) {
      g = gx.length;
      index.set(key, g);
      gx.push(x[i]);
      gtx.push(txDays[i]);
      gT.push(TDays[i]);
      gw.push(0);
    }
    gw[g]++;
    groupOf[i] = g;
  }
  for (let g = 0; g < gx.length; g++) {
    gtx[g] /= unitDays;
    gT[g] /= unitDays;
  }
  return sortGroups(gx, gtx, gT, gw, groupOf);
}

function sortGroups(gx: number[], gtx: number[], gT: number[], gw: number[], groupOf: Int32Array) {
  const m = gx.length;
  const order = Array.from({ length: m }, (_, i) => i).sort((i, j) => gx[i] - gx[j] || gtx[i] - gtx[j] || gT[i] - gT[j]);
  const rank = new Int32Array(m);
  order.forEach((g, k) => (rank[g] = k));
  for (let i = 0; i < groupOf.length; i++) groupOf[i] = rank[groupOf[i]];
  return {
    x: Float64Array.from(order, (g) => gx[g]),
    tx: Float64Array.from(order, (g) => gtx[g]),
    T: Float64Array.from(order, (g) => gT[g]),
    w: Float64Array.from(order, (g) => gw[g]),
    groupOf,
  };
}

/** x-only terms are summed per distinct x; per-triple work is two logs and an exp. */
class Likelihood {
  readonly xs: number[] = [];
  readonly xWeights: number[] = [];
  readonly totalWeight: number;
  constructor(readonly data: BgNbdData) {
    const byX = new Map<number, number>();
    let total = 0;
    for (let i = 0; i < data.x.length; i++) {
      byX.set(data.x[i], (byX.get(data.x[i]) ?? 0) + data.w[i]);
      total += data.w[i];
    }
    for (const [x, w] of [...byX.entries()].sort((p, q) => p[0] - q[0])) {
      this.xs.push(x);
      this.xWeights.push(w);
    }
    this.totalWeight = total;
  }

  /** log-likelihood; with `grad`, writes d LL / d log(param) for (r, alpha, a, b). */
  value(p: BgNbdParams, grad?: number[]): number {
    const { r, alpha, a, b } = p;
    const { x, tx, T, w } = this.data;
    let ll = this.totalWeight * (r * Math.log(alpha) - lgamma(r) + lgamma(a + b) - lgamma(b));
    let gr = this.totalWeight * (Math.log(alpha) - (grad ? digamma(r) : 0));
    let ga = this.totalWeight * (r / alpha);
    let gA = grad ? this.totalWeight * digamma(a + b) : 0;
    let gB = grad ? this.totalWeight * (digamma(a + b) - digamma(b)) : 0;
    for (let k = 0; k < this.xs.length; k++) {
      const xv = this.xs[k];
      const wv = this.xWeights[k];
      ll += wv * (lgamma(r + xv) + lgamma(b + xv) - lgamma(a + b + xv));
      if (grad) {
        const dabx = digamma(a + b + xv);
        gr += wv * digamma(r + xv);
        gA -= wv * dabx;
        gB += wv * (digamma(b + xv) - dabx);
      }
    }
    const n = x.length;
    for (let i = 0; i < n; i++) {
      const xi = x[i];
      const rx = r + xi;
      const lT = Math.log(alpha + T[i]);
      let term = -rx * lT;
      if (xi > 0) {
        const lt = Math.log(alpha + tx[i]);
        // log(1 + c e^{(r+x)(lT - lt)}) computed stably
        const logE = Math.log(a / (b + xi - 1)) + rx * (lT - lt);
        const soft = logE > 0 ? logE + Math.log1p(Math.exp(-logE)) : Math.log1p(Math.exp(logE));
        term += soft;
        if (grad) {
          const s = Math.exp(logE - soft); // E / (1 + E)
          const wi = w[i];
          gr += wi * (-lT + s * (lT - lt));
          ga += wi * (-rx / (alpha + T[i]) + s * rx * (1 / (alpha + T[i]) - 1 / (alpha + tx[i])));
          gA += wi * (s / a);
          gB += wi * (-s / (b + xi - 1));
        }
      } else if (grad) {
        const wi = w[i];
        gr -= wi * lT;
        ga -= (wi * rx) / (alpha + T[i]);
      }
      ll += w[i] * term;
    }
    if (grad) {
      grad[0] = gr * r;
      grad[1] = ga * alpha;
      grad[2] = gA * a;
      grad[3] = gB * b;
    }
    return ll;
  }
}

const LOG_BOUND = 15;
const fromLog = (u: number[]): BgNbdParams => {
  const e = u.map((v) => Math.exp(Math.max(-LOG_BOUND, Math.min(LOG_BOUND, v))));
  return { r: e[0], alpha: e[1], a: e[2], b: e[3] };
};

/** Log-likelihood of the BG/NBD model for grouped data. */
export function bgnbdLogLikelihood(data: BgNbdData, p: BgNbdParams): number {
  return new Likelihood(data).value(p);
}

/**
 * Maximum-likelihood fit: BFGS with the analytic gradient on log-parameters from several
 * starting points (the best wins). With many distinct triples, a systematic subsample is
 * fitted first and the full data only polishes that optimum.
 */
export function fitBgNbd(data: BgNbdData): BgNbdFit {
  const groups = data.x.length;
  let customers = 0;
  let meanT = 0;
  for (let i = 0; i < groups; i++) {
    customers += data.w[i];
    meanT += data.w[i] * data.T[i];
  }
  if (customers === 0) throw new Error('BG/NBD needs at least one customer');
  meanT = meanT / customers || 1;
  const full = new Likelihood(data);
  const SUB = 20000;
  const sample = groups > 2 * SUB ? new Likelihood(subsample(data, SUB)) : full;
  const fitOn = (lik: Likelihood, start: number[]) =>
    bfgs(
      (u, grad) => {
        const v = lik.value(fromLog(u), grad);
        for (let i = 0; i < 4; i++) grad[i] = -grad[i];
        return -v;
      },
      start,
      { maxIterations: 300 },
    );
  const starts = [
    [0, Math.log(meanT), 0, 0],
    [Math.log(0.1), Math.log(meanT / 10), Math.log(0.5), Math.log(2)],
    [Math.log(2), Math.log(meanT * 2), Math.log(2), Math.log(5)],
  ];
  let best = null as ReturnType<typeof fitOn> | null;
  for (const s of starts) {
    const m = fitOn(sample, s);
    if (!best || m.f < best.f) best = m;
  }
  let result = best!;
  if (sample !== full) result = fitOn(full, result.x);
  // a short Nelder-Mead polish guards against a line search that stalled early
  if (!result.converged && groups <= 2 * SUB) {
    const nm = nelderMead((u) => -full.value(fromLog(u)), result.x, { step: 0.1 });
    if (nm.f < result.f) result = { ...nm, converged: nm.converged };
  }
  const p = fromLog(result.x);
  return { ...p, logLikelihood: full.value(p), customers, groups, iterations: result.iterations, converged: result.converged };
}

function subsample(data: BgNbdData, size: number): BgNbdData {
  const n = data.x.length;
  const step = n / size;
  const idx: number[] = [];
  for (let k = 0; k < size; k++) idx.push(Math.floor(k * step));
  let total = 0;
  let kept = 0;
  for (let i = 0; i < n; i++) total += data.w[i];
  for (const i of idx) kept += data.w[i];
  const scale = total / kept;
  return {
    x: Float64Array.from(idx, (i) => data.x[i]),
    tx: Float64Array.from(idx, (i) => data.tx[i]),
    T: Float64Array.from(idx, (i) => data.T[i]),
    w: Float64Array.from(idx, (i) => data.w[i] * scale),
  };
}

/** P(alive | x, t_x, T) */
export function pAlive(p: BgNbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  const logE = Math.log(p.a / (p.b + x - 1)) + (p.r + x) * (Math.log(p.alpha + T) - Math.log(p.alpha + tx));
  return 1 / (1 + Math.exp(logE));
}

/** Expected purchases in (0, t] for a customer just acquired (unconditional). */
export function expectedPurchasesNew(p: BgNbdParams, t: number): number {
  const { r, alpha, a, b } = p;
  const z = t / (alpha + t);
  return ((a + b - 1) / (a - 1)) * (1 - Math.pow(alpha / (alpha + t), r) * hyp2f1(r, b, a + b - 1, z));
}

/** Expected purchases in (T, T + t] given the customer's history (x, t_x, T). */
export function conditionalExpectedPurchases(p: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  if (t <= 0) return 0;
  const { r, alpha, a, b } = p;
  const z = t / (alpha + T + t);
  const head = (a + b + x - 1) / (a - 1);
  const tail = 1 - Math.pow((alpha + T) / (alpha + T + t), r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z);
  return ((head * tail) * pAlive(p, x, tx, T));
}
