// Line-item files and refunds as a shop exports them: the UCI Online Retail files in
// ../shared/data/online-retail (SOURCE.md there). Expected figures are computed here from the
// file with csv-parse and the report's own cancellation rule, not written down.
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../app/testing/test-database.js';
import type { OpenDatabase } from '../../platform/db/database.js';
import { bufferSource, fileSource } from './csv.js';
import { countsAddUp, runImport } from './importer.js';
import { matchRefunds } from './refunds.js';

const dataDir = path.resolve(import.meta.dirname, '../../../../shared/data/online-retail');
const linesFile = path.join(dataDir, 'online_retail_lines_2010-12-01.csv');
const invoicesFile = path.join(dataDir, 'online_retail_invoices.csv');
const haveData = fs.existsSync(linesFile) && fs.existsSync(invoicesFile);

/** The lines file read plainly: per invoice its customer, total in pence and line count. */
function invoicesOfLines(): Map<string, { customer: string; pence: number; lines: number }> {
  const rows = parse(fs.readFileSync(linesFile), { columns: true, bom: true }) as Record<string, string>[];
  const out = new Map<string, { customer: string; pence: number; lines: number }>();
  for (const r of rows) {
    const inv = out.get(r.InvoiceNo) ?? { customer: r.CustomerID.replace(/\.0$/, ''), pence: 0, lines: 0 };
    inv.pence += Math.round(Number(r.Quantity) * Math.round(Number(r.UnitPrice) * 100));
    inv.lines++;
    out.set(r.InvoiceNo, inv);
  }
  return out;
}

