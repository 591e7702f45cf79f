// Set-based crediting of an import slice: the codes of a slice redeemed together within their
// limits, the points of the year kept beside the tier (equal to the ledger's), a threshold
// crossing announced once; referral rewards as promo codes; the 'points about to expire' notice.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeOrder } from '../customers/testing/factories.js';
import { type Caller, createTestApp, type TestApp } from '../app/testing/test-app.js';
import { DELIVER_JOB } from '../platform/events/events.service.js';
import { drainJobs } from '../platform/jobs/jobs.service.js';
import { creditOrdersWrittenAt } from './loyalty.credits.js';
import { noticeExpiring } from './loyalty.expiry.js';
import { refreshTiers } from './loyalty.tiers.js';

let t: TestApp;
let owner: Caller;
let agent: Caller;
let clock = new Date();
beforeAll(async () => {
  t = await createTestApp({ now: () => clock });
  owner = await t.signIn('owner');
  agent = await t.signIn('agent');
});
afterAll(async () => t?.close());

const deliver = () => drainJobs(t.ctx, { kinds: [DELIVER_JOB] });
const redeliver = async () => {
  await sql`update jobs set status = 'pending', run_at = now() where kind = ${DELIVER_JOB}`.execute(t.ctx.db);
  await deliver();
};
const call = (method: 'GET' | 'POST' | 'PUT', url: string, who: Caller, payload?: unknown) =>
  t.app.inject({ method, url, headers: who.headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
const newCustomer = async (name: string, extra: Record<string, unknown> = {}) => (await call('POST', '/api/customers', agent, { name, ...extra })).json().id as string;
/** Orders written in one transaction with one order.created event, as an import slice is; returns the event's instant. */
const slice = async (orders: { customerId: string; ref: string; amountMinor: number }[]) =>
  t.ctx.db.transaction().execute(async (trx) => {
    for (const o of orders) await makeOrder(trx, o.customerId, { external_id: o.ref, amount_minor: o.amountMinor, ordered_at: clock });
    const at = (await sql<{ at: string }>`select now()::text as at`.execute(trx)).rows[0].at;
    await t.ctx.events.emit(trx, 'order.created', { writtenAt: at, source: 'import' });
    return at;
  });
const results = async (refs: string[]) =>
  Object.fromEntries((await t.ctx.db.selectFrom('loyalty_order_codes').select(['order_ref', 'result']).where('order_ref', 'in', refs).execute()).map((r) => [r.order_ref, r.result]));

describe('crediting an import slice', () => {
  it("redeems a slice's codes within their limits, once; keeps the year's points beside the tier and announces a threshold crossed once", async () => {
    const limited = (await call('POST', '/api/loyalty/codes', agent, { percentOff: 10, use: 'multi', usageLimit: 2 })).json().code.code as string;
    const single = (await call('POST', '/api/loyalty/codes', agent, { percentOff: 20, use: 'single' })).json().code.code as string;
    const [ann, ben, cy] = [await newCustomer('Ann Slice'), await newCustomer('Ben Slice'), await newCustomer('Cy Slice')];
    const sent = await call('POST', '/api/loyalty/order-codes', agent, {
      orders: [
        { orderId: 'SL-1', code: limited },
        { orderId: 'SL-2', code: limited },
        { orderId: 'SL-3', code: limited },
        { orderId: 'SL-4', code: single },
        { orderId: 'SL-5', code: single },
        { orderId: 'SL-6', code: single },
      ],
    });
    expect(sent.statusCode, sent.body).toBe(200);
    await slice([
      { customerId: ann, ref: 'SL-1', amountMinor: 10_000 },
      { customerId: ben, ref: 'SL-2', amountMinor: 20_000 },
      { customerId: cy, ref: 'SL-3', amountMinor: 30_000 },
      { customerId: ann, ref: 'SL-4', amountMinor: 10_000 },
      { customerId: ann, ref: 'SL-5', amountMinor: 10_000 },
      { customerId: ben, ref: 'SL-6', amountMinor: 40_000 },
    ]);
    await deliver();
    await redeliver();
    // the first two orders (by time, then id) take the limited code; a single-use code once per customer
    const r = await results(['SL-1', 'SL-2', 'SL-3', 'SL-4', 'SL-5', 'SL-6']);
    expect(Object.values(r).filter((x) => x === 'redeemed')).toHaveLength(4);
    expect([r['SL-1'], r['SL-2'], r['SL-3']].sort()).toEqual(['code_used_up', 'redeemed', 'redeemed']);
    expect([r['SL-4'], r['SL-5']].sort()).toEqual(['code_already_used', 'redeemed']);
    expect(r['SL-6']).toBe('redeemed');
    const codes = await t.ctx.db.selectFrom('loyalty_codes').select(['code', 'used_count']).where('code', 'in', [limited, single]).execute();
    expect(Object.fromEntries(codes.map((c) => [c.code, c.used_count]))).toEqual({ [limited]: 2, [single]: 2 });
    expect(Number((await sql<{ n: number }>`select count(*)::int as n from loyalty_redemptions where order_ref like 'SL-%'`.execute(t.ctx.db)).rows[0].n)).toBe(4);

    // Ben: 200 + 400 points in one slice → Silver (500); the year's points kept equal the ledger's
    const tierOf = (id: string) => t.ctx.db.selectFrom('loyalty_tiers').select(['tier', 'previous', 'year_points']).where('customer_id', '=', id).executeTakeFirstOrThrow();
    expect(await tierOf(ben)).toEqual({ tier: 'Silver', previous: null, year_points: 600 });
    expect(await tierOf(ann)).toMatchObject({ tier: 'Bronze', year_points: 300 });
    // one more slice takes Ann over 500: Bronze → Silver, announced once however often delivered
    await slice([{ customerId: ann, ref: 'SL-7', amountMinor: 25_000 }]);
    await deliver();
    await redeliver();
    expect(await tierOf(ann)).toEqual({ tier: 'Silver', previous: 'Bronze', year_points: 550 });
    const announced = await sql<{ payload: unknown }>`select payload from events where type = 'loyalty.tier_changed'`.execute(t.ctx.db);
    const forAnn = announced.rows
      .flatMap((e) => (typeof e.payload === 'string' ? JSON.parse(e.payload) : (e.payload as { changes: unknown[] })).changes)
      .filter((c: { customerId: string }) => c.customerId === ann);
    expect(forAnn).toEqual([expect.objectContaining({ tier: 'Bronze', direction: 'up' }), expect.objectContaining({ tier: 'Silver', previous: 'Bronze', direction: 'up' })]);
    // recomputing from the ledger changes nothing: the kept points were right
    expect(await refreshTiers(t.ctx, { customerIds: [ann, ben, cy] })).toEqual([]);
    expect((await tierOf(cy)).year_points).toBe(300);
  });
});

describe('several events credited together', () => {
  it("credits several slices' orders and codes in one call, each once; their deliveries afterwards add nothing", async () => {
    const code = (await call('POST', '/api/loyalty/codes', agent, { percentOff: 10, use: 'multi', usageLimit: 1 })).json().code.code as string;
    expect(
      (
        await call('POST', '/api/loyalty/order-codes', agent, {
          orders: [
            { orderId: 'MB-2', code },
            { orderId: 'MB-3', code },
          ],
        })
      ).statusCode,
    ).toBe(200);
    const [dee, eli] = [await newCustomer('Dee Batch'), await newCustomer('Eli Batch')];
    const first = await slice([{ customerId: dee, ref: 'MB-1', amountMinor: 12_000 }]);
    const second = await slice([
      { customerId: dee, ref: 'MB-2', amountMinor: 3_000 },
      { customerId: eli, ref: 'MB-3', amountMinor: 45_000 },
    ]);
    const done = await creditOrdersWrittenAt(t.ctx, [first, second]);
    expect(done).toMatchObject({ earned: 3, codes: 2 });
    await deliver();
    await redeliver();
    const entries = await sql<{ customer_id: string; points: number; id: string }>`
      select customer_id, points, id::text from loyalty_ledger where customer_id in (${dee}, ${eli}) order by customer_id, points`.execute(t.ctx.db);
    const sum = (id: string) => entries.rows.filter((e) => e.customer_id === id).reduce((n, e) => n + Number(e.points), 0);
    expect(entries.rows).toHaveLength(3);
    expect([sum(dee), sum(eli)]).toEqual([150, 450]);
    // ids made in SQL: uuid version 7 layout, variant 8
    for (const e of entries.rows) expect(e.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
    // the code of limit 1 went to one order only; the year's points kept equal the ledger's
    expect(Object.values(await results(['MB-2', 'MB-3'])).sort()).toEqual(['code_used_up', 'redeemed']);
    expect(await refreshTiers(t.ctx, { customerIds: [dee, eli] })).toEqual([]);
    const tiers = await t.ctx.db.selectFrom('loyalty_tiers').select(['customer_id', 'year_points']).where('customer_id', 'in', [dee, eli]).execute();
    expect(Object.fromEntries(tiers.map((x) => [x.customer_id, x.year_points]))).toEqual({ [dee]: 150, [eli]: 450 });
  });
});

describe('referral rewards as promo codes', () => {
  it("a new customer's first order gives each side a personal single-use code, once; no points", async () => {
    const set = await call('PUT', '/api/loyalty/settings', owner, { referral: { referrerPoints: 100, referredPoints: 50, reward: 'promo', promoPercentOff: 15 } });
    expect(set.statusCode, set.body).toBe(200);
    expect((await call('PUT', '/api/loyalty/settings', owner, { referral: { referrerPoints: 1, referredPoints: 1, reward: 'cash' } })).statusCode).toBe(400);
    const rita = await newCustomer('Rita Promo', { email: 'rita.promo@example.test' });
    const code = (await call('POST', `/api/loyalty/customers/${rita}/referral-code`, agent)).json().code as string;
    const nina = await newCustomer('Nina Promo', { email: 'nina.promo@example.test' });
    expect((await call('POST', '/api/loyalty/referrals', agent, { customerId: nina, code })).statusCode).toBe(201);
    await slice([{ customerId: nina, ref: 'RP-1', amountMinor: 3_000 }]);
    await deliver();
    await redeliver();
    const codes = await t.ctx.db.selectFrom('loyalty_codes').select(['code', 'customer_id', 'use', 'percent_off', 'usage_limit', 'source', 'expires_at']).where('source', '=', 'referral').execute();
    expect(codes.map((c) => c.customer_id).sort()).toEqual([rita, nina].sort());
    for (const c of codes) {
      expect(c).toMatchObject({ use: 'single', percent_off: 15, usage_limit: 1 });
      expect(c.code).toMatch(/^REFER-[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{10}$/);
      expect(new Date(c.expires_at as Date).getTime()).toBeGreaterThan(clock.getTime());
    }
    const referralPoints = await sql<{ n: number }>`select count(*)::int as n from loyalty_ledger where idempotency_key like 'referral:%' and customer_id in (${rita}, ${nina})`.execute(t.ctx.db);
    expect(referralPoints.rows[0].n).toBe(0);
    // Rita's code is hers only: Nina cannot use it
    const ritas = codes.find((c) => c.customer_id === rita)!.code;
    expect((await call('POST', '/api/loyalty/redeem', agent, { code: ritas, customerId: nina, orderAmountMinor: 5_000, currency: 'EUR' })).statusCode).toBe(403);
    expect((await call('POST', '/api/loyalty/redeem', agent, { code: ritas, customerId: rita, orderAmountMinor: 5_000, currency: 'EUR' })).json().discountMinor).toBe(750);
    await call('PUT', '/api/loyalty/settings', owner, { referral: { referrerPoints: 100, referredPoints: 50, reward: 'points' } });
  });
});

describe('points about to expire', () => {
  it('is noticed once per balance and last activity, within the notice days, and announced for playbooks', async () => {
    await call('PUT', '/api/loyalty/settings', owner, { expiryMonths: 12, expiryNoticeDays: 14 });
    // a playbook on loyalty's trigger, from 50 points up
    const playbook = await call('POST', '/api/playbooks', owner, {
      name: 'Use your points',
      trigger: { type: 'points.expiring', minPoints: 50 },
      steps: [{ action: { type: 'task', title: 'Remind {{ customer.name }} of their points' } }],
    });
    expect(playbook.statusCode, playbook.body).toBe(201);
    const playbookId = playbook.json().id as string;
    expect((await call('POST', `/api/playbooks/${playbookId}/enabled`, owner, { enabled: true })).statusCode).toBe(200);
    const soon = await newCustomer('Sam Soon');
    const later = await newCustomer('Lea Later');
    const start = clock;
    const day = 86400_000;
    // Sam earned 355 days ago (expires in ~10 days), Lea 300 days ago (in ~65 days)
    for (const [id, daysAgo, key] of [
      [soon, 355, 'exp-soon'],
      [later, 300, 'exp-later'],
    ] as const) {
      await sql`insert into loyalty_ledger (customer_id, kind, points, reason, idempotency_key, source, occurred_at)
        values (${id}, 'earn', 80, 'Old order', ${key}, 'order', ${new Date(start.getTime() - daysAgo * day)})`.execute(t.ctx.db);
    }
    const first = await noticeExpiring(t.ctx);
    expect(first.map((n) => n.customerId)).toContain(soon);
    expect(first.map((n) => n.customerId)).not.toContain(later);
    const sam = first.find((n) => n.customerId === soon)!;
    expect(sam.points).toBe(80);
    expect(Math.round((new Date(sam.expiresAt).getTime() - start.getTime()) / day)).toBeGreaterThanOrEqual(9);
    expect(Math.round((new Date(sam.expiresAt).getTime() - start.getTime()) / day)).toBeLessThanOrEqual(11);
    expect(await noticeExpiring(t.ctx)).toEqual([]); // a rerun notices nothing twice
    const events = await sql<{ payload: unknown }>`select payload from events where type = 'loyalty.points_expiring'`.execute(t.ctx.db);
    expect(events.rows).toHaveLength(1);
    await deliver(); // handed to playbooks through loyalty's contributed 'points.expiring' trigger
    expect(
      Number(
        (await sql<{ n: number }>`select count(*)::int as n from jobs where kind = ${DELIVER_JOB} and payload->>'subscriber' = 'loyalty.points-expiring' and status = 'done'`.execute(t.ctx.db)).rows[0]
          .n,
      ),
    ).toBe(1);
    const enrolled = await t.ctx.db.selectFrom('playbook_enrollments').select('customer_id').where('playbook_id', '=', playbookId).execute();
    expect(enrolled.map((e) => e.customer_id)).toEqual([soon]);
    // 60 days on, Lea's turn; Sam's balance expired meanwhile is not noticed again
    clock = new Date(start.getTime() + 60 * day);
    const next = await noticeExpiring(t.ctx);
    expect(next.map((n) => n.customerId)).toEqual([later]);
    clock = start;
    await call('PUT', '/api/loyalty/settings', owner, { expiryMonths: 0 });
  });
});
