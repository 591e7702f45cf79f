// Annual retention against the industry: the benchmarks' definition (1 − lost ÷ customers at the
// start), the activity window it used and how the figure moves with it, no comparison under a year.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dayOfDate } from './dates.js';
import { OrderTableBuilder } from './orders.js';
import { readOrdersFile } from './reader.js';
import { renderText } from './report.html.js';
import { ordersReport } from './report.js';

const d = (iso: string) => {
  const [y, m, day] = iso.split('-').map(Number);
  return dayOfDate(y, m, day);
};
const industry = { key: 'all', name: 'Average across all industries', annualRetention: 0.75 };

describe('annual retention', () => {
  it('gives no figure and no comparison with less than a year of data, and says so', () => {
    const b = new OrderTableBuilder();
    for (let c = 0; c < 5; c++) b.add(`c${c}`, d('2024-01-10'), 1000);
    const r = ordersReport(b.build(), { asOfDay: d('2024-06-30'), industry });
    expect(r.annual).toMatchObject({ retentionRate: null, byWindow: [], note: 'Less than a year of data: no annual retention yet, and no comparison with the industry.' });
    expect(r.benchmark).toMatchObject({ yours: null, difference: null });
  });

  it('is 1 − lost ÷ at the start, with the window it used', () => {
    // 4 customers active on 1 July 2023 (bought in June); 1 stops, 3 buy again in 2024; 2 new ones
    const b = new OrderTableBuilder();
    for (let c = 0; c < 4; c++) b.add(`c${c}`, d('2023-06-20'), 1000);
    b.add('c0', d('2022-06-01'), 1000); // the data begins long enough before
    for (let c = 1; c < 4; c++) b.add(`c${c}`, d('2024-06-10'), 1000);
    b.add('n1', d('2024-06-15'), 1000);
    b.add('n2', d('2023-09-01'), 1000);
    const r = ordersReport(b.build(), { asOfDay: d('2024-06-30'), activityWindowDays: 60, industry });
    expect(r.annual).toMatchObject({
      start: '2023-07-02',
      customersAtStart: 4,
      lost: 1,
      retentionRate: 0.75,
      windowDays: 60,
      formula: '1 − customers lost during the year ÷ customers at its start',
      note: null,
    });
    expect(r.benchmark).toMatchObject({ yours: 0.75, difference: 0 });
    expect(r.annual.byWindow!.map((w) => w.days)).toEqual([30, 60, 90, 180, 365]);
    expect(renderText(r, 'EUR')).toContain('= 1 − customers lost during the year ÷ customers at its start; active = bought in the last 60 days; with other windows: 30 days');
  });
});

const onlineRetail = path.resolve('../shared/data/online-retail/online_retail_invoices.csv');
describe.skipIf(!fs.existsSync(onlineRetail))('Online Retail (real file)', () => {
  it('shows how the figure hinges on the window: 55% at 30 days, 87% at 365', async () => {
    const r = ordersReport((await readOrdersFile(onlineRetail)).table, { industry });
    const at = (w: number) => r.annual.byWindow!.find((x) => x.days === w)!.retentionRate;
    expect(at(30)).toBeCloseTo(0.5509, 4);
    expect(at(365)).toBeCloseTo(0.8684, 4);
    expect(r.annual.windowDays).toBe(r.activityWindow.days);
    expect(at(r.activityWindow.days)).toBe(r.annual.retentionRate);
    // 373 days of data and a 112-day window: customers who bought only before 1 Dec 2010 are unseen
    expect(r.annual.note).toMatch(/customers who bought only before it are not counted at the start/);
  });
});