describe.skipIf(!haveData)('line-item files and refunds (Online Retail)', () => {
  let database: OpenDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it('reads the raw lines file as orders: headers mapped, lines summed per invoice, float ids read as integers, cancellations applied', async () => {
    const expected = invoicesOfLines();
    const withCustomer = [...expected].filter(([, v]) => v.customer !== '');
    const sales = withCustomer.filter(([no]) => !no.startsWith('C'));
    const cancellations = withCustomer.filter(([no]) => no.startsWith('C'));

    const check = await runImport(database.db, fileSource(linesFile), { dryRun: true, defaultCurrency: 'GBP', timeZone: 'Europe/London' });
    expect(check.type).toBe('orders');
    expect(check.mapping).toMatchObject({ order_id: 'InvoiceNo', date: 'InvoiceDate', quantity: 'Quantity', unit_price: 'UnitPrice', customer_id: 'CustomerID', country: 'Country' });
    expect(check.mapping.amount).toBeUndefined();
    expect(check.understood.lineItemFile).toBe(true);
    expect(check.understood.cancellations).toBe(cancellations.length);
    expect(check.understood.floatIds).toBeGreaterThan(1000);
    expect(check.interpretation.join(' ')).toMatch(/lines of one order \(InvoiceNo\) are summed/);
    expect(check.interpretation.join(' ')).toMatch(/17850\.0/);

    const r = await runImport(database.db, fileSource(linesFile), { defaultCurrency: 'GBP', timeZone: 'Europe/London' });
    expect(countsAddUp(r)).toBe(true);
    expect(r.created).toBe(sales.length);
    // guest invoices (no CustomerID) fail once each, their other lines counted as its line items
    expect(r.failed).toBe(expected.size - withCustomer.length + r.understood.refundsUnmatched);
    expect(r.errors.filter((e) => /no customer id/.test(e.reason)).length).toBe(expected.size - withCustomer.length);
    expect(r.errors.find((e) => /^cancellation C\d+ of [\d.]+ GBP: no order of this customer/.test(e.reason))).toBeDefined();
    expect(r.refunds + r.understood.refundsUnmatched).toBe(cancellations.length);
    expect(r.understood.cancellations).toBe(cancellations.length);
    // the check step said what the import did
    expect(check.understood).toEqual(r.understood);
    expect(check.refunds).toBe(r.refunds);

    const [first] = sales;
    const o = await sql<{ amount_minor: string; refunded_minor: string; external_id: string }>`
      select o.amount_minor::text, o.refunded_minor::text, c.external_id from orders o join customers c on c.id = o.customer_id
      where o.external_id = ${first[0]}`.execute(database.db);
    expect(o.rows[0]).toEqual({ amount_minor: String(first[1].pence), refunded_minor: '0', external_id: first[1].customer });
    // "17850.0" in the file is customer 17850, once
    const ids = await sql<{ external_id: string }>`select external_id from customers where external_id like '%.%'`.execute(database.db);
    expect(ids.rows).toEqual([]);
    // every cancellation applied is stored once (a cancellation may come off several orders)
    const applied = await sql<{ refund_ext: string }>`select distinct refund_ext from order_refunds`.execute(database.db);
    expect(applied.rows.length).toBe(r.refunds);
    expect(applied.rows.every((a) => a.refund_ext.startsWith('C'))).toBe(true);
    const stored = await sql<{ n: number }>`select count(*)::int as n from order_refunds`.execute(database.db);

    // the same file again: nothing doubled
    const again = await runImport(database.db, fileSource(linesFile), { defaultCurrency: 'GBP', timeZone: 'Europe/London' });
    expect(again).toMatchObject({ created: 0, updated: 0, refunds: 0 });
    expect(again.understood.refundsAlreadyApplied).toBe(r.refunds);
    const after = await sql<{ n: number }>`select count(*)::int as n from order_refunds`.execute(database.db);
    expect(after.rows[0].n).toBe(stored.rows[0].n);
  }, 300_000);

  it("a cancellation that repeats an order's amount cancels that order; a smaller one is a partial refund", async () => {
    const csv = [
      'InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID',
      '900001,A,2,2024-03-01 10:00:00,5.00,501.0',
      '900001,B,1,2024-03-01 10:00:00,2.50,501.0',
      '900002,A,4,2024-03-02 10:00:00,5.00,501.0',
      'C900003,B,-1,2024-03-03 10:00:00,2.50,501.0',
      'C900003,A,-2,2024-03-03 10:00:00,5.00,501.0',
      'C900004,A,-1,2024-03-04 10:00:00,5.00,501.0',
      'C900005,A,-1,2024-03-04 10:00:00,5.00,502.0',
    ].join('\n');
    const r = await runImport(database.db, bufferSource(Buffer.from(csv)), { defaultCurrency: 'EUR', timeZone: 'UTC' });
    expect(r).toMatchObject({ rows: 7, created: 2, lineItems: 2, refunds: 2, failed: 1 });
    expect(countsAddUp(r)).toBe(true);
    expect(r.understood).toMatchObject({ cancellations: 3, cancelledOrders: 1, partlyRefunded: 1, refundsUnmatched: 1, ordersFromLines: 2, linesSummed: 2 });
    expect(r.errors.map((e) => e.line)).toEqual([8]);
    const orders = await sql<{ external_id: string; amount_minor: string; refunded_minor: string; status: string }>`
      select external_id, amount_minor::text, refunded_minor::text, status from orders where external_id in ('900001', '900002') order by external_id`.execute(database.db);
    expect(orders.rows).toEqual([
      // 12.50 cancelled in full by C900003 (2 × 5.00 + 2.50)
      { external_id: '900001', amount_minor: '0', refunded_minor: '1250', status: 'cancelled' },
      // 20.00 less 5.00 returned by C900004
      { external_id: '900002', amount_minor: '1500', refunded_minor: '500', status: 'paid' },
    ]);
    // the cancelled order is announced like a status changed by hand
    const events = await sql<{ payload: { changes: { to: string }[]; source: string } }>`select payload from events where type = 'order.status_changed'`.execute(database.db);
    expect(events.rows.map((e) => (typeof e.payload === 'string' ? JSON.parse(e.payload) : e.payload)).flatMap((p) => p.changes.map((c: { to: string }) => c.to))).toContain('cancelled');
    // re-importing the orders keeps what the refunds did
    const again = await runImport(database.db, bufferSource(Buffer.from(csv)), { defaultCurrency: 'EUR', timeZone: 'UTC' });
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 4, refunds: 0 });
  });

  it("applies the invoices file's cancellations as the report does (analytics/orders.ts applyCancellations)", async () => {
    const fresh = await createTestDatabase();
    try {
      const r = await runImport(fresh.db, fileSource(invoicesFile), { defaultCurrency: 'GBP', timeZone: 'Europe/London' });
      expect(countsAddUp(r)).toBe(true);
      // the same rule, by hand, over the file: per customer, orders and refunds in time order
      const rows = parse(fs.readFileSync(invoicesFile), { columns: true }) as Record<string, string>[];
      const byCustomer = new Map<
        string,
        { orders: { ext: string; at: number; amount: number; currency: string; standing: boolean }[]; refunds: { at: number; amount: number; currency: string; cancels: null }[] }
      >();
      for (const x of rows) {
        if (!x.customer_id) continue;
        const c = byCustomer.get(x.customer_id) ?? byCustomer.set(x.customer_id, { orders: [], refunds: [] }).get(x.customer_id)!;
        const at = Date.parse(`${x.invoice_date.replace(' ', 'T')}Z`);
        const pence = Math.round(Number(x.amount) * 100);
        if (pence < 0) c.refunds.push({ at, amount: -pence, currency: 'GBP', cancels: null });
        else c.orders.push({ ext: x.invoice_no, at, amount: pence, currency: 'GBP', standing: true });
      }
      let whole = 0;
      let kept = 0;
      let standing = 0;
      for (const c of byCustomer.values()) {
        for (const m of matchRefunds(c.orders, c.refunds)) if (m.whole) whole++;
        for (const o of c.orders) {
          kept += o.amount;
          if (o.standing) standing++;
        }
      }
      expect(r.understood.cancelledOrders).toBe(whole);
      const db = await sql<{ kept: string; paid: number }>`select sum(amount_minor)::text as kept, count(*) filter (where status = 'paid')::int as paid from orders`.execute(fresh.db);
      expect(Number(db.rows[0].kept)).toBe(kept);
      expect(db.rows[0].paid).toBe(standing);
    } finally {
      await fresh.close();
    }
  }, 300_000);
});
