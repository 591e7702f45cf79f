// A customer merged into another (POST /api/customers/:id/merge, announced as customer.merged):
// the merged-away customer's points, ledger entries, tier, referral code and referrals go to the
// one kept, once; delivering the event again changes nothing.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, createTestApp, type TestApp } from '../app/testing/test-app.js';
import { DELIVER_JOB } from '../platform/events/events.service.js';
import { drainJobs } from '../platform/jobs/jobs.service.js';

let t: TestApp;
let agent: Caller;
const clock = new Date();
beforeAll(async () => {
  t = await createTestApp({ now: () => clock });
  agent = await t.signIn('agent');
});
afterAll(async () => t?.close());

const deliver = () => drainJobs(t.ctx, { kinds: [DELIVER_JOB] });
const call = (method: 'GET' | 'POST', url: string, payload?: unknown) => t.app.inject({ method, url, headers: agent.headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
const newCustomer = async (name: string, email: string) => {
  const r = await call('POST', '/api/customers', { name, email });
  expect(r.statusCode, r.body).toBe(201);
  return r.json().id as string;
};
const order = async (customerId: string, externalId: string, amountMinor: number) => {
  const r = await call('POST', `/api/customers/${customerId}/orders`, { externalId, amountMinor, currency: 'EUR' });
  expect(r.statusCode, r.body).toBe(201);
};
const loyalty = async (id: string) => {
  const r = await call('GET', `/api/loyalty/customers/${id}?limit=500`);
  expect(r.statusCode, r.body).toBe(200);
  return r.json() as { balance: number; yearPoints: number; tier: { name: string } | null; entries: { idempotencyKey: string }[]; referralCode: string | null };
};
const count = async (q: ReturnType<typeof sql<{ n: number }>>) => Number((await q.execute(t.ctx.db)).rows[0].n);

describe('customer.merged', () => {
  it('moves the merged customer’s points, entries, tier, referral code and referrals to the kept one, once', async () => {
    const kept = await newCustomer('Mara Kept', 'mara@example.test');
    const gone = await newCustomer('Mara Duplicate', 'mara.old@example.test');
    await order(kept, 'M-1', 30_000); // 300 points each: Bronze
    await order(gone, 'M-2', 30_000);
    const keptCode = (await call('POST', `/api/loyalty/customers/${kept}/referral-code`)).json().code as string;
    const goneCode = (await call('POST', `/api/loyalty/customers/${gone}/referral-code`)).json().code as string;
    // the duplicate referred a friend, whose first order credits the referral (100 + 50 points)
    const friend = await newCustomer('Fred Friend', 'fred@example.test');
    expect((await call('POST', '/api/loyalty/referrals', { customerId: friend, code: goneCode })).statusCode).toBe(201);
    await order(friend, 'M-3', 1_000);
    await deliver();
    expect((await loyalty(gone)).balance).toBe(400);
    expect((await loyalty(kept)).tier?.name).toBe('Bronze');
    const goneKeys = (await loyalty(gone)).entries.map((e) => e.idempotencyKey).sort();

    const tierEvents = () => count(sql`select count(*)::int as n from events where type = 'loyalty.tier_changed' and payload::text like ${`%${kept}%`}`);
    const before = await tierEvents();
    // both have a tier row and a referral code: the customers feature's move leaves those behind
    const merged = await call('POST', `/api/customers/${kept}/merge`, { otherId: gone });
    expect(merged.statusCode, merged.body).toBe(200);
    await deliver();

    const after = await loyalty(kept);
    expect(after.balance).toBe(700);
    expect(after.yearPoints).toBe(700);
    expect(after.tier?.name).toBe('Silver'); // 700 points together cross 500
    expect(after.referralCode).toBe(keptCode);
    const keptKeys = after.entries.map((e) => e.idempotencyKey);
    for (const k of goneKeys) expect(keptKeys).toContain(k);
    expect(await count(sql`select count(*)::int as n from loyalty_ledger where customer_id = ${gone}`)).toBe(0);
    expect(await count(sql`select count(*)::int as n from loyalty_tiers where customer_id = ${gone}`)).toBe(0);
    expect(await count(sql`select count(*)::int as n from loyalty_referrals where referrer_customer_id = ${kept} and referred_customer_id = ${friend}`)).toBe(1);
    const changes = await tierEvents();
    expect(changes).toBe(before + 1); // Silver reached, once

    // the duplicate's old referral link now refers for the kept customer
    const another = await newCustomer('Ann Another', 'ann@example.test');
    const claim = await call('POST', '/api/loyalty/referrals', { customerId: another, code: goneCode });
    expect(claim.statusCode, claim.body).toBe(201);
    expect(claim.json().referrerId).toBe(kept);

    // delivered again (at least once): nothing moves twice, nothing is announced again
    const entries = after.entries.length;
    await sql`update jobs set status = 'pending', run_at = now() where kind = ${DELIVER_JOB}`.execute(t.ctx.db);
    await deliver();
    const again = await loyalty(kept);
    expect(again.balance).toBe(700);
    expect(again.entries).toHaveLength(entries);
    expect(again.tier?.name).toBe('Silver');
    expect(await tierEvents()).toBe(changes);
  });

  it('a merged customer’s tier stays with the kept one without announcing a tier reached again', async () => {
    const kept = await newCustomer('Gil Kept', 'gil@example.test');
    const gone = await newCustomer('Gil Gold', 'gil.gold@example.test');
    await order(gone, 'G-1', 250_000); // 2,500 points: Gold
    await deliver();
    expect((await loyalty(gone)).tier?.name).toBe('Gold');
    await order(kept, 'G-2', 1_000); // the kept one has a tier row of their own (Bronze)
    await deliver();
    expect((await call('POST', `/api/customers/${kept}/merge`, { otherId: gone })).statusCode).toBe(200);
    await deliver();
    const after = await loyalty(kept);
    expect(after).toMatchObject({ balance: 2510, tier: { name: 'Gold' } });
    // Bronze to Gold by a merge is not a "tier reached": no up change announced for the kept customer
    const ups = await sql<{ payload: unknown }>`select payload from events where type = 'loyalty.tier_changed' and payload::text like ${`%${kept}%`}`.execute(t.ctx.db);
    const toGold = ups.rows
      .flatMap((r) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload).changes)
      .filter((c: { customerId: string; tier: string }) => c.customerId === kept && c.tier === 'Gold');
    expect(toGold).toEqual([]);
  });
});
