// The three purchase models of the orders report side by side — BG/NBD, Pareto/NBD (continuous
// time) and BG/BB (discrete opportunities: one calendar-length month at a time) — fitted on the
// same customers, with per-customer predictions from each and the choice of the one the report
// uses (`models.chosen`): the best holdout fit when there is enough history, else the better
// log-likelihood of the two continuous-time models (same data, same number of parameters).
import { groupPatterns, bgbbConditionalExpected, bgbbExpectedNew, bgbbPAlive, fitBgBb, type BgBbData, type BgBbFit } from './bgbb.js';
import { conditionalExpectedPurchases, expectedPurchasesNew, fitBgNbd, groupDayTriples, pAlive as bgPAlive, type BgNbdData, type BgNbdFit } from './bgnbd.js';
import { isoDay } from './dates.js';
import { mapInt32 } from './math.js';
import { fitParetoNbd, paretoNbdConditionalExpected, paretoNbdExpectedNew, paretoNbdPAlive, type ParetoNbdFit } from './pnbd.js';

export type ModelName = 'bgnbd' | 'paretoNbd' | 'bgbb';
export const modelLabels: Record<ModelName, string> = { bgnbd: 'BG/NBD', paretoNbd: 'Pareto/NBD', bgbb: 'BG/BB' };
/** BG/BB's purchase opportunity: a month (365.25 / 12 days) counted from each customer's first purchase */
export const OPPORTUNITY_DAYS = 365.25 / 12;

/** Purchase days per customer (CSR: customer c's sorted distinct days are days[offsets[c]..offsets[c+1])). */
export interface CustomerDays {
  n: number;
  offsets: Int32Array;
  days: Int32Array;
  spend: Float64Array;
}

/** Per-customer summaries at a calibration end, and the data each model is fitted on. */
export interface Calibration {
  calEnd: number;
  asOf: number;
  /** repeat purchase days up to calEnd, day of the last one and age (days since the first purchase) */
  x: Int32Array;
  txDays: Int32Array;
  TDays: Int32Array;
  /** repeat purchases with a known spend in the report's currency, and their mean (minor units) */
  xMoney: Int32Array;
  mean: Float64Array;
  /** repeat purchase days after calEnd up to asOf */
  holdoutActual: Int32Array;
  inModel: Uint8Array;
  modelIdx: number[];
  calActual: number;
  grouped: ReturnType<typeof groupDayTriples>;
  groupOfCustomer: Int32Array;
  patterns: ReturnType<typeof groupPatterns>;
  patternOfCustomer: Int32Array;
  /** repeat purchase days per month with a purchase (BG/BB counts months with a purchase, the others purchases) */
  purchasesPerOpportunity: number;
}

