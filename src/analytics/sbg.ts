// Shifted-beta-geometric (sBG) model of contract retention (Fader & Hardie 2007, "How to
// project customer retention"). Each period a customer renews with a probability that is
// fixed for them; churn probabilities are beta(gamma, delta) across customers.
import { hyp2f1, nelderMead } from './math.js';

export interface SbgParams {
  gamma: number;
  delta: number;
}

export interface SbgFit extends SbgParams {
  logLikelihood: number;
  periods: number;
  converged: boolean;
}

/** P(T = t) for t = 1..n (churn in period t). */
export function sbgChurnProbabilities(p: SbgParams, n: number): number[] {
  const out: number[] = [];
  let prob = p.gamma / (p.gamma + p.delta);
  for (let t = 1; t <= n; t++) {
    if (t > 1) prob *= (p.delta + t - 2) / (p.gamma + p.delta + t - 1);
    out.push(prob);
  }
  return out;
}

/** S(t) = P(T > t) for t = 0..n. */
export function sbgSurvival(p: SbgParams, n: number): number[] {
  const out = [1];
  let s = 1;
  for (let t = 1; t <= n; t++) {
    s *= (p.delta + t - 1) / (p.gamma + p.delta + t - 1);
    out.push(s);
  }
  return out;
}

/** Log-likelihood of a survival series: alive[0] customers at the start, alive[t] after t periods. */
export function sbgLogLikelihood(p: SbgParams, alive: number[]): number {
  const n = alive.length - 1;
  const probs = sbgChurnProbabilities(p, n);
  const surv = sbgSurvival(p, n);
  let ll = 0;
  for (let t = 1; t <= n; t++) {
    const lost = alive[t - 1] - alive[t];
    if (lost > 0) ll += lost * Math.log(probs[t - 1]);
  }
  if (alive[n] > 0) ll += alive[n] * Math.log(surv[n]);
  return ll;
}

/** Survival counts from several cohorts of different ages, pooled (customers alive at each age). */
export interface SbgCohortData {
  /** atRisk[t] = customers observed through age t (who could be seen to survive t periods) */
  atRisk: number[];
  /** lost[t] = customers who churned in period t+1 (observed) */
  lost: number[];
}

/**
 * Fits on a single survival series (alive[0] at the start). For pooled cohorts of different
 * ages use `fitSbgCohorts`.
 */
export function fitSbg(alive: number[]): SbgFit {
  if (alive.length < 2) throw new Error('sBG needs at least one period of survival data');
  for (let t = 1; t < alive.length; t++) if (alive[t] > alive[t - 1]) throw new Error('survival must not increase');
  return optimise((p) => sbgLogLikelihood(p, alive), alive.length - 1);
}

/**
 * Fits on customers' observed lifetimes: each customer either churned after `periods`
 * (censored = false) or is still active after `periods` (censored = true). This pools cohorts
 * of different start dates correctly.
 */
export function fitSbgLifetimes(lifetimes: { periods: number; censored: boolean }[]): SbgFit {
  const churned = new Map<number, number>();
  const survived = new Map<number, number>();
  let maxT = 0;
  for (const l of lifetimes) {
    const m = l.censored ? survived : churned;
    if (!l.censored && l.periods < 1) continue;
    m.set(l.periods, (m.get(l.periods) ?? 0) + 1);
    maxT = Math.max(maxT, l.periods);
  }
  if (churned.size + survived.size === 0) throw new Error('sBG needs at least one customer');
  const f = (p: SbgParams) => {
    const probs = sbgChurnProbabilities(p, maxT);
    const surv = sbgSurvival(p, maxT);
    let ll = 0;
    for (const [t, n] of churned) ll += n * Math.log(probs[t - 1]);
    for (const [t, n] of survived) ll += n * Math.log(surv[t]);
    return ll;
  };
  return optimise(f, maxT);
}

function optimise(ll: (p: SbgParams) => number, periods: number): SbgFit {
  const f = (u: number[]) => -ll({ gamma: Math.exp(Math.max(-12, Math.min(12, u[0]))), delta: Math.exp(Math.max(-12, Math.min(12, u[1]))) });
  let best = null as ReturnType<typeof nelderMead> | null;
  for (const start of [
    [0, 0],
    [Math.log(0.5), Math.log(3)],
    [Math.log(3), Math.log(0.5)],
  ]) {
    let m = nelderMead(f, start, { step: 0.5 });
    m = nelderMead(f, m.x, { step: 0.05 });
    if (!best || m.f < best.f) best = m;
  }
  const gamma = Math.exp(best!.x[0]);
  const delta = Math.exp(best!.x[1]);
  return { gamma, delta, logLikelihood: -best!.f, periods, converged: best!.converged };
}

/**
 * Discounted expected residual lifetime (Fader & Hardie 2010): expected discounted number of
 * further payments from a customer who has made n renewals, counting the next payment
 * undiscounted: (δ+n)/(γ+δ+n) · 2F1(1, δ+n+1; γ+δ+n+1; 1/(1+d)).
 */
export function derl(p: SbgParams, n: number, discountRate: number): number {
  const { gamma, delta } = p;
  return ((delta + n) / (gamma + delta + n)) * hyp2f1(1, delta + n + 1, gamma + delta + n + 1, 1 / (1 + discountRate), 200000);
}

/** Projected retention rate for period t: r(t) = (δ + t − 1)/(γ + δ + t − 1). */
export function sbgRetentionRate(p: SbgParams, t: number): number {
  return (p.delta + t - 1) / (p.gamma + p.delta + t - 1);
}
