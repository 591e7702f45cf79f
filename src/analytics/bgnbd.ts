// BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005, "Counting your customers the
// easy way"). Each customer is summarised by x (repeat purchases), t_x (time of the last
// purchase since the first) and T (time since the first purchase), all in one time unit.
// The likelihood depends only on those triples, so identical triples are fitted once, weighted.
import { bfgs, boundedExp, digamma, hyp2f1, lgamma, mapFloat64, negateWithinBounds, nelderMead, polishMinimum, settledInside } from './math.js';

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
export function groupDayTriples(x: ArrayLike<number>, txDays: ArrayLike<number>, TDays: ArrayLike<number>, unitDays: number): BgNbdData & { groupOf: Int32Array } {
  // LSD radix sort of the customers by (x, t_x, T) — three counting-sort passes, linear time —
  // then runs of equal triples are the groups, ordered whatever the input order
  const n = x.length;
  let maxX = 0;
  let maxD = 0;
  for (let i = 0; i < n; i++) {
    if (!(txDays[i] >= 0 && TDays[i] >= 0 && x[i] >= 0 && Number.isInteger(txDays[i]) && Number.isInteger(TDays[i]) && Number.isInteger(x[i])))
      throw new Error(`customer ${i}: x, t_x and T must be whole numbers of purchases and days`);
    if (x[i] > maxX) maxX = x[i];
    if (txDays[i] > maxD) maxD = txDays[i];
    if (TDays[i] > maxD) maxD = TDays[i];
  }
  let perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  let out = new Int32Array(n);
  const pass = (field: ArrayLike<number>, max: number) => {
    const counts = new Int32Array(max + 2);
    for (let i = 0; i < n; i++) counts[field[perm[i]] + 1]++;
    for (let v = 0; v <= max; v++) counts[v + 1] += counts[v];
    for (let i = 0; i < n; i++) {
      const c = perm[i];
      out[counts[field[c]]++] = c;
    }
    const t = perm;
    perm = out;
    out = t;
  };
  pass(TDays, maxD);
  pass(txDays, maxD);
  pass(x, maxX);
  const groupOf = new Int32Array(n);
  const gx: number[] = [];
  const gtx: number[] = [];
  const gT: number[] = [];
  const gw: number[] = [];
  let g = -1;
  for (let k = 0; k < n; k++) {
    const i = perm[k];
    if (g < 0 || x[i] !== gx[g] || txDays[i] !== gtx[g] || TDays[i] !== gT[g]) {
      g++;
      gx.push(x[i]);
      gtx.push(txDays[i]);
      gT.push(TDays[i]);
      gw.push(0);
    }
    gw[g]++;
    groupOf[i] = g;
  }
  return {
    x: new Float64Array(gx),
    tx: mapFloat64(gtx, (v) => v / unitDays),
    T: mapFloat64(gT, (v) => v / unitDays),
    w: new Float64Array(gw),
    groupOf,
  };
}

function sortGroups(gx: number[], gtx: number[], gT: number[], gw: number[], groupOf: Int32Array) {
  const m = gx.length;
  const order = Array.from({ length: m }, (_, i) => i).sort((i, j) => gx[i] - gx[j] || gtx[i] - gtx[j] || gT[i] - gT[j]);
  const rank = new Int32Array(m);
  for (const [k, g] of order.entries()) rank[g] = k;
  for (let i = 0; i < groupOf.length; i++) groupOf[i] = rank[groupOf[i]];
  return {
    x: mapFloat64(order, (g) => gx[g]),
    tx: mapFloat64(order, (g) => gtx[g]),
    T: mapFloat64(order, (g) => gT[g]),
    w: mapFloat64(order, (g) => gw[g]),
    groupOf,
  };
}

/**
 * x-only terms are summed per distinct x; x = 0 groups only need their weight per T; for the
 * others ln(alpha + T) and ln(alpha + t_x) come from small tables of the distinct T and t_x
 * values, so each group costs one exp and one log1p.
 */
class Likelihood {
  readonly xs: number[] = [];
  readonly xWeights: number[] = [];
  readonly totalWeight: number;
  private readonly Tvals: Float64Array;
  private readonly txVals: Float64Array;
  /** weight of x = 0 customers per distinct T */
  private readonly w0: Float64Array;
  // groups with x > 0
  private readonly gx: Float64Array;
  private readonly gxIdx: Int32Array;
  private readonly gT: Int32Array;
  private readonly gtx: Int32Array;
  private readonly gw: Float64Array;
  // scratch tables
  private readonly lT: Float64Array;
  private readonly iT: Float64Array;
  private readonly ltx: Float64Array;
  private readonly itx: Float64Array;

