import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../app/testing/test-database.js';
import type { Database, OpenDatabase } from '../../platform/db/database.js';
import { pgliteOf } from '../../platform/db/pglite-dialect.js';
import { bufferSource } from './csv.js';
import { deferIndexes, restoreDeferredIndexes, startDeferredIndexBuilds } from './deferred-indexes.js';
import { runImport, type ImportOptions } from './importer.js';
import { createLogger } from '../../platform/logger.js';
import type { AppContext } from '../../platform/context.js';

let database: OpenDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(async () => {
  await database.close();
});

/** every index of customers and orders, by name, with its definition */
async function indexes(db: Database): Promise<Record<string, string>> {
  const r = await sql<{ name: string; def: string }>`
    select indexname as name, indexdef as def from pg_indexes
    where tablename in ('customers', 'orders') and schemaname = current_schema() order by indexname`.execute(db);
  return Object.fromEntries(r.rows.map((x) => [x.name, x.def]));
}
/** the customers table's storage options (fillfactor) */
const customersOptions = async (db: Database) => (await sql<{ o: string[] | null }>`select reloptions as o from pg_class where oid = to_regclass('customers')`.execute(db)).rows[0].o;
const listed = async (db: Database) => (await db.selectFrom('import_deferred_indexes').select('index_name').orderBy('index_name').execute()).map((r) => r.index_name);

/** an orders file of n orders over n/3 customers, the later rows dated earlier */
function ordersCsv(n: number, from = 1): string {
  let s = 'order_id,customer_id,email,name,created_at,total\n';
  for (let i = from; i < from + n; i++) s += `o-${i},c-${i % Math.ceil(n / 3)},c${i % Math.ceil(n / 3)}@example.com,Customer ${i % Math.ceil(n / 3)},2024-0${1 + ((n - i) % 9)}-10T10:00:00Z,${i}.50\n`;
  return s;
}
const run = (csv: string, opts: ImportOptions = {}) =>
  runImport(database.db, bufferSource(Buffer.from(csv)), { type: 'orders', defaultCurrency: 'EUR', timeZone: 'UTC', batchSize: 100, reader: 'inline', ...opts });

