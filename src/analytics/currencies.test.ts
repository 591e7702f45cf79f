// Currencies are never added together: money figures are in one currency and the report says
// which; amounts in the others are totalled per currency (no exchange rates are applied).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dayOfDate } from './dates.js';
import { readOrdersFile } from './reader.js';
import { ordersReport } from './report.js';

const d = (iso: string) => {
  const [y, m, day] = iso.split('-').map(Number);
  return dayOfDate(y, m, day);
};

function tmpCsv(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-cur-'));
  const file = path.join(dir, 'orders.csv');
  fs.writeFileSync(file, text);
  return file;
}

describe('currencies', () => {
  it('a file with 100 USD and 10,000 JPY does not report revenue 10,100', async () => {
    const file = tmpCsv(['customer_id,date,amount,currency', 'a,2024-01-10,60.00,USD', 'a,2024-02-10,40.00,USD', 'b,2024-01-15,10000,JPY'].join('\n'));
    const f = await readOrdersFile(file);
    const r = ordersReport(f.table, { asOfDay: d('2024-03-31'), currency: 'USD', activityWindowDays: 60 });
    expect(r.totals.revenue).toBe(100);
    expect(r.totals.orders).toBe(3); // b's order is a purchase all the same
    expect(r.currency).toMatchObject({
      code: 'USD',
      mode: 'per-currency',
      byCurrency: [
        { currency: 'USD', orders: 2, revenue: 100 },
        { currency: 'JPY', orders: 1, revenue: 10000 },
      ],
    });
    expect(r.currency.note).toMatch(/never added/);
    expect(r.models.notes.join(' ')).toMatch(/Money figures are in USD.*JPY 10,000 \(1 order\)/);
    expect(r.periodsByType.month.map((p) => p.revenue)).toEqual([60, 40, 0]);
    expect(r.cohorts.map((c) => c.revenue[0])).toEqual([60]);
    const b = r.customers.find((c) => c.id === 'b')!;
    expect(b).toMatchObject({ revenue: 0, clv: 0, valueAtRisk: 0, paysIn: 'JPY' });
    expect(r.customers.find((c) => c.id === 'a')!.paysIn).toBeUndefined();
  });

  it('picks the currency most orders are in when none is given, and says a single currency', async () => {
    const file = tmpCsv(['customer_id,date,amount,currency', 'a,2024-01-10,5000,JPY', 'b,2024-01-11,7000,JPY', 'c,2024-01-12,12.50,EUR'].join('\n'));
    const r = ordersReport((await readOrdersFile(file)).table, { asOfDay: d('2024-03-31') });
    expect(r.currency.code).toBe('JPY');
    expect(r.totals.revenue).toBe(12000);
    const one = tmpCsv(['customer_id,date,amount,currency', 'a,2024-01-10,50,EUR'].join('\n'));
    const r1 = ordersReport((await readOrdersFile(one)).table, { asOfDay: d('2024-03-31') });
    expect(r1.currency).toEqual({ code: 'EUR', mode: 'single', byCurrency: [], note: null });
  });
});
