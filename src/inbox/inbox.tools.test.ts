// Agent tools: canned replies with Liquid fields (and a promo code), @mentions in notes that make
// tasks, the collision warning (who has a conversation open or is typing), merging two
// conversations of one customer, the auto-acknowledgement (never to automatic mail), a call-back
// asked for in chat, SLA targets per channel and an agent setting themselves away.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';
import { makeOrder } from '../customers/testing/factories.js';
import { DELIVER_JOB } from '../platform/events/events.service.js';
import { drainJobs } from '../platform/jobs/jobs.service.js';
import { receiveMessage } from './inbox.service.js';
import { subscribe, type LiveEvent } from './live.js';

let t: TestApp;
let owner: Caller;
let agent: Caller;
let agent2: Caller;
// Wednesday 2 December 2026, 10:00 in Amsterdam (business hours Mon–Fri 09:00–17:00)
const now = new Date('2026-12-02T09:00:00Z');

beforeAll(async () => {
  t = await createTestApp({ now: () => now });
  owner = await t.signIn('owner');
  agent = await t.signIn('agent', `ada-${Date.now()}@example.test`);
  agent2 = await t.signIn('agent', `bob-${Date.now()}@example.test`);
  await t.ctx.db.updateTable('users').set({ name: 'Ada Lovelace' }).where('id', '=', agent.userId).execute();
  await t.ctx.db.updateTable('users').set({ name: 'Bob Builder' }).where('id', '=', agent2.userId).execute();
});
afterAll(async () => t?.close());

let n = 0;
const email = (from: string, subject: string, extra: Partial<Parameters<typeof receiveMessage>[1]> = {}) =>
  receiveMessage(t.ctx, { channel: 'email', from: { email: from, name: 'Cleo Customer' }, subject, text: 'Hello, a question.', messageId: `<tools-${++n}@example.test>`, receivedAt: now, ...extra });
const post = (url: string, who: Caller, payload?: unknown) => t.app.inject({ method: 'POST', url, headers: who.headers, payload: payload as object });