/** `only`: when given, customers with only[c] = 0 are left out (the holdout comparison's sample). */
export function calibrationSummaries(cd: CustomerDays, firstBuy: Int32Array, calEnd: number, asOf: number, unitDays: number, foreignOnly: boolean, only?: Uint8Array | null): Calibration {
  const n = cd.n;
  const x = new Int32Array(n);
  const txDays = new Int32Array(n);
  const TDays = new Int32Array(n);
  const mean = new Float64Array(n);
  const xMoney = new Int32Array(n);
  const holdoutActual = new Int32Array(n);
  const inModel = new Uint8Array(n);
  const ox = new Int32Array(n);
  const otx = new Int32Array(n);
  const on = new Int32Array(n);
  let calActual = 0;
  let inOpportunities = 0;
  let buyingOpportunities = 0;
  for (let c = 0; c < n; c++) {
    if (cd.offsets[c + 1] === cd.offsets[c] || firstBuy[c] > calEnd || (only && !only[c])) continue;
    inModel[c] = 1;
    const first = firstBuy[c];
    const opportunities = Math.floor((calEnd - first) / OPPORTUNITY_DAYS);
    let last = first;
    let k = 0;
    let km = 0;
    let sum = 0;
    let lastOpp = 0;
    for (let i = cd.offsets[c] + 1; i < cd.offsets[c + 1]; i++) {
      const d = cd.days[i];
      if (d <= calEnd) {
        k++;
        last = d;
        // with several currencies, a day paid only in another one tells nothing about spend here
        if (!foreignOnly || cd.spend[i] > 0) {
          km++;
          sum += cd.spend[i];
        }
        const opp = Math.ceil((d - first) / OPPORTUNITY_DAYS);
        if (opp <= opportunities) {
          inOpportunities++;
          if (opp !== lastOpp) {
            ox[c]++;
            lastOpp = opp;
          }
        }
      } else if (d <= asOf) holdoutActual[c]++;
    }
    x[c] = k;
    xMoney[c] = km;
    txDays[c] = last - first;
    TDays[c] = calEnd - first;
    mean[c] = km > 0 ? sum / km : 0;
    otx[c] = lastOpp;
    on[c] = opportunities;
    buyingOpportunities += ox[c];
    calActual += k;
  }
  const modelIdx: number[] = [];
  for (let c = 0; c < n; c++) if (inModel[c]) modelIdx.push(c);
  const grouped = groupDayTriples(
    mapInt32(modelIdx, (c) => x[c]),
    mapInt32(modelIdx, (c) => txDays[c]),
    mapInt32(modelIdx, (c) => TDays[c]),
    unitDays,
  );
  const patterns = groupPatterns(
    mapInt32(modelIdx, (c) => ox[c]),
    mapInt32(modelIdx, (c) => otx[c]),
    mapInt32(modelIdx, (c) => on[c]),
  );
  const groupOfCustomer = new Int32Array(n).fill(-1);
  const patternOfCustomer = new Int32Array(n).fill(-1);
  modelIdx.forEach((c, i) => {
    groupOfCustomer[c] = grouped.groupOf[i];
    patternOfCustomer[c] = patterns.groupOf[i];
  });
  return {
    calEnd,
    asOf,
    x,
    txDays,
    TDays,
    xMoney,
    mean,
    holdoutActual,
    inModel,
    modelIdx,
    calActual,
    grouped,
    groupOfCustomer,
    patterns,
    patternOfCustomer,
    purchasesPerOpportunity: buyingOpportunities > 0 ? inOpportunities / buyingOpportunities : 1,
  };
}

export interface ModelFits {
  bgnbd: BgNbdFit | null;
  paretoNbd: ParetoNbdFit | null;
  bgbb: BgBbFit | null;
  /** why a model could not be fitted */
  failures: Partial<Record<ModelName, string>>;
}

/** What a model is fitted on: the grouped (x, t_x, T) triples and the (x, t_x, n) patterns (plain typed arrays, so a worker thread can be sent them). */
export interface FitData {
  grouped: BgNbdData;
  patterns: BgBbData;
}

/** The outcome of fitting one model: the fit, or why there is none. */
export interface FitOutcome<K extends ModelName = ModelName> {
  fit: ModelFits[K];
  failure?: string;
}

/** Fits one model (`near`: the fit of closely related data to start from). Deterministic: the same data give the same digits on any thread. */
export function fitModel<K extends ModelName>(name: K, d: FitData, near?: ModelFits[K]): FitOutcome<K> {
  try {
    let f: BgNbdFit | ParetoNbdFit | BgBbFit;
    if (name === 'bgnbd') f = fitBgNbd(d.grouped, (near as BgNbdFit | null) ?? undefined);
    else if (name === 'paretoNbd') f = fitParetoNbd(d.grouped, (near as ParetoNbdFit | null) ?? undefined);
    else {
      let buying = 0;
      for (let i = 0; i < d.patterns.x.length; i++) buying += d.patterns.x[i] * d.patterns.w[i];
      if (buying === 0) throw new Error('nobody bought again in a later month');
      f = fitBgBb(d.patterns, (near as BgBbFit | null) ?? undefined);
    }
    if (!Number.isFinite(f.logLikelihood)) throw new Error('the fit did not converge');
    return { fit: f as ModelFits[K] };
  } catch (err) {
    return { fit: null as ModelFits[K], failure: (err as Error).message };
  }
}

export const MODEL_NAMES = ['bgnbd', 'paretoNbd', 'bgbb'] as const;

/** Whether the models can be fitted on these summaries at all (else every model fails with `NO_REPEATS`). */
export const fittable = (cal: Calibration) => !(cal.modelIdx.length < 2 || cal.calActual === 0);
const NO_REPEATS = 'needs customers with repeat purchases';

