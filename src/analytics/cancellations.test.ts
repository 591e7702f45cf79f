// A cancelled or refunded order is no purchase, and what was given back comes off the spend the
// Gamma-Gamma model sees: cancellations by status, by a row naming the order it cancels, or by
// a negative row of the same customer with the negated amount (the Online Retail file).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dayOfDate } from './dates.js';
import { OrderTableBuilder } from './orders.js';
import { readOrdersFile } from './reader.js';
import { ordersReport } from './report.js';

const d = (iso: string) => {
  const [y, m, day] = iso.split('-').map(Number);
  return dayOfDate(y, m, day);
};

function tmpCsv(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-cancel-'));
  const file = path.join(dir, 'orders.csv');
  fs.writeFileSync(file, text);
  return file;
}

describe('cancellations and refunds', () => {
  it('a negative row with the negated amount voids the order it cancels: no purchase, no revenue', () => {
    const b = new OrderTableBuilder();
    b.add('a', d('2024-01-10'), 290);
    b.add('a', d('2024-03-01'), 16846960);
    b.add('a', d('2024-03-01'), -16846960); // cancelled 12 minutes later
    b.add('z', d('2024-01-05'), 1000);
    b.add('z', d('2024-02-05'), 1000);
    const r = ordersReport(b.build(), { asOfDay: d('2024-03-31'), activityWindowDays: 30 });
    const a = r.customers.find((c) => c.id === 'a')!;
    expect(a).toMatchObject({ frequency: 0, revenue: 2.9, monetary: null, lastPurchase: '2024-01-10' });
    expect(r.totals).toMatchObject({ orders: 3, revenue: 22.9, voidedOrders: 1, cancelledOrders: 1 });
    // March has no purchase of hers: she lapsed in February
    expect(r.periodsByType.month.at(-1)!.revenue).toBe(0);
  });

  it('by a status column and by a row naming the original order; a partial refund comes off that order', async () => {
    const file = tmpCsv(
      [
        'order_id,customer_id,date,amount,status,original_order_id',
        'o1,a,2024-01-10,100.00,paid,',
        'o2,a,2024-02-10,100.00,paid,',
        'o3,a,2024-03-10,100.00,paid,',
        'r1,a,2024-03-20,-60.00,paid,o2', // 60 back on o2 (not on the latest order o3)
        'o4,b,2024-01-10,50.00,paid,',
        'o5,b,2024-02-10,70.00,refunded,', // by status
        'o6,b,2024-03-10,80.00,paid,',
        'r2,b,2024-03-11,-80.00,paid,o6', // names o6: cancelled
      ].join('\n'),
    );
    const f = await readOrdersFile(file);
    expect(f.errors).toEqual([]);
    const r = ordersReport(f.table, { asOfDay: d('2024-03-31'), activityWindowDays: 45 });
    const a = r.customers.find((c) => c.id === 'a')!;
    const b = r.customers.find((c) => c.id === 'b')!;
    expect(a).toMatchObject({ frequency: 2, revenue: 240, monetary: 70 }); // repeat spend (40 + 100) / 2
    expect(b).toMatchObject({ frequency: 0, revenue: 50, monetary: null });
    expect(r.totals).toMatchObject({ voidedOrders: 2, cancelledOrders: 1, refunds: 140 });
    // the refund lowers February (o2's month), not March
    expect(r.periodsByType.month.map((p) => p.revenue)).toEqual([150, 40, 100]);
  });
});

const onlineRetail = path.resolve('../shared/data/online-retail/online_retail_invoices.csv');
const haveOnlineRetail = fs.existsSync(onlineRetail);
if (!haveOnlineRetail) console.warn(`skipped: the Online Retail tests need ${onlineRetail} (see ../shared/data/online-retail/SOURCE.md)`);

describe.skipIf(!haveOnlineRetail)('Online Retail invoices (real file, ../shared/data/online-retail)', () => {
  it('C581484 cancels 581483 (£168,469.60): customer 16446 is a one-time £2.90 buyer, not a top customer', async () => {
    const f = await readOrdersFile(onlineRetail);
    expect(f.rows).toBe(25900);
    const r = ordersReport(f.table, {});
    const c = r.customers.find((x) => x.id === '16446')!;
    expect(c).toMatchObject({ frequency: 0, revenue: 2.9, monetary: null, firstPurchase: '2011-05-18', lastPurchase: '2011-05-18' });
    const rank = r.customers
      .slice()
      .sort((x, y) => y.clv - x.clv)
      .findIndex((x) => x.id === '16446');
    expect(rank).toBeGreaterThan(100);
    expect(c.health).toBeLessThan(100);
    // C541433 cancels 541431 (£77,183.60), 12346's only other order: no purchase is left
    expect(r.customers.find((x) => x.id === '12346')).toBeUndefined();
    expect(r.totals.cancelledOrders).toBeGreaterThanOrEqual(2);
  });
});
