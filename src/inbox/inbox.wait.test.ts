// The expected wait a customer is told: from recent first replies in business time, and plainly
// "nobody is in" with the next opening when the business is closed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';
import { receiveMessage } from './inbox.service.js';

let t: TestApp;
let agent: Caller;
let now = new Date('2026-12-02T09:00:00Z'); // Wednesday 10:00 in Amsterdam
beforeAll(async () => {
  t = await createTestApp({ now: () => now });
  agent = await t.signIn('agent');
});
afterAll(async () => t?.close());

const status = async () => (await t.app.inject({ method: 'GET', url: '/p/chat/status' })).json();

describe('expected wait', () => {
  it('uses the first-response target until there is history, then the median recent first reply', async () => {
    expect(await status()).toMatchObject({ open: true, expectedMinutes: 60, message: 'We usually reply within about an hour.' });
    for (const [i, minutes] of [10, 20, 30].entries()) {
      const r = await receiveMessage(t.ctx, { channel: 'email', from: { email: `w${i}@example.test` }, subject: `Q${i}`, text: 'hi', messageId: `<w${i}@x>`, receivedAt: now });
      now = new Date(now.getTime() + minutes * 60_000);
      expect((await t.app.inject({ method: 'POST', url: `/api/inbox/conversations/${r.conversationId}/reply`, headers: agent.headers, payload: { text: 'Hello!' } })).statusCode).toBe(201);
    }
    const s = await status();
    expect(s).toMatchObject({ open: true, expectedMinutes: 20, message: 'We usually reply within about 20 minutes.' });
    const staff = (await t.app.inject({ method: 'GET', url: '/api/inbox/expected-wait', headers: agent.headers })).json();
    expect(staff.basis).toMatchObject({ recentReplies: 3, waiting: 0 });
  });

  it('says plainly when nobody is in, and when someone will be', async () => {
    now = new Date('2026-12-05T12:00:00Z'); // Saturday
    const s = await status();
    expect(s.open).toBe(false);
    expect(s.nextOpenAt).toBe('2026-12-07T08:00:00.000Z');
    expect(s.message).toBe('Nobody is in right now. We are back Monday at 09:00 (Europe/Amsterdam) and usually reply within about 20 minutes after that.');
    const chat = await t.app.inject({ method: 'POST', url: '/p/chat/conversations', payload: { text: 'Anyone there?' } });
    expect(chat.json().wait).toMatchObject({ open: false, nextOpenAt: '2026-12-07T08:00:00.000Z' });
  });
});

describe('service metrics', () => {
  it('reports first response in business minutes (median, p90), replies within target, reopen rate, per channel, owners only', async () => {
    const owner = await t.signIn('owner');
    const ids = (await t.ctx.db.selectFrom('conversations').select('id').where('channel', '=', 'email').orderBy('created_at').execute()).map((r) => r.id);
    await t.app.inject({ method: 'POST', url: `/api/inbox/conversations/${ids[0]}/status`, headers: owner.headers, payload: { status: 'resolved' } });
    await t.app.inject({ method: 'POST', url: `/api/inbox/conversations/${ids[0]}/status`, headers: owner.headers, payload: { status: 'open' } });
    await t.app.inject({ method: 'POST', url: `/api/inbox/conversations/${ids[1]}/status`, headers: owner.headers, payload: { status: 'resolved' } });
    expect((await t.app.inject({ method: 'GET', url: '/api/inbox/metrics', headers: agent.headers })).statusCode).toBe(403);
    const m = (await t.app.inject({ method: 'GET', url: '/api/inbox/metrics', headers: owner.headers })).json();
    expect(m.overall).toMatchObject({ conversations: 4, firstResponseMinutes: { median: 20, p90: 30, answered: 3 }, firstResponseWithinTarget: 100, reopenRate: 50 });
    expect(m.byChannel.map((c: { key: string; conversations: number }) => [c.key, c.conversations])).toEqual([
      ['chat', 1],
      ['email', 3],
    ]);
    expect(m.volumeByHour.find((h: { hour: number }) => h.hour === 10).conversations).toBe(3); // 10:00–10:59 Amsterdam
    expect((await t.app.inject({ method: 'GET', url: '/api/inbox/metrics?from=2026-12-10&to=2026-12-01', headers: owner.headers })).statusCode).toBe(400);
  });
});

describe('expected wait told to visitors', () => {
  it('is read afresh at most once a minute for the public chat; staff always read afresh', async () => {
    now = new Date('2026-12-07T09:00:00Z'); // Monday 10:00 in Amsterdam
    expect(await status()).toMatchObject({ expectedMinutes: 20 });
    // two first replies after an hour of business time each: the median becomes 30 minutes
    for (const i of [0, 1]) {
      const r = await receiveMessage(t.ctx, {
        channel: 'email',
        from: { email: `slow${i}@example.test` },
        subject: `Slow ${i}`,
        text: 'hi',
        messageId: `<slow${i}@x>`,
        receivedAt: new Date(now.getTime() - 8 * 3600_000),
      });
      expect((await t.app.inject({ method: 'POST', url: `/api/inbox/conversations/${r.conversationId}/reply`, headers: agent.headers, payload: { text: 'Sorry!' } })).statusCode).toBe(201);
    }
    expect(await status()).toMatchObject({ expectedMinutes: 20 });
    now = new Date(now.getTime() + 61_000);
    expect(await status()).toMatchObject({ expectedMinutes: 30, message: 'We usually reply within about 30 minutes.' });
    const staff = (await t.app.inject({ method: 'GET', url: '/api/inbox/expected-wait', headers: agent.headers })).json();
    expect(staff).toMatchObject({ expectedMinutes: 30, basis: { recentReplies: 5 } });
  });
});