/** The plain data a model is fitted on, without the per-customer group indices. */
export function fitData(cal: Calibration): FitData {
  const g = cal.grouped;
  const p = cal.patterns;
  return { grouped: { x: g.x, tx: g.tx, T: g.T, w: g.w }, patterns: { x: p.x, tx: p.tx, n: p.n, w: p.w } };
}

/** Puts fitted models together in the order BG/NBD, Pareto/NBD, BG/BB (the order of their notes). */
export function assembleFits(outcomes: { [K in ModelName]: FitOutcome<K> }): ModelFits {
  const fits: ModelFits = { bgnbd: null, paretoNbd: null, bgbb: null, failures: {} };
  for (const m of MODEL_NAMES) {
    const o = outcomes[m];
    if (o.failure !== undefined) fits.failures[m] = o.failure;
    else (fits as unknown as Record<ModelName, unknown>)[m] = o.fit;
  }
  return fits;
}

/** `near`: fits of closely related data (all of it, when fitting on the part before a holdout) to start from.
 * `done`: outcomes already worked out elsewhere (a worker thread), used instead of fitting again. */
export function fitModels(cal: Calibration, time: <T>(stage: string, f: () => T) => T, near?: ModelFits, done?: Partial<{ [K in ModelName]: FitOutcome<K> }>): ModelFits {
  if (!fittable(cal)) {
    const fits: ModelFits = { bgnbd: null, paretoNbd: null, bgbb: null, failures: {} };
    for (const m of MODEL_NAMES) fits.failures[m] = NO_REPEATS;
    return fits;
  }
  const d = fitData(cal);
  const one = <K extends ModelName>(name: K): FitOutcome<K> => (done?.[name] as FitOutcome<K> | undefined) ?? time(`fit ${modelLabels[name]}`, () => fitModel(name, d, near?.[name] as ModelFits[K]));
  return assembleFits({ bgnbd: one('bgnbd'), paretoNbd: one('paretoNbd'), bgbb: one('bgbb') });
}

/** Per-customer predictions of one model (customers outside the model keep 0; P(alive) 1). */
export interface Predictions {
  alive: Float64Array;
  /** expected purchases over the horizon */
  expected: Float64Array;
  /** the same, discounted per quarter of the horizon */
  discounted: Float64Array;
  /** discounted expected purchases if the customer is still a customer (discounted ÷ P(alive)) */
  discountedIfAlive: Float64Array;
  /** expected repeat purchases from calEnd to asOf */
  holdout: Float64Array;
  /** repeat purchases the model expects in the calibration period for customers of these ages */
  calibrationExpected: number;
}

interface Curves {
  alive: (g: number) => number;
  /** expected purchases in the next `days` days (`alive`: the group's P(alive), computed once for every horizon) */
  ahead: (g: number, days: number, alive: number) => number;
  /** expected repeat purchases of a new customer in their first `g`'s age */
  fresh: (g: number) => number;
}

function curves(model: ModelName, fits: ModelFits, cal: Calibration, unitDays: number): { curves: Curves; groups: number; weight: Float64Array; groupOf: Int32Array } {
  if (model === 'bgbb') {
    const f = fits.bgbb!;
    const p = cal.patterns;
    const k = cal.purchasesPerOpportunity;
    return {
      groups: p.x.length,
      weight: p.w,
      groupOf: cal.patternOfCustomer,
      curves: {
        alive: (g) => bgbbPAlive(f, p.x[g], p.tx[g], p.n[g]),
        ahead: (g, days) => k * bgbbConditionalExpected(f, days / OPPORTUNITY_DAYS, p.x[g], p.tx[g], p.n[g]),
        fresh: (g) => k * bgbbExpectedNew(f, p.n[g]),
      },
    };
  }
  const d = cal.grouped;
  const base = { groups: d.x.length, weight: d.w, groupOf: cal.groupOfCustomer };
  // a new customer's expectation depends on their age only: once per distinct T
  const byAge = new Map<number, number>();
  const perAge = (T: number, f: (T: number) => number) => byAge.get(T) ?? (byAge.set(T, f(T)), byAge.get(T)!);
  if (model === 'paretoNbd') {
    const f = fits.paretoNbd!;
    return {
      ...base,
      curves: {
        alive: (g) => paretoNbdPAlive(f, d.x[g], d.tx[g], d.T[g]),
        ahead: (g, days, alive) => paretoNbdConditionalExpected(f, days / unitDays, d.x[g], d.tx[g], d.T[g], alive),
        fresh: (g) => perAge(d.T[g], (T) => paretoNbdExpectedNew(f, T)),
      },
    };
  }
  const f = fits.bgnbd!;
  return {
    ...base,
    curves: {
      alive: (g) => bgPAlive(f, d.x[g], d.tx[g], d.T[g]),
      ahead: (g, days, alive) => conditionalExpectedPurchases(f, days / unitDays, d.x[g], d.tx[g], d.T[g], alive),
      fresh: (g) => perAge(d.T[g], (T) => expectedPurchasesNew(f, T)),
    },
  };
}

