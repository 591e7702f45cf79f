import { sql } from 'kysely';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../../platform/db/database.js';
import { createTestDatabase } from '../../app/testing/test-database.js';
import { bufferSource, fileSource } from './csv.js';
import { countsAddUp, runImport, type ImportOptions } from './importer.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
let database: OpenDatabase;
const run = (source: ReturnType<typeof fileSource>, opts: ImportOptions = {}) => runImport(database.db, source, { defaultCurrency: 'EUR', timeZone: 'Europe/Amsterdam', ...opts });
const order = async (ext: string) =>
  database.db
    .selectFrom('orders')
    .innerJoin('customers', 'customers.id', 'orders.customer_id')
    .select([
      'orders.amount_minor',
      'orders.currency',
      'orders.ordered_at',
      'orders.status',
      'customers.name',
      'customers.email',
      'customers.external_id as customer_ext',
      'customers.id as customer_id',
    ])
    .where('orders.external_id', '=', ext)
    .executeTakeFirstOrThrow();

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.close();
});

describe('import presets', () => {
  it('Shopify orders: one row per line item, offsets in dates, customers created from orders', async () => {
    const r = await run(fileSource(fixture('shopify-orders.csv')));
    expect(r.preset).toBe('shopify-orders');
    expect(r).toMatchObject({ rows: 4, created: 3, lineItems: 1, failed: 0, customersCreated: 2 });
    expect(countsAddUp(r)).toBe(true);
    const o = await order('5512345678901');
    expect(o).toMatchObject({ amount_minor: 5990, currency: 'EUR', status: 'paid', name: 'Anna de Vries', email: 'anna@example.com' });
    expect(o.ordered_at.toISOString()).toBe('2024-01-05T12:00:00.000Z');
    expect(await order('5512345678902')).toMatchObject({ amount_minor: 123456, currency: 'USD', status: 'refunded' });
    // same email in another case: the same customer
    expect((await order('5512345678903')).customer_id).toBe(o.customer_id);
  });

  it('Shopify customers: matched to the customer created from orders by email, taking its id', async () => {
    const r = await run(fileSource(fixture('shopify-customers.csv')));
    expect(r.preset).toBe('shopify-customers');
    expect(r).toMatchObject({ rows: 3, created: 2, updated: 1, failed: 0 });
    const anna = await database.db.selectFrom('customers').selectAll().where('external_id', '=', '7001').executeTakeFirstOrThrow();
    expect(anna).toMatchObject({ name: 'Anna de Vries', marketing_consent: true, tags: ['vip', 'newsletter'], city: 'Amsterdam', phone_normalized: '31612345678' });
    expect((await order('5512345678901')).customer_id).toBe(anna.id);
    const dev = await database.db.selectFrom('customers').selectAll().where('external_id', '=', '7003').executeTakeFirstOrThrow();
    expect(dev.phone_normalized).toBe('919876543210');
  });

  it('Stripe payments: UTC dates, unix seconds, lower-case currency, failed payments ignored', async () => {
    const r = await run(fileSource(fixture('stripe-payments.csv')));
    expect(r.preset).toBe('stripe-payments');
    expect(r).toMatchObject({ rows: 4, created: 3, ignored: 1, failed: 0, customersCreated: 2 });
    const a = await order('ch_3OabcA1');
    expect(a).toMatchObject({ amount_minor: 2900, currency: 'USD', customer_ext: 'cus_Pa1', name: 'Erin Walsh' });
    expect(a.ordered_at.toISOString()).toBe('2024-01-05T12:00:00.000Z');
    const b = await order('ch_3OabcA2');
    expect(b).toMatchObject({ amount_minor: 125000, status: 'refunded' });
    expect(b.ordered_at.toISOString()).toBe('2024-02-05T11:00:00.000Z');
  });

  it('Stripe customers: updates the customers the payments created', async () => {
    const r = await run(fileSource(fixture('stripe-customers.csv')));
    expect(r).toMatchObject({ preset: 'stripe-customers', rows: 2, created: 0, updated: 2 });
    const erin = await database.db.selectFrom('customers').selectAll().where('external_id', '=', 'cus_Pa1').executeTakeFirstOrThrow();
    expect(erin.acquired_at.toISOString()).toBe('2023-12-01T09:00:00.000Z');
    expect(erin.phone_normalized).toBe('14155550100');
  });

  it('WooCommerce orders: semicolons, BOM, CRLF, comma decimals, month/day dates, guest checkout', async () => {
    const r = await run(fileSource(fixture('woocommerce-orders.csv')));
    expect(r).toMatchObject({ preset: 'woocommerce-orders', delimiter: 'semicolon', rows: 4, created: 3, ignored: 1, failed: 0 });
    const o = await order('301');
    expect(o).toMatchObject({ amount_minor: 123450, currency: 'EUR', customer_ext: '12', name: 'Gert Müller' });
    expect(o.ordered_at.toISOString()).toBe('2023-09-06T04:29:00.000Z');
    const guest = await order('302');
    expect(guest).toMatchObject({ customer_ext: null, email: 'hanna@example.se', amount_minor: 1999 });
    expect(guest.ordered_at.toISOString()).toBe('2023-12-24T17:05:00.000Z');
    expect((await order('304')).status).toBe('refunded');
  });

  it('generic mapping: tab-separated, day/month dates decided from the data, euro amounts', async () => {
    const r = await run(fileSource(fixture('generic-orders.tsv')));
    expect(r).toMatchObject({ preset: 'generic', delimiter: 'tab', rows: 3, created: 3, failed: 0 });
    expect(r.mapping).toMatchObject({ order_id: 'Invoice', name: 'Client', email: 'E-mail', date: 'Date', amount: 'Total' });
    const o = await order('INV-1');
    expect(o.amount_minor).toBe(12000);
    expect(o.ordered_at.toISOString()).toBe('2024-01-04T23:00:00.000Z');
    expect((await order('INV-3')).amount_minor).toBe(100000);
  });
});

