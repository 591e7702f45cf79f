// Numerical building blocks for the models: log-gamma, digamma, the Gauss hypergeometric
// series, and two small optimisers (Nelder-Mead, BFGS). Plain functions, no dependencies.

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0 (Lanczos, g = 7; relative error ~1e-15). */
export function lgamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  const z = x - 1;
  let s = LANCZOS[0];
  for (let i = 1; i < 9; i++) s += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return HALF_LOG_2PI + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/** ln B(a, b) */
export function lbeta(a: number, b: number): number {
  return lgamma(a) + lgamma(b) - lgamma(a + b);
}

/** ψ(x), the digamma function, for x > 0. */
export function digamma(x: number): number {
  let result = 0;
  while (x < 6) {
    result -= 1 / x;
    x += 1;
  }
  const f = 1 / (x * x);
  return result + Math.log(x) - 0.5 / x - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f / 132))));
}

/** Gauss hypergeometric 2F1(a, b; c; z) by its power series, for 0 <= z < 1. */
export function hyp2f1(a: number, b: number, c: number, z: number, maxTerms = 20000): number {
  let term = 1;
  let sum = 1;
  for (let k = 0; k < maxTerms; k++) {
    term *= (((a + k) * (b + k)) / ((c + k) * (k + 1))) * z;
    sum += term;
    if (Math.abs(term) < 1e-14 * Math.abs(sum)) break;
  }
  return sum;
}

export interface Minimum {
  x: number[];
  f: number;
  iterations: number;
  converged: boolean;
  /** BFGS: the final inverse-Hessian approximation */
  inverseHessian?: number[][];
  /** function evaluations */
  evaluations?: number;
}

/** Nelder-Mead simplex minimiser (standard coefficients). */
export function nelderMead(f: (x: number[]) => number, start: number[], options: { step?: number; maxIterations?: number; tolerance?: number } = {}): Minimum {
  const n = start.length;
  const step = options.step ?? 0.5;
  const maxIt = options.maxIterations ?? 2000 * n;
  const tol = options.tolerance ?? 1e-10;
  const safe = (x: number[]) => {
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };
  let simplex: number[][] = [start.slice()];
  for (let i = 0; i < n; i++) {
    const p = start.slice();
    p[i] += step;
    simplex.push(p);
  }
  let values = simplex.map(safe);
  let it = 0;
  let converged = false;
  for (; it < maxIt; it++) {
    const order = values.map((_v, i) => i).sort((i, j) => values[i] - values[j]);
    simplex = order.map((i) => simplex[i]);
    values = order.map((i) => values[i]);
    const spreadF = Math.abs(values[n] - values[0]);
    let spreadX = 0;
    for (let i = 1; i <= n; i++) for (let j = 0; j < n; j++) spreadX = Math.max(spreadX, Math.abs(simplex[i][j] - simplex[0][j]));
    if (spreadF <= tol * (1 + Math.abs(values[0])) && spreadX <= 1e-8) {
      converged = true;
      break;
    }
    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j] += simplex[i][j] / n;
    const along = (t: number) => centroid.map((c, j) => c + t * (simplex[n][j] - c));
    const reflected = along(-1);
    const fr = safe(reflected);
    if (fr < values[0]) {
      const expanded = along(-2);
      const fe = safe(expanded);
      if (fe < fr) {
        simplex[n] = expanded;
        values[n] = fe;
      } else {
        simplex[n] = reflected;
        values[n] = fr;
      }
    } else if (fr < values[n - 1]) {
      simplex[n] = reflected;
      values[n] = fr;
    } else {
      const contracted = fr < values[n] ? along(-0.5) : along(0.5);
      const fc = safe(contracted);
      if (fc < Math.min(fr, values[n])) {
        simplex[n] = contracted;
        values[n] = fc;
      } else {
        for (let i = 1; i <= n; i++) {
          simplex[i] = simplex[i].map((v, j) => simplex[0][j] + 0.5 * (v - simplex[0][j]));
          values[i] = safe(simplex[i]);
        }
      }
    }
  }
  const best = values.indexOf(Math.min(...values));
  return { x: simplex[best], f: values[best], iterations: it, converged };
}

/**
 * BFGS quasi-Newton minimiser with a backtracking (Armijo) line search.
 * `fg` returns the value and writes the gradient into `grad`.
 */
