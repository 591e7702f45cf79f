// Currencies are never added together: money figures are in one currency and the report says
// which; amounts in the others are totalled per currency, or converted with exchange rates the
// owner provides (dated: each order at the latest rate on or before its day).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportFromFile } from './analytics.cli.js';
import { dayOfDate } from './dates.js';
import { OrderTableBuilder } from './orders.js';
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

describe('exchange rates the owner provides', () => {
  const orders = ['customer_id,date,amount,currency', 'a,2024-01-10,60.00,USD', 'a,2024-02-10,40.00,USD', 'b,2024-01-15,10000,JPY', 'c,2023-12-20,5000,JPY'].join('\n');
  const rates = [
    { currency: 'JPY', day: d('2024-01-01'), rate: 0.007 },
    { currency: 'JPY', day: d('2024-02-01'), rate: 0.0068 },
  ];

  it('converts each order at the latest rate on or before its day, and keeps apart what no rate covers', async () => {
    const r = ordersReport((await readOrdersFile(tmpCsv(orders))).table, { asOfDay: d('2024-03-31'), currency: 'USD', activityWindowDays: 60, exchangeRates: rates });
    // ¥10,000 on 2024-01-15 at 0.007 = $70; c's ¥5,000 of 2023-12-20 predates every rate
    expect(r.totals.revenue).toBe(170);
    expect(r.customers.find((c) => c.id === 'b')).toMatchObject({ revenue: 70 });
    expect(r.customers.find((c) => c.id === 'b')!.paysIn).toBeUndefined();
    expect(r.customers.find((c) => c.id === 'c')).toMatchObject({ revenue: 0, paysIn: 'JPY' });
    expect(r.currency).toMatchObject({ code: 'USD', mode: 'per-currency', converted: [{ currency: 'JPY', orders: 1, revenue: 10000, firstRate: '2024-01-01', lastRate: '2024-01-01' }] });
    expect(r.currency.note).toMatch(/JPY 5,000 \(1 order\)/);
    expect(r.currency.note).toMatch(/converted to USD with your exchange rates, each order at the latest rate on or before its day/);
    // with a rate for every order nothing is left apart
    const all = ordersReport((await readOrdersFile(tmpCsv(orders))).table, {
      asOfDay: d('2024-03-31'),
      currency: 'USD',
      activityWindowDays: 60,
      exchangeRates: [{ currency: 'JPY', day: d('2023-12-01'), rate: 0.0071 }, ...rates],
    });
    expect(all.currency.mode).toBe('converted');
    expect(all.totals.revenue).toBe(170 + 35.5);
  });

  it('converts amounts stored in each currency’s own minor units (the database: ¥1 is 1, $1 is 100)', () => {
    const b = new OrderTableBuilder();
    b.add('a', d('2024-01-10'), 6000, false, { currency: 'USD' });
    b.add('b', d('2024-01-15'), 10000, false, { currency: 'JPY' });
    const r = ordersReport(b.build(), { asOfDay: d('2024-03-31'), currency: 'USD', currencyDigits: 2, currencyDigitsOf: (c) => (c === 'JPY' ? 0 : 2), exchangeRates: rates });
    expect(r.totals.revenue).toBe(130);
    expect(r.currency.byCurrency).toEqual([
      { currency: 'USD', orders: 1, revenue: 60 },
      { currency: 'JPY', orders: 1, revenue: 10000 },
    ]);
  });

  it('keepwell report --rates reads currency, date, rate and names the line it cannot read', async () => {
    const flags = { timeUnit: 'day', period: 'month', type: 'orders', timeZone: 'UTC', industry: 'all', horizon: '365', discountRate: '0.1', top: '20', currency: 'USD' };
    const file = tmpCsv(orders);
    const good = tmpCsv('currency,date,rate\nJPY,2023-12-01,0.0071\n');
    const { report } = await reportFromFile(file, { ...flags, rates: good });
    expect(report.currency.mode).toBe('converted');
    const bad = tmpCsv('currency,date,rate\nJPY,2023-12-01,0.0071\nJP,2024-01-01,0.007\n');
    await expect(reportFromFile(file, { ...flags, rates: bad })).rejects.toThrow(/--rates .*: line 3: currency must be an ISO code/);
    await expect(reportFromFile(file, { ...flags, rates: tmpCsv('code,rate\nJPY,1\n') })).rejects.toThrow(/missing column\(s\) date/);
  });
});
