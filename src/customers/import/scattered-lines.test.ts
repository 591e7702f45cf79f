// A line-item file whose lines of one order are not next to each other (sorted by product, or
// shuffled) imports as the same orders as the file in order: lines summed, cancellations applied
// wherever they stand. Small batches make the lines of one order reach over several batches.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../app/testing/test-database.js';
import type { OpenDatabase } from '../../platform/db/database.js';
import { bufferSource } from './csv.js';
import { countsAddUp, runImport } from './importer.js';

const header = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';

/** Invoices of three customers, 2–7 lines each, and two cancellations (one whole, one part). */
function lines(): { rows: string[]; pence: Map<string, number> } {
  const rows: string[] = [];
  const pence = new Map<string, number>();
  const add = (inv: string, day: number, customer: string, items: [string, number, number][]) => {
    for (const [code, qty, price] of items) {
      rows.push(`${inv},${code},Item ${code},${qty},2024-03-${String(day).padStart(2, '0')} 10:00:00,${price.toFixed(2)},${customer}.0,United Kingdom`);
      pence.set(inv, (pence.get(inv) ?? 0) + Math.round(qty * price * 100));
    }
  };
  const items = (n: number, seed: number): [string, number, number][] => Array.from({ length: n }, (_, i) => [`P${(seed * 7 + i) % 13}`, (i % 4) + 1, 0.5 + ((seed + i) % 9)]);
  add('700001', 1, '601', items(5, 1));
  add('700002', 2, '601', items(3, 2));
  add('700003', 2, '602', items(7, 3));
  add('700004', 3, '602', items(2, 4));
  add('700005', 4, '603', items(6, 5));
  add('700006', 5, '603', items(4, 6));
  add('700007', 6, '601', items(5, 7));
  // C700008 cancels all of 700002 (its lines negated, a day later); C700009 returns one item of
  // 700005, which by the report's rule comes off the customer's latest earlier order (700006)
  for (const [code, qty, price] of items(3, 2)) add('C700008', 3, '601', [[code, -qty, price]]);
  add('C700009', 6, '603', [[items(6, 5)[0][0], -1, items(6, 5)[0][2]]]);
  return { rows, pence };
}

/** A deterministic shuffle (the test must fail the same way every time it fails). */
function shuffled<T>(list: T[], seed: number): T[] {
  const out = [...list];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const ordersOf = async (db: OpenDatabase) =>
  (
    await sql<{ external_id: string; amount_minor: string; refunded_minor: string; status: string; customer: string }>`
      select o.external_id, o.amount_minor::text, o.refunded_minor::text, o.status, c.external_id as customer
      from orders o join customers c on c.id = o.customer_id order by o.external_id`.execute(db.db)
  ).rows;

describe('line-item files whose lines of one order are scattered', () => {
  let inOrder: OpenDatabase;
  let scattered: OpenDatabase;
  beforeAll(async () => {
    [inOrder, scattered] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  });
  afterAll(async () => {
    await Promise.all([inOrder?.close(), scattered?.close()]);
  });

  it('sums the lines of each order and applies cancellations wherever they stand, as for the file in order', async () => {
    const { rows, pence } = lines();
    const options = { defaultCurrency: 'GBP', timeZone: 'UTC', batchSize: 6 };
    const plain = await runImport(inOrder.db, bufferSource(Buffer.from([header, ...rows].join('\n'))), options);
    expect(plain.understood.scatteredOrders).toBe(0);

    // shuffled, and the cancellations first: each order's lines reach over several batches of 6
    const cancellations = rows.filter((r) => r.startsWith('C'));
    const mixed = [
      ...shuffled(cancellations, 3),
      ...shuffled(
        rows.filter((r) => !r.startsWith('C')),
        7,
      ),
    ];
    const csv = [header, ...mixed].join('\n');
    const check = await runImport(scattered.db, bufferSource(Buffer.from(csv)), { ...options, dryRun: true });
    const r = await runImport(scattered.db, bufferSource(Buffer.from(csv)), options);
    expect(countsAddUp(r)).toBe(true);
    expect(r).toMatchObject({ rows: rows.length, created: 7, duplicates: 0, failed: 0, refunds: 2 });
    expect(r.lineItems).toBe(rows.length - 7 - 2);
    expect(r.understood).toMatchObject({ lineItemFile: true, cancellations: 2, cancelledOrders: 1, partlyRefunded: 1, refundsUnmatched: 0, floatIds: rows.length });
    expect(r.understood.scatteredOrders).toBeGreaterThan(0);
    expect(r.interpretation.join(' ')).toMatch(/not next to each other/);
    // the check step said what the import did
    expect(check.understood).toEqual(r.understood);
    expect(check).toMatchObject({ created: 7, refunds: 2 });

    const got = await ordersOf(scattered);
    expect(got).toEqual(await ordersOf(inOrder));
    const sold = (inv: string) => pence.get(inv)!;
    expect(got.find((o) => o.external_id === '700001')).toMatchObject({ amount_minor: String(sold('700001')), refunded_minor: '0', status: 'paid', customer: '601' });
    expect(got.find((o) => o.external_id === '700002')).toMatchObject({ amount_minor: '0', refunded_minor: String(sold('700002')), status: 'cancelled' });
    const returned = -sold('C700009');
    expect(got.find((o) => o.external_id === '700006')).toMatchObject({ amount_minor: String(sold('700006') - returned), refunded_minor: String(returned), status: 'paid' });

    // the same file again: every order ends as it was, nothing refunded twice
    const again = await runImport(scattered.db, bufferSource(Buffer.from(csv)), options);
    expect(again).toMatchObject({ created: 0, refunds: 0, failed: 0 });
    expect(again.understood.refundsAlreadyApplied).toBe(2);
    expect(await ordersOf(scattered)).toEqual(got);
  });

  it('a bad line keeps its order out when it comes before the order was handed on, and is reported alone after', async () => {
    const db = await createTestDatabase();
    try {
      const csv = [
        header,
        '710001,A,a,1,2024-03-01 10:00:00,2.00,701,UK',
        '710002,A,a,1,2024-03-01 10:00:00,3.00,701,UK',
        '710001,B,b,x,2024-03-01 10:00:00,2.00,701,UK', // bad quantity: 710001 stays out
        '710002,B,b,2,2024-03-01 10:00:00,3.00,701,UK',
        '710003,A,a,1,2024-03-01 10:00:00,4.00,701,UK',
        '710001,C,c,1,2024-03-01 10:00:00,2.00,701,UK', // a later line of the failed order
        '710002,C,c,x,2024-03-01 10:00:00,3.00,701,UK', // 710002 was handed on already
        '710002,D,d,1,2024-03-01 10:00:00,3.00,701,UK',
      ].join('\n');
      const r = await runImport(db.db, bufferSource(Buffer.from(csv)), { defaultCurrency: 'GBP', timeZone: 'UTC', batchSize: 4 });
      expect(countsAddUp(r)).toBe(true);
      expect(r).toMatchObject({ rows: 8, created: 2, failed: 2 });
      expect(r.errors.map((e) => e.line)).toEqual([4, 8]);
      expect(r.errors[0].reason).toMatch(/order 710001 .* not imported/);
      expect(r.errors[1].reason).toMatch(/order 710002 was imported from its lines before this one/);
      const got = await ordersOf(db);
      expect(got.map((o) => [o.external_id, o.amount_minor])).toEqual([
        ['710002', '1200'],
        ['710003', '400'],
      ]);
    } finally {
      await db.close();
    }
  });
});