export function bfgs(fg: (x: number[], grad: number[]) => number, start: number[], options: { maxIterations?: number; gradientTolerance?: number; inverseHessian?: number[][] } = {}): Minimum {
  const n = start.length;
  const maxIt = options.maxIterations ?? 200;
  // gradient tolerance relative to the size of the objective (a log-likelihood grows with n)
  const gtol = options.gradientTolerance ?? 1e-9;
  let evaluations = 0;
  const fg0 = fg;
  fg = (xx, gg) => {
    evaluations++;
    return fg0(xx, gg);
  };
  let x = start.slice();
  let g = new Array<number>(n).fill(0);
  let f = fg(x, g);
  if (!Number.isFinite(f)) return { x, f, iterations: 0, converged: false, evaluations };
  // inverse Hessian approximation (a good one from a related problem saves many iterations)
  const warm = options.inverseHessian !== undefined;
  let H = warm ? options.inverseHessian!.map((row) => row.slice()) : identity(n);
  let it = 0;
  let converged = false;
  const gNew = new Array<number>(n).fill(0);
  for (; it < maxIt; it++) {
    const scale = Math.max(1, Math.abs(f));
    const gmax = Math.max(...g.map(Math.abs));
    if (gmax <= gtol * scale) {
      converged = true;
      break;
    }
    let d = H.map((row) => -row.reduce((s, h, j) => s + h * g[j], 0));
    let slope = d.reduce((s, di, i) => s + di * g[i], 0);
    if (!(slope < 0)) {
      H = identity(n);
      d = g.map((gi) => -gi);
      slope = -g.reduce((s, gi) => s + gi * gi, 0);
    }
    // keep steps in log-parameter space sane
    const maxStep = Math.max(...d.map(Math.abs));
    let t = maxStep > 2 ? 2 / maxStep : 1;
    let xNew: number[] = x;
    let fNew = Infinity;
    let accepted = false;
    for (let k = 0; k < 30 && t * maxStep > 1e-12; k++) {
      xNew = x.map((xi, i) => xi + t * d[i]);
      fNew = fg(xNew, gNew);
      if (Number.isFinite(fNew) && fNew <= f + 1e-4 * t * slope) {
        accepted = true;
        break;
      }
      t *= 0.5;
    }
    if (!accepted) {
      // no decrease along this direction: at the optimum to working precision, or a stale
      // Hessian — try once more along the gradient
      if (gmax <= 1e-6 * scale) converged = true;
      else if (!H.every((row, i) => row.every((v, j) => v === (i === j ? 1 : 0)))) {
        H = identity(n);
        continue;
      }
      break;
    }
    const s = xNew.map((v, i) => v - x[i]);
    const y = gNew.map((v, i) => v - g[i]);
    const sy = s.reduce((acc, si, i) => acc + si * y[i], 0);
    const improvement = f - fNew;
    x = xNew;
    f = fNew;
    g = gNew.slice();
    if (sy > 1e-12) {
      if (it === 0 && !warm) {
        const yy = y.reduce((acc, yi) => acc + yi * yi, 0);
        H = identity(n).map((row) => row.map((v) => (v * sy) / yy));
      }
      const Hy = H.map((row) => row.reduce((acc, h, j) => acc + h * y[j], 0));
      const yHy = y.reduce((acc, yi, i) => acc + yi * Hy[i], 0);
      const rho = 1 / sy;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) H[i][j] += -rho * (Hy[i] * s[j] + s[i] * Hy[j]) + (rho * rho * yHy + rho) * s[i] * s[j];
    }
    // no meaningful progress: the optimum, or a flat ridge (say a, b -> infinity together)
    if (improvement < 1e-11 * scale) {
      converged = true;
      break;
    }
  }
  return { x, f, iterations: it, converged, inverseHessian: H, evaluations };
}

function identity(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}

/** The q-quantile (0..1) of a numeric array, by linear interpolation; NaN when empty. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const n = values.length;
  if (n === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * A search from several starts may stop after the first when it converged within e^±margin of
 * where it began (`reference`: the first start, which puts each scale parameter at the data's own
 * scale): an optimum that well inside the space is the one the other starts reach too. They are
 * for the surfaces where a search runs off along a flat ridge (a dropout rate → 0), which this
 * rule never cuts short.
 */
