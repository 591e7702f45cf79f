// Codes that come with orders (a promo code redeemed, a referral code on a first order credits
// both sides; once however often delivered), a refund announced by order.status_changed takes
// back the order's points, birthday and review points once, a tier reached is recorded once,
// announced as loyalty.tier_changed, starts a 'tier.reached' playbook whose email says the tier,
// and members vs other buyers.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, createTestApp, type TestApp } from '../app/testing/test-app.js';
import { DELIVER_JOB } from '../platform/events/events.service.js';
import { drainJobs } from '../platform/jobs/jobs.service.js';
import { localDate } from '../platform/time.js';
import { setPlaybookEnabled } from '../playbooks/index.js';
import { getWorkspace } from '../workspace/index.js';
import { creditBirthdays } from './loyalty.rewards.js';

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
const newCustomer = async (name: string, extra: Record<string, unknown> = {}) => (await call('POST', '/api/customers', agent, { name, ...extra })).json().id as string;
const order = async (customerId: string, externalId: string, amountMinor: number) => {
  const r = await call('POST', `/api/customers/${customerId}/orders`, agent, { externalId, amountMinor, currency: 'EUR' });
  expect(r.statusCode, r.body).toBe(201);
  return r.json().id as string;
};
const balance = async (id: string) => (await call('GET', `/api/loyalty/customers/${id}`, agent)).json().balance as number;
const keys = async (id: string) => (await sql<{ k: string }>`select idempotency_key as k from loyalty_ledger where customer_id = ${id} order by created_at, id`.execute(t.ctx.db)).rows.map((r) => r.k);

describe('codes that come with orders', () => {
  it('redeems a promo code sent before or after its order, once; refuses an expired one with the reason', async () => {
    const made = await call('POST', '/api/loyalty/codes', agent, { percentOff: 10, use: 'multi', usageLimit: 5 });
    const code = made.json().code.code as string;
    const old = (await call('POST', '/api/loyalty/codes', agent, { percentOff: 10, use: 'multi', expiresAt: new Date(clock.getTime() - 1000).toISOString() })).json().code.code;
    const ada = await newCustomer('Ada Code');
    // the code first, the order later (through the API): redeemed when the order arrives
    const early = await call('POST', '/api/loyalty/order-codes', agent, { orders: [{ orderId: 'SHOP-1', code: code.toLowerCase() }] });
    expect(early.json().orders).toEqual([{ orderId: 'SHOP-1', code: code.toLowerCase(), result: 'waiting for the order', appliedAt: null }]);
    await order(ada, 'SHOP-1', 8_000);
    await deliver();
    // the order first, its code afterwards: applied at once
    await order(ada, 'SHOP-2', 5_000);
    await order(ada, 'SHOP-3', 5_000);
    await deliver();
    const late = await call('POST', '/api/loyalty/order-codes', agent, {
      orders: [
        { orderId: 'SHOP-2', code },
        { orderId: 'SHOP-3', code: old },
      ],
    });
    expect(
      late
        .json()
        .orders.map((o: { orderId: string; result: string }) => `${o.orderId}:${o.result}`)
        .sort(),
    ).toEqual(['SHOP-2:redeemed', 'SHOP-3:code_expired']);
    // every delivery again (a retry): nothing counted twice
    await sql`update jobs set status = 'pending', run_at = now() where kind = ${DELIVER_JOB}`.execute(t.ctx.db);
    await deliver();
    await call('POST', '/api/loyalty/order-codes', agent, { orders: [{ orderId: 'SHOP-2', code }] });
    const red = await t.ctx.db.selectFrom('loyalty_redemptions').select(['order_ref', 'discount_minor']).where('customer_id', '=', ada).orderBy('order_ref').execute();
    expect(red.map((r) => [r.order_ref, Number(r.discount_minor)])).toEqual([
      ['SHOP-1', 800],
      ['SHOP-2', 500],
    ]);
    expect((await call('GET', '/api/loyalty/codes?status=used', agent)).json().codes.find((c: { code: string }) => c.code === code).usedCount).toBe(2);
    expect((await call('POST', '/api/loyalty/order-codes', agent, { orders: [] })).statusCode).toBe(400);
    expect((await call('POST', '/api/loyalty/order-codes', agent, { orders: [{ orderId: 'X', code: '<script>' }] })).statusCode).toBe(200);
  });

  it('redeems a code sent in lower case with spaces, whatever letters it has (an S was once stripped)', async () => {
    const made = await call('POST', '/api/loyalty/codes', agent, { percentOff: 10, use: 'multi', prefix: 'SASS' });
    expect(made.statusCode, made.body).toBe(201);
    const code = made.json().code.code as string;
    expect(code).toMatch(/^SASS-/);
    const sam = await newCustomer('Sam Spaces');
    const typed = ` ${code.toLowerCase().replace('-', '- ')} `;
    await call('POST', '/api/loyalty/order-codes', agent, { orders: [{ orderId: 'SASS-1', code: typed }] });
    await order(sam, 'SASS-1', 10_000);
    await deliver();
    const red = await t.ctx.db.selectFrom('loyalty_redemptions').select(['order_ref', 'discount_minor']).where('customer_id', '=', sam).execute();
    expect(red.map((r) => [r.order_ref, Number(r.discount_minor)])).toEqual([['SASS-1', 1000]]);
  });

  it('a referral code on a first order credits both sides once; on a later order it is refused', async () => {
    const referrer = await newCustomer('Rita Referrer', { email: 'rita@example.test' });
    const ref = (await call('POST', `/api/loyalty/customers/${referrer}/referral-code`, agent)).json().code as string;
    const newbie = await newCustomer('Nick New', { email: 'nick@example.test' });
    await call('POST', '/api/loyalty/order-codes', agent, { orders: [{ orderId: 'REF-ORDER-1', code: ref }] });
    await order(newbie, 'REF-ORDER-1', 2_000);
    await deliver();
    await sql`update jobs set status = 'pending', run_at = now() where kind = ${DELIVER_JOB}`.execute(t.ctx.db);
    await deliver();
    expect((await keys(referrer)).filter((k) => k.startsWith('referral:'))).toHaveLength(1);
    expect((await keys(newbie)).filter((k) => k.startsWith('referral:'))).toHaveLength(1);
    const regular = await newCustomer('Ron Regular', { email: 'ron@example.test' });
    await order(regular, 'REF-ORDER-2', 2_000);
    await deliver();
    const r = await call('POST', '/api/loyalty/order-codes', agent, { orders: [{ orderId: 'REF-ORDER-3', code: ref }] });
    expect(r.json().orders[0].result).toBe('waiting for the order');
    await order(regular, 'REF-ORDER-3', 2_000);
    await deliver();
    const stored = await t.ctx.db.selectFrom('loyalty_order_codes').select('result').where('order_ref', '=', 'REF-ORDER-3').executeTakeFirstOrThrow();
    expect(stored.result).toBe('not_new');
  });
});

