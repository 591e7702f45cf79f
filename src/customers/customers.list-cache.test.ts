// The customer list answers the same with its kept answers and shared runs (customers.list-cache.ts):
// every write to customers, orders, subscriptions or touchpoints shows on the next request (total,
// order, figures, status), time passing moves customers out of "active" exactly when their last
// order leaves the activity window, and identical requests waiting together share one run.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';
import { pgliteOf } from '../platform/db/pglite-dialect.js';
import { boundaryMargin, Coalescer, ListCache, listDataVersion, listServing } from './customers.list-cache.js';
import { makeCustomer, makeOrder, makeSubscription } from './testing/factories.js';

let t: TestApp;
let owner: Caller;
let clock = new Date('2026-06-01T12:00:00Z');
const DAY = 86400_000;
const daysAgo = (d: number) => new Date(clock.getTime() - d * DAY);

beforeAll(async () => {
  t = await createTestApp({ now: () => clock });
  owner = await t.signIn('owner');
});
afterAll(() => t?.close());

interface Listed {
  customers: { id: string; name: string; status: string; totalSpentMinor: number; ordersCount: number; lastContactAt: string | null }[];
  nextCursor: string | null;
  total: number | null;
}
const list = async (qs: string) => {
  const r = await t.app.inject({ method: 'GET', url: `/api/customers?${qs}`, headers: owner.headers });
  expect(r.statusCode, r.body).toBe(200);
  expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
  return r.json() as Listed;
};
const embedded = () => pgliteOf(t.ctx.db) !== undefined;

