import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../app/testing/test-app.js';
import { setFeatureSettings } from '../workspace/index.js';
import { unsubscribeToken } from './mail.links.js';
import { deliverPendingEmails, queueEmail } from './mail.service.js';
import { closeTransports } from './mail.transport.js';
import { startTestSmtpServer, type TestSmtpServer } from './testing/smtp-test-server.js';
import { makeCustomer } from '../customers/testing/factories.js';

let t: TestApp;
let smtp: TestSmtpServer;
let clock = new Date('2026-03-02T09:00:00Z');

async function customer(name: string, consent: boolean, email = `${name.toLowerCase()}@example.test`) {
  return (await makeCustomer(t.ctx.db, { name, email, marketing_consent: consent })).id;
}
const mail = (to: string, key: string, kind: 'marketing' | 'transactional', customerId: string | null) => ({
  to,
  subject: `Hello ${key}`,
  html: `<p>Hi there ${key}</p>`,
  text: `Hi there ${key}`,
  kind,
  customerId,
  idempotencyKey: key,
  source: 'test',
});

beforeAll(async () => {
  t = await createTestApp({ now: () => clock });
  smtp = await startTestSmtpServer({ rejectRecipient: (a) => a.startsWith('bounce') });
  t.ctx.config.smtpUrl = smtp.url;
});
afterAll(async () => {
  closeTransports();
  await smtp.close();
  await t.close();
});