describe('subscriptions', () => {
  it('Stripe subscriptions: plans, intervals, cancellations; a bad interval names its line; re-import is unchanged', async () => {
    const r = await run(fileSource(fixture('stripe-subscriptions.csv')), { defaultCurrency: 'USD' });
    expect(r).toMatchObject({ type: 'subscriptions', preset: 'stripe-subscriptions', rows: 3, created: 2, failed: 1, customersCreated: 1 });
    expect(r.errors).toEqual([{ line: 4, reason: expect.stringMatching(/fortnight/) }]);
    const subs = await database.db
      .selectFrom('subscriptions')
      .innerJoin('customers', 'customers.id', 'subscriptions.customer_id')
      .select(['subscriptions.external_id', 'plan', 'amount_minor', 'currency', 'interval', 'started_at', 'canceled_at', 'customers.external_id as cust'])
      .orderBy('subscriptions.external_id')
      .execute();
    expect(subs).toEqual([
      { external_id: 'sub_1Pa1', plan: 'Coffee Club Basic', amount_minor: 2900, currency: 'USD', interval: 'month', started_at: new Date('2024-01-05T12:00:00Z'), canceled_at: null, cust: 'cus_Pa1' },
      {
        external_id: 'sub_1Pa2',
        plan: 'Coffee Club Pro',
        amount_minor: 29000,
        currency: 'USD',
        interval: 'year',
        started_at: new Date('2023-06-01T08:00:00Z'),
        canceled_at: new Date('2024-02-01T10:00:00Z'),
        cust: 'cus_Sub9',
      },
    ]);
    const again = await run(fileSource(fixture('stripe-subscriptions.csv')), { defaultCurrency: 'USD' });
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 2, failed: 1 });
  });
});

