// The apology checker on the labelled sentences kept in the repo, the five parts in order,
// and compensation scaled to what the customer paid within the owner's limits.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  checkApology,
  classifySentence,
  composeApology,
  outcomeOf,
  renderTemplate,
  sampleNote,
  suggestCompensation,
  summarise,
  templateFromApology,
  wilson,
  type SentenceLabel,
} from './recovery.core.js';

const labelled = parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures/apology-sentences.csv')), { columns: true, skip_empty_lines: true }) as { sentence: string; label: SentenceLabel }[];

describe('the sentence checker on the labelled set', () => {
  it('holds enough of each kind to mean something', () => {
    const count = (l: string) => labelled.filter((x) => x.label === l).length;
    expect(count('ok')).toBeGreaterThanOrEqual(25);
    for (const l of ['blame', 'excuse', 'conditional']) expect(count(l)).toBeGreaterThanOrEqual(12);
  });

  it('finds blame, excuses and conditional apologies, and leaves honest sentences alone', () => {
    const labels = ['ok', 'blame', 'excuse', 'conditional'] as const;
    const confusion = Object.fromEntries(labels.map((a) => [a, Object.fromEntries(labels.map((b) => [b, 0]))])) as Record<SentenceLabel, Record<SentenceLabel, number>>;
    const wrong: string[] = [];
    for (const { sentence, label } of labelled) {
      const got = classifySentence(sentence);
      confusion[label][got]++;
      if (got !== label) wrong.push(`${label} → ${got}: ${sentence}`);
    }
    console.log('apology checker (rows: label, columns: found)\n' + labels.map((l) => `${l.padEnd(12)} ${labels.map((m) => String(confusion[l][m]).padStart(4)).join('')}`).join('\n'));
    // recall per fault kind, and honest sentences never flagged
    for (const l of ['blame', 'excuse', 'conditional'] as const) {
      const total = labels.reduce((s, m) => s + confusion[l][m], 0);
      expect(confusion[l][l] / total, `${l}: ${wrong.join('\n')}`).toBeGreaterThanOrEqual(0.9);
    }
    expect(confusion.ok.ok, wrong.join('\n')).toBe(labels.reduce((s, m) => s + confusion.ok[m], 0));
  });
});

describe('the apology', () => {
  const base = {
    customerName: 'Nora Visser',
    businessName: 'Fern & Finch',
    signer: 'Fern',
    what: 'Your order was sent to the wrong address',
    cause: 'a change to our checkout copied the billing address over the delivery address',
    fix: 'we corrected the checkout and re-sent your order by express',
    prevention: 'every checkout change is now tested with separate addresses',
  };

  it('is composed in five parts in order, and the checker finds nothing wrong with it', () => {
    const d = composeApology({ ...base, compensation: { kind: 'refund', amountMinor: 1200, currency: 'EUR', sharePercent: 20 } });
    expect(Object.keys(d.parts)).toEqual(['restore', 'own', 'explain', 'fix', 'regret']);
    expect(d.parts.restore).toContain('€12.00');
    expect(d.text.indexOf(d.parts.restore)).toBeLessThan(d.text.indexOf(d.parts.own));
    expect(d.text.indexOf(d.parts.fix)).toBeLessThan(d.text.indexOf(d.parts.regret));
    expect(checkApology(d.text)).toEqual([]);
    const promo = composeApology({ ...base, compensation: { kind: 'promo', percentOff: 15 }, code: 'SORRY-ABCDEFGHJK' });
    expect(promo.parts.restore).toContain('SORRY-ABCDEFGHJK');
    expect(checkApology(promo.text)).toEqual([]);
  });

  it('warns on a missing part, parts out of order, blame and a conditional apology', () => {
    const d = composeApology({ ...base, compensation: { kind: 'credit', amountMinor: 500, currency: 'EUR' } });
    const noRegret = [d.parts.restore, d.parts.own, d.parts.explain, d.parts.fix].join('\n');
    expect(checkApology(noRegret)).toEqual([expect.objectContaining({ kind: 'missing_part', part: 'regret' })]);
    const reordered = [d.parts.regret, d.parts.restore, d.parts.own, d.parts.explain, d.parts.fix].join('\n');
    expect(checkApology(reordered).map((w) => w.kind)).toEqual(['order']);
    const blamed = composeApology({ ...base, cause: 'our courier lost the parcel at the depot', compensation: { kind: 'credit', amountMinor: 500, currency: 'EUR' } });
    expect(checkApology(blamed.text).map((w) => w.kind)).toEqual(['blame']);
    const weasel = `${d.text}\nWe apologise for any inconvenience this may have caused.`;
    expect(checkApology(weasel).map((w) => w.kind)).toEqual(['conditional']);
    expect(checkApology('Sorry.').map((w) => w.part)).toEqual(['restore', 'own', 'explain', 'fix']);
  });

  it('compensation: a share of what they paid, larger for worse incidents, within the owner’s limits; a code when they paid nothing', () => {
    expect(suggestCompensation(10_000, 'EUR', 'low')).toEqual({ kind: 'refund', amountMinor: 1000, currency: 'EUR', sharePercent: 10 });
    expect(suggestCompensation(10_000, 'EUR', 'critical')).toEqual({ kind: 'refund', amountMinor: 5000, currency: 'EUR', sharePercent: 50 });
    expect(suggestCompensation(10_000_000, 'EUR', 'high')).toMatchObject({ amountMinor: 10_000 }); // capped
    expect(suggestCompensation(10_000, 'EUR', 'critical', { maxSharePercent: 25, maxAmountMinor: 100_000, promoPercent: 10 })).toMatchObject({ amountMinor: 2500, sharePercent: 25 });
    expect(suggestCompensation(0, 'EUR', 'high')).toEqual({ kind: 'promo', percentOff: 15 });
    expect(suggestCompensation(0, 'EUR', 'high', { maxSharePercent: 25, maxAmountMinor: 0, promoPercent: 0 })).toEqual({ kind: 'none' });
  });
});