describe('canned replies', () => {
  it('refuses a field that does not exist, naming it; fills customer, last order and a promo code (the same code when inserted again)', async () => {
    const bad = await post('/api/inbox/canned', agent, { title: 'Oops', body: 'Hi {{ customer.nickname }}' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/body.*customer\.nickname|nickname/);

    const r = await email('cleo@example.test', 'Late parcel');
    await makeOrder(t.ctx.db, r.customerId, { external_id: 'A-7781', amount_minor: 4250, currency: 'EUR', ordered_at: new Date('2026-11-20T10:00:00Z') });
    const saved = await post('/api/inbox/canned', agent, {
      title: 'Sorry for the delay',
      body: 'Hi {{ customer.first_name }}, your order {{ order.number }} ({{ order.amount }}) is on its way. Here is {{ promo.percent_off }}% off next time: {{ promo.code }}. — {{ agent.first_name }}',
      promoPercentOff: 10,
    });
    expect(saved.statusCode).toBe(201);
    const list = (await t.app.inject({ method: 'GET', url: '/api/inbox/canned', headers: agent2.headers })).json();
    expect(list.canned.map((c: { title: string }) => c.title)).toContain('Sorry for the delay');

    const ins = await post(`/api/inbox/conversations/${r.conversationId}/canned/${saved.json().id}`, agent);
    expect(ins.statusCode).toBe(200);
    const text: string = ins.json().text;
    expect(text).toMatch(/^Hi Cleo, your order A-7781 \(€42\.50\) is on its way\. Here is 10% off next time: THANKS-[A-Z0-9-]+\. — Ada$/);
    const again = (await post(`/api/inbox/conversations/${r.conversationId}/canned/${saved.json().id}`, agent)).json().text;
    expect(again).toBe(text);
    // Inserting does not send anything.
    const detail = (await t.app.inject({ method: 'GET', url: `/api/inbox/conversations/${r.conversationId}`, headers: agent.headers })).json();
    expect(detail.messages).toHaveLength(1);

    const del = await t.app.inject({ method: 'DELETE', url: `/api/inbox/canned/${saved.json().id}`, headers: agent.headers });
    expect(del.statusCode).toBe(204);
    expect((await post(`/api/inbox/conversations/${r.conversationId}/canned/${saved.json().id}`, agent)).statusCode).toBe(404);
  });
});

describe('@mentions in internal notes', () => {
  it('gives each mentioned colleague a task (once), never the author; handles are listed with the agents', async () => {
    const agents = (await t.app.inject({ method: 'GET', url: '/api/inbox/agents', headers: agent.headers })).json().agents;
    expect(agents.find((a: { id: string }) => a.id === agent2.userId).handle).toBe('bob');
    const r = await email('mentions@example.test', 'Refund question');
    const note = await post(`/api/inbox/conversations/${r.conversationId}/notes`, agent, { text: 'Can you check the refund, @bob? (cc @ada, and not an@email.test)' });
    expect(note.statusCode).toBe(201);
    expect(note.json().mentioned).toEqual([agent2.userId]);
    const tasks = await t.ctx.db.selectFrom('tasks').select(['assignee_user_id', 'title', 'source']).where('source', '=', `inbox:${r.conversationId}`).execute();
    expect(tasks).toEqual([{ assignee_user_id: agent2.userId, title: 'Ada Lovelace mentioned you: Refund question', source: `inbox:${r.conversationId}` }]);
  });
});

describe('collision warning', () => {
  it('tells an agent who else has the conversation open and who is typing, live on the staff stream', async () => {
    const r = await email('collide@example.test', 'Two agents');
    const heard: LiveEvent[] = [];
    const off = subscribe((e) => {
      if (e.change === 'presence' && e.conversationId === r.conversationId) heard.push(e);
    });
    try {
      expect((await post(`/api/inbox/conversations/${r.conversationId}/presence`, agent, { state: 'viewing' })).statusCode).toBe(200);
      const seenByBob = (await t.app.inject({ method: 'GET', url: `/api/inbox/conversations/${r.conversationId}`, headers: agent2.headers })).json();
      expect(seenByBob.viewers).toEqual([{ id: agent.userId, name: 'Ada Lovelace', typing: false }]);
      const typing = (await post(`/api/inbox/conversations/${r.conversationId}/presence`, agent2, { state: 'typing' })).json();
      expect(typing.viewers).toEqual([
        { id: agent.userId, name: 'Ada Lovelace', typing: false },
        { id: agent2.userId, name: 'Bob Builder', typing: true },
      ]);
      await post(`/api/inbox/conversations/${r.conversationId}/presence`, agent, { state: 'left' });
      expect(heard.map((e) => e.viewers?.map((v) => `${v.name}${v.typing ? ' typing' : ''}`))).toEqual([['Ada Lovelace'], ['Ada Lovelace', 'Bob Builder typing'], ['Bob Builder typing']]);
    } finally {
      off();
    }
    expect((await post('/api/inbox/conversations/00000000-0000-4000-8000-000000000000/presence', agent, { state: 'viewing' })).statusCode).toBe(404);
  });
});

describe('merging conversations', () => {
  it("moves the other conversation's messages over in order, closes it with a pointer (no resolution event), and refuses another customer's", async () => {
    const a = await email('merge@example.test', 'My order');
    const b = await email('merge@example.test', 'Also: the invoice');
    await post(`/api/inbox/conversations/${b.conversationId}/notes`, agent, { text: 'Invoice is in the shared drive' });
    const other = await email('someone-else@example.test', 'Unrelated');
    const refused = await post(`/api/inbox/conversations/${a.conversationId}/merge`, agent, { sourceId: other.conversationId });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toMatch(/same customer/);
    expect((await post(`/api/inbox/conversations/${a.conversationId}/merge`, agent, { sourceId: a.conversationId })).statusCode).toBe(400);

    const res = await post(`/api/inbox/conversations/${a.conversationId}/merge`, agent, { sourceId: b.conversationId });
    expect(res.statusCode).toBe(200);
    const texts = res.json().messages.map((m: { authorKind: string; text: string }) => `${m.authorKind}: ${m.text}`);
    expect(texts).toEqual([
      'customer: Hello, a question.',
      'customer: Hello, a question.',
      'note: Invoice is in the shared drive',
      'system: Ada Lovelace merged "Also: the invoice" (email, 2 messages) into this conversation.',
    ]);
    const src = await t.ctx.db.selectFrom('conversations').select(['status', 'merged_into_id', 'message_count', 'tags']).where('id', '=', b.conversationId).executeTakeFirstOrThrow();
    expect(src).toMatchObject({ status: 'resolved', merged_into_id: a.conversationId, message_count: 0 });
    expect(src.tags).toContain('merged');
    const resolvedEvents = await t.ctx.db.selectFrom('events').select('payload').where('type', '=', 'conversation.resolved').execute();
    expect(resolvedEvents.filter((e) => (e.payload as { conversationId: string }).conversationId === b.conversationId)).toHaveLength(0);
    expect((await post(`/api/inbox/conversations/${a.conversationId}/merge`, agent, { sourceId: b.conversationId })).statusCode).toBe(409);

    // A reply to the merged conversation's mail lands in the one it joined.
    const reply = await email('merge@example.test', 'Re: Also: the invoice', { inReplyTo: `<tools-${n - 2}@example.test>` });
    expect(reply.conversationId).toBe(a.conversationId);
  });
});

describe('auto-acknowledgement', () => {
  it('is off by default; when on, mails a new email conversation once (threaded, marked automatic), never an auto-reply or a no-reply sender', async () => {
    const emailsTo = (to: string) => t.ctx.db.selectFrom('emails').select(['subject', 'text', 'headers']).where('to_address', '=', to).execute();
    await email('quiet@example.test', 'Before it is on');
    await drainJobs(t.ctx, { kinds: [DELIVER_JOB] });
    expect(await emailsTo('quiet@example.test')).toHaveLength(0);

    const bad = await t.app.inject({ method: 'PUT', url: '/api/inbox/settings', headers: owner.headers, payload: { autoAck: { enabled: true, text: 'Hi {{ customer.shoe_size }}' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('shoe_size');
    const on = await t.app.inject({
      method: 'PUT',
      url: '/api/inbox/settings',
      headers: owner.headers,
      payload: { autoAck: { enabled: true, subject: 'Got it: {{ conversation.subject }}', text: 'Hi {{ customer.first_name }}, thanks for writing. {{ wait }}' } },
    });
    expect(on.statusCode).toBe(200);

    const r = await email('dana@example.test', 'Wrong size', { messageId: '<dana-1@example.test>' });
    await email('otto@example.test', 'Automatic reply: Wrong size', { automatic: 'auto_reply' });
    await email('no-reply@shop.example', 'Your receipt');
    await drainJobs(t.ctx, { kinds: [DELIVER_JOB] });
    const sent = await emailsTo('dana@example.test');
    expect(sent).toHaveLength(1);
    expect(sent[0].subject).toBe('Got it: Wrong size');
    expect(sent[0].text).toMatch(/^Hi Cleo, thanks for writing\. We usually reply within about an hour\./);
    expect(sent[0].headers).toMatchObject({ 'In-Reply-To': '<dana-1@example.test>', 'Auto-Submitted': 'auto-replied' });
    expect(await emailsTo('otto@example.test')).toHaveLength(0);
    expect(await emailsTo('no-reply@shop.example')).toHaveLength(0);

    // Delivered again (at least once): still one email, one line in the thread; the clock still runs.
    const { acknowledge } = await import('./autoack.js');
    expect(await acknowledge(t.ctx, r.conversationId)).toBe('already');
    const c = await t.ctx.db.selectFrom('conversations').select(['first_responded_at', 'first_response_due_at']).where('id', '=', r.conversationId).executeTakeFirstOrThrow();
    expect(c.first_responded_at).toBeNull();
    expect(c.first_response_due_at).not.toBeNull();
    await t.app.inject({ method: 'PUT', url: '/api/inbox/settings', headers: owner.headers, payload: { autoAck: { enabled: false } } });
  });
});

describe('call-back from chat', () => {
  it("makes a call task with the visitor's number due within the promise (business time), once per number; refuses a bad number or token", async () => {
    const open = await t.app.inject({ method: 'POST', url: '/p/chat/conversations', payload: { name: 'Vera Visitor', text: 'Can someone call me?' } });
    const { token, conversationId } = open.json();
    const bad = await t.app.inject({ method: 'POST', url: '/p/chat/callback', payload: { token, phone: 'call me maybe' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('phone');
    expect((await t.app.inject({ method: 'POST', url: '/p/chat/callback', payload: { token: `${conversationId}.forged`, phone: '+31 6 1234 5678' } })).statusCode).toBe(403);

    const res = await t.app.inject({ method: 'POST', url: '/p/chat/callback', payload: { token, phone: '+31 6 1234 5678', note: 'After 11 please' } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ callBackBy: '2026-12-02T10:00:00.000Z', message: 'Thank you — we will call you back by 11:00 today (Europe/Amsterdam).' });
    await t.app.inject({ method: 'POST', url: '/p/chat/callback', payload: { token, phone: '+31 6 1234 5678' } });
    const tasks = await t.ctx.db.selectFrom('tasks').select(['title', 'due_at', 'assignee_role']).where('source', '=', `inbox:${conversationId}`).execute();
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ title: 'Call back Vera Visitor on +31 6 1234 5678', assignee_role: 'owner' });
    expect(new Date(tasks[0].due_at).toISOString()).toBe('2026-12-02T10:00:00.000Z');
    const c = await t.ctx.db.selectFrom('conversations').select(['tags', 'priority', 'first_response_due_at']).where('id', '=', conversationId).executeTakeFirstOrThrow();
    expect(c.tags).toContain('call-back');
    expect(c.priority).toBe('high');
    const visitor = (await t.app.inject({ method: 'GET', url: `/p/chat/messages?token=${encodeURIComponent(token)}` })).json();
    expect(visitor.messages.at(-1).text).toContain('Please call me back on +31 6 1234 5678.');
  });
});

describe('SLA targets per channel, and away', () => {
  it('uses the shorter of the priority target and the channel target', async () => {
    const put = await t.app.inject({
      method: 'PUT',
      url: '/api/inbox/settings',
      headers: owner.headers,
      payload: { firstResponseMinutesByChannel: { chat: 5 }, resolutionMinutesByChannel: { chat: 120 } },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json().firstResponseMinutesByChannel).toEqual({ email: null, chat: 5, form: null, phone: null });
    const chat = (await t.app.inject({ method: 'POST', url: '/p/chat/conversations', payload: { text: 'Quick one' } })).json();
    const mail = await email('sla-channel@example.test', 'Slow one');
    const due = async (id: string) => t.ctx.db.selectFrom('conversations').select(['first_response_due_at', 'resolution_due_at']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(await due(chat.conversationId)).toEqual({ first_response_due_at: new Date('2026-12-02T09:05:00Z'), resolution_due_at: new Date('2026-12-02T11:00:00Z') });
    expect((await due(mail.conversationId)).first_response_due_at).toEqual(new Date('2026-12-02T10:00:00Z'));
  });

  it('an agent who sets themselves away gets no new conversations from routing', async () => {
    await t.app.inject({ method: 'PUT', url: '/api/inbox/settings', headers: owner.headers, payload: { routing: { enabled: true, seniority: [agent.userId, agent2.userId] } } });
    expect((await post('/api/inbox/me/away', agent, { away: true })).json()).toEqual({ away: true });
    expect((await t.app.inject({ method: 'GET', url: '/api/inbox/me', headers: agent.headers })).json()).toEqual({ away: true });
    const agents = (await t.app.inject({ method: 'GET', url: '/api/inbox/agents', headers: agent2.headers })).json().agents;
    expect(agents.find((a: { id: string }) => a.id === agent.userId).away).toBe(true);
    for (let i = 0; i < 3; i++) {
      const r = await email(`away-${i}@example.test`, `Routed ${i}`);
      const c = await t.ctx.db.selectFrom('conversations').select('assignee_user_id').where('id', '=', r.conversationId).executeTakeFirstOrThrow();
      expect(c.assignee_user_id).toBe(agent2.userId);
    }
    await post('/api/inbox/me/away', agent, { away: false });
    await t.app.inject({ method: 'PUT', url: '/api/inbox/settings', headers: owner.headers, payload: { routing: { enabled: false } } });
  });
});