describe('importing again', () => {
  it('the same file twice changes nothing and says so', async () => {
    const before = await sql<{ n: number }>`select count(*)::int as n from orders`.execute(database.db);
    const r = await run(fileSource(fixture('shopify-orders.csv')));
    expect(r).toMatchObject({ created: 0, updated: 0, unchanged: 3, lineItems: 1, customersCreated: 0 });
    const after = await sql<{ n: number }>`select count(*)::int as n from orders`.execute(database.db);
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('a changed row is counted as updated', async () => {
    const text = fs.readFileSync(fixture('generic-orders.tsv'), 'utf8').replace('€ 80,50', '€ 81,00');
    const r = await run(bufferSource(Buffer.from(text)));
    expect(r).toMatchObject({ created: 0, updated: 1, unchanged: 2 });
    expect((await order('INV-2')).amount_minor).toBe(8100);
  });

  it('a dry run reports exact counts and writes nothing', async () => {
    const text = 'order_id,email,date,amount\nD1,new@example.com,2024-05-01,10\nINV-1,iris@example.nl,05/01/2024,999\n';
    const r = await run(bufferSource(Buffer.from(text)), { dryRun: true, previewRows: 5 });
    expect(r).toMatchObject({ dryRun: true, created: 1, updated: 1, customersCreated: 1 });
    expect(r.preview.rows).toHaveLength(2);
    expect(await database.db.selectFrom('orders').select('id').where('external_id', '=', 'D1').executeTakeFirst()).toBeUndefined();
    expect((await order('INV-1')).amount_minor).toBe(12000);
    expect(await database.db.selectFrom('customers').select('id').where('email', '=', 'new@example.com').executeTakeFirst()).toBeUndefined();
  });

  it('a dry run in many small batches still counts each new customer once', async () => {
    const text = 'order_id,customer_id,date,amount\nDB-1,new-cust,2024-05-01,10\nDB-2,new-cust,2024-05-02,20\nDB-3,other-new,2024-05-03,30\n';
    const r = await run(bufferSource(Buffer.from(text)), { dryRun: true, batchSize: 1 });
    expect(r).toMatchObject({ created: 3, customersCreated: 2 });
    expect(await database.db.selectFrom('customers').select('id').where('external_id', '=', 'new-cust').executeTakeFirst()).toBeUndefined();
  });

  it('rows without an order id get stable ids, so a re-import finds them', async () => {
    const text = 'customer,date,amount\nc-9,2024-01-01,5\nc-9,2024-01-01,5\nc-9,2024-01-02,5\n';
    const first = await run(bufferSource(Buffer.from(text)));
    expect(first).toMatchObject({ created: 3, duplicates: 0 });
    const second = await run(bufferSource(Buffer.from(text)));
    expect(second).toMatchObject({ created: 0, unchanged: 3 });
  });
});

describe('large files in many batches', () => {
  it('a customer first met on a late order is dated by their earliest order, wherever it is in the file', async () => {
    const text =
      'order_id,customer_id,email,created_at,total\nq1,late-1,late@example.com,2024-06-01,10\nq2,other,o@example.com,2024-06-02,10\nq3,late-1,late@example.com,2022-02-03,10\nq4,late-1,late@example.com,2023-01-01,10\n';
    const r = await run(bufferSource(Buffer.from(text)), { type: 'orders', batchSize: 1, timeZone: 'UTC' });
    expect(r).toMatchObject({ created: 4, customersCreated: 2 });
    const c = await sql<{ acquired_at: Date }>`select acquired_at from customers where external_id = 'late-1'`.execute(database.db);
    expect(c.rows[0].acquired_at.toISOString()).toBe('2022-02-03T00:00:00.000Z');
  });

  it('read in a worker (first pass over the file), the customer is created with its earliest order; a refund dated earlier does not count', async () => {
    const text =
      'order_id,customer_id,email,created_at,total\nfirst-w1,late-2,late2@example.com,2024-06-01,10\nfirst-w2,other-2,o2@example.com,2024-06-02,10\nfirst-w0,late-2,late2@example.com,2021-01-01,-10\nfirst-w3,late-2,late2@example.com,2022-02-03,10\nfirst-w4,late-2,late2@example.com,2023-01-01,10\n';
    const r = await run(bufferSource(Buffer.from(text)), { type: 'orders', batchSize: 1, timeZone: 'UTC', reader: 'worker' });
    expect(r).toMatchObject({ created: 4, customersCreated: 2, failed: 1 });
    const c = await sql<{ external_id: string; acquired_at: Date }>`select external_id, acquired_at from customers where external_id in ('late-2', 'other-2') order by external_id`.execute(
      database.db,
    );
    expect(c.rows.map((x) => [x.external_id, x.acquired_at.toISOString()])).toEqual([
      ['late-2', '2022-02-03T00:00:00.000Z'],
      ['other-2', '2024-06-02T00:00:00.000Z'],
    ]);
  });

  it('a file that starts with new orders and goes on to known ones counts each row where it belongs', async () => {
    const head = 'order_id,customer_id,created_at,total\n';
    await run(bufferSource(Buffer.from(`${head}m1,mc,2024-01-01,1\nm2,mc,2024-01-02,2\nm3,mc,2024-01-03,3\n`)), { type: 'orders' });
    const r = await run(bufferSource(Buffer.from(`${head}m4,mc,2024-01-04,4\nm5,mc,2024-01-05,5\nm1,mc,2024-01-01,1\nm2,mc,2024-01-02,20\nm3,mc,2024-01-03,3\nm6,mc,2024-01-06,6\n`)), {
      type: 'orders',
      batchSize: 2,
    });
    expect(r).toMatchObject({ created: 3, updated: 1, unchanged: 2, failed: 0 });
    const sum = await sql<{ n: number; s: number }>`select count(*)::int as n, sum(amount_minor)::int as s from orders where external_id ~ '^m[0-9]$'`.execute(database.db);
    expect(sum.rows[0]).toEqual({ n: 6, s: 100 + 2000 + 300 + 400 + 500 + 600 });
  });
});

describe('reading in a worker thread (large files)', () => {
  it('reports exactly what reading in this thread reports, bad lines included', async () => {
    const rows = ['order_id,customer_id,email,created_at,total,currency'];
    for (let i = 1; i <= 3000; i++) rows.push(`w${i},wc${i % 40},wc${i % 40}@example.com,2024-02-${String(1 + (i % 28)).padStart(2, '0')},${i % 97 === 0 ? 'n/a' : (i / 10).toFixed(2)},EUR`);
    rows.push('w5,wc5,wc5@example.com,2024-02-06,0.50,EUR'); // a duplicate of line 6
    const file = Buffer.from(rows.join('\n') + '\n');
    const inWorker = await run(bufferSource(file), { type: 'orders', reader: 'worker', batchSize: 500, dryRun: true });
    const inline = await run(bufferSource(file), { type: 'orders', reader: 'inline', batchSize: 500, dryRun: true });
    expect(inWorker).toEqual(inline);
    expect(inWorker).toMatchObject({ rows: 3001, created: 3000 - 30, failed: 30, duplicates: 1, customersCreated: 40 });
    expect(inWorker.errors[0]).toMatchObject({ line: 98 });
    const written = await run(bufferSource(file), { type: 'orders', reader: 'worker', batchSize: 500 });
    expect(written).toMatchObject({ created: 2970, failed: 30, duplicates: 1 });
    // each order went to its own customer (the worker names customers by number, issue 16)
    const owners = await sql<{
      ext: string;
      customer: string;
    }>`select o.external_id as ext, c.external_id as customer from orders o join customers c on c.id = o.customer_id where o.external_id ~ '^w[0-9]+$'`.execute(database.db);
    expect(owners.rows.length).toBe(2970);
    expect(owners.rows.filter((r) => r.customer !== `wc${Number(r.ext.slice(1)) % 40}`)).toEqual([]);
    const again = await run(bufferSource(file), { type: 'orders', reader: 'worker', batchSize: 500 });
    expect(again).toMatchObject({ created: 0, unchanged: 2970 });
  });

  it('a setup mistake found by the reader in the worker is the same clear error', async () => {
    await expect(run(bufferSource(Buffer.from('a,b\n1,2\n')), { type: 'orders', reader: 'worker', mapping: { amount: 'nope' } })).rejects.toThrow(/no column "nope"/);
  });
});

describe('bad input', () => {
  it('names every bad line and keeps the good rows', async () => {
    const r = await run(fileSource(fixture('malformed-orders.csv')));
    expect(countsAddUp(r)).toBe(true);
    expect(r).toMatchObject({ rows: 14, created: 4, duplicates: 1, failed: 9 });
    const byLine = Object.fromEntries(r.errors.map((e) => [e.line, e.reason]));
    expect(Object.keys(byLine).map(Number)).toEqual([4, 5, 6, 7, 8, 10, 11, 12, 13]);
    expect(byLine[4]).toMatch(/wrong delimiter/);
    expect(byLine[5]).toMatch(/not a date/);
    // a negative amount is a refund: applied to an order of its customer, here there is none
    expect(byLine[6]).toMatch(/refund .* no order of this customer/);
    expect(byLine[7]).toMatch(/too large/);
    expect(byLine[8]).toMatch(/missing columns/);
    expect(byLine[10]).toMatch(/not an email/);
    expect(byLine[11]).toMatch(/never closed/);
    expect(byLine[12]).toMatch(/does not exist/);
    expect(byLine[13]).toMatch(/not an amount/);
    expect(r.duplicateNotes).toEqual([{ line: 15, reason: expect.stringMatching(/duplicate.*A2.*line 3/) }]);
    expect((await order('A13')).amount_minor).toBe(1200);
    expect((await order('A8')).name).toBe('Nora "N" Ng');
  });

  it('a 10 MB field is reported on its line and the rows after it are kept', async () => {
    const text = `order_id,email,date,amount\nB1,b1@example.com,2024-01-01,1\nB2,"${'y'.repeat(10 * 1024 * 1024)}",2024-01-01,1\nB3,b3@example.com,2024-01-01,3\n`;
    const r = await run(bufferSource(Buffer.from(text)));
    expect(r).toMatchObject({ created: 2, failed: 1 });
    expect(r.errors).toEqual([{ line: 3, reason: expect.stringMatching(/larger than/) }]);
    expect((await order('B3')).amount_minor).toBe(300);
  });

  it('a file without the needed columns is refused as a whole, naming them', async () => {
    const r = await run(bufferSource(Buffer.from('foo,bar\n1,2\n')), { type: 'orders' });
    expect(r.fatal).toMatch(/amount.*date.*customer/);
    expect(r.created).toBe(0);
  });

  it('flags customers sharing an email under different ids', async () => {
    const text = 'customer_id,name,email\nk1,Kai,kai@example.com\nk2,Kai B.,KAI@example.com\nk1,Kai again,kai@example.com\n';
    const r = await run(bufferSource(Buffer.from(text)), { type: 'customers' });
    expect(r).toMatchObject({ created: 2, duplicates: 1 });
    expect(r.duplicateNotes.map((n) => n.line).sort()).toEqual([3, 4]);
    expect(r.duplicateNotes.find((n) => n.line === 3)!.reason).toMatch(/possible duplicate customer.*kai@example.com/);
  });

  it('an orders file flags a new customer with the email of a customer the workspace had; a first import flags the file’s own once', async () => {
    const fresh = await createTestDatabase();
    try {
      const orders = (rows: string[]) => bufferSource(Buffer.from(['order_id,customer_id,email,created_at,total', ...rows].join('\n')));
      const opts = { type: 'orders' as const, defaultCurrency: 'EUR', timeZone: 'UTC', batchSize: 2 };
      // into an empty workspace: m2 shares m1's email, in a later batch; noted once, by the reader
      const first = await runImport(fresh.db, orders(['m-1,m1,mia@example.com,2024-01-01,10', 'm-2,m1,mia@example.com,2024-01-02,10', 'm-3,m2,MIA@example.com,2024-01-03,10']), opts);
      expect(first).toMatchObject({ created: 3, customersCreated: 2 });
      expect(first.duplicateNotes.map((n) => n.line)).toEqual([4]);
      // a later import: m3 has the email of customers the workspace already had
      const later = await runImport(fresh.db, orders(['m-4,m3,mia@example.com,2024-01-04,10']), opts);
      expect(later.customersCreated).toBe(1);
      expect(later.duplicateNotes).toEqual([{ line: 2, reason: expect.stringMatching(/possible duplicate customer: m3 has the email of existing customer .*\(m1\)/) }]);
    } finally {
      await fresh.close();
    }
  });
});

const cdnow = new URL('../../../../shared/data/cdnow/CDNOW_master.txt', import.meta.url).pathname;
describe.skipIf(!fs.existsSync(cdnow))('CDNOW transaction log (generic mapping)', () => {
  it('imports every transaction, whitespace-separated, with amounts and customers matching the file', async () => {
    const lines = fs
      .readFileSync(cdnow, 'utf8')
      .trim()
      .split(/\r?\n/)
      .slice(1)
      .map((l) => l.trim().split(/\s+/));
    const sum = lines.reduce((s, l) => s + Math.round(Number(l[3]) * 100), 0);
    const customers = new Set(lines.map((l) => l[0])).size;
    const r = await run(fileSource(cdnow), { type: 'orders', defaultCurrency: 'USD', timeZone: 'UTC', batchSize: 20000 });
    expect(r).toMatchObject({ delimiter: 'whitespace', rows: lines.length, created: lines.length, failed: 0, customersCreated: customers });
    expect(r.mapping).toMatchObject({ customer_id: 'customer_id', date: 'date', amount: 'dollar_value' });
    const db = await sql<{
      n: number;
      s: number;
    }>`select count(*)::int as n, sum(o.amount_minor)::bigint as s from orders o join customers c on c.id = o.customer_id where c.external_id ~ '^[0-9]{5}$'`.execute(database.db);
    expect(db.rows[0]).toEqual({ n: lines.length, s: sum });
    const first = await sql<{ acquired_at: Date }>`select acquired_at from customers where external_id = '00001'`.execute(database.db);
    expect(first.rows[0].acquired_at.toISOString()).toBe('1997-01-01T00:00:00.000Z');
  }, 120_000);
});

describe('integrity after every import above', () => {
  it('every order and subscription belongs to a customer that exists', async () => {
    const orphans = await sql<{ n: number }>`select (select count(*) from orders o where not exists (select 1 from customers c where c.id = o.customer_id))
      + (select count(*) from subscriptions s where not exists (select 1 from customers c where c.id = s.customer_id)) as n`.execute(database.db);
    expect(Number(orphans.rows[0].n)).toBe(0);
    const orders = await sql<{ n: number }>`select count(*)::int as n from orders`.execute(database.db);
    expect(orders.rows[0].n).toBeGreaterThan(10);
  });
});