  constructor(readonly data: BgNbdData) {
    const byX = new Map<number, number>();
    let total = 0;
    const n = data.x.length;
    const tIndex = new Map<number, number>();
    const txIndex = new Map<number, number>();
    const Tv: number[] = [];
    const txv: number[] = [];
    let positive = 0;
    for (let i = 0; i < n; i++) {
      byX.set(data.x[i], (byX.get(data.x[i]) ?? 0) + data.w[i]);
      total += data.w[i];
      if (!tIndex.has(data.T[i])) tIndex.set(data.T[i], Tv.push(data.T[i]) - 1);
      if (data.x[i] > 0) {
        positive++;
        if (!txIndex.has(data.tx[i])) txIndex.set(data.tx[i], txv.push(data.tx[i]) - 1);
      }
    }
    for (const [x, w] of [...byX.entries()].sort((p, q) => p[0] - q[0])) {
      this.xs.push(x);
      this.xWeights.push(w);
    }
    const xIdx = new Map(this.xs.map((x, k) => [x, k]));
    this.totalWeight = total;
    this.Tvals = Float64Array.from(Tv);
    this.txVals = Float64Array.from(txv);
    this.w0 = new Float64Array(Tv.length);
    this.gx = new Float64Array(positive);
    this.gxIdx = new Int32Array(positive);
    this.gT = new Int32Array(positive);
    this.gtx = new Int32Array(positive);
    this.gw = new Float64Array(positive);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const t = tIndex.get(data.T[i])!;
      if (data.x[i] === 0) {
        this.w0[t] += data.w[i];
        continue;
      }
      this.gx[k] = data.x[i];
      this.gxIdx[k] = xIdx.get(data.x[i])!;
      this.gT[k] = t;
      this.gtx[k] = txIndex.get(data.tx[i])!;
      this.gw[k] = data.w[i];
      k++;
    }
    this.lT = new Float64Array(Tv.length);
    this.iT = new Float64Array(Tv.length);
    this.ltx = new Float64Array(txv.length);
    this.itx = new Float64Array(txv.length);
  }

  /** log-likelihood; with `grad`, writes d LL / d log(param) for (r, alpha, a, b). */
  value(p: BgNbdParams, grad?: number[]): number {
    const { r, alpha, a, b } = p;
    const { lT, iT, ltx, itx, Tvals, txVals, w0, gx, gxIdx, gT, gtx, gw } = this;
    for (let k = 0; k < Tvals.length; k++) {
      lT[k] = Math.log(alpha + Tvals[k]);
      iT[k] = 1 / (alpha + Tvals[k]);
    }
    for (let k = 0; k < txVals.length; k++) {
      ltx[k] = Math.log(alpha + txVals[k]);
      itx[k] = 1 / (alpha + txVals[k]);
    }
    let ll = this.totalWeight * (r * Math.log(alpha) - lgamma(r) + lgamma(a + b) - lgamma(b));
    let gr = this.totalWeight * (Math.log(alpha) - (grad ? digamma(r) : 0));
    let ga = this.totalWeight * (r / alpha);
    let gA = grad ? this.totalWeight * digamma(a + b) : 0;
    let gB = grad ? this.totalWeight * (digamma(a + b) - digamma(b)) : 0;
    const logC = new Float64Array(this.xs.length);
    for (let k = 0; k < this.xs.length; k++) {
      const xv = this.xs[k];
      const wv = this.xWeights[k];
      ll += wv * (lgamma(r + xv) + lgamma(b + xv) - lgamma(a + b + xv));
      if (xv > 0) logC[k] = Math.log(a / (b + xv - 1));
      if (grad) {
        const dabx = digamma(a + b + xv);
        gr += wv * digamma(r + xv);
        gA -= wv * dabx;
        gB += wv * (digamma(b + xv) - dabx);
      }
    }
    // x = 0: -r ln(alpha + T)
    for (let k = 0; k < Tvals.length; k++) {
      const w = w0[k];
      if (w === 0) continue;
      ll -= w * r * lT[k];
      if (grad) {
        gr -= w * lT[k];
        ga -= w * r * iT[k];
      }
    }
    const m = gx.length;
    for (let i = 0; i < m; i++) {
      const xi = gx[i];
      const rx = r + xi;
      const LT = lT[gT[i]];
      const Lt = ltx[gtx[i]];
      // -(r+x) ln(alpha+T) + log(1 + c e^{(r+x)(LT - Lt)}), computed stably
      const logE = logC[gxIdx[i]] + rx * (LT - Lt);
      const soft = logE > 0 ? logE + Math.log1p(Math.exp(-logE)) : Math.log1p(Math.exp(logE));
      const wi = gw[i];
      ll += wi * (soft - rx * LT);
      if (grad) {
        const s = logE > 0 ? 1 / (1 + Math.exp(-logE)) : Math.exp(logE - soft); // E / (1 + E)
        gr += wi * (-LT + s * (LT - Lt));
        const it = iT[gT[i]];
        ga += wi * rx * (-it + s * (it - itx[gtx[i]]));
        gA += (wi * s) / a;
        gB -= (wi * s) / (b + xi - 1);
      }
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

const fromLog = (u: number[]): BgNbdParams => {
  const e = u.map(boundedExp);
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
/** `start`: the optimum of closely related data (the same customers a few months earlier), searched from directly. */
export function fitBgNbd(data: BgNbdData, start?: BgNbdParams): BgNbdFit {
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
  const SUB = 10000;
  const sample = groups > 2 * SUB ? new Likelihood(subsample(data, SUB)) : full;
  const objective = (lik: Likelihood) => (u: number[], grad: number[]) => {
    const v = lik.value(fromLog(u), grad);
    negateWithinBounds(u, grad);
    return -v;
  };
  const fitOn = (lik: Likelihood, start: number[], inverseHessian?: number[][]) => bfgs(objective(lik), start, { maxIterations: 300, inverseHessian });
  const starts = start
    ? [[start.r, start.alpha, start.a, start.b].map(Math.log)]
    : [
        [0, Math.log(meanT), 0, 0],
        [Math.log(0.1), Math.log(meanT / 10), Math.log(0.5), Math.log(2)],
        [Math.log(2), Math.log(meanT * 2), Math.log(2), Math.log(5)],
      ];
  let best = null as ReturnType<typeof fitOn> | null;
  for (const s of starts) {
    const m = fitOn(sample, s);
    if (!best || m.f < best.f) best = m;
    if (settledInside(best, starts[0])) {
      best = polishMinimum(objective(sample), best, { maxIterations: 300 });
      break;
    }
  }
  let result = best!;
  // the subsample's weights are scaled to the full total, so its curvature is a good start
  if (sample !== full) result = fitOn(full, result.x, result.inverseHessian);
  // a short Nelder-Mead polish guards against a line search that stalled early
  if (!result.converged && groups <= 2 * SUB) {
    const nm = nelderMead((u) => -full.value(fromLog(u)), result.x, { step: 0.1 });
    if (nm.f < result.f) result = { ...nm, converged: nm.converged };
  }
  const p = fromLog(result.x);
  // the last search ran on the full data and ends at a point it evaluated there: −f is its log-likelihood
  return { ...p, logLikelihood: Number.isFinite(result.f) ? -result.f : full.value(p), customers, groups, iterations: result.iterations, converged: result.converged };
}

export function subsample(data: BgNbdData, size: number): BgNbdData {
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
    x: mapFloat64(idx, (i) => data.x[i]),
    tx: mapFloat64(idx, (i) => data.tx[i]),
    T: mapFloat64(idx, (i) => data.T[i]),
    w: mapFloat64(idx, (i) => data.w[i] * scale),
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

/** Expected purchases in (T, T + t] given the customer's history (x, t_x, T); `alive`: P(alive) when the caller has it already. */
export function conditionalExpectedPurchases(p: BgNbdParams, t: number, x: number, tx: number, T: number, alive?: number): number {
  if (t <= 0) return 0;
  const { r, alpha, a, b } = p;
  const z = t / (alpha + T + t);
  const head = (a + b + x - 1) / (a - 1);
  const tail = 1 - Math.pow((alpha + T) / (alpha + T + t), r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z);
  return head * tail * (alive ?? pAlive(p, x, tx, T));
}
