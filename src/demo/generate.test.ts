import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../app/testing/test-database.js';
import { insertHistory } from '../customers/index.js';
import type { OpenDatabase } from '../platform/db/database.js';
import { Rng } from '../platform/random.js';
import { generateDemoBusiness, type DemoBusiness } from './generate.js';

const DAY = 86_400_000;
const today = new Date('2026-11-23T10:30:00Z');
const uuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ms = (d: unknown) => (d instanceof Date ? d.getTime() : NaN);

let business: DemoBusiness;
beforeAll(() => {
  business = generateDemoBusiness({ seed: 42, today });
});

describe('generateDemoBusiness: determinism', () => {
  it('gives identical data for the same seed and today, and different data for another seed', () => {
    const again = generateDemoBusiness({ seed: 42, today });
    expect(again).toEqual(business);
    const other = generateDemoBusiness({ seed: 7, today });
    expect(other.customers.map((c) => c.email)).not.toEqual(business.customers.map((c) => c.email));
    expect(other.orders.length).not.toBe(business.orders.length);
    const ids = new Set(business.customers.map((c) => c.id));
    expect(other.customers.some((c) => ids.has(c.id))).toBe(false);
  });

  it('ends the history at the given today', () => {
    const earlier = new Date('2025-03-01T00:00:00Z');
    const b = generateDemoBusiness({ seed: 42, today: earlier });
    const latest = Math.max(...b.orders.map((o) => ms(o.ordered_at)));
    expect(latest).toBeLessThanOrEqual(earlier.getTime());
    expect(latest).toBeGreaterThan(earlier.getTime() - 7 * DAY);
    expect(Math.min(...b.customers.map((c) => ms(c.acquired_at)))).toBeGreaterThanOrEqual(earlier.getTime() - 731 * DAY);
  });

  it('has a PRNG with sane distributions', () => {
    const rng = new Rng(1);
    const n = 20000;
    let sumU = 0;
    let sumG = 0;
    let sumB = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      expect(u >= 0 && u < 1).toBe(true);
      sumU += u;
      sumG += rng.gamma(0.6, 10); // mean 6
      sumB += rng.beta(2, 6); // mean 0.25
    }
    expect(sumU / n).toBeCloseTo(0.5, 1);
    expect(sumG / n).toBeGreaterThan(5.5);
    expect(sumG / n).toBeLessThan(6.5);
    expect(sumB / n).toBeCloseTo(0.25, 1);
  });
});