export function predict(model: ModelName, fits: ModelFits, cal: Calibration, o: { unitDays: number; horizonDays: number; discountRate: number }): Predictions {
  const { curves: cv, groups, weight, groupOf } = curves(model, fits, cal, o.unitDays);
  const gAlive = new Float64Array(groups);
  const gExpected = new Float64Array(groups);
  const gDiscounted = new Float64Array(groups);
  const gHoldout = new Float64Array(groups);
  const holdoutDays = cal.asOf - cal.calEnd;
  let calibrationExpected = 0;
  // purchases are discounted per quarter of the horizon, at each quarter's midpoint
  const steps = 4;
  for (let g = 0; g < groups; g++) {
    gAlive[g] = cv.alive(g);
    let prev = 0;
    let disc = 0;
    for (let k = 1; k <= steps; k++) {
      const e = cv.ahead(g, (k * o.horizonDays) / steps, gAlive[g]);
      disc += (e - prev) / Math.pow(1 + o.discountRate, ((k - 0.5) * o.horizonDays) / steps / 365);
      prev = e;
    }
    gExpected[g] = prev;
    gDiscounted[g] = disc;
    if (holdoutDays > 0) gHoldout[g] = cv.ahead(g, holdoutDays, gAlive[g]);
    calibrationExpected += weight[g] * cv.fresh(g);
  }
  const n = cal.inModel.length;
  const out: Predictions = {
    alive: new Float64Array(n).fill(1),
    expected: new Float64Array(n),
    discounted: new Float64Array(n),
    discountedIfAlive: new Float64Array(n),
    holdout: new Float64Array(n),
    calibrationExpected,
  };
  for (const c of cal.modelIdx) {
    const g = groupOf[c];
    out.alive[c] = gAlive[g];
    out.expected[c] = gExpected[g];
    out.discounted[c] = gDiscounted[g];
    out.discountedIfAlive[c] = gAlive[g] > 0 ? gDiscounted[g] / gAlive[g] : 0;
    out.holdout[c] = gHoldout[g];
  }
  return out;
}

export interface ModelComparison {
  model: ModelName;
  name: string;
  logLikelihood: number | null;
  /** holdout: repeat purchases predicted in total, and the mean absolute error per customer */
  holdoutPredicted: number | null;
  meanAbsoluteError: number | null;
  fitted: boolean;
}

export interface ModelChoice {
  model: ModelName;
  name: string;
  by: 'holdout' | 'log-likelihood' | 'only model fitted';
  /** the period the models were compared on (holdout) */
  holdout: { from: string; to: string; customers: number; actualRepeatPurchases: number } | null;
  comparison: ModelComparison[];
  reason: string;
}

/** Holdout fit of each fitted model: total predicted and mean absolute error per customer. */
export function holdoutComparison(fits: ModelFits, cal: Calibration, o: { unitDays: number }): { actual: number; customers: number; rows: ModelComparison[] } {
  let actual = 0;
  for (const c of cal.modelIdx) actual += cal.holdoutActual[c];
  const rows = (['bgnbd', 'paretoNbd', 'bgbb'] as const).map((m): ModelComparison => {
    const fit = fits[m];
    if (!fit) return { model: m, name: modelLabels[m], logLikelihood: null, holdoutPredicted: null, meanAbsoluteError: null, fitted: false };
    const pr = predict(m, fits, cal, { unitDays: o.unitDays, horizonDays: 0, discountRate: 0 });
    let total = 0;
    let abs = 0;
    for (const c of cal.modelIdx) {
      total += pr.holdout[c];
      abs += Math.abs(pr.holdout[c] - cal.holdoutActual[c]);
    }
    return { model: m, name: modelLabels[m], logLikelihood: fit.logLikelihood, holdoutPredicted: total, meanAbsoluteError: cal.modelIdx.length ? abs / cal.modelIdx.length : 0, fitted: true };
  });
  return { actual, customers: cal.modelIdx.length, rows };
}