describe('a refund announced by the customers feature', () => {
  it('takes back the order’s points once', async () => {
    const bo = await newCustomer('Bo Refund');
    const orderId = await order(bo, 'RF-1', 12_000);
    await deliver();
    expect(await balance(bo)).toBe(120);
    const r = await call('POST', `/api/orders/${orderId}/status`, agent, { status: 'refunded' });
    expect(r.statusCode, r.body).toBe(200);
    await deliver();
    expect(await balance(bo)).toBe(0);
    await call('POST', `/api/orders/${orderId}/status`, agent, { status: 'refunded' });
    await sql`update jobs set status = 'pending', run_at = now() where kind = ${DELIVER_JOB}`.execute(t.ctx.db);
    await deliver();
    expect((await keys(bo)).filter((k) => k.startsWith('reverse:'))).toEqual([`reverse:order:${orderId}`]);
    expect((await call('POST', `/api/orders/${orderId}/status`, agent, { status: 'lost' })).statusCode).toBe(400);
  });
});

describe('the rules of the Settings form', () => {
  it('save the expiry notice and the referral reward; a wrong value is a 400 naming the field', async () => {
    const wrong = async (payload: unknown, field: string) => {
      const r = await call('PUT', '/api/loyalty/settings', owner, payload);
      expect(r.statusCode, r.body).toBe(400);
      expect(JSON.stringify(r.json().error.fields)).toContain(field);
    };
    await wrong({ expiryNoticeDays: -1 }, 'expiryNoticeDays');
    await wrong({ expiryNoticeDays: 400 }, 'expiryNoticeDays');
    await wrong({ expiryNoticeDays: '7; drop table' }, 'expiryNoticeDays');
    await wrong({ referral: { referrerPoints: 100, referredPoints: 50, reward: 'cash' } }, 'reward');
    await wrong({ referral: { referrerPoints: 100, referredPoints: 50, reward: 'promo', promoPercentOff: 0 } }, 'promoPercentOff');
    await wrong({ referral: { referrerPoints: 100, referredPoints: 50, reward: 'promo', promoPercentOff: 101 } }, 'promoPercentOff');
    const ok = await call('PUT', '/api/loyalty/settings', owner, { expiryNoticeDays: 7, referral: { referrerPoints: 100, referredPoints: 50, reward: 'promo', promoPercentOff: 15 } });
    expect(ok.statusCode, ok.body).toBe(200);
    const s = (await call('GET', '/api/loyalty/settings', agent)).json().settings;
    expect(s).toMatchObject({ expiryNoticeDays: 7, referral: { reward: 'promo', promoPercentOff: 15 } });
    // back to the defaults the other tests expect
    await call('PUT', '/api/loyalty/settings', owner, { expiryNoticeDays: 14, referral: { referrerPoints: 100, referredPoints: 50, reward: 'points', promoPercentOff: 10 } });
  });
});

