// The engine end to end on one database: real SMTP server in-process, simulated clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainJobs } from '../platform/jobs/jobs.service.js';
import { unsubscribeToken } from '../mail/index.js';
import { closeTransports, queueEmail } from '../mail/index.js';
import { startTestSmtpServer, type TestSmtpServer } from '../mail/testing/smtp-test-server.js';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';
import { emitPlaybookEvent } from './playbooks.events.js';
import { installReadyMade } from './playbooks.library.js';
import { runPlaybookScan } from './playbooks.scan.js';
import { listPlaybooks, savePlaybook, setPlaybookEnabled } from './playbooks.service.js';
import { makeOrder } from '../customers/testing/factories.js';
import { recordTouchpoint } from '../customers/index.js';

const DAY = 86400_000;
let t: TestApp;
let smtp: TestSmtpServer;
let owner: Caller;
let clock = new Date('2026-06-01T08:00:00Z');
const advance = (ms: number) => (clock = new Date(clock.getTime() + ms));
const run = () => drainJobs(t.ctx, { concurrency: 2 });
const to = (addr: string) => smtp.received.filter((m) => m.to.includes(addr));

/** A new customer, added through the API as staff would (so its customer.created event is recorded). */
async function customer(name: string, extra: { birthday?: string; tags?: string[] } = {}) {
  const email = `${name.toLowerCase()}@example.test`;
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/customers',
    headers: (await fresh()).headers,
    payload: { name: `${name} Tester`, email, acquiredAt: clock.toISOString(), marketingConsent: true, ...extra },
  });
  expect(res.statusCode).toBe(201);
  return res.json().id as string;
}
const fresh = () => t.signIn('owner');
async function enable(key: string) {
  const p = (await listPlaybooks(t.ctx.db)).find((x) => x.key === key)!;
  // switched on at the test's clock, existing customers included (the threshold rules are tested in playbooks.backlog.test.ts)
  await setPlaybookEnabled(t.ctx.db, p.id, true, { at: clock, includeExisting: true });
  return p;
}
async function runs(customerId: string) {
  return t.ctx.db.selectFrom('playbook_step_runs').select(['step_index', 'status', 'detail']).where('customer_id', '=', customerId).orderBy('at').orderBy('step_index').execute();
}

beforeAll(async () => {
  t = await createTestApp({ now: () => clock });
  smtp = await startTestSmtpServer();
  t.ctx.config.smtpUrl = smtp.url;
  owner = await t.signIn('owner');
  await installReadyMade(t.ctx.db);
});
afterAll(async () => {
  closeTransports();
  await smtp.close();
  await t.close();
});