describe('a first import builds secondary indexes at its end', () => {
  it('writes into an empty workspace without them, and ends with every index as it was', async () => {
    const before = await indexes(database.db);
    const seen: { indexes: string[]; listed: string[]; options: string[] | null }[] = [];
    const r = await run(ordersCsv(600), {
      beforeBatch: async (n) => {
        if (n === 3) seen.push({ indexes: Object.keys(await indexes(database.db)), listed: await listed(database.db), options: await customersOptions(database.db) });
      },
    });
    expect(r).toMatchObject({ created: 600, failed: 0, customersCreated: 200 });
    // part-way: the trigram, list and orders' indexes were gone and listed; keys and lookups kept
    const mid = seen[0];
    for (const name of ['customers_search_name', 'customers_list_acquired', 'orders_customer', 'orders_external_id_key']) {
      expect(mid.indexes).not.toContain(name);
      expect(mid.listed).toContain(name);
    }
    for (const name of ['customers_pkey', 'orders_pkey']) expect(mid.indexes).toContain(name);
    // into an empty workspace the import looks no customer up, so it defers the lookup indexes
    // too; on a server, where another client may create a customer meanwhile, but for the unique
    // external id one (which turns a second customer of the same id away)
    const embedded = pgliteOf(database.db) !== undefined;
    expect(mid.indexes.includes('customers_external_id_key')).toBe(!embedded);
    expect(mid.indexes).not.toContain('customers_email_norm');
    // customers half-filled their pages meanwhile (room for the acquisition dates' update)
    expect(mid.options).toEqual(['fillfactor=50']);
    expect(mid.listed).toContain('(customers fillfactor)');
    // at the end: the same indexes, the same definitions, nothing left on the list, and the
    // customers' pages filled as usual again
    expect(await indexes(database.db)).toEqual(before);
    expect(await customersOptions(database.db)).toBeNull();
    expect(await listed(database.db)).toEqual([]);
    // customers are dated by their earliest order although a later row brought it
    const c = await database.db.selectFrom('customers').select(['acquired_at']).where('external_id', '=', 'c-1').executeTakeFirstOrThrow();
    const first = await database.db
      .selectFrom('orders')
      .innerJoin('customers', 'customers.id', 'orders.customer_id')
      .select((eb) => eb.fn.min('orders.ordered_at').as('at'))
      .where('customers.external_id', '=', 'c-1')
      .executeTakeFirstOrThrow();
    expect(new Date(c.acquired_at).toISOString()).toBe(new Date(first.at as Date).toISOString());
    // the orders' unique index is back: the same file again merges instead of adding
    const again = await run(ordersCsv(600));
    expect(again).toMatchObject({ created: 0, unchanged: 600 });
    expect(Number((await sql<{ n: string }>`select count(*) as n from orders`.execute(database.db)).rows[0].n)).toBe(600);
  });

  it('keeps every index when the workspace has customers, in a dry run, and in the server', async () => {
    await run(ordersCsv(30));
    const before = await indexes(database.db);
    for (const opts of [{}, { dryRun: true }]) {
      const seen: string[][] = [];
      await run(ordersCsv(300, 1000), { ...opts, beforeBatch: async () => void seen.push(Object.keys(await indexes(database.db))) });
      for (const s of seen) expect(s).toEqual(Object.keys(before));
    }
    const fresh = await createTestDatabase();
    try {
      const all = Object.keys(await indexes(fresh.db));
      const seen: string[][] = [];
      await runImport(fresh.db, bufferSource(Buffer.from(ordersCsv(300))), {
        type: 'orders',
        defaultCurrency: 'EUR',
        timeZone: 'UTC',
        batchSize: 100,
        reader: 'inline',
        sliced: true,
        beforeBatch: async () => void seen.push(Object.keys(await indexes(fresh.db))),
      });
      expect(seen.length).toBeGreaterThan(1);
      for (const s of seen) expect(s).toEqual(all);
    } finally {
      await fresh.close();
    }
  });

  it('an import that fails part-way builds them again before it reports', async () => {
    const before = await indexes(database.db);
    await expect(
      run(ordersCsv(600), {
        beforeBatch: async (n) => {
          if (n === 3) throw new Error('stopped by the test');
        },
      }),
    ).rejects.toThrow('stopped by the test');
    expect(await indexes(database.db)).toEqual(before);
    expect(await listed(database.db)).toEqual([]);
  });

  it('an index that cannot be built at the end (another client wrote an order id of the file) fails the import, naming it, and the rest are built', async () => {
    const r = run(ordersCsv(600), {
      beforeBatch: async (n) => {
        if (n !== 3) return;
        // o-1 went in with the first batch, while the orders' unique id index was deferred
        const customer = await database.db.selectFrom('customers').select('id').executeTakeFirstOrThrow();
        await database.db
          .insertInto('orders')
          .values({ id: crypto.randomUUID(), external_id: 'o-1', customer_id: customer.id, amount_minor: 100, currency: 'EUR', ordered_at: new Date(), status: 'paid' })
          .execute();
      },
    });
    await expect(r).rejects.toThrow(/could not build index orders_external_id_key on orders: Key \(external_id\)=\(o-1\)/);
    // every other deferred index is back (on a server the customers' were built beside the orders')
    expect(await listed(database.db)).toEqual(['orders_external_id_key']);
    for (const name of ['customers_search_name', 'customers_list_acquired', 'customers_email_norm', 'orders_customer', 'orders_created_at'])
      expect(Object.keys(await indexes(database.db))).toContain(name);
  });

  it('indexes left by an import that was killed are built by the next import, and named if they cannot be', async () => {
    const before = await indexes(database.db);
    // as a killed import leaves them: dropped and listed
    const dropped = await deferIndexes(database.db, ['customers', 'orders']);
    expect(dropped).toContain('orders_external_id_key');
    expect(Object.keys(await indexes(database.db)).length).toBe(Object.keys(before).length - dropped.length);
    await run(ordersCsv(30));
    expect(await indexes(database.db)).toEqual(before);
    expect(await listed(database.db)).toEqual([]);

    // an order id twice (only another client could write it while the index is deferred)
    await database.db.deleteFrom('orders').execute();
    expect(await deferIndexes(database.db, ['orders'])).toContain('orders_external_id_key');
    const customer = await database.db.selectFrom('customers').select('id').executeTakeFirstOrThrow();
    for (let i = 0; i < 2; i++)
      await database.db
        .insertInto('orders')
        .values({ id: crypto.randomUUID(), external_id: 'o-1', customer_id: customer.id, amount_minor: 100, currency: 'EUR', ordered_at: new Date(), status: 'paid' })
        .execute();
    await expect(restoreDeferredIndexes(database.db)).rejects.toThrow(/orders_external_id_key on orders: Key \(external_id\)=\(o-1\) is duplicated/);
    expect(await listed(database.db)).toContain('orders_external_id_key');
  });

  it('a server start builds what an import killed part-way left (customers’ background)', async () => {
    const before = await indexes(database.db);
    expect((await deferIndexes(database.db, ['customers', 'orders'])).length).toBeGreaterThan(3);
    const ctx = { db: database.db, log: createLogger('silent') } as unknown as AppContext;
    const stop = startDeferredIndexBuilds(ctx);
    await stop(); // waits for the builds
    expect(await indexes(database.db)).toEqual(before);
    expect(await listed(database.db)).toEqual([]);
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)('on a server, a customer another client creates during a first import is found, not made twice', async () => {
    // batch 1 meets customers c-1…c-100; c-150 first appears in batch 2, by which time another
    // client has created it (the import, which looks nobody up in an empty workspace, meets the
    // unique external id index, and looks customers up from then on)
    const r = await run(ordersCsv(600), {
      beforeBatch: async (n) => {
        if (n === 2) await database.db.insertInto('customers').values({ external_id: 'c-150', name: 'Made elsewhere', acquired_at: new Date() }).execute();
      },
    });
    expect(r).toMatchObject({ created: 600, failed: 0, customersCreated: 199 });
    const c150 = await database.db.selectFrom('customers').select(['id', 'name']).where('external_id', '=', 'c-150').execute();
    expect(c150).toEqual([expect.objectContaining({ name: 'Made elsewhere' })]);
    const orders = await database.db.selectFrom('orders').select('external_id').where('customer_id', '=', c150[0].id).orderBy('external_id').execute();
    expect(orders.map((o) => o.external_id)).toEqual(['o-150', 'o-350', 'o-550']);
    expect(Number((await sql<{ n: string }>`select count(*) as n from customers`.execute(database.db)).rows[0].n)).toBe(200);
    expect(await listed(database.db)).toEqual([]);
  });
});