/** Picks the model with the smallest mean absolute holdout error (ties: the order BG/NBD, Pareto/NBD, BG/BB). */
export function chooseByHoldout(rows: ModelComparison[]): ModelName | null {
  let best: ModelComparison | null = null;
  for (const r of rows) if (r.fitted && r.meanAbsoluteError !== null && (!best || r.meanAbsoluteError < best.meanAbsoluteError! - 1e-12)) best = r;
  return best?.model ?? null;
}

/** Without a holdout: the continuous-time model with the higher log-likelihood (same data and number of parameters, so the same as by BIC). */
export function chooseByLikelihood(fits: ModelFits): ModelName | null {
  if (fits.bgnbd && fits.paretoNbd) return fits.paretoNbd.logLikelihood > fits.bgnbd.logLikelihood ? 'paretoNbd' : 'bgnbd';
  if (fits.bgnbd) return 'bgnbd';
  if (fits.paretoNbd) return 'paretoNbd';
  if (fits.bgbb) return 'bgbb';
  return null;
}

/** holdout comparisons need at least this many repeat purchases in the held-out period */
export const MIN_HOLDOUT_PURCHASES = 20;

/** the automatic holdout comparison fits the models on at most about this many customers */
export const HOLDOUT_SAMPLE = 30_000;

/**
 * The customers the automatic holdout comparison is fitted on: everyone up to HOLDOUT_SAMPLE,
 * else a deterministic sample of about that many, chosen by a hash of the customer id (the same
 * customers whatever the order of the file). Null: everyone.
 */
export function holdoutSample(ids: readonly string[], candidates: Uint8Array): Uint8Array | null {
  let count = 0;
  for (let c = 0; c < candidates.length; c++) count += candidates[c];
  if (count <= HOLDOUT_SAMPLE) return null;
  const limit = Math.floor((HOLDOUT_SAMPLE / count) * 2 ** 32);
  const keep = new Uint8Array(candidates.length);
  for (let c = 0; c < candidates.length; c++) {
    if (!candidates[c]) continue;
    // FNV-1a over the id's UTF-16 code units
    let h = 0x811c9dc5;
    const id = ids[c];
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
    if (h >>> 0 < limit) keep[c] = 1;
  }
  return keep;
}

export interface HoldoutOptions {
  asOf: number;
  minDay: number;
  ud: number;
  explicitHoldout: boolean;
  foreignOnly: boolean;
  time: <T>(stage: string, f: () => T) => T;
  sample?: Uint8Array | null;
}

/** The calibration end of the automatic holdout (the last third of the history, at most a year), or null when there is none. */
export function automaticHoldoutEnd(o: { asOf: number; minDay: number; explicitHoldout: boolean }): number | null {
  if (o.explicitHoldout || o.asOf - o.minDay < 365) return null;
  return o.asOf - Math.min(365, Math.floor((o.asOf - o.minDay) / 3));
}

/** The summaries the automatic holdout's models are fitted on. */
export function automaticHoldoutSummaries(cd: CustomerDays, firstBuy: Int32Array, o: HoldoutOptions): Calibration {
  const end = automaticHoldoutEnd(o)!;
  return o.time('summaries before the holdout', () => calibrationSummaries(cd, firstBuy, end, o.asOf, o.ud, o.foreignOnly, o.sample));
}

/**
 * The model the report uses. With a calibration end given, the models are compared on its
 * holdout. Without one, when the data spans at least a year, the last third of it (at most a
 * year) is held out, the models are fitted on the rest and compared on it. Otherwise (or with
 * too few repeat purchases held out) the log-likelihood decides between the continuous models.
 */