describe('mail', () => {
  it('sends a transactional email once, with a stable Message-ID and a timeline touchpoint', async () => {
    const id = await customer('Tia', false);
    const first = await queueEmail(t.ctx, mail('tia@example.test', 'receipt-1', 'transactional', id));
    expect(first.queued).toBe(true);
    const again = await queueEmail(t.ctx, mail('tia@example.test', 'receipt-1', 'transactional', id));
    expect(again).toMatchObject({ queued: false, reason: 'duplicate', id: first.id });
    expect(await deliverPendingEmails(t.ctx)).toEqual({ sent: 1, failed: 0 });
    expect(await deliverPendingEmails(t.ctx)).toEqual({ sent: 0, failed: 0 });
    const got = smtp.received.filter((m) => m.to.includes('tia@example.test'));
    expect(got).toHaveLength(1);
    const row = await t.ctx.db.selectFrom('emails').selectAll().where('id', '=', first.id!).executeTakeFirstOrThrow();
    expect(got[0].messageId).toBe(row.message_id);
    expect(row.status).toBe('sent');
    expect(got[0].raw).not.toMatch(/List-Unsubscribe/i);
    const tp = await t.ctx.db.selectFrom('touchpoints').selectAll().where('customer_id', '=', id).execute();
    expect(tp.map((x) => [x.channel, x.direction, x.summary])).toEqual([['email', 'out', 'Email sent: Hello receipt-1']]);
  });

  it('refuses marketing mail without consent and adds one-click unsubscribe to the rest', async () => {
    const no = await customer('Noel', false);
    expect(await queueEmail(t.ctx, mail('noel@example.test', 'm-noel', 'marketing', no))).toMatchObject({ queued: false, reason: 'no marketing consent' });
    const yes = await customer('Yara', true);
    expect((await queueEmail(t.ctx, mail('yara@example.test', 'm-yara-1', 'marketing', yes))).queued).toBe(true);
    await deliverPendingEmails(t.ctx);
    const m = smtp.received.find((x) => x.to.includes('yara@example.test'))!;
    const token = unsubscribeToken(t.ctx.secret, yes);
    expect(m.raw).toMatch(new RegExp(`List-Unsubscribe:\\s*<http://localhost:3000/p/unsubscribe/${token.replace('.', '\\.')}>`));
    expect(m.raw).toMatch(/List-Unsubscribe-Post: List-Unsubscribe=One-Click/);
  });

  it('honours an unsubscribe: queued mail is cancelled and new marketing mail refused', async () => {
    const id = await customer('Uma', true);
    expect((await queueEmail(t.ctx, mail('uma@example.test', 'm-uma-1', 'marketing', id))).queued).toBe(true);
    // a forged token does nothing
    const bad = await t.app.inject({
      method: 'POST',
      url: `/p/unsubscribe/${id}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`,
      payload: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(bad.statusCode).toBe(404);
    const hostile = await t.app.inject({ method: 'GET', url: '/p/unsubscribe/%3Cscript%3Ealert(1)%3C%2Fscript%3E' });
    expect(hostile.statusCode).toBe(404);
    expect(hostile.body).not.toContain('<script>');
    const page = await t.app.inject({ method: 'GET', url: `/p/unsubscribe/${unsubscribeToken(t.ctx.secret, id)}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<form method="post"');
    // GET alone (a link scanner) changes nothing
    expect((await t.ctx.db.selectFrom('customers').select('unsubscribed_at').where('id', '=', id).executeTakeFirstOrThrow()).unsubscribed_at).toBeNull();
    const res = await t.app.inject({
      method: 'POST',
      url: `/p/unsubscribe/${unsubscribeToken(t.ctx.secret, id)}`,
      payload: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('You are unsubscribed');
    const before = smtp.received.length;
    await deliverPendingEmails(t.ctx);
    expect(smtp.received.filter((m) => m.to.includes('uma@example.test'))).toHaveLength(0);
    expect(smtp.received.length).toBe(before);
    const row = await t.ctx.db.selectFrom('emails').select(['status', 'error']).where('idempotency_key', '=', 'm-uma-1').executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'cancelled', error: 'not sent: unsubscribed' });
    expect(await queueEmail(t.ctx, mail('uma@example.test', 'm-uma-2', 'marketing', id))).toMatchObject({ queued: false, reason: 'unsubscribed' });
    // transactional mail still reaches them
    expect((await queueEmail(t.ctx, mail('uma@example.test', 'receipt-uma', 'transactional', id))).queued).toBe(true);
  });

  it('holds the weekly marketing cap across sources', async () => {
    await setFeatureSettings(t.ctx.db, 'mail', { marketingPerWeek: 2 });
    const id = await customer('Cap', true);
    expect((await queueEmail(t.ctx, mail('cap@example.test', 'cap-1', 'marketing', id))).queued).toBe(true);
    expect((await queueEmail(t.ctx, { ...mail('cap@example.test', 'cap-2', 'marketing', id), source: 'other' })).queued).toBe(true);
    const third = await queueEmail(t.ctx, mail('cap@example.test', 'cap-3', 'marketing', id));
    expect(third.queued).toBe(false);
    expect(third.reason).toMatch(/frequency cap/);
    clock = new Date(clock.getTime() + 8 * 86400_000);
    expect((await queueEmail(t.ctx, mail('cap@example.test', 'cap-4', 'marketing', id))).queued).toBe(true);
  });

  it('a rejected recipient fails alone, with its reason on the timeline, and nothing is re-sent', async () => {
    const ids = [await customer('Ok1', false), await customer('Bounce', false, 'bounce@example.test'), await customer('Ok2', false)];
    const addrs = ['ok1@example.test', 'bounce@example.test', 'ok2@example.test'];
    for (let i = 0; i < 3; i++) await queueEmail(t.ctx, mail(addrs[i], `batch-${i}`, 'transactional', ids[i]));
    const r = await deliverPendingEmails(t.ctx);
    expect(r.failed).toBe(1);
    expect(r.sent).toBeGreaterThanOrEqual(2);
    const bounce = await t.ctx.db.selectFrom('emails').select(['status', 'error']).where('idempotency_key', '=', 'batch-1').executeTakeFirstOrThrow();
    expect(bounce.status).toBe('failed');
    expect(bounce.error).toMatch(/550|User unknown/);
    const tp = await t.ctx.db.selectFrom('touchpoints').select('summary').where('customer_id', '=', ids[1]).execute();
    expect(tp[0].summary).toMatch(/Email not delivered: Hello batch-1 — .*User unknown/);
    expect(smtp.received.filter((m) => m.to.includes('ok1@example.test') || m.to.includes('ok2@example.test'))).toHaveLength(2);
    const n = smtp.received.length;
    await deliverPendingEmails(t.ctx);
    expect(smtp.received.length).toBe(n);
  });

  it('two workers draining at once send each email once', async () => {
    const before = smtp.received.length;
    for (let i = 0; i < 40; i++) {
      const id = await customer(`Par${i}`, false);
      await queueEmail(t.ctx, mail(`par${i}@example.test`, `par-${i}`, 'transactional', id));
    }
    const [a, b] = await Promise.all([deliverPendingEmails(t.ctx, { limit: 40 }), deliverPendingEmails(t.ctx, { limit: 40 })]);
    expect(a.sent + b.sent).toBe(40);
    const got = smtp.received.slice(before);
    expect(got).toHaveLength(40);
    expect(new Set(got.map((m) => m.messageId)).size).toBe(40);
  });

  it('without SMTP_URL keeps mail in the outbox the owner reads', async () => {
    t.ctx.config.smtpUrl = undefined;
    const before = smtp.received.length;
    const id = await customer('Olly', false);
    await queueEmail(t.ctx, mail('olly@example.test', 'outbox-1', 'transactional', id));
    await deliverPendingEmails(t.ctx);
    expect(smtp.received.length).toBe(before);
    const owner = await t.signIn('owner');
    const res = await t.app.inject({ method: 'GET', url: `/api/outbox?limit=5&customerId=${id}`, headers: owner.headers });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.smtp).toBe(false);
    expect(body.emails[0]).toMatchObject({ subject: 'Hello outbox-1', status: 'sent', transport: 'outbox', customerName: 'Olly' });
    const one = await t.app.inject({ method: 'GET', url: `/api/outbox/${body.emails[0].id}`, headers: owner.headers });
    expect(one.json().html).toContain('Hi there outbox-1');
    expect((await t.app.inject({ method: 'GET', url: '/api/outbox?limit=0', headers: owner.headers })).statusCode).toBe(400);
    t.ctx.config.smtpUrl = smtp.url;
  });

  it('mail settings: owner only, validated, and used for branding', async () => {
    const owner = await t.signIn('owner');
    const agent = await t.signIn('agent');
    const bad = await t.app.inject({ method: 'PUT', url: '/api/mail/settings', headers: owner.headers, payload: { brandColor: 'red; x' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.fields[0].field).toBe('body.brandColor');
    expect((await t.app.inject({ method: 'PUT', url: '/api/mail/settings', headers: agent.headers, payload: { marketingPerWeek: 5 } })).statusCode).toBe(403);
    const ok = await t.app.inject({ method: 'PUT', url: '/api/mail/settings', headers: owner.headers, payload: { brandColor: '#aa3300', footer: 'Test Co, 1 Canal St' } });
    expect(ok.statusCode).toBe(200);
    const id = await customer('Brand', false);
    const q = await queueEmail(t.ctx, mail('brand@example.test', 'brand-1', 'transactional', id));
    const row = await t.ctx.db.selectFrom('emails').select(['html', 'text']).where('id', '=', q.id!).executeTakeFirstOrThrow();
    expect(row.html).toContain('background:#aa3300');
    expect(row.html).toContain('Test Co, 1 Canal St');
    expect(row.text).toContain('Test Co, 1 Canal St');
  });

  it('rejects bad input with the field named', async () => {
    await expect(queueEmail(t.ctx, { ...mail('not-an-address', 'bad-1', 'transactional', null) })).rejects.toThrow(/^to /);
  });
});
