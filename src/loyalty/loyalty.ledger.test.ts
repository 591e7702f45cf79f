// The points ledger through the real paths: orders recorded by the API and by a CSV import earn
// once (events delivered at least once, a re-import, the same event twice), refunds reverse,
// spending never passes the balance, the balance is the sum of the ledger, tiers, expiry,
// referrals and the playbook steps that now award real points and real codes.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';
import { DELIVER_JOB, deliverEvent } from '../platform/events/events.service.js';
import { drainJobs, enqueueJob, type Job } from '../platform/jobs/jobs.service.js';
import { randomCode, CODE_ALPHABET, normalizeCode, discountFor } from './codes.js';
import { expireInactive, orderPoints, reverseVoidedOrders, tierFor } from './loyalty.ledger.js';
import { REVERSE_JOB } from './loyalty.subscribers.js';

let t: TestApp;
let owner: Caller;
let agent: Caller;
const clock = new Date();
beforeAll(async () => {
  t = await createTestApp({ now: () => clock });
  owner = await t.signIn('owner');
  agent = await t.signIn('agent');
});
afterAll(async () => t?.close());

const deliver = () => drainJobs(t.ctx, { kinds: [DELIVER_JOB] });
const call = (method: 'GET' | 'POST' | 'PUT', url: string, who: Caller, payload?: unknown) =>
  t.app.inject({ method, url, headers: who.headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
const newCustomer = async (name: string, extra: Record<string, unknown> = {}) => {
  const r = await call('POST', '/api/customers', agent, { name, ...extra });
  expect(r.statusCode).toBe(201);
  return r.json().id as string;
};
const loyalty = async (id: string) => {
  const r = await call('GET', `/api/loyalty/customers/${id}?limit=500`, agent);
  expect(r.statusCode).toBe(200);
  return r.json() as {
    balance: number;
    yearPoints: number;
    tier: { name: string } | null;
    next: { name: string; remaining: number } | null;
    entries: { kind: string; points: number; idempotencyKey: string; reason: string }[];
    codes: { code: string }[];
  };
};
const ledgerSum = async (id: string) => Number((await sql<{ s: string }>`select coalesce(sum(points),0)::text as s from loyalty_ledger where customer_id = ${id}`.execute(t.ctx.db)).rows[0].s);

function multipart(csv: string) {
  const boundary = '----loyaltytest';
  return {
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="orders.csv"\r\nContent-Type: text/csv\r\n\r\n`),
      Buffer.from(csv),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]),
  };
}

describe('codes (pure)', () => {
  it('are random, at least 8 characters from an alphabet without look-alikes', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const c = randomCode();
      expect(c).toMatch(/^[A-HJKMNP-Z2-9]{10}$/);
      seen.add(c);
    }
    expect(seen.size).toBe(2000);
    expect(CODE_ALPHABET).not.toMatch(/[01OIL]/);
    expect(randomCode('BDAY')).toMatch(/^BDAY-[A-HJKMNP-Z2-9]{10}$/);
    expect(() => randomCode('', 6)).toThrow();
    expect(normalizeCode(' bday-abc ')).toBe('BDAY-ABC');
    expect(normalizeCode('<script>')).toBeNull();
    expect(normalizeCode("x' or 1=1")).toBeNull();
  });
  it('discounts: a percentage rounded down, a fixed amount never above the order', () => {
    expect(discountFor({ percentOff: 15, amountOffMinor: null }, 999)).toBe(149);
    expect(discountFor({ percentOff: null, amountOffMinor: 500 }, 300)).toBe(300);
  });
  it('order points follow the rules and the currency', () => {
    expect(orderPoints({ pointsPerUnit: 1, pointsPerOrder: 5 }, 'EUR', 1299, 'EUR')).toBe(17);
    expect(orderPoints({ pointsPerUnit: 1, pointsPerOrder: 5 }, 'EUR', 1299, 'USD')).toBe(5);
    expect(orderPoints({ pointsPerUnit: 2, pointsPerOrder: 0 }, 'JPY', 1299, 'JPY')).toBe(2598);
  });
  it('tiers: the highest reached and the progress to the next', () => {
    const tiers = [
      { name: 'Silver', threshold: 500, perks: '' },
      { name: 'Bronze', threshold: 0, perks: '' },
      { name: 'Gold', threshold: 2000, perks: 'x' },
    ];
    expect(tierFor(tiers, 600)).toMatchObject({ tier: { name: 'Silver' }, next: { name: 'Gold', remaining: 1400 } });
    expect(tierFor(tiers, 2500)).toEqual({ tier: tiers[2], next: null });
    expect(tierFor([], 10)).toEqual({ tier: null, next: null });
  });
});

describe('points ledger', () => {
  it('an order from the API earns once, however often its event is delivered', async () => {
    const id = await newCustomer('Pia Points');
    const o = await call('POST', `/api/customers/${id}/orders`, agent, { amountMinor: 4250, currency: 'EUR' });
    expect(o.statusCode).toBe(201);
    await deliver();
    let l = await loyalty(id);
    expect(l.balance).toBe(42);
    expect(l.entries).toEqual([expect.objectContaining({ kind: 'earn', points: 42, idempotencyKey: `order:${o.json().id}` })]);
    // the same event delivered again (at least once): nothing new
    const ev = await t.ctx.db.selectFrom('events').select('id').where('type', '=', 'order.created').orderBy('created_at', 'desc').limit(1).executeTakeFirstOrThrow();
    await deliverEvent(t.ctx, { payload: { eventId: ev.id, subscriber: 'loyalty.order-created' } } as unknown as Job);
    await deliverEvent(t.ctx, { payload: { eventId: ev.id, subscriber: 'loyalty.order-created' } } as unknown as Job);
    l = await loyalty(id);
    expect(l.balance).toBe(42);
    expect(l.entries).toHaveLength(1);
    // orders in another currency earn the per-order points only
    await call('PUT', '/api/loyalty/settings', owner, { pointsPerOrder: 3 });
    await call('POST', `/api/customers/${id}/orders`, agent, { amountMinor: 10000, currency: 'USD' });
    await deliver();
    expect((await loyalty(id)).balance).toBe(45);
    await call('PUT', '/api/loyalty/settings', owner, { pointsPerOrder: 0 });
  });

  it('a 1,000-order import earns once per order; importing the file again and replaying its events credits nothing twice; refunds reverse', async () => {
    const now = clock.toISOString();
    const lines = [
      'order_id,email,name,amount,currency,date,status',
      ...Array.from({ length: 1000 }, (_, i) => `L-${i},buyer${i % 50}@loyalty.test,Buyer ${i % 50},${(i % 90) + 1}.99,EUR,${now},paid`),
    ];
    const csv = lines.join('\n');
    const r = await t.app.inject({ method: 'POST', url: '/api/customers/import?type=orders', headers: { ...agent.headers, ...multipart(csv).headers }, payload: multipart(csv).payload });
    expect(r.statusCode).toBe(200);
    expect(r.json().report).toMatchObject({ created: 1000, failed: 0 });
    await deliver();
    const expected = async () => {
      const rows = await sql<{ customer_id: string; expect: string; ledger: string }>`
        select o.customer_id, sum(case when o.status in ('paid','pending') then floor(o.amount_minor / 100) else 0 end)::text as expect,
               (select coalesce(sum(points),0) from loyalty_ledger l where l.customer_id = o.customer_id)::text as ledger
        from orders o where o.external_id like 'L-%' group by o.customer_id`.execute(t.ctx.db);
      return rows.rows;
    };
    const first = await expected();
    expect(first).toHaveLength(50);
    for (const row of first) expect(Number(row.ledger)).toBe(Number(row.expect));
    const total = () =>
      sql<{
        n: number;
        s: string;
      }>`select count(*)::int as n, sum(points)::text as s from loyalty_ledger where idempotency_key like 'order:%' and order_id in (select id from orders where external_id like 'L-%')`.execute(
        t.ctx.db,
      );
    const before = (await total()).rows[0];
    expect(before.n).toBe(1000);

    // the same file again (a shop's re-export), and every order.created event delivered once more
    const again = await t.app.inject({ method: 'POST', url: '/api/customers/import?type=orders', headers: { ...agent.headers, ...multipart(csv).headers }, payload: multipart(csv).payload });
    expect(again.json().report.created).toBe(0);
    await deliver();
    const events = await t.ctx.db.selectFrom('events').select('id').where('type', '=', 'order.created').execute();
    for (const e of events) await deliverEvent(t.ctx, { payload: { eventId: e.id, subscriber: 'loyalty.order-created' } } as unknown as Job);
    expect((await total()).rows[0]).toEqual(before);

    // ten of the orders are refunded in a later export: the hourly pass reverses them, once
    const refunded = lines.map((l, i) => (i >= 1 && i <= 10 ? l.replace(/,paid$/, ',refunded') : l)).join('\n');
    const r3 = await t.app.inject({ method: 'POST', url: '/api/customers/import?type=orders', headers: { ...agent.headers, ...multipart(refunded).headers }, payload: multipart(refunded).payload });
    expect(r3.statusCode).toBe(200);
    const statuses = await sql<{ n: number }>`select count(*)::int as n from orders where external_id like 'L-%' and status = 'refunded'`.execute(t.ctx.db);
    expect(statuses.rows[0].n).toBe(10);
    await enqueueJob(t.ctx.db, { kind: REVERSE_JOB, key: `test-reverse-${Date.now()}`, payload: {}, runAt: new Date(0) });
    await drainJobs(t.ctx, { kinds: [REVERSE_JOB] });
    expect(await reverseVoidedOrders(t.ctx.db)).toBe(0); // already done: nothing twice
    const reversals = await sql<{ n: number }>`select count(*)::int as n from loyalty_ledger where kind = 'reverse' and idempotency_key like 'reverse:order:%'`.execute(t.ctx.db);
    expect(reversals.rows[0].n).toBe(10);
    for (const row of await expected()) {
      expect(Number(row.ledger)).toBe(Number(row.expect));
      expect((await loyalty(row.customer_id)).balance).toBe(await ledgerSum(row.customer_id));
    }
  });

  it('spending never passes the balance; adjustments and spends are written once per key', async () => {
    const id = await newCustomer('Sam Spender');
    const adj = await call('POST', `/api/loyalty/customers/${id}/adjust`, agent, { points: 100, reason: 'Goodwill', idempotencyKey: 'gw-1' });
    expect(adj.statusCode).toBe(201);
    expect((await call('POST', `/api/loyalty/customers/${id}/adjust`, agent, { points: 100, reason: 'Goodwill', idempotencyKey: 'gw-1' })).statusCode).toBe(200);
    expect((await loyalty(id)).balance).toBe(100);
    const spend = (points: number, key: string) => call('POST', `/api/loyalty/customers/${id}/spend`, agent, { points, reason: 'Reward', idempotencyKey: key });
    expect((await spend(60, 's1')).json().balance).toBe(40);
    expect((await spend(60, 's1')).statusCode).toBe(200); // a retry: the same spend
    const over = await spend(41, 's2');
    expect(over.statusCode).toBe(409);
    expect(over.json().error.code).toBe('insufficient_points');
    // spends in parallel: never below zero
    const par = await Promise.all(Array.from({ length: 8 }, (_, i) => spend(10, `p${i}`)));
    expect(par.filter((r) => r.statusCode === 201)).toHaveLength(4);
    expect((await loyalty(id)).balance).toBe(0);
    expect(await ledgerSum(id)).toBe(0);
    // hostile amounts are refused clearly
    for (const points of [0, -5, 1e12, 1.5, '10']) expect((await spend(points as number, `bad-${points}`)).statusCode).toBe(400);
    expect((await call('POST', `/api/loyalty/customers/${id}/adjust`, agent, { points: -1, reason: 'x' })).statusCode).toBe(409);
  });

  it('tiers on points of the rolling year; expiry after months without activity', async () => {
    const id = await newCustomer('Tia Tier');
    await call('POST', `/api/loyalty/customers/${id}/adjust`, agent, { points: 5000, reason: 'Not earned: no tier credit' });
    await call('POST', `/api/customers/${id}/orders`, agent, { amountMinor: 60000, currency: 'EUR', orderedAt: new Date(clock.getTime() - 400 * 86400_000).toISOString() });
    await call('POST', `/api/customers/${id}/orders`, agent, { amountMinor: 55000, currency: 'EUR' });
    await deliver();
    const l = await loyalty(id);
    expect(l.balance).toBe(5000 + 600 + 550);
    expect(l.yearPoints).toBe(550);
    expect(l.tier?.name).toBe('Silver');
    expect(l.next).toMatchObject({ name: 'Gold', remaining: 1450 });

    await call('PUT', '/api/loyalty/settings', owner, { expiryMonths: 12 });
    const later = new Date(clock.getTime() + 400 * 86400_000);
    expect(await expireInactive(t.ctx.db, later, 12)).toBeGreaterThan(0);
    expect(await expireInactive(t.ctx.db, later, 12)).toBe(0);
    expect(await ledgerSum(id)).toBe(0);
    await call('PUT', '/api/loyalty/settings', owner, { expiryMonths: 0 });
  });

  it('settings are the owner’s; bad rules are a 400 naming the field', async () => {
    expect((await call('PUT', '/api/loyalty/settings', agent, { pointsPerUnit: 2 })).statusCode).toBe(403);
    const bad = await call('PUT', '/api/loyalty/settings', owner, { pointsPerUnit: -1 });
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json())).toMatch(/pointsPerUnit/);
    expect(
      (
        await call('PUT', '/api/loyalty/settings', owner, {
          tiers: [
            { name: 'A', threshold: 0 },
            { name: 'a', threshold: 5 },
          ],
        })
      ).statusCode,
    ).toBe(400);
    const ok = await call('PUT', '/api/loyalty/settings', owner, { pointsPerUnit: 2 });
    expect(ok.json().settings.pointsPerUnit).toBe(2);
    await call('PUT', '/api/loyalty/settings', owner, { pointsPerUnit: 1 });
  });

  it('referrals: a new customer’s first order credits both once; never a self-referral', async () => {
    const ann = await newCustomer('Ann Referrer', { email: 'ann@ref.test', phone: '+31 6 1234 5678' });
    const code = (await call('POST', `/api/loyalty/customers/${ann}/referral-code`, agent)).json().code;
    expect(code).toMatch(/^REF-[A-HJKMNP-Z2-9]{10}$/);
    expect((await call('POST', `/api/loyalty/customers/${ann}/referral-code`, agent)).json().code).toBe(code);
    expect((await call('POST', '/api/loyalty/referrals', agent, { customerId: ann, code })).statusCode).toBe(422);
    const twin = await newCustomer('Ann Again', { email: 'ANN@ref.test' });
    expect((await call('POST', '/api/loyalty/referrals', agent, { customerId: twin, code })).json().error.code).toBe('self_referral');
    const ben = await newCustomer('Ben New', { email: 'ben@ref.test' });
    expect((await call('POST', '/api/loyalty/referrals', agent, { customerId: ben, code: 'REF-NOPE' })).statusCode).toBe(404);
    expect((await call('POST', '/api/loyalty/referrals', agent, { customerId: ben, code: code.toLowerCase() })).statusCode).toBe(201);
    expect((await call('POST', '/api/loyalty/referrals', agent, { customerId: ben, code })).statusCode).toBe(200);
    await call('POST', `/api/customers/${ben}/orders`, agent, { amountMinor: 1000, currency: 'EUR' });
    await call('POST', `/api/customers/${ben}/orders`, agent, { amountMinor: 1000, currency: 'EUR' });
    await deliver();
    expect((await loyalty(ann)).balance).toBe(100);
    expect((await loyalty(ben)).balance).toBe(10 + 10 + 50);
    const report = (await call('GET', '/api/loyalty/report', agent)).json();
    expect(report.referrals[0]).toMatchObject({ customerId: ann, referred: 1, credited: 1, referredRevenueMinor: 2000 });
    // a customer who already ordered cannot claim one
    expect((await call('POST', '/api/loyalty/referrals', agent, { customerId: (await loyalty(ben)) && twin, code })).statusCode).toBe(422);
  });
});
