// A playbook switched on over existing history enrols only customers who cross its threshold
// from then on; existing ones enter only when the owner includes them — a daily cap at a time,
// most valuable first, with a preview of how many would enter. The demo shows one week of it.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';
import { makeCustomer, makeOrder } from '../customers/testing/factories.js';
import { createUser } from '../accounts/index.js';
import { createTestDatabase } from '../app/testing/test-database.js';
import { saveWorkspace } from '../workspace/index.js';
import { seedPlaybookDemo } from './playbooks.demo.js';
import { runPlaybookScan } from './playbooks.scan.js';
import { savePlaybook } from './playbooks.service.js';

const DAY = 86400_000;
let t: TestApp;
let owner: Caller;
let clock = new Date('2026-06-01T08:00:00Z');

beforeAll(async () => {
  t = await createTestApp({ now: () => clock });
  owner = await t.signIn('owner');
});
afterAll(() => t.close());

const enrolled = async (playbookId: string) => t.ctx.db.selectFrom('playbook_enrollments').select(['customer_id', 'data']).where('playbook_id', '=', playbookId).orderBy('entered_at').execute();

describe('switching a threshold playbook on', () => {
  it('enrols who crosses from then on; existing customers only when included, capped a day, most valuable first', async () => {
    const pb = await savePlaybook(t.ctx.db, {
      name: 'Quiet 60 days',
      description: '',
      trigger: { type: 'no_order', days: 60, ownCycleFactor: null },
      conditions: [],
      steps: [{ wait: { days: 0, hours: 0 }, skipIf: [], action: { type: 'tag_add', tag: 'lapsing' } }],
    });
    // 25 customers long past 60 days without an order, worth 1..25 (×10 €); one who crosses tomorrow.
    const lapsed: string[] = [];
    for (let i = 1; i <= 25; i++) {
      const c = await makeCustomer(t.ctx.db, { name: `Lapsed ${i}`, email: `l${i}@example.test`, acquired_at: new Date(clock.getTime() - 400 * DAY) });
      await makeOrder(t.ctx.db, c.id, { amount_minor: i * 1000, ordered_at: new Date(clock.getTime() - (100 + i) * DAY) });
      lapsed.push(c.id);
    }
    const soon = await makeCustomer(t.ctx.db, { name: 'Crosses tomorrow', email: 'soon@example.test', acquired_at: new Date(clock.getTime() - 400 * DAY) });
    await makeOrder(t.ctx.db, soon.id, { amount_minor: 500, ordered_at: new Date(clock.getTime() - 59.5 * DAY) });

    const call = (method: 'GET' | 'POST', url: string, payload?: object) => t.app.inject({ method, url, headers: owner.headers, ...(payload ? { payload } : {}) });
    const preview = await call('GET', `/api/playbooks/${pb.id}/preview?dailyCap=10`);
    expect(preview.statusCode).toBe(200);
    expect(preview.json()).toEqual({ threshold: true, existing: 25, crossedLastWeek: 0, dailyCap: 10, daysToIncludeAll: 3 });

    // Switched on plainly: nobody from the past enters.
    expect((await call('POST', `/api/playbooks/${pb.id}/enabled`, { enabled: true })).json()).toMatchObject({ enabled: true, includeExisting: false });
    expect((await runPlaybookScan(t.ctx)).enrolled).toBe(0);
    clock = new Date(clock.getTime() + DAY);
    expect((await runPlaybookScan(t.ctx)).enrolled).toBe(1);
    expect((await enrolled(pb.id)).map((e) => e.customer_id)).toEqual([soon.id]);

    // The owner includes existing customers, 10 a day: the most valuable first, never more a day.
    const on = await call('POST', `/api/playbooks/${pb.id}/enabled`, { enabled: true, includeExisting: true, dailyCap: 10 });
    expect(on.json()).toMatchObject({ includeExisting: true, dailyCap: 10 });
    const first = await runPlaybookScan(t.ctx);
    expect(first).toMatchObject({ enrolled: 10, existingWaiting: 15 });
    expect((await runPlaybookScan(t.ctx)).enrolled).toBe(0);
    const firstTen = (await enrolled(pb.id)).slice(1).map((e) => e.customer_id);
    expect(firstTen).toEqual(expect.arrayContaining(lapsed.slice(15).reverse()));
    expect((await call('GET', `/api/playbooks/${pb.id}/preview`)).json()).toMatchObject({ existing: 15, dailyCap: 10, daysToIncludeAll: 2 });
    clock = new Date(clock.getTime() + DAY + 60_000);
    expect((await runPlaybookScan(t.ctx)).enrolled).toBe(10);
    clock = new Date(clock.getTime() + DAY + 60_000);
    expect((await runPlaybookScan(t.ctx)).enrolled).toBe(5);
    expect(new Set((await enrolled(pb.id)).map((e) => e.customer_id)).size).toBe(26);

    // Bad input names the field.
    const bad = await call('POST', `/api/playbooks/${pb.id}/enabled`, { enabled: true, includeExisting: true, dailyCap: 0 });
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json().error)).toContain('dailyCap');
  });
});