describe('birthdays, reviews, tiers', () => {
  it('birthday points once a year, review points once per review', async () => {
    await call('PUT', '/api/loyalty/settings', owner, { pointsOnBirthday: 25, pointsPerReview: 15 });
    // today in the workspace's time zone, as the job counts it (the UTC date differs in the last hour before midnight in Amsterdam)
    const today = localDate(clock, (await getWorkspace(t.ctx.db))?.timeZone ?? 'UTC').slice(5, 10);
    const cat = await newCustomer('Cat Birthday', { birthday: `1990-${today}` });
    const dan = await newCustomer('Dan Other', { birthday: '1990-01-01' === `1990-${today}` ? '1990-06-15' : '1990-01-01' });
    expect(await creditBirthdays(t.ctx)).toBeGreaterThanOrEqual(1);
    expect(await creditBirthdays(t.ctx)).toBe(0);
    expect(await balance(cat)).toBe(25);
    expect(await balance(dan)).toBe(0);
    const first = await call('POST', '/api/loyalty/reviews', agent, { customerId: dan, reviewRef: 'trustpilot-123' });
    expect(first.statusCode).toBe(201);
    expect((await call('POST', '/api/loyalty/reviews', agent, { customerId: dan, reviewRef: 'trustpilot-123' })).statusCode).toBe(200);
    expect(await balance(dan)).toBe(15);
    expect((await call('POST', '/api/loyalty/reviews', agent, { customerId: dan, reviewRef: 'has spaces' })).statusCode).toBe(400);
  });

  it('a tier reached is announced once and starts a tier.reached playbook whose email names the tier', async () => {
    const pb = await call('POST', '/api/playbooks', owner, {
      name: 'Welcome to Silver',
      trigger: { type: 'tier.reached', tier: 'silver' },
      steps: [{ action: { type: 'email', kind: 'transactional', subject: 'You are {{ customer.tier }} now', html: '<p>{{ customer.points }} points</p>', text: '{{ customer.points }} points' } }],
    });
    expect(pb.statusCode, pb.body).toBe(201);
    await setPlaybookEnabled(t.ctx.db, pb.json().id, true, { at: new Date(clock.getTime() - 1000) });
    const eve = await newCustomer('Eve Climber', { email: 'eve@example.test' });
    await order(eve, 'TIER-1', 60_000); // 600 points: Silver from 500
    await deliver();
    await sql`update jobs set status = 'pending', run_at = now() where kind = ${DELIVER_JOB}`.execute(t.ctx.db);
    await deliver();
    const tiers = await t.ctx.db.selectFrom('loyalty_tiers').selectAll().where('customer_id', '=', eve).execute();
    expect(tiers).toMatchObject([{ tier: 'Silver', previous: null }]);
    const events = await sql<{ payload: { changes: { customerId: string; tier: string; direction: string }[] } }>`
      select payload from events where type = 'loyalty.tier_changed'`.execute(t.ctx.db);
    const forEve = events.rows.flatMap((e) => (typeof e.payload === 'string' ? JSON.parse(e.payload) : e.payload).changes).filter((c: { customerId: string }) => c.customerId === eve);
    expect(forEve).toEqual([expect.objectContaining({ tier: 'Silver', direction: 'up' })]);
    await drainJobs(t.ctx, { concurrency: 1 });
    const mail = await t.ctx.db.selectFrom('emails').select(['subject', 'text']).where('customer_id', '=', eve).execute();
    expect(mail).toHaveLength(1);
    expect(mail[0].subject).toBe('You are Silver now');
    expect(mail[0].text).toMatch(/^600 points/);
    // spending does not lower the tier (points earned count), a refund does: announced as down, no playbook
    const orderId = (await t.ctx.db.selectFrom('orders').select('id').where('external_id', '=', 'TIER-1').executeTakeFirstOrThrow()).id;
    await call('POST', `/api/orders/${orderId}/status`, agent, { status: 'refunded' });
    await deliver();
    expect((await t.ctx.db.selectFrom('loyalty_tiers').select(['tier', 'previous']).where('customer_id', '=', eve).executeTakeFirstOrThrow()).previous).toBe('Silver');
  });

  it('members vs other buyers, and by tier, with counts', async () => {
    const r = await call('GET', '/api/loyalty/results', agent);
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.members.customers).toBeGreaterThanOrEqual(2); // Ada redeemed codes, Nick was referred
    expect(body.others.customers).toBeGreaterThanOrEqual(1); // Ron bought twice without the programme
    expect(body.members.customers + body.others.customers).toBe(body.byTier.reduce((a: number, g: { customers: number }) => a + g.customers, 0));
    expect(body.members.repeatRate).toBeGreaterThan(0); // Ada ordered three times
    expect(body.note).toMatch(/not how much the programme caused/);
  });
});