describe('playbook engine', () => {
  it('runs the whole onboarding sequence on a simulated clock, once', async () => {
    await enable('welcome');
    const id = await customer('Wendy');
    await run(); // the customer.created event is delivered, Wendy enrols, the first step runs
    expect(to('wendy@example.test').map((m) => m.subject)).toEqual(['Welcome to Test Co, Wendy']);
    advance(12 * 3600_000);
    await run();
    expect(to('wendy@example.test')).toHaveLength(1); // the next step waits a day
    advance(12 * 3600_000);
    await run();
    expect(to('wendy@example.test').map((m) => m.subject)).toEqual(['Welcome to Test Co, Wendy', 'What matters most to you, Wendy?']);
    advance(6 * DAY);
    await run();
    expect(to('wendy@example.test').map((m) => m.subject)).toEqual(['Welcome to Test Co, Wendy', 'What matters most to you, Wendy?', 'How is your first week going?']);
    // the same occurrence again enrols no one; nothing more is sent
    expect((await emitPlaybookEvent(t.ctx, { type: 'customer.created', customerId: id, occurrenceKey: id })).enrolled).toEqual([]);
    await runPlaybookScan(t.ctx);
    advance(30 * DAY);
    await run();
    expect(to('wendy@example.test')).toHaveLength(3);
    const e = await t.ctx.db.selectFrom('playbook_enrollments').select(['status', 'next_step']).where('customer_id', '=', id).executeTakeFirstOrThrow();
    expect(e).toEqual({ status: 'completed', next_step: 3 });
    const timeline = await t.ctx.db.selectFrom('touchpoints').select(['channel', 'summary']).where('customer_id', '=', id).orderBy('occurred_at').execute();
    expect(timeline.map((x) => x.summary)).toEqual(['Email sent: Welcome to Test Co, Wendy', 'Email sent: What matters most to you, Wendy?', 'Email sent: How is your first week going?']);
    // business branding and plain text both present
    const raw = to('wendy@example.test')[0].raw;
    expect(raw).toMatch(/text\/plain/);
    expect(raw).toMatch(/text\/html/);
  });

  it('skips the day-7 check-in when someone already spoke to the customer', async () => {
    const id = await customer('Carl');
    await emitPlaybookEvent(t.ctx, { type: 'customer.created', customerId: id, occurrenceKey: id });
    await run();
    advance(2 * DAY);
    await run();
    await recordTouchpoint(t.ctx.db, { customerId: id, channel: 'call', direction: 'out', occurredAt: clock, summary: 'Kick-off call', source: `user:${owner.userId}` });
    advance(6 * DAY);
    await run();
    expect(to('carl@example.test')).toHaveLength(2);
    expect((await runs(id)).map((r) => [r.step_index, r.status, r.detail])).toEqual([
      [0, 'done', 'email queued: Welcome to Test Co, Carl'],
      [1, 'done', 'email queued: What matters most to you, Carl?'],
      [2, 'skipped', 'customer was contacted since'],
    ]);
    // later tests add customers of their own through the API: the welcome sequence is not what they look at
    await setPlaybookEnabled(t.ctx.db, (await enable('welcome')).id, false);
  });

  it('abandoned cart: reminder after 1 hour, unsubscribe honoured for the 24-hour one', async () => {
    await enable('abandoned_cart');
    const id = await customer('Una');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/events/cart-abandoned',
      headers: (await fresh()).headers,
      payload: { email: 'UNA@example.test', cartId: 'cart-1', cartUrl: 'https://shop.example/cart/1' },
    });
    expect(res.statusCode).toBe(202);
    expect(res.json().enrolled.map((e: { name: string }) => e.name)).toEqual(['Abandoned cart']);
    await run();
    expect(to('una@example.test')).toHaveLength(0);
    advance(3600_000);
    await run();
    const first = to('una@example.test');
    expect(first.map((m) => m.subject)).toEqual(['You left something in your cart']);
    expect(first[0].raw).toContain('https://shop.example/cart/1');
    expect(first[0].raw).toMatch(/List-Unsubscribe-Post: List-Unsubscribe=One-Click/);
    // the customer clicks one-click unsubscribe (the mail client POSTs it)
    const unsub = await t.app.inject({
      method: 'POST',
      url: `/p/unsubscribe/${unsubscribeToken(t.ctx.secret, id)}`,
      payload: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(unsub.statusCode).toBe(200);
    advance(DAY);
    await run();
    expect(to('una@example.test')).toHaveLength(1);
    expect((await runs(id)).map((r) => [r.status, r.detail])).toEqual([
      ['done', 'email queued: You left something in your cart'],
      ['skipped', 'customer unsubscribed'],
    ]);
    // the same cart again is the same occurrence
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/events/cart-abandoned',
      headers: (await fresh()).headers,
      payload: { customerId: id, cartId: 'cart-1', cartUrl: 'https://shop.example/cart/1' },
    });
    expect(again.json().enrolled).toEqual([]);
  });

  it('abandoned cart stops when the customer orders', async () => {
    const id = await customer('Otto');
    await emitPlaybookEvent(t.ctx, { type: 'cart.abandoned', customerId: id, occurrenceKey: 'cart-otto', data: { cart_url: 'https://shop.example/c/o' } });
    advance(30 * 60_000);
    await makeOrder(t.ctx.db, id, { ordered_at: clock });
    advance(DAY);
    await run();
    advance(DAY);
    await run();
    expect(to('otto@example.test')).toHaveLength(0);
    expect((await runs(id)).map((r) => r.detail)).toEqual(['customer ordered again', 'customer ordered again']);
  });

  it('a missing template field is a clear error: refused on save and preview, failed (not sent) at run time', async () => {
    const def = {
      name: 'Typo',
      trigger: { type: 'ticket.resolved' as const },
      conditions: [],
      steps: [
        {
          wait: { days: 0, hours: 0 },
          skipIf: [],
          action: {
            type: 'email' as const,
            kind: 'transactional' as const,
            subject: 'Hi {{ customer.first_name }}',
            html: '<p>Dear {{ customer.nickname }}</p>',
            text: 'Dear {{ customer.first_name }}',
          },
        },
      ],
    };
    const save = await t.app.inject({ method: 'POST', url: '/api/playbooks', headers: (await fresh()).headers, payload: def });
    expect(save.statusCode).toBe(400);
    expect(save.json().error.message).toBe('Step 1 (email) html: the field "customer.nickname" does not exist (line 1, column 12); check its spelling or remove it');
    expect(save.json().error.fields[0].field).toBe('steps.0.action.html');
    const preview = await t.app.inject({ method: 'POST', url: '/api/playbooks/preview', headers: (await fresh()).headers, payload: { subject: 'x', html: '{{ order.total }}', text: '' } });
    expect(preview.statusCode).toBe(400);
    expect(preview.json().error.message).toMatch(/the field "order.total" does not exist/);
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/playbooks/preview',
      headers: (await fresh()).headers,
      payload: { subject: 'Hi {{ customer.first_name }}', html: '<b>{{ business.name }}</b>', text: 'x' },
    });
    expect(ok.json()).toMatchObject({ ok: true, subject: 'Hi Alex', html: '<b>Test Co</b>' });

    // saved behind the API's back: the step fails with the reason and nothing is sent
    const p = await savePlaybook(t.ctx.db, { ...def, description: '' }, { enabled: true });
    const id = await customer('Tina');
    await emitPlaybookEvent(t.ctx, { type: 'ticket.resolved', customerId: id, occurrenceKey: 'ticket-9' });
    await run();
    expect(to('tina@example.test')).toHaveLength(0);
    expect((await runs(id)).map((r) => [r.status, r.detail])).toEqual([
      ['failed', 'Template error in html: the field "customer.nickname" does not exist (line 1, column 12); check its spelling or remove it'],
    ]);
    const tl = await t.ctx.db.selectFrom('touchpoints').select('summary').where('customer_id', '=', id).execute();
    expect(tl[0].summary).toMatch(/^Typo: email not sent — template error/);
    await setPlaybookEnabled(t.ctx.db, p.id, false);
  });

  it('detractor answer: a same-day task for the owner, once per answer', async () => {
    await enable('detractor');
    const id = await customer('Dora');
    const ev = { type: 'survey.answered' as const, customerId: id, occurrenceKey: 'resp-1', data: { kind: 'detractor', score: 3, category: 'support' } };
    expect((await emitPlaybookEvent(t.ctx, ev)).enrolled).toHaveLength(1);
    expect((await emitPlaybookEvent(t.ctx, ev)).enrolled).toHaveLength(0);
    expect((await emitPlaybookEvent(t.ctx, { ...ev, occurrenceKey: 'resp-2', data: { kind: 'passive', score: 7 } })).enrolled).toHaveLength(0);
    await run();
    const tasks = await t.ctx.db.selectFrom('tasks').select(['title', 'assignee_role', 'due_at', 'details']).where('customer_id', '=', id).execute();
    expect(tasks).toEqual([
      { title: 'Call Dora Tester today — unhappy survey answer (3)', assignee_role: 'owner', due_at: clock, details: 'Listen first, own what went wrong, agree what we will do. Topic: support.' },
    ]);
    const today = await t.app.inject({ method: 'GET', url: '/api/tasks?view=today', headers: (await fresh()).headers });
    expect(today.json().tasks.map((x: { title: string }) => x.title)).toContain('Call Dora Tester today — unhappy survey answer (3)');
  });

  it('win-back: late against their own rhythm, a personal code, once per lapse; and the weekly marketing cap holds across playbooks', async () => {
    await enable('win_back');
    await enable('birthday');
    const today = clock.toISOString().slice(0, 10);
    const id = await customer('Wim', { birthday: `1985-${today.slice(5)}` });
    for (const daysAgo of [160, 130, 100]) await makeOrder(t.ctx.db, id, { amount_minor: 4000, ordered_at: new Date(clock.getTime() - daysAgo * DAY) });
    // one marketing email already this week from elsewhere (queued through mail, so it counts against the cap)
    const news = await queueEmail(t.ctx, { idempotencyKey: 'other-1', customerId: id, to: 'wim@example.test', subject: 'News', html: '<p>News</p>', text: 'News', kind: 'marketing' });
    expect(news.queued).toBe(true);
    const scan = await runPlaybookScan(t.ctx);
    expect(scan.enrolled).toBe(2); // birthday and win-back
    expect((await runPlaybookScan(t.ctx)).enrolled).toBe(0);
    await run();
    const got = to('wim@example.test');
    expect(got.filter((m) => m.subject === 'News')).toHaveLength(1);
    const marketing = got.filter((m) => !m.subject.startsWith('Welcome') && m.subject !== 'News');
    expect(marketing).toHaveLength(1); // cap of 2 a week: one already queued, so only one of the two goes
    const r = await runs(id);
    expect(r.filter((x) => x.status === 'skipped').map((x) => x.detail)).toEqual(['email not sent: frequency cap: at most 2 marketing emails per customer a week']);
    const code = /(BDAY|MISSYOU)-[A-Z2-9]{10}/.exec(marketing[0].raw)![0];
    const timeline = await t.ctx.db.selectFrom('touchpoints').select('summary').where('customer_id', '=', id).execute();
    expect(timeline.some((x) => x.summary.includes(`promo code ${code} issued`))).toBe(true);
  });

  it('webhook, tags, points and a survey step (surveys may not exist yet) all land on the timeline', async () => {
    const hits: string[] = [];
    const http = await import('node:http');
    const server = http.createServer((req, res) => {
      hits.push(String(req.headers['idempotency-key']));
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await savePlaybook(
      t.ctx.db,
      {
        name: 'Ops',
        description: '',
        trigger: { type: 'subscription.cancelled' },
        conditions: [],
        steps: [
          { wait: { days: 0, hours: 0 }, skipIf: [], action: { type: 'tag_add', tag: 'churned' } },
          { wait: { days: 0, hours: 0 }, skipIf: [], action: { type: 'points', points: 50 } },
          { wait: { days: 0, hours: 0 }, skipIf: [], action: { type: 'webhook', url: `http://127.0.0.1:${port}/hook` } },
          { wait: { days: 0, hours: 0 }, skipIf: [], action: { type: 'survey', survey: 'nps' } },
          { wait: { days: 0, hours: 0 }, skipIf: [], action: { type: 'tag_remove', tag: 'vip' } },
        ],
      },
      { enabled: true },
    );
    const id = await customer('Sam', { tags: ['vip'] });
    await emitPlaybookEvent(t.ctx, { type: 'subscription.cancelled', customerId: id, occurrenceKey: 'sub-1' });
    await run();
    server.close();
    const c = await t.ctx.db.selectFrom('customers').select('tags').where('id', '=', id).executeTakeFirstOrThrow();
    expect(c.tags).toEqual(['churned']);
    expect(hits).toHaveLength(1);
    const r = await runs(id);
    expect(r.map((x) => x.status).slice(0, 3)).toEqual(['done', 'done', 'done']);
    expect(['done', 'skipped']).toContain(r[3].status);
    if (r[3].status === 'skipped') expect(r[3].detail).toMatch(/^(surveys not available|survey not sent: .+)$/);
    const tl = await t.ctx.db.selectFrom('touchpoints').select('summary').where('customer_id', '=', id).execute();
    expect(tl.map((x) => x.summary)).toEqual(
      expect.arrayContaining(['Ops: tag "churned" added', 'Ops: tag "vip" removed', 'Ops: webhook called (200)', expect.stringMatching(/^Ops: 50 loyalty points awarded/)]),
    );
  });

  it('the playbooks API lists, edits, switches and shows runs; bad input is a 4xx', async () => {
    const list = await t.app.inject({ method: 'GET', url: '/api/playbooks', headers: (await fresh()).headers });
    expect(list.statusCode).toBe(200);
    const welcome = list.json().playbooks.find((p: { key: string }) => p.key === 'welcome');
    expect(welcome.enabled).toBe(false); // switched off after its own tests
    expect(welcome.enrolled).toBeGreaterThanOrEqual(2);
    const edited = { name: welcome.name, description: welcome.description, trigger: welcome.trigger, conditions: welcome.conditions, steps: welcome.steps.slice(0, 2) };
    const put = await t.app.inject({ method: 'PUT', url: `/api/playbooks/${welcome.id}`, headers: (await fresh()).headers, payload: edited });
    expect(put.statusCode).toBe(200);
    expect(put.json().steps).toHaveLength(2);
    const off = await t.app.inject({ method: 'POST', url: `/api/playbooks/${welcome.id}/enabled`, headers: (await fresh()).headers, payload: { enabled: false } });
    expect(off.json().enabled).toBe(false);
    const runsRes = await t.app.inject({ method: 'GET', url: `/api/playbooks/runs?playbookId=${welcome.id}`, headers: (await fresh()).headers });
    expect(runsRes.json().runs.length).toBeGreaterThanOrEqual(5);
    const agent = await t.signIn('agent');
    expect((await t.app.inject({ method: 'PUT', url: `/api/playbooks/${welcome.id}`, headers: agent.headers, payload: edited })).statusCode).toBe(403);
    const bad = await t.app.inject({ method: 'PUT', url: `/api/playbooks/${welcome.id}`, headers: (await fresh()).headers, payload: { ...edited, steps: [] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/steps/);
    expect((await t.app.inject({ method: 'POST', url: '/api/events/cart-abandoned', headers: (await fresh()).headers, payload: { cartId: 'x', cartUrl: 'https://a.b' } })).statusCode).toBe(400);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/events/payment-failed',
          headers: (await fresh()).headers,
          payload: { email: 'nobody@example.test', paymentId: 'p', updateCardUrl: 'https://a.b' },
        })
      ).statusCode,
    ).toBe(400);
    expect((await t.app.inject({ method: 'POST', url: '/api/events', headers: (await fresh()).headers, payload: { type: 'nope', customerId: welcome.id, occurrenceKey: 'x' } })).statusCode).toBe(400);
  });
});
