import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { conditionalExpectedPurchases, expectedPurchasesNew, fitBgNbd, groupDayTriples, groupTriples, pAlive, bgnbdLogLikelihood } from './bgnbd.js';
import { expectedSpend, fitGammaGamma } from './gammagamma.js';
import { digamma, hyp2f1, lgamma, nelderMead } from './math.js';
import { derl, fitSbg, sbgChurnProbabilities, sbgSurvival } from './sbg.js';

const cdnowDir = new URL('../../../shared/data/cdnow/', import.meta.url);
const hasCdnow = fs.existsSync(new URL('cdnow_customers_summary_with_transactions.csv', cdnowDir));
if (!hasCdnow) console.warn('Skipping CDNOW reproductions: ../shared/data/cdnow is missing');

function readCsv(name: string): number[][] {
  return fs
    .readFileSync(new URL(name, cdnowDir), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',').map(Number));
}

const sig3 = (v: number) => Number(v.toPrecision(3));

describe('special functions', () => {
  it('log-gamma matches known values', () => {
    expect(lgamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(lgamma(10)).toBeCloseTo(Math.log(362880), 10);
    expect(lgamma(1)).toBeCloseTo(0, 12);
    expect(lgamma(0.1)).toBeCloseTo(2.252712651734206, 10);
  });
  it('digamma matches known values', () => {
    expect(digamma(1)).toBeCloseTo(-0.5772156649015329, 10);
    expect(digamma(0.5)).toBeCloseTo(-1.9635100260214235, 10);
    expect(digamma(10)).toBeCloseTo(2.251752589066721, 10);
  });
  it('2F1 matches closed forms', () => {
    // 2F1(1,1;2;z) = -ln(1-z)/z ; 2F1(a,b;b;z) = (1-z)^-a
    expect(hyp2f1(1, 1, 2, 0.7)).toBeCloseTo(-Math.log(0.3) / 0.7, 10);
    expect(hyp2f1(2.5, 3, 3, 0.4)).toBeCloseTo(Math.pow(0.6, -2.5), 10);
  });
  it('Nelder-Mead finds the minimum of the Rosenbrock function', () => {
    const m = nelderMead((v) => 100 * (v[1] - v[0] ** 2) ** 2 + (1 - v[0]) ** 2, [-1.2, 1]);
    expect(m.x[0]).toBeCloseTo(1, 4);
    expect(m.x[1]).toBeCloseTo(1, 4);
  });
});

describe('BG/NBD', () => {
  it.skipIf(!hasCdnow)('reproduces Fader, Hardie & Lee (2005) on CDNOW to three significant figures', () => {
    const rows = readCsv('cdnow_customers_summary.csv');
    expect(rows).toHaveLength(2357);
    const fit = fitBgNbd(
      groupTriples(
        rows.map((r) => r[1]),
        rows.map((r) => r[2]),
        rows.map((r) => r[3]),
      ),
    );
    expect(sig3(fit.r)).toBe(0.243);
    expect(sig3(fit.alpha)).toBe(4.41);
    expect(sig3(fit.a)).toBe(0.793);
    expect(sig3(fit.b)).toBe(2.43);
    expect(fit.logLikelihood).toBeCloseTo(-9582.4, 0);
    expect(fit.customers).toBe(2357);
  });

  it.skipIf(!hasCdnow)('gives the same fit whatever the order of the customers', () => {
    const rows = readCsv('cdnow_customers_summary.csv');
    const rev = rows.slice().reverse();
    const a = fitBgNbd(
      groupTriples(
        rows.map((r) => r[1]),
        rows.map((r) => r[2]),
        rows.map((r) => r[3]),
      ),
    );
    const b = fitBgNbd(
      groupTriples(
        rev.map((r) => r[1]),
        rev.map((r) => r[2]),
        rev.map((r) => r[3]),
      ),
    );
    expect(b).toEqual(a);
  });

  it('groups whole-day triples exactly, in the same order whatever the input order', () => {
    const x = [2, 0, 2, 1, 0, 2];
    const tx = [30, 0, 30, 7, 0, 14];
    const T = [70, 70, 70, 21, 35, 70];
    const g = groupDayTriples(x, tx, T, 7);
    expect([...g.x]).toEqual([0, 0, 1, 2, 2]);
    expect([...g.T]).toEqual([5, 10, 3, 10, 10]);
    expect([...g.tx]).toEqual([0, 0, 1, 2, 30 / 7]);
    expect([...g.w]).toEqual([1, 1, 1, 1, 2]);
    expect([...g.groupOf]).toEqual([4, 1, 4, 2, 0, 3]);
    const rev = groupDayTriples(x.slice().reverse(), tx.slice().reverse(), T.slice().reverse(), 7);
    expect([...rev.w]).toEqual([...g.w]);
    expect([...rev.tx]).toEqual([...g.tx]);
    const byValue = groupTriples(
      x,
      tx.map((v) => v / 7),
      T.map((v) => v / 7),
    );
    expect(bgnbdLogLikelihood(byValue, { r: 0.3, alpha: 4, a: 0.8, b: 2.4 })).toBeCloseTo(bgnbdLogLikelihood(g, { r: 0.3, alpha: 4, a: 0.8, b: 2.4 }), 10);
  });

  it('log-likelihood of one customer matches the formula by hand', () => {
    const p = { r: 0.5, alpha: 2, a: 0.8, b: 2.5 };
    const [x, tx, T] = [2, 3, 5];
    const A1 = Math.exp(lgamma(p.r + x) - lgamma(p.r) + p.r * Math.log(p.alpha));
    const A2 = Math.exp(lgamma(p.a + p.b) + lgamma(p.b + x) - lgamma(p.b) - lgamma(p.a + p.b + x));
    const A3 = Math.pow(1 / (p.alpha + T), p.r + x);
    const A4 = (p.a / (p.b + x - 1)) * Math.pow(1 / (p.alpha + tx), p.r + x);
    const data = { x: Float64Array.of(x), tx: Float64Array.of(tx), T: Float64Array.of(T), w: Float64Array.of(1) };
    expect(bgnbdLogLikelihood(data, p)).toBeCloseTo(Math.log(A1 * A2 * (A3 + A4)), 10);
  });

  it('P(alive) is 1 without repeat purchases and falls the longer a customer stays away', () => {
    const p = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    expect(pAlive(p, 0, 0, 30)).toBe(1);
    // by hand: 1 / (1 + a/(b+x-1) * ((alpha+T)/(alpha+tx))^(r+x))
    const byHand = 1 / (1 + (0.793 / (2.426 + 2 - 1)) * Math.pow((4.414 + 38) / (4.414 + 30), 0.243 + 2));
    expect(pAlive(p, 2, 30, 38)).toBeCloseTo(byHand, 12);
    expect(pAlive(p, 2, 10, 38)).toBeLessThan(pAlive(p, 2, 30, 38));
  });

  it('the conditional expectation of a brand-new customer equals the unconditional one', () => {
    const p = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    expect(conditionalExpectedPurchases(p, 39, 0, 0, 0)).toBeCloseTo(expectedPurchasesNew(p, 39), 10);
    expect(conditionalExpectedPurchases(p, 0, 3, 10, 20)).toBe(0);
  });
});

describe('Gamma-Gamma', () => {
  it.skipIf(!hasCdnow)('reproduces Fader & Hardie on CDNOW (p 6.25, q 3.74, gamma 15.44)', () => {
    const rows = readCsv('cdnow_customers_summary_with_transactions.csv');
    const fit = fitGammaGamma(
      rows.map((r) => r[1]),
      rows.map((r) => r[4]),
    );
    expect(fit.customers).toBe(946);
    expect(sig3(fit.p)).toBe(6.25);
    expect(sig3(fit.q)).toBe(3.74);
    expect(sig3(fit.gamma)).toBe(15.4);
    // expected spend shrinks a customer's own average towards the population mean
    const population = expectedSpend(fit, 0, 0);
    const e = expectedSpend(fit, 2, 100);
    expect(e).toBeLessThan(100);
    expect(e).toBeGreaterThan(population);
  });
});

describe('sBG (Fader & Hardie 2007)', () => {
  it('fits the "regular" cohort: gamma 0.704, delta 1.182', () => {
    const fit = fitSbg([1000, 631, 468, 382, 326, 289, 262, 241]);
    expect(fit.gamma).toBeCloseTo(0.704, 3);
    expect(fit.delta).toBeCloseTo(1.182, 3);
  });
  it('fits the "high end" cohort: gamma 0.668, delta 3.806', () => {
    const fit = fitSbg([1000, 869, 743, 653, 593, 551, 517, 491]);
    expect(fit.gamma).toBeCloseTo(0.668, 3);
    expect(fit.delta).toBeCloseTo(3.806, 3);
  });
  it('survival and churn probabilities are consistent', () => {
    const p = { gamma: 0.704, delta: 1.182 };
    const s = sbgSurvival(p, 12);
    const probs = sbgChurnProbabilities(p, 12);
    for (let t = 1; t <= 12; t++) expect(s[t - 1] - s[t]).toBeCloseTo(probs[t - 1], 12);
    expect(s[1]).toBeCloseTo(1.182 / (0.704 + 1.182), 12);
  });
  it('discounted expected residual lifetime matches the survival series summed by hand', () => {
    const p = { gamma: 0.668, delta: 3.806 };
    for (const n of [0, 1, 4]) {
      const s = sbgSurvival(p, 3000);
      let sum = 0;
      for (let t = n + 1; t < 3000; t++) sum += (s[t] / s[n]) * Math.pow(1 / 1.1, t - n - 1);
      expect(derl(p, n, 0.1)).toBeCloseTo(sum, 8);
    }
    // the longer a customer has stayed, the longer they are expected to stay
    expect(derl(p, 4, 0.1)).toBeGreaterThan(derl(p, 0, 0.1));
  });
});