describe('generateDemoBusiness: a plausible coffee roastery', () => {
  it('has an owner and three agents on the demo domain', () => {
    expect(business.workspace).toMatchObject({ industry: 'consumer_services', timeZone: 'Europe/London', currency: 'GBP' });
    expect(business.staff[0]).toMatchObject({ email: 'owner@demo.keepwell.test', role: 'owner' });
    expect(business.staff.slice(1).map((s) => s.role)).toEqual(['agent', 'agent', 'agent']);
    expect(business.staff.every((s) => s.email.endsWith('@demo.keepwell.test'))).toBe(true);
  });

  it('has about 2,000 customers with unique lower-case emails and valid ids', () => {
    const { customers } = business;
    expect(customers.length).toBeGreaterThanOrEqual(1800);
    expect(customers.length).toBeLessThanOrEqual(2200);
    const emails = customers.map((c) => c.email!);
    expect(new Set(emails).size).toBe(emails.length);
    for (const e of emails) expect(e).toMatch(/^[a-z0-9._]+@[a-z0-9.-]+\.[a-z]+$/);
    expect(customers.every((c) => c.email_normalized === c.email)).toBe(true);
    expect(new Set(customers.map((c) => c.external_id)).size).toBe(customers.length);
    expect(customers.every((c) => /^cus_\d{6}$/.test(c.external_id!))).toBe(true);
    const ids = [...customers.map((c) => c.id), ...business.orders.map((o) => o.id), ...business.subscriptions.map((s) => s.id), ...business.touchpoints.map((t) => t.id)];
    for (const id of ids) expect(id).toMatch(uuidV4);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of customers) {
      if (c.owner_staff_index !== null) expect(business.staff[c.owner_staff_index]).toBeDefined();
      if (c.birthday) expect(c.birthday).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      if (c.phone) expect(c.phone_normalized).toMatch(/^44\d{9,10}$/);
    }
  });

  it('fills fields at realistic rates', () => {
    const { customers } = business;
    const share = (f: (c: DemoBusiness['customers'][number]) => boolean) => customers.filter(f).length / customers.length;
    expect(share((c) => c.birthday !== null)).toBeGreaterThan(0.5);
    expect(share((c) => c.birthday !== null)).toBeLessThan(0.7);
    expect(share((c) => c.marketing_consent === true)).toBeGreaterThan(0.62);
    expect(share((c) => c.marketing_consent === true)).toBeLessThan(0.78);
    expect(share((c) => c.city !== null)).toBeGreaterThan(0.8);
    expect(share((c) => c.retention_driver === null)).toBeGreaterThan(0.05);
    for (const tag of ['wholesale', 'vip', 'project', 'newsletter']) expect(share((c) => c.tags!.includes(tag))).toBeGreaterThan(0.005);
  });

  it('acquires more customers in the second year than the first', () => {
    const mid = today.getTime() - 365 * DAY;
    const firstYear = business.customers.filter((c) => ms(c.acquired_at) < mid).length;
    expect(business.customers.length - firstYear).toBeGreaterThan(firstYear * 1.2);
  });

  it('has 8–15k orders, all for known customers, in GBP, never after today and not before acquisition', () => {
    const { orders } = business;
    expect(orders.length).toBeGreaterThanOrEqual(8000);
    expect(orders.length).toBeLessThanOrEqual(15000);
    const acquired = new Map(business.customers.map((c) => [c.id, ms(c.acquired_at)]));
    for (const o of orders) {
      expect(acquired.has(o.customer_id)).toBe(true);
      expect(ms(o.ordered_at)).toBeGreaterThanOrEqual(acquired.get(o.customer_id)!);
      expect(ms(o.ordered_at)).toBeLessThanOrEqual(today.getTime());
      expect(o.currency).toBe('GBP');
      expect(Number.isInteger(o.amount_minor) && (o.amount_minor as number) > 0).toBe(true);
    }
    expect(new Set(orders.map((o) => o.external_id)).size).toBe(orders.length);
  });

  it('buys like a non-contractual business: seasonal, with one-off and loyal customers', () => {
    const byMonth = new Array<number>(12).fill(0);
    for (const o of business.orders) byMonth[(o.ordered_at as Date).getUTCMonth()]++;
    expect(byMonth[11]).toBeGreaterThan(byMonth[6] * 1.2); // December beats July
    const perCustomer = new Map<string, number>();
    for (const o of business.orders) perCustomer.set(o.customer_id, (perCustomer.get(o.customer_id) ?? 0) + 1);
    const counts = [...perCustomer.values()];
    const oneOff = counts.filter((n) => n === 1).length / counts.length;
    expect(oneOff).toBeGreaterThan(0.1);
    expect(oneOff).toBeLessThan(0.6);
    expect(counts.filter((n) => n >= 10).length).toBeGreaterThan(50);
    expect(perCustomer.size).toBeLessThan(business.customers.length); // some signed up and never bought
  });

  it('spends £15–£60 per order for most customers, far more for wholesale', () => {
    const wholesale = new Set(business.customers.filter((c) => c.tags!.includes('wholesale')).map((c) => c.id));
    const sums = new Map<string, [number, number]>();
    for (const o of business.orders) {
      const s = sums.get(o.customer_id) ?? [0, 0];
      s[0] += o.amount_minor as number;
      s[1]++;
      sums.set(o.customer_id, s);
    }
    const retailMeans = [...sums].filter(([id]) => !wholesale.has(id)).map(([, [t, n]]) => t / n);
    const inRange = retailMeans.filter((m) => m >= 1500 && m <= 6000).length / retailMeans.length;
    expect(inRange).toBeGreaterThan(0.6);
    const wholesaleMeans = [...sums].filter(([id]) => wholesale.has(id)).map(([, [t, n]]) => t / n);
    expect(wholesaleMeans.length).toBeGreaterThan(10);
    const sorted = [...retailMeans].sort((a, b) => a - b);
    expect(Math.min(...wholesaleMeans)).toBeGreaterThan(sorted[Math.floor(sorted.length * 0.95)]);
  });

  it('refunds about 3% of orders and leaves a few recent ones pending', () => {
    const { orders } = business;
    const refunded = orders.filter((o) => o.status === 'refunded').length / orders.length;
    expect(refunded).toBeGreaterThan(0.015);
    expect(refunded).toBeLessThan(0.05);
    const pending = orders.filter((o) => o.status === 'pending');
    expect(pending.length).toBeGreaterThan(0);
    for (const o of pending) expect(today.getTime() - ms(o.ordered_at)).toBeLessThan(7 * DAY);
  });

  it('has about 300 subscriptions that churn with reasons', () => {
    const { subscriptions } = business;
    expect(subscriptions.length).toBeGreaterThan(200);
    expect(subscriptions.length).toBeLessThan(400);
    const customers = new Set(business.customers.map((c) => c.id));
    expect(new Set(subscriptions.map((s) => s.plan))).toEqual(new Set(['Monthly Beans', 'Fortnightly Duo', 'Annual Roaster']));
    for (const s of subscriptions) {
      expect(customers.has(s.customer_id)).toBe(true);
      expect(ms(s.started_at)).toBeLessThanOrEqual(today.getTime());
      if (s.canceled_at) {
        expect(ms(s.canceled_at)).toBeGreaterThanOrEqual(ms(s.started_at));
        expect(ms(s.canceled_at)).toBeLessThanOrEqual(today.getTime());
      } else {
        expect(s.cancel_reason).toBeNull();
      }
      if (s.plan === 'Monthly Beans') expect(s).toMatchObject({ amount_minor: 1800, interval: 'month' });
      if (s.plan === 'Annual Roaster') expect(s).toMatchObject({ amount_minor: 19000, interval: 'year' });
    }
    const canceled = subscriptions.filter((s) => s.canceled_at);
    expect(canceled.length / subscriptions.length).toBeGreaterThan(0.2);
    expect(canceled.length / subscriptions.length).toBeLessThan(0.8);
    const reasons = new Set(canceled.map((s) => s.cancel_reason));
    for (const r of ['price', 'needs changed', 'competitor', 'poor experience']) expect(reasons.has(r)).toBe(true);
  });

  it('has a touchpoint history where some relationships are recent and some stale', () => {
    const { touchpoints } = business;
    const customers = new Set(business.customers.map((c) => c.id));
    const last = new Map<string, number>();
    for (const t of touchpoints) {
      expect(customers.has(t.customer_id)).toBe(true);
      expect(ms(t.occurred_at)).toBeLessThanOrEqual(today.getTime());
      expect(t.summary.length).toBeGreaterThan(5);
      expect(['in', 'out', 'internal']).toContain(t.direction);
      last.set(t.customer_id, Math.max(last.get(t.customer_id) ?? 0, ms(t.occurred_at)));
    }
    expect(last.size).toBeGreaterThan(business.customers.length * 0.4);
    expect(new Set(touchpoints.map((t) => t.channel))).toEqual(new Set(['email', 'call', 'meeting', 'chat', 'note']));
    const stale = [...last.values()].filter((t) => today.getTime() - t > 60 * DAY).length;
    expect(stale).toBeGreaterThan(last.size * 0.2);
    expect(last.size - stale).toBeGreaterThan(last.size * 0.1);
  });

  it('puts no date after today anywhere', () => {
    const dates = [
      ...business.customers.flatMap((c) => [c.acquired_at, c.unsubscribed_at, c.created_at]),
      ...business.orders.map((o) => o.ordered_at),
      ...business.subscriptions.flatMap((s) => [s.started_at, s.canceled_at]),
      ...business.touchpoints.map((t) => t.occurred_at),
    ].filter((d) => d !== null && d !== undefined);
    for (const d of dates) {
      expect(d).toBeInstanceOf(Date);
      expect(ms(d)).toBeLessThanOrEqual(today.getTime());
    }
  });
});

describe('generateDemoBusiness: rows fit the schema', () => {
  let opened: OpenDatabase;
  beforeAll(async () => {
    opened = await createTestDatabase();
  }, 60_000);
  afterAll(async () => {
    await opened?.close();
  });

  it('inserts every row into a migrated database', async () => {
    const { db } = opened;
    // through the customers feature, the way the demo seeder writes it
    await insertHistory(db, {
      customers: business.customers.map(({ owner_staff_index: _owner, ...c }) => ({ ...c, owner_user_id: null })),
      orders: business.orders,
      subscriptions: business.subscriptions,
      touchpoints: business.touchpoints,
    });
    const count = async (table: 'customers' | 'orders' | 'subscriptions' | 'touchpoints') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count('customers')).toBe(business.customers.length);
    expect(await count('orders')).toBe(business.orders.length);
    expect(await count('subscriptions')).toBe(business.subscriptions.length);
    expect(await count('touchpoints')).toBe(business.touchpoints.length);
    const sample = await db.selectFrom('customers').select(['birthday', 'tags']).where('external_id', '=', business.customers[0].external_id!).executeTakeFirstOrThrow();
    expect(sample.tags).toEqual(business.customers[0].tags);
  }, 60_000);
});