describe('customer list with kept answers', () => {
  it('counts a customer added after the total was kept, by the API or by any other writer', async () => {
    const before = await list('limit=5');
    expect(await list('limit=5')).toEqual(before); // the kept answer, the same
    if (embedded()) expect(listServing(t.ctx).cache.size).toBeGreaterThan(0);
    const created = await t.app.inject({ method: 'POST', url: '/api/customers', headers: owner.headers, payload: { name: 'Aaron Added' } });
    expect(created.statusCode, created.body).toBe(201);
    const after = await list('limit=5');
    expect(after.total).toBe((before.total ?? 0) + 1);
    expect(after.customers.map((c) => c.name)).toContain('Aaron Added');
    // a write that announces nothing (another feature, a script) is seen as well
    await makeCustomer(t.ctx.db, { name: 'Aardvark Direct' });
    const again = await list('limit=5');
    expect(again.total).toBe((before.total ?? 0) + 2);
    expect(again.customers.map((c) => c.name)).toContain('Aardvark Direct');
  });

  it('shows new orders, subscriptions and contacts in the figures, sorts and statuses', async () => {
    const c = await makeCustomer(t.ctx.db, { name: 'Zelda Figures' });
    const row = async (qs: string) => (await list(qs)).customers.find((x) => x.id === c.id);
    expect((await row('search=zelda'))?.status).toBe('prospect');
    await makeOrder(t.ctx.db, c.id, { amount_minor: 999_999, ordered_at: daysAgo(3) });
    expect(await row('search=zelda')).toMatchObject({ status: 'active', ordersCount: 1, totalSpentMinor: 999_999 });
    expect((await list('sort=spent&limit=1')).customers[0].id).toBe(c.id);
    expect((await list('sort=lastOrder&limit=1')).customers[0].id).toBe(c.id);
    await makeSubscription(t.ctx.db, c.id, { started_at: daysAgo(2) });
    expect((await row('search=zelda'))?.status).toBe('subscriber');
    expect((await row('search=zelda'))?.lastContactAt).toBeNull();
    await t.ctx.db
      .insertInto('touchpoints')
      .values({ customer_id: c.id, channel: 'call', direction: 'in', occurred_at: daysAgo(1), summary: 'called' })
      .execute();
    expect((await row('search=zelda'))?.lastContactAt).toBe(daysAgo(1).toISOString());
  });

  it('gives each customer the same figures whether the list is narrowed (figures per customer) or not (grouped over all orders)', async () => {
    const prospect = await makeCustomer(t.ctx.db, { name: 'Xavier Noorders' });
    for (const sort of ['spent', 'lastOrder']) {
      const all = await list(`sort=${sort}&limit=200`);
      const some = await list(`sort=${sort}&limit=200&search=e`);
      expect(some.customers.length).toBeGreaterThan(1);
      const byId = new Map(all.customers.map((c) => [c.id, c]));
      expect(some.customers).toEqual(some.customers.map((c) => byId.get(c.id)));
      expect(all.customers.map((c) => c.id).filter((id) => some.customers.some((c) => c.id === id))).toEqual(some.customers.map((c) => c.id));
    }
    // a customer without orders has spent 0: kept by maxSpent=0 and minSpent=0 alike
    expect((await list('maxSpent=0&limit=200')).customers.map((c) => c.id)).toContain(prospect.id);
    expect((await list('minSpent=0&limit=200')).customers.map((c) => c.id)).toContain(prospect.id);
    expect((await list('minSpent=0&limit=200&search=xavier')).customers.map((c) => c.id)).toEqual([prospect.id]);
  });

  it('moves a customer out of "active" when the clock carries the last order out of the activity window', async () => {
    const c = await makeCustomer(t.ctx.db, { name: 'Yannick Window' });
    await makeOrder(t.ctx.db, c.id, { ordered_at: daysAgo(364) }); // window: 365 days
    const start = clock;
    try {
      const active = await list('status=active&search=yannick');
      expect(active.customers.map((x) => x.name)).toEqual(['Yannick Window']);
      expect((await list('search=yannick')).customers[0].status).toBe('active');
      clock = new Date(start.getTime() + 0.5 * DAY); // still inside
      expect((await list('status=active&search=yannick')).total).toBe(1);
      clock = new Date(start.getTime() + 1.5 * DAY); // the order is 365.5 days old
      expect((await list('status=active&search=yannick')).total).toBe(0);
      expect((await list('status=lapsed&search=yannick')).total).toBe(1);
      expect((await list('search=yannick')).customers[0].status).toBe('lapsed');
      // a last-order filter moves with the clock too
      expect((await list('noOrderForDays=366&search=yannick')).total).toBe(0);
      clock = new Date(start.getTime() + 3 * DAY);
      expect((await list('noOrderForDays=366&search=yannick')).total).toBe(1);
    } finally {
      clock = start;
    }
  });

  it('advances the data version on every write, also while an import runs as a replica', async () => {
    const version = () => t.ctx.db.connection().execute((conn) => listDataVersion(conn, t.ctx.db));
    const v0 = await version();
    if (!embedded()) {
      expect(v0).toBeNull(); // a server keeps no answers
      return;
    }
    const c = await makeCustomer(t.ctx.db, { name: 'Versioned' });
    const v1 = await version();
    expect(v1).not.toBe(v0);
    await t.ctx.db.transaction().execute(async (trx) => {
      await sql`set local session_replication_role = replica`.execute(trx);
      await makeOrder(trx, c.id, { ordered_at: daysAgo(10) });
    });
    const v2 = await version();
    expect(v2).not.toBe(v1);
    await t.ctx.db.updateTable('customers').set({ city: 'Leeds' }).where('id', '=', c.id).execute();
    expect(await version()).not.toBe(v2);
  });

  it('finds how long an answer holds: the gap from each boundary to the first order not cancelled at or after it', async () => {
    const c = await makeCustomer(t.ctx.db, { name: 'Margin' });
    const far = new Date('1990-01-01T00:00:00Z');
    await makeOrder(t.ctx.db, c.id, { ordered_at: new Date(far.getTime() + 5 * DAY), status: 'cancelled' });
    await makeOrder(t.ctx.db, c.id, { ordered_at: new Date(far.getTime() + 7 * DAY) });
    const margin = (b: Date[]) => t.ctx.db.connection().execute((conn) => boundaryMargin(conn, b));
    expect(await margin([far])).toBe(7 * DAY);
    expect(await margin([far, new Date(far.getTime() + 6 * DAY)])).toBe(DAY);
    expect(await margin([new Date('2999-01-01T00:00:00Z')])).toBe(Number.POSITIVE_INFINITY);
    expect(await margin([])).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('ListCache', () => {
  it('answers only for the same version and settings, within the time the answer holds', () => {
    const cache = new ListCache(2);
    cache.set('a', '7:true', '365|EUR', 1000, 500, 'A');
    expect(cache.get('a', '7:true', '365|EUR', 1000)).toBe('A');
    expect(cache.get('a', '7:true', '365|EUR', 1500)).toBe('A');
    expect(cache.get('a', '7:true', '365|EUR', 1501)).toBeUndefined(); // past the margin
    expect(cache.get('a', '7:true', '365|EUR', 999)).toBeUndefined(); // a clock set back
    expect(cache.get('a', '8:true', '365|EUR', 1000)).toBeUndefined(); // written since
    expect(cache.get('a', '7:true', '30|EUR', 1000)).toBeUndefined(); // another activity window
    expect(cache.get('a', null, '365|EUR', 1000)).toBeUndefined();
    cache.set('b', '7:true', 's', 0, 10, 'B');
    cache.set('c', '7:true', 's', 0, 10, 'C'); // the least recently used goes
    expect(cache.size).toBe(2);
    expect(cache.get('a', '7:true', '365|EUR', 1000)).toBeUndefined();
    cache.set('n', null, 's', 0, 10, 'N'); // nothing kept without a version
    expect(cache.get('n', null, 's', 0)).toBeUndefined();
  });
});

describe('Coalescer', () => {
  it('shares a run with identical calls that arrive while it waits for the connection, never once it runs', async () => {
    const runs: string[] = [];
    const coalescer = new Coalescer<string>();
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let entered!: () => void;
    const running = new Promise<void>((r) => {
      entered = r;
    });
    // the first run holds its connection until released
    const first = coalescer.run(t.ctx.db, 'k', async () => {
      runs.push('first');
      entered();
      await held;
      return 'first';
    });
    await running;
    expect(coalescer.size).toBe(0); // running: nobody may join it any more
    const second = coalescer.run(t.ctx.db, 'k', async () => {
      runs.push('second');
      return 'second';
    });
    const third = coalescer.run(t.ctx.db, 'k', async () => {
      runs.push('third');
      return 'third';
    });
    const other = coalescer.run(t.ctx.db, 'other', async () => {
      runs.push('other');
      return 'other';
    });
    release();
    expect(await Promise.all([first, second, third, other])).toEqual(['first', 'second', 'second', 'other']);
    expect(runs.sort()).toEqual(['first', 'other', 'second']);
    expect(coalescer.size).toBe(0);
  });

  it('gives each waiting caller the error of a failed run, and the next call runs again', async () => {
    const coalescer = new Coalescer<number>();
    let n = 0;
    const failing = () =>
      coalescer.run(t.ctx.db, 'k', async () => {
        n++;
        throw new Error('boom');
      });
    const results = await Promise.allSettled([failing(), failing()]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(coalescer.run(t.ctx.db, 'k', async () => 42)).resolves.toBe(42);
    expect(n).toBeGreaterThanOrEqual(1);
  });
});
