// The contact form: hosted and embeddable, honeypot, time-to-submit, rate limit; a call-back
// request becomes a phone conversation with a one-business-hour first-response target.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../app/testing/test-app.js';

let t: TestApp;
// Wednesday 2 December 2026, 10:00 in Amsterdam (09:00Z): inside the default business hours.
let now = new Date('2026-12-02T09:00:00Z');
let ip = 0;
beforeAll(async () => {
  t = await createTestApp({ now: () => now });
});
afterAll(async () => t?.close());

const tokenFrom = (html: string) => /name="t" value="([^"]+)"/.exec(html)?.[1] ?? '';
const send = (form: Record<string, string>, address = `10.9.0.${++ip}`) =>
  t.app.inject({ method: 'POST', url: '/p/contact', remoteAddress: address, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(form).toString() });
const freshToken = async () => tokenFrom((await t.app.inject({ method: 'GET', url: '/p/contact', remoteAddress: `10.8.0.${++ip}` })).body);
const conversations = () => t.ctx.db.selectFrom('conversations').select(['id', 'channel', 'subject', 'tags', 'priority', 'first_response_due_at', 'customer_id']).orderBy('created_at').execute();

describe('contact form', () => {
  it('serves a page that cannot be framed, and an embeddable one that can', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/p/contact' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.body).toContain('Contact Test Co');
    const embed = await t.app.inject({ method: 'GET', url: '/p/contact?embed=1' });
    expect(embed.headers['content-security-policy']).toContain('frame-ancestors *');
    expect(embed.body).toContain('action="/p/contact?embed=1"');
    const owner = await t.signIn('owner');
    const snippet = (await t.app.inject({ method: 'GET', url: '/api/inbox/contact-form', headers: owner.headers })).json();
    expect(snippet.embedHtml).toMatch(/^<iframe src="http:\/\/localhost:\d+\/p\/contact\?embed=1"/);
  });

  it('refuses a form sent too fast or with a forged or old token, keeping what was typed (escaped)', async () => {
    const token = await freshToken();
    const fast = await send({ t: token, name: '<b>Zed</b>', email: 'zed@example.test', message: 'Hi <script>alert(1)</script>' });
    expect(fast.statusCode).toBe(400);
    expect(fast.body).toContain('very fast');
    expect(fast.body).toContain('Hi &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(fast.body).not.toContain('<script>alert');
    now = new Date(now.getTime() + 10_000);
    expect((await send({ t: '123.forged', email: 'zed@example.test', message: 'Hi' })).body).toContain('expired');
    expect((await send({ email: 'zed@example.test', message: 'Hi' })).statusCode).toBe(400);
    now = new Date(now.getTime() + 2 * 86400_000);
    expect((await send({ t: token, email: 'zed@example.test', message: 'Hi' })).body).toContain('expired');
    expect(await conversations()).toEqual([]);
  });

  it('turns a real message into a form conversation; a filled honeypot is thanked and stores nothing', async () => {
    now = new Date('2026-12-02T09:00:00Z');
    const token = await freshToken();
    now = new Date('2026-12-02T09:00:20Z');
    const bot = await send({ t: token, website: 'http://spam.test', email: 'bot@spam.test', message: 'Buy now' });
    expect(bot.statusCode).toBe(200);
    expect(bot.body).toContain('Thank you');
    expect(await conversations()).toEqual([]);
    const ok = await send({ t: token, name: 'Zed Zimmer', email: 'zed@example.test', subject: 'Opening hours', message: 'Are you open on Sunday?' });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('Your message reached Test Co');
    const [c] = await conversations();
    expect(c).toMatchObject({ channel: 'form', subject: 'Opening hours', tags: ['contact-form'] });
    const customer = await t.ctx.db.selectFrom('customers').select(['name', 'email']).where('id', '=', c.customer_id).executeTakeFirstOrThrow();
    expect(customer).toEqual({ name: 'Zed Zimmer', email: 'zed@example.test' });
    expect((await send({ t: token, name: 'No Contact', message: 'hello' })).body).toContain('email address or a phone number');
  });

  it('makes a call-back request a phone conversation due within one business hour', async () => {
    now = new Date('2026-12-02T15:30:00Z'); // 16:30 local, half an hour before closing
    const token = await freshToken();
    now = new Date('2026-12-02T15:30:30Z');
    expect((await send({ t: token, name: 'Pia', callback: '1', message: '' })).body).toContain('phone number');
    const r = await send({ t: token, name: 'Pia Phone', phone: '+31 6 1234 5678', callback: '1', message: 'About my order' });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('will call you back');
    const c = (await conversations()).find((x) => x.channel === 'phone')!;
    expect(c).toMatchObject({ subject: 'Call-back request from Pia Phone', tags: ['call-back'], priority: 'high' });
    // 30 minutes today, 30 tomorrow from 09:00: Thursday 09:30 local.
    expect(new Date(c.first_response_due_at!).toISOString()).toBe('2026-12-03T08:30:30.000Z');
  });

  it('rate-limits sends per address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await send({ t: 'x', message: 'flood' }, '10.7.7.7')).statusCode);
    expect(statuses).toContain(429);
  });
});