export function settledInside(m: Minimum, reference: number[], margin = 8): boolean {
  // a parameter at the search's bound (e^±LOG_BOUND) is a ridge, wherever the start was
  return m.converged && m.x.every((v, i) => Number.isFinite(v) && Math.abs(v - reference[i]) < margin && Math.abs(v) < LOG_BOUND - 1);
}

/**
 * BFGS again from a minimum with its own curvature, a few times while it still gains: a search
 * stopped by "no meaningful progress" can sit a little off a flat optimum, and the best of
 * several starts hid that. A couple of evaluations per round.
 */
export function polishMinimum(fg: (x: number[], grad: number[]) => number, m: Minimum, options: { maxIterations?: number; gradientTolerance?: number } = {}, rounds = 3): Minimum {
  let best = m;
  for (let k = 0; k < rounds; k++) {
    const next = bfgs(fg, best.x, { ...options, inverseHessian: best.inverseHessian });
    if (!(next.f < best.f)) break;
    best = { ...next, converged: best.converged || next.converged, iterations: best.iterations + next.iterations };
  }
  return best;
}

/** models searched on log-parameters stop at e^±LOG_BOUND (a flat ridge must not run off to 1e30) */
export const LOG_BOUND = 15;

/** e^v with v held within ±LOG_BOUND: a parameter searched on its log. */
export const boundedExp = (v: number): number => Math.exp(Math.max(-LOG_BOUND, Math.min(LOG_BOUND, v)));

/** Turns a log-likelihood's gradient into the minimiser's (negated); beyond the bounds the
 * objective is flat in u, so is its gradient. */
export function negateWithinBounds(u: number[], grad: number[]): void {
  for (let i = 0; i < grad.length; i++) grad[i] = Math.abs(u[i]) >= LOG_BOUND ? 0 : -grad[i];
}

/**
 * Maximises a log-likelihood over unbounded (log-)parameters: Nelder-Mead from each start (the
 * best wins), then BFGS on a central-difference gradient to polish it — on `polishOn` when given
 * (the full data after a subsample). Non-finite values count as −∞.
 */
export function maximizeLikelihood(ll: (u: number[]) => number, starts: number[][], polishOn?: (u: number[]) => number, options: { warm?: boolean } = {}): Minimum {
  const negative = (f: (u: number[]) => number) => (u: number[]) => {
    const v = f(u);
    return Number.isFinite(v) ? -v : Infinity;
  };
  const withGradient = (f: (u: number[]) => number) => (u: number[], grad: number[]) => {
    const h = 1e-5;
    for (let i = 0; i < u.length; i++) {
      const up = u.slice();
      const down = u.slice();
      up[i] += h;
      down[i] -= h;
      grad[i] = (f(up) - f(down)) / (2 * h);
    }
    return f(u);
  };
  let best: Minimum | null = null;
  for (const start of starts) {
    // a warm start (the optimum of closely related data) needs no simplex search
    const m = options.warm ? { x: start, f: negative(ll)(start), iterations: 0, converged: false } : nelderMead(negative(ll), start, { step: 0.5, maxIterations: 400, tolerance: 1e-9 });
    if (!best || m.f < best.f) best = m;
  }
  const onSample = bfgs(withGradient(negative(ll)), best!.x, { maxIterations: 200, gradientTolerance: 1e-10 });
  const start = onSample.f <= best!.f ? onSample : best!;
  if (!polishOn) return start;
  // the subsample's weights are scaled to the full total, so its curvature is a good start
  const target = negative(polishOn);
  const polished = bfgs(withGradient(target), start.x, { maxIterations: 100, gradientTolerance: 1e-10, inverseHessian: onSample.inverseHessian });
  return polished.f <= target(start.x) ? polished : { ...start, f: target(start.x) };
}

/**
 * f of each item into a typed array: TypedArray.from(items, f) goes through the iterator
 * protocol and a callback per item, several times slower on the 100,000 customers of a report.
 */
export function mapFloat64(items: ArrayLike<number>, f: (v: number) => number): Float64Array {
  const out = new Float64Array(items.length);
  for (let i = 0; i < out.length; i++) out[i] = f(items[i]);
  return out;
}

/** as mapFloat64, into an Int32Array */
export function mapInt32(items: ArrayLike<number>, f: (v: number) => number): Int32Array {
  const out = new Int32Array(items.length);
  for (let i = 0; i < out.length; i++) out[i] = f(items[i]);
  return out;
}
