// Promo codes: made by hand and in bulk (CSV export), redeemed through the API with clear
// refusals, never past their limit under parallel requests; and the playbook 'promo' and
// 'points' steps now issue real codes and real ledger entries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';
import { drainJobs, enqueueJob } from '../platform/jobs/jobs.service.js';
import { contributions } from '../platform/feature.js';
import { installReadyMade, listPlaybooks, setPlaybookEnabled } from '../playbooks/index.js';

let t: TestApp;
let owner: Caller;
let agent: Caller;
let clock = new Date('2026-06-10T10:00:00Z');
beforeAll(async () => {
  t = await createTestApp({ now: () => clock });
  owner = await t.signIn('owner');
  agent = await t.signIn('agent');
});
afterAll(async () => t?.close());

const call = (method: 'GET' | 'POST', url: string, who: Caller, payload?: unknown) =>
  t.app.inject({ method, url, headers: who.headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
const newCustomer = async (name: string, extra: Record<string, unknown> = {}) => (await call('POST', '/api/customers', agent, { name, ...extra })).json().id as string;
const redeem = (body: Record<string, unknown>) => call('POST', '/api/loyalty/redeem', agent, { orderAmountMinor: 5000, currency: 'EUR', ...body });

describe('promo codes', () => {
  it('made by hand: random, unambiguous; percent or fixed amount; refused clearly when unknown, expired or below the minimum', async () => {
    const made = await call('POST', '/api/loyalty/codes', agent, { prefix: 'SPRING', use: 'multi', percentOff: 20, minOrderMinor: 2000, expiresAt: '2026-06-30T00:00:00Z', note: 'Spring mailing' });
    expect(made.statusCode).toBe(201);
    const code = made.json().code;
    expect(code.code).toMatch(/^SPRING-[A-HJKMNP-Z2-9]{10}$/);
    const ok = await redeem({ code: code.code.toLowerCase(), orderRef: 'A-1' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ discountMinor: 1000, currency: 'EUR', replayed: false });
    expect((await redeem({ code: code.code, orderAmountMinor: 1999 })).json().error.code).toBe('below_minimum');
    const unknown = await redeem({ code: 'SPRING-AAAAAAAAAA' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toMatchObject({ code: 'code_unknown', message: 'No such code' });
    for (const odd of ['<script>alert(1)</script>', "' or 1=1 --", 'ÄÖÜ', '%00', ' ']) {
      const r = await redeem({ code: odd });
      expect([400, 404]).toContain(r.statusCode);
    }
    clock = new Date('2026-07-01T00:00:00Z');
    const late = await t.signIn('agent'); // sessions end after idle days too
    const expired = await call('POST', '/api/loyalty/redeem', late, { code: code.code, orderAmountMinor: 5000, currency: 'EUR' });
    expect(expired.statusCode).toBe(410);
    expect(expired.json().error).toMatchObject({ code: 'code_expired', message: 'This code expired on 2026-06-30' });
    clock = new Date('2026-06-10T10:00:00Z');

    const fixed = (await call('POST', '/api/loyalty/codes', agent, { use: 'multi', amountOffMinor: 700, currency: 'EUR' })).json().code;
    expect(fixed.code).toMatch(/^[A-HJKMNP-Z2-9]{10}$/);
    expect((await redeem({ code: fixed.code, orderAmountMinor: 500 })).json().discountMinor).toBe(500);
    expect((await redeem({ code: fixed.code, currency: 'USD' })).json().error.code).toBe('wrong_currency');
    // both or neither discount, absurd amounts: a 400 naming the field
    for (const body of [{ percentOff: 10, amountOffMinor: 5 }, {}, { percentOff: 150 }, { amountOffMinor: 1e15 }, { amountOffMinor: -5 }, { percentOff: 10, prefix: 'bad prefix!' }]) {
      const r = await call('POST', '/api/loyalty/codes', agent, body);
      expect(r.statusCode).toBe(400);
    }
    // withdrawn
    await call('POST', `/api/loyalty/codes/${fixed.id}/disable`, agent);
    expect((await redeem({ code: fixed.code })).json().error.code).toBe('code_disabled');
  });

  it('single-use per customer, personal codes for their customer only, and the same idempotency key answers as before', async () => {
    const a = await newCustomer('Alma');
    const b = await newCustomer('Bea');
    const single = (await call('POST', '/api/loyalty/codes', agent, { use: 'single', percentOff: 10 })).json().code;
    expect((await redeem({ code: single.code })).json().error.code).toBe('customer_required');
    expect((await redeem({ code: single.code, customerId: a, idempotencyKey: 'shop-order-1' })).statusCode).toBe(200);
    const replay = await redeem({ code: single.code, customerId: a, idempotencyKey: 'shop-order-1' });
    expect(replay.json()).toMatchObject({ replayed: true, discountMinor: 500 });
    expect((await redeem({ code: single.code, customerId: a })).json().error.code).toBe('code_already_used');
    expect((await redeem({ code: single.code, customerId: b })).statusCode).toBe(200);
    const list = (await call('GET', '/api/loyalty/codes', agent)).json();
    expect(list.codes.find((c: { id: string }) => c.id === single.id).usedCount).toBe(2);

    const personal = (await call('POST', '/api/loyalty/codes', agent, { use: 'single', percentOff: 25, customerId: a, usageLimit: 1 })).json().code;
    expect((await redeem({ code: personal.code, customerId: b })).statusCode).toBe(403);
    expect((await redeem({ code: personal.code, customerId: a })).statusCode).toBe(200);
    const again = await redeem({ code: personal.code, customerId: a });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('code_used_up');
  });

  it('parallel redemptions past the limit: exactly `limit` succeed', async () => {
    const limit = 5;
    const c = (await call('POST', '/api/loyalty/codes', agent, { use: 'multi', percentOff: 10, usageLimit: limit })).json().code;
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => redeem({ code: c.code, orderRef: `P-${i}` })));
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(limit);
    expect(results.filter((r) => r.statusCode === 409).every((r) => r.json().error.code === 'code_used_up')).toBe(true);
    expect(results.filter((r) => r.statusCode !== 200 && r.statusCode !== 409)).toEqual([]);
    const n = await t.ctx.db
      .selectFrom('loyalty_redemptions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('code_id', '=', c.id)
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(limit);
    const row = await t.ctx.db.selectFrom('loyalty_codes').select('used_count').where('id', '=', c.id).executeTakeFirstOrThrow();
    expect(row.used_count).toBe(limit);
  });

  it('bulk: a batch of 2,500 unique codes, exported as CSV (owner only, audited)', async () => {
    expect((await call('POST', '/api/loyalty/codes/bulk', agent, { count: 10, percentOff: 5 })).statusCode).toBe(403);
    expect((await call('POST', '/api/loyalty/codes/bulk', owner, { count: 10_001, percentOff: 5 })).statusCode).toBe(400);
    const r = await call('POST', '/api/loyalty/codes/bulk', owner, {
      count: 2500,
      prefix: 'SHOP',
      use: 'multi',
      usageLimit: 1,
      amountOffMinor: 500,
      currency: 'EUR',
      expiresAt: '2026-12-31T23:59:59Z',
    });
    expect(r.statusCode).toBe(201);
    const { batchId, count } = r.json();
    expect(count).toBe(2500);
    const csv = await t.app.inject({ method: 'GET', url: `/api/loyalty/codes/export.csv?batchId=${batchId}`, headers: owner.headers });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const lines = csv.body.trim().split('\n');
    expect(lines[0]).toBe('code,use,percent_off,amount_off_minor,currency,min_order_minor,expires_at,usage_limit,used_count,customer_id,batch_id,note,disabled_at');
    expect(lines).toHaveLength(2501);
    const codes = lines.slice(1).map((l) => l.split(',')[0]);
    expect(new Set(codes).size).toBe(2500);
    for (const c of codes) expect(c).toMatch(/^SHOP-[A-HJKMNP-Z2-9]{10}$/);
    expect((await t.app.inject({ method: 'GET', url: `/api/loyalty/codes/export.csv?batchId=${batchId}`, headers: agent.headers })).statusCode).toBe(403);
    const audited = await t.ctx.db.selectFrom('audit_log').select('action').where('action', 'like', 'loyalty.codes.%').execute();
    expect(audited.map((a) => a.action).sort()).toEqual(['loyalty.codes.bulk', 'loyalty.codes.export']);
    const report = (await call('GET', '/api/loyalty/report', agent)).json();
    expect(report.codes.issued).toBeGreaterThanOrEqual(2500);
  });
});

describe('playbook steps now issue real codes and real points', () => {
  it('loyalty runs the promo and points steps', () => {
    const types = contributions('playbookActions').map((r) => r.type);
    expect(types).toEqual(expect.arrayContaining(['promo', 'points']));
  });

  it("the birthday playbook's code is a real single-use code of that customer, the same on a retry, redeemable once", async () => {
    await installReadyMade(t.ctx.db);
    for (const p of await listPlaybooks(t.ctx.db)) if (p.key === 'birthday') await setPlaybookEnabled(t.ctx.db, p.id, true);
    const birthday = `1990-${clock.toISOString().slice(5, 10)}`;
    const id = await newCustomer('Bo Birthday', { email: 'bo@example.test', birthday, marketingConsent: true });
    // the playbooks' scheduled scan (birthdays), run as its job
    await enqueueJob(t.ctx.db, { kind: 'playbook.scan', key: `scan-${Date.now()}`, payload: {}, runAt: new Date(0) });
    await drainJobs(t.ctx);
    const codes = await t.ctx.db.selectFrom('loyalty_codes').selectAll().where('customer_id', '=', id).execute();
    expect(codes).toHaveLength(1);
    expect(codes[0]).toMatchObject({ use: 'single', percent_off: 10, usage_limit: 1, used_count: 0 });
    expect(codes[0].code).toMatch(/^BDAY-[A-HJKMNP-Z2-9]{10}$/);
    const tl = await t.ctx.db.selectFrom('touchpoints').select('summary').where('customer_id', '=', id).execute();
    expect(tl.some((x) => x.summary.includes(`promo code ${codes[0].code} issued`))).toBe(true);
    const mail = await t.ctx.db.selectFrom('emails').select(['text']).where('customer_id', '=', id).execute();
    expect(mail.some((m) => m.text.includes(codes[0].code))).toBe(true);
    expect((await redeem({ code: codes[0].code, customerId: id })).statusCode).toBe(200);
    expect((await redeem({ code: codes[0].code, customerId: id })).statusCode).toBe(409);
  });

  it('the promo and points runners are keyed on the step: a retry makes no second code or entry', async () => {
    const id = await newCustomer('Rita Retry');
    const [promo, points] = ['promo', 'points'].map((type) => contributions('playbookActions').find((r) => r.type === type)!);
    const step = { customerId: id, key: 'pb:test:0', source: 'playbook:test', playbookName: 'Test' };
    const a = await promo.run(t.ctx, { ...step, action: { type: 'promo', prefix: 'WB', percentOff: 15 } });
    const b = await promo.run(t.ctx, { ...step, action: { type: 'promo', prefix: 'WB', percentOff: 15 } });
    expect(a.dataPatch).toEqual(b.dataPatch);
    expect((a.dataPatch as { promo: { code: string; percent_off: number } }).promo).toMatchObject({ code: expect.stringMatching(/^WB-/), percent_off: 15 });
    const p1 = await points.run(t.ctx, { ...step, key: 'pb:test:1', action: { type: 'points', points: 50 } });
    await points.run(t.ctx, { ...step, key: 'pb:test:1', action: { type: 'points', points: 50 } });
    expect(p1.touchpoint?.summary).toBe('Test: 50 loyalty points awarded');
    const l = (await call('GET', `/api/loyalty/customers/${id}`, agent)).json();
    expect(l.balance).toBe(50);
    expect(l.codes).toHaveLength(1);
  });
});