export function chooseModel(
  fits: ModelFits,
  cal: Calibration,
  cd: CustomerDays,
  firstBuy: Int32Array,
  o: HoldoutOptions & {
    /** the automatic holdout's summaries and fits, when already worked out (in parallel with the fits on everything) */
    holdout?: { cal: Calibration; fits: ModelFits };
  },
): ModelChoice | null {
  const fittedModels = (['bgnbd', 'paretoNbd', 'bgbb'] as const).filter((m) => fits[m]);
  if (fittedModels.length === 0) return null;
  const ll = (m: ModelName) => fits[m]?.logLikelihood ?? null;
  const figure = (v: number) => v.toLocaleString('en', { maximumFractionDigits: 1 });
  let holdoutCal: Calibration | null = null;
  let holdoutFits: ModelFits | null = null;
  if (o.explicitHoldout && cal.asOf > cal.calEnd) {
    holdoutCal = cal;
    holdoutFits = fits;
  } else if (automaticHoldoutEnd(o) !== null) {
    if (o.holdout) ({ cal: holdoutCal, fits: holdoutFits } = o.holdout);
    else {
      holdoutCal = automaticHoldoutSummaries(cd, firstBuy, o);
      holdoutFits = fitModels(holdoutCal, (stage, f) => o.time(`${stage} (before the holdout)`, f), fits);
    }
  }
  if (holdoutCal && holdoutFits) {
    const cmp = o.time('compare on the holdout', () => holdoutComparison(holdoutFits!, holdoutCal!, { unitDays: o.ud }));
    const best = chooseByHoldout(cmp.rows.filter((r) => fits[r.model]));
    if (best && cmp.actual >= MIN_HOLDOUT_PURCHASES) {
      const rows = cmp.rows.map((r) => ({
        ...r,
        logLikelihood: ll(r.model),
        holdoutPredicted: r.holdoutPredicted === null ? null : Math.round(r.holdoutPredicted * 100) / 100,
        meanAbsoluteError: r.meanAbsoluteError === null ? null : Math.round(r.meanAbsoluteError * 1e4) / 1e4,
      }));
      const win = rows.find((r) => r.model === best)!;
      const sampled = !o.explicitHoldout && Boolean(o.sample);
      const others = rows.filter((r) => r.model !== best && r.fitted).map((r) => `${r.name} ${r.meanAbsoluteError!.toFixed(3)}`);
      const from = isoDay(holdoutCal.calEnd + 1);
      const to = isoDay(holdoutCal.asOf);
      return {
        model: best,
        name: modelLabels[best],
        by: 'holdout',
        holdout: { from, to, customers: cmp.customers, actualRepeatPurchases: cmp.actual },
        comparison: rows,
        reason: `${win.name} predicted the ${cmp.actual.toLocaleString('en')} repeat purchases of ${from} to ${to} best${sampled ? ` (a sample of ${cmp.customers.toLocaleString('en')} customers)` : ''}, fitted on the data before them: it expected ${figure(win.holdoutPredicted!)}, off by ${win.meanAbsoluteError!.toFixed(3)} purchases per customer on average${others.length ? ` (${others.join(', ')})` : ''}.${o.explicitHoldout ? '' : ' The figures use it fitted on all the data.'}`,
      };
    }
  }
  const best = chooseByLikelihood(fits)!;
  const why = holdoutCal
    ? `Fewer than ${MIN_HOLDOUT_PURCHASES} repeat purchases in the held-out period, too few to compare predictions`
    : 'Less than a year of history, too little to hold some back and compare predictions';
  const continuous = (['bgnbd', 'paretoNbd'] as const).filter((m) => fits[m]);
  return {
    model: best,
    name: modelLabels[best],
    by: continuous.length === 2 ? 'log-likelihood' : 'only model fitted',
    holdout: null,
    comparison: (['bgnbd', 'paretoNbd', 'bgbb'] as const).map((m) => ({
      model: m,
      name: modelLabels[m],
      logLikelihood: ll(m),
      holdoutPredicted: null,
      meanAbsoluteError: null,
      fitted: Boolean(fits[m]),
    })),
    reason:
      continuous.length === 2
        ? `${why}, so the better log-likelihood of the two continuous-time models decides: ${continuous.map((m) => `${modelLabels[m]} ${figure(ll(m)!)}`).join(' vs ')} (same data, same number of parameters: the same verdict as BIC). BG/BB counts months with a purchase, so its likelihood is not comparable.`
        : `${modelLabels[best]} is the only model that could be fitted.`,
  };
}