describe('outcomes', () => {
  const DAY = 86400_000;
  const base = { happenedAt: 0, apologisedAt: null, nextOrderAt: null, leftAt: null, healthAtAdd: null, healthNow: null };
  it('returned within the window, left, waiting, no order; apologies on time or late', () => {
    expect(outcomeOf({ ...base, nextOrderAt: 20 * DAY, apologisedAt: DAY }, 30, 100 * DAY)).toMatchObject({ status: 'returned', daysToNextOrder: 20, group: 'on_time' });
    expect(outcomeOf({ ...base, nextOrderAt: 40 * DAY }, 30, 100 * DAY).status).toBe('no_order');
    expect(outcomeOf({ ...base, leftAt: 5 * DAY, apologisedAt: 10 * DAY }, 30, 100 * DAY)).toMatchObject({ status: 'left', group: 'late' });
    expect(outcomeOf(base, 30, 10 * DAY).status).toBe('waiting');
    expect(outcomeOf({ ...base, healthAtAdd: 60, healthNow: 72 }, 30, DAY).healthChange).toBe(12);
  });
  it('summarises groups with Wilson ranges and says when samples are small', () => {
    const os = [
      outcomeOf({ ...base, apologisedAt: DAY, nextOrderAt: 2 * DAY }, 30, 100 * DAY),
      outcomeOf({ ...base, apologisedAt: DAY }, 30, 100 * DAY),
      outcomeOf({ ...base, nextOrderAt: 3 * DAY }, 30, 100 * DAY),
      outcomeOf(base, 30, 10 * DAY),
    ];
    const [onTime, late, none] = summarise(os);
    expect(onTime).toMatchObject({ customers: 2, decided: 2, returned: 1, returnRate: 0.5, medianHoursToApology: 24 });
    expect(late).toMatchObject({ customers: 0, returnRate: null, interval: null });
    expect(none).toMatchObject({ customers: 2, decided: 1, waiting: 1, returnRate: 1 });
    const [lo, hi] = wilson(1, 2)!;
    expect(lo).toBeCloseTo(0.0945, 3);
    expect(hi).toBeCloseTo(0.9055, 3);
    expect(sampleNote([onTime, late, none])).toMatch(/Small samples/);
  });
});

describe('templates', () => {
  it('turns a sent apology into placeholders and fills them for the next customer; unknown braces stay as written', () => {
    const t = templateFromApology('Dear Ada,\n\nYour next order is 15% off with the code SORRY-ABCDEFGH23. We refund €12.00. Sorry, Ada.', {
      firstName: 'Ada',
      code: 'SORRY-ABCDEFGH23',
      amountText: '€12.00',
      percent: 15,
    });
    expect(t).toBe('Dear {{first_name}},\n\nYour next order is {{percent}}% off with the code {{code}}. We refund {{amount}}. Sorry, {{first_name}}.');
    expect(renderTemplate(t, { first_name: 'Bo', percent: '10', amount: '€5.00' })).toBe('Dear Bo,\n\nYour next order is 10% off with the code {{code}}. We refund €5.00. Sorry, Bo.');
    expect(renderTemplate('{{ nope }} {{first_name}}', { first_name: '<b>' })).toBe('{{ nope }} <b>');
  });
});
