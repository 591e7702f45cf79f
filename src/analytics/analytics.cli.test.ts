import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { reportFromFile, reportOptionsFromFlags, ReportUsageError } from './analytics.cli.js';
import { renderHtmlReport } from './report.html.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-report-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
};
const flags = (extra: Record<string, unknown> = {}) => ({
  timeUnit: 'day',
  period: 'month',
  type: 'orders',
  timeZone: 'UTC',
  industry: 'all',
  horizon: '365',
  discountRate: '0.1',
  top: '20',
  currency: 'EUR',
  ...extra,
});

describe('keepwell report on files', () => {
  it('reads a CSV with generic headers, skips bad rows with their line numbers, leaves out refunds', async () => {
    const file = write(
      'orders.csv',
      [
        'Order ID,Customer ID,Created At,Total,Status',
        '1,alice,2024-01-05,"1,200.50",paid',
        '2,alice,2024-02-07,30.00,paid',
        '3,bob,2024-01-20,15.00,refunded',
        '',
        '4,bob,not a date,15.00,paid',
        '5,carol,2024-02-01T23:30:00Z,40.00,paid',
        '6,,2024-02-01,10.00,paid',
      ].join('\n'),
    );
    const { report, errors, rows } = await reportFromFile(file, flags({ timeZone: 'Europe/Amsterdam' }));
    expect(rows).toBe(6);
    expect(errors).toEqual([
      { line: 6, message: 'unreadable date "not a date" (Created At)' },
      { line: 8, message: 'missing customer id (Customer ID)' },
    ]);
    expect(report.totals).toMatchObject({ customers: 2, orders: 3, revenue: 1270.5, voidedOrders: 1 });
    // 23:30 UTC on 1 Feb is 2 Feb in Amsterdam
    expect(report.customers.find((c) => c.id === 'carol')?.firstPurchase).toBe('2024-02-02');
    expect(report.customers.map((c) => c.id)).toEqual(['alice', 'carol']);
  });

  it('reads whitespace-separated files without a header by column number', async () => {
    const file = write('cdnow-like.txt', [' 00001 0001 19970101  2   29.33', ' 00001 0001 19970118  2   29.73', ' 00002 0002 19970102  1   10.00'].join('\n'));
    const { report } = await reportFromFile(file, flags({ customerCol: '2', dateCol: '3', amountCol: '5', timeUnit: 'week' }));
    expect(report.totals).toMatchObject({ customers: 2, orders: 3, revenue: 69.06 });
    const c1 = report.customers.find((c) => c.id === '0001')!;
    expect(c1).toMatchObject({ frequency: 1, recency: Number((17 / 7).toFixed(4)) });
  });

  it('reads subscriptions and fits sBG per plan', async () => {
    const lines = ['id,customer,plan,amount,interval,started_at,canceled_at'];
    for (let i = 0; i < 40; i++) lines.push(`s${i},c${i},basic,10.00,month,2024-01-0${1 + (i % 5)},${i % 3 === 0 ? `2024-0${2 + (i % 4)}-15` : ''}`);
    lines.push('bad,c99,basic,10.00,fortnight,2024-01-01,');
    const file = write('subs.csv', lines.join('\n'));
    const { report, errors } = await reportFromFile(file, flags({ type: 'subscriptions', asOf: '2024-06-30' }));
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toContain('interval');
    expect(report.models.sbg).toHaveLength(1);
    const sbg = report.models.sbg![0];
    expect(sbg.plan).toBe('basic');
    expect(sbg.survival[0]).toBe(1);
    expect(sbg.survival[3]).toBeLessThan(sbg.survival[1]);
    expect(report.periods.find((p) => p.period === '2024-02')).toMatchObject({ customersAtStart: 40 });
  });

  it('rejects bad flags with a message naming the flag', () => {
    expect(() => reportOptionsFromFlags(flags({ timeUnit: 'fortnight' }))).toThrow(/--time-unit/);
    expect(() => reportOptionsFromFlags(flags({ calibrationEnd: '31/31/2020' }))).toThrow(/--calibration-end/);
    expect(() => reportOptionsFromFlags(flags({ customerCol: '0' }))).toThrow(/--customer-col/);
    expect(() => reportOptionsFromFlags(flags({ industry: 'mining' }))).toThrow(ReportUsageError);
  });

  it('says which columns are missing from a file it cannot map', async () => {
    const partial = write('partial.csv', 'customer_id,when,how much\n1,2,3\n');
    await expect(reportFromFile(partial, flags())).rejects.toThrow(/no column for date .*amount/);
    const headerless = write('nohead.csv', 'a,b,c\n1,2,3\n');
    await expect(reportFromFile(headerless, flags())).rejects.toThrow(/--customer-col N --date-col N --amount-col N/);
  });

  it('writes a self-contained HTML report with escaped values', async () => {
    const file = write('xss.csv', ['customer_id,date,amount', '<script>alert(1)</script>,2024-01-05,10', '<script>alert(1)</script>,2024-02-05,10', 'b,2024-01-07,5'].join('\n'));
    // as of June the customer is months late on a monthly rhythm: on the save list, by name
    const { report } = await reportFromFile(file, flags({ asOf: '2024-06-30' }));
    expect(report.saveList[0].id).toBe('<script>alert(1)</script>');
    const html = renderHtmlReport({ title: 'T <b>', currency: 'EUR', generatedAt: 'now', reports: [{ title: 'Orders', report }] });
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('Chart'); // chart.js is inlined
    expect(html).not.toMatch(/<script[^>]+src=/);
  });
});

const cdnow = fileURLToPath(new URL('../../../shared/data/cdnow/CDNOW_sample.txt', import.meta.url));
describe.skipIf(!fs.existsSync(cdnow))('the keepwell command', () => {
  it('prints the JSON contract for CDNOW with a holdout', async () => {
    const bin = fileURLToPath(new URL('../../bin/keepwell.js', import.meta.url));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [bin, 'report', cdnow, '--json', '--no-html', '--customer-col', '2', '--date-col', '3', '--amount-col', '5', '--time-unit', 'week', '--calibration-end', '1997-09-30'],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const json = JSON.parse(stdout);
    expect(json.totals).toMatchObject({ customers: 2357, orders: 6919 });
    expect(Object.keys(json.periods[0])).toEqual(expect.arrayContaining(['period', 'start', 'end', 'customersAtStart', 'lost', 'new', 'churnRate', 'retentionRate']));
    expect(json.benchmark).toMatchObject({ industry: 'all', rate: 0.75 });
    expect(json.models.bgnbd.r).toBeCloseTo(0.243, 3);
    expect(Object.keys(json.models.gammaGamma)).toEqual(expect.arrayContaining(['p', 'q', 'gamma']));
    expect(json.holdout).toMatchObject({ from: '1997-10-01', to: '1998-06-30', actualRepeatPurchases: 1882 });
    expect(json.customers).toHaveLength(2357);
    expect(Object.keys(json.customers[0])).toEqual(
      expect.arrayContaining(['id', 'frequency', 'recency', 'T', 'pAlive', 'expectedPurchases', 'clv', 'health', 'reasons', 'holdoutActual', 'holdoutPredicted']),
    );
  });
});