describe('the demo', () => {
  it('shows a believable week of scheduled playbooks, not every lapsed customer at once, and says so truly', async () => {
    const database = await createTestDatabase();
    try {
      const db = database.db;
      const today = new Date('2026-11-23T12:00:00Z');
      await saveWorkspace(db, { name: 'Demo Co', industry: 'consumer_services', timeZone: 'Europe/London', currency: 'GBP' });
      const staff = await createUser(db, { email: 'o@demo.test', name: 'Owner', role: 'owner', password: 'correct horse battery' });
      // 200 customers, each three orders 20 days apart, the last one 1..600 days ago.
      for (let i = 0; i < 200; i++) {
        const c = await makeCustomer(db, { name: `Customer ${i}`, email: `c${i}@demo.test`, marketing_consent: true, acquired_at: new Date(today.getTime() - 700 * DAY) });
        const last = 1 + i * 3;
        for (const k of [40, 20, 0]) await makeOrder(db, c.id, { amount_minor: 2500, currency: 'GBP', ordered_at: new Date(today.getTime() - (last + k) * DAY), status: 'paid' });
      }
      const lines: string[] = [];
      await seedPlaybookDemo({ db, seed: 1, today, staffIds: [staff.id], log: (l) => lines.push(l) });
      // Win-back (late against their own 20-day rhythm: past 40 days) would take ~180 at once;
      // a week's crossing is the customers whose last order was 40–47 days ago.
      const winBack = await sql<{ n: number }>`select count(*) as n from playbook_enrollments e join playbooks p on p.id = e.playbook_id where p.key = 'win_back'`.execute(db);
      expect(Number(winBack.rows[0]!.n)).toBeGreaterThan(0);
      expect(Number(winBack.rows[0]!.n)).toBeLessThanOrEqual(4);
      const scheduled = await sql<{ n: number }>`select count(*) as n from playbook_enrollments where data->>'eventType' in ('no_order', 'no_touchpoint', 'date', 'weekly')`.execute(db);
      const emails = await db.selectFrom('emails').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
      const tasks = await db
        .selectFrom('tasks')
        .select(sql<number>`count(*)`.as('n'))
        .where('status', '=', 'open')
        .where('due_at', '<', new Date(today.getTime() + DAY))
        .executeTakeFirstOrThrow();
      const line = lines.find((l) => l.startsWith('Playbooks:'))!;
      expect(line).toContain(`${Number(scheduled.rows[0]!.n)} customers entered a scheduled playbook this week`);
      expect(line).toContain(`${Number(emails.n)} emails in the outbox`);
      expect(line).toContain(`${Number(tasks.n)} open tasks due by tomorrow`);
      expect(Number(tasks.n)).toBeLessThan(30);
    } finally {
      await database.close();
    }
  });
});
