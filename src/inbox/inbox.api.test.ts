// The staff API: saved views, SLA clocks in business hours (paused while pending the customer),
// assign, snooze, resolve/reopen, notes, calls, the customer panel, roles, the OpenAPI document.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';
import { receiveMessage } from './inbox.service.js';

let t: TestApp;
let owner: Caller;
let agent: Caller;
let other: Caller;
// A clock the test moves: Friday 4 December 2026, 16:30 in Amsterdam (15:30Z).
let now = new Date('2026-12-04T15:30:00Z');

beforeAll(async () => {
  t = await createTestApp({ now: () => now });
  owner = await t.signIn('owner');
  agent = await t.signIn('agent');
  other = await t.signIn('agent');
});
afterAll(async () => t?.close());

const get = (url: string, who: Caller = agent) => t.app.inject({ method: 'GET', url, headers: who.headers });
const post = (url: string, payload: unknown, who: Caller = agent) => t.app.inject({ method: 'POST', url, headers: who.headers, payload: payload as object });
const mail = (from: string, subject: string, text: string, messageId?: string) =>
  receiveMessage(t.ctx, { channel: 'email', from: { email: from, name: from.split('@')[0] }, subject, text, messageId, receivedAt: now });

describe('settings', () => {
  it('lets the owner set business hours with a lunch break and a holiday; agents may read, not change', async () => {
    const hours = {
      mon: [
        ['09:00', '12:30'],
        ['13:30', '17:00'],
      ],
      tue: [
        ['09:00', '12:30'],
        ['13:30', '17:00'],
      ],
      wed: [
        ['09:00', '12:30'],
        ['13:30', '17:00'],
      ],
      thu: [
        ['09:00', '12:30'],
        ['13:30', '17:00'],
      ],
      fri: [
        ['09:00', '12:30'],
        ['13:30', '17:00'],
      ],
    };
    const body = { businessHours: { timeZone: 'Europe/Amsterdam', week: hours, holidays: ['2026-12-25'] } };
    expect((await t.app.inject({ method: 'PUT', url: '/api/inbox/settings', headers: agent.headers, payload: body })).statusCode).toBe(403);
    const bad = await t.app.inject({ method: 'PUT', url: '/api/inbox/settings', headers: owner.headers, payload: { businessHours: { timeZone: 'Mars/Olympus', week: hours } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/timeZone is not a known IANA time zone/);
    const ok = await t.app.inject({ method: 'PUT', url: '/api/inbox/settings', headers: owner.headers, payload: body });
    expect(ok.statusCode, ok.body).toBe(200);
    const read = (await get('/api/inbox/settings')).json();
    expect(read.businessHours.week.mon).toEqual(hours.mon);
    expect(read.firstResponseMinutes.normal).toBe(60);
  });
});

describe('conversations', () => {
  let first: string;
  let second: string;

  it('counts the first-response hour in business hours: Friday 16:30 → Monday 09:30 (Amsterdam)', async () => {
    first = (await mail('ann@example.test', 'Broken zipper', 'My jacket zipper broke.', '<z1@example.test>')).conversationId;
    const c = (await get(`/api/inbox/conversations/${first}`)).json().conversation;
    expect(c.firstResponseDueAt).toBe('2026-12-07T08:30:00.000Z');
    expect(c.status).toBe('open');
  });

  it('lists saved views: open, unassigned, mine, breaching soon, with time left', async () => {
    now = new Date('2026-12-04T15:31:00Z'); // a minute later: the list's order does not hang on a tie
    second = (await mail('bob@example.test', 'Invoice copy', 'Please send my invoice.', '<b1@example.test>')).conversationId;
    const open = (await get('/api/inbox/conversations?view=open')).json();
    expect(open.conversations.map((c: { id: string }) => c.id)).toEqual([second, first]);
    expect(open.conversations[0].timeLeftMs).toBeGreaterThan(0);
    expect(open.conversations[0].snippet).toBe('Please send my invoice.');

    const assigned = await post(`/api/inbox/conversations/${first}/assign`, { assigneeUserId: agent.userId });
    expect(assigned.statusCode).toBe(200);
    expect(assigned.json().conversation.assignee.id).toBe(agent.userId);
    const bogus = await post(`/api/inbox/conversations/${first}/assign`, { assigneeUserId: '00000000-0000-0000-0000-000000000000' });
    expect(bogus.statusCode).toBe(400);
    expect((await get('/api/inbox/conversations?view=mine')).json().conversations.map((c: { id: string }) => c.id)).toEqual([first]);
    expect((await get('/api/inbox/conversations?view=mine', other)).json().conversations).toEqual([]);
    expect((await get('/api/inbox/conversations?view=unassigned')).json().conversations.map((c: { id: string }) => c.id)).toEqual([second]);

    // Monday 09:10 local: both are due at 09:30, within the 30 minutes of "breaching soon".
    now = new Date('2026-12-07T08:10:00Z');
    const soon = (await get('/api/inbox/conversations?view=breaching')).json().conversations;
    expect(soon).toHaveLength(2);
    expect(soon[0].timeLeftMs).toBe(20 * 60_000);
    // 09:45 local: breached.
    now = new Date('2026-12-07T08:45:00Z');
    const late = (await get('/api/inbox/conversations?view=breaching')).json().conversations;
    expect(late.every((c: { breached: boolean }) => c.breached)).toBe(true);
    // Search and paging.
    expect((await get('/api/inbox/conversations?view=all&q=invoice')).json().conversations.map((c: { id: string }) => c.id)).toEqual([second]);
    const page1 = (await get('/api/inbox/conversations?view=all&limit=1')).json();
    const page2 = (await get(`/api/inbox/conversations?view=all&limit=1&cursor=${page1.nextCursor}`)).json();
    expect([...page1.conversations, ...page2.conversations].map((c: { id: string }) => c.id)).toEqual([second, first]);
    expect((await get('/api/inbox/conversations?cursor=garbage')).statusCode).toBe(400);
  });

  it('searches a substring of the subject, the customer name or email, any case, short terms too, wildcards literal', async () => {
    const ids = async (q: string) => (await get(`/api/inbox/conversations?view=all&q=${encodeURIComponent(q)}`)).json().conversations.map((c: { id: string }) => c.id);
    expect(await ids('OICE CO')).toEqual([second]); // the middle of the subject "Invoice copy"
    expect(await ids('zipp')).toEqual([first]);
    expect(await ids('ob')).toEqual([second]); // a two-letter piece of the name "bob" (below a trigram)
    expect(await ids('ann@example')).toEqual([first]); // the email
    expect(await ids('example.test')).toEqual([second, first]);
    expect(await ids('%')).toEqual([]); // a wildcard is a character to find, not "anything"
    expect(await ids('nothing like this')).toEqual([]);
    // The trigram indexes exist (pg_trgm is there on PGlite and the test server).
    const indexes = await sql<{
      indexname: string;
    }>`select indexname from pg_indexes where schemaname = current_schema() and indexname in ('conversations_search_subject', 'inbox_customers_search_email')`.execute(t.ctx.db);
    expect(indexes.rows).toHaveLength(2);
    // New subjects go straight into their index (0506); new customer emails wait in a pending
    // list of at most 256 kB (0509), so a search reads little unmerged and an import stays cheap.
    const options = await sql<{
      relname: string;
      reloptions: string[] | null;
    }>`select relname, reloptions from pg_class where oid in (to_regclass('conversations_search_subject'), to_regclass('inbox_customers_search_email')) order by relname`.execute(t.ctx.db);
    expect(options.rows.map((r) => [r.relname, [...(r.reloptions ?? [])].sort()])).toEqual([
      ['conversations_search_subject', ['fastupdate=off']],
      ['inbox_customers_search_email', ['fastupdate=on', 'gin_pending_list_limit=256']],
    ]);
    // A term matching by subject and by customer pages on with the cursor, each conversation once.
    const page1 = (await get('/api/inbox/conversations?view=all&limit=1&q=example.test')).json();
    const page2 = (await get(`/api/inbox/conversations?view=all&limit=1&q=example.test&cursor=${page1.nextCursor}`)).json();
    expect([...page1.conversations, ...page2.conversations].map((c: { id: string }) => c.id)).toEqual([second, first]);
    expect(page2.nextCursor).toBeNull();
    expect(await ids('e')).toEqual([second, first]); // in both subjects and both emails: each conversation once
  });

  it('pauses the clocks while pending the customer and counts on from where they stopped', async () => {
    // Tuesday 8 Dec 12:00 local: a new mail (due 14:00 local, across the lunch break).
    now = new Date('2026-12-08T11:00:00Z');
    const id = (await mail('cy@example.test', 'Size question', 'Does it run small?', '<c1@example.test>')).conversationId;
    let c = (await get(`/api/inbox/conversations/${id}`)).json().conversation;
    expect(c.firstResponseDueAt).toBe('2026-12-08T13:00:00.000Z');
    // 12:15: the agent asks the customer something in a note-free way: status pending (30 min used, 45 left... of which 15 before lunch).
    now = new Date('2026-12-08T11:15:00Z');
    c = (await post(`/api/inbox/conversations/${id}/status`, { status: 'pending' })).json().conversation;
    expect(c).toMatchObject({ status: 'pending', slaPaused: true, firstResponseDueAt: null });
    // The customer answers on Wednesday 10:00 local: 45 business minutes were left → due 10:45 local.
    now = new Date('2026-12-09T09:00:00Z');
    await mail('cy@example.test', 'Re: Size question', 'I usually wear M.', '<c2@example.test>');
    c = (await get(`/api/inbox/conversations/${id}`)).json().conversation;
    expect(c).toMatchObject({ status: 'open', slaPaused: false, firstResponseDueAt: '2026-12-09T09:45:00.000Z' });
  });

  it('snoozes until a time, resolves (conversation.resolved once) and reopens', async () => {
    const past = await post(`/api/inbox/conversations/${second}/status`, { status: 'snoozed', until: '2020-01-01T00:00:00Z' });
    expect(past.statusCode).toBe(400);
    const until = new Date(now.getTime() + 3600_000).toISOString();
    const s = await post(`/api/inbox/conversations/${second}/status`, { status: 'snoozed', until });
    expect(s.json().conversation).toMatchObject({ status: 'snoozed', snoozedUntil: until });
    expect((await get('/api/inbox/conversations?view=open')).json().conversations.map((c: { id: string }) => c.id)).not.toContain(second);
    now = new Date(now.getTime() + 2 * 3600_000); // the snooze is over: back in the open view
    expect((await get('/api/inbox/conversations?view=open')).json().conversations.map((c: { id: string }) => c.id)).toContain(second);

    expect((await post(`/api/inbox/conversations/${second}/status`, { status: 'resolved' })).json().conversation.status).toBe('resolved');
    await post(`/api/inbox/conversations/${second}/status`, { status: 'resolved' });
    const events = await t.ctx.db.selectFrom('events').select('payload').where('type', '=', 'conversation.resolved').execute();
    expect(events).toHaveLength(1);
    const reopened = (await post(`/api/inbox/conversations/${second}/status`, { status: 'open' })).json().conversation;
    expect(reopened.status).toBe('open');
    expect(reopened.resolvedAt).toBeNull();
    expect(reopened.resolutionDueAt).not.toBeNull();
  });

  it('keeps internal notes and call logs in the thread and on the timeline; a new phone conversation starts with its call', async () => {
    const note = await post(`/api/inbox/conversations/${first}/notes`, { text: 'VIP — be generous' });
    expect(note.statusCode).toBe(201);
    const call = await post(`/api/inbox/conversations/${first}/calls`, { direction: 'outbound', durationSeconds: 185, outcome: 'answered', notes: 'Sending a new zipper' });
    expect(call.statusCode, call.body).toBe(201);
    const d = (await get(`/api/inbox/conversations/${first}`)).json();
    expect(d.messages.map((m: { authorKind: string }) => m.authorKind)).toEqual(['customer', 'note', 'agent']);
    expect(d.messages[2].call).toEqual({ direction: 'outbound', durationSeconds: 185, outcome: 'answered' });
    expect(d.messages[2].text).toMatch(/^Outbound call, 3m 5s, answered/);
    expect(d.conversation.firstRespondedAt).toBeTruthy(); // an answered call is a response
    const customerId = d.customer.id;
    const timeline = await t.ctx.db.selectFrom('touchpoints').select(['channel', 'direction']).where('customer_id', '=', customerId).orderBy('occurred_at').orderBy('created_at').execute();
    expect(timeline).toEqual([
      { channel: 'email', direction: 'in' },
      { channel: 'note', direction: 'internal' },
      { channel: 'call', direction: 'out' },
    ]);
    const phone = await post('/api/inbox/calls', { customerId, subject: 'Called about returns', call: { direction: 'inbound', durationSeconds: 60, outcome: 'answered', notes: '' } });
    expect(phone.statusCode, phone.body).toBe(201);
    const pc = (await get(`/api/inbox/conversations/${phone.json().conversationId}`)).json();
    expect(pc.conversation).toMatchObject({ channel: 'phone', subject: 'Called about returns' });
    expect(pc.messages).toHaveLength(1);
    const badCall = await post(`/api/inbox/conversations/${first}/calls`, { direction: 'sideways', durationSeconds: -1, outcome: 'x' });
    expect(badCall.statusCode).toBe(400);
  });

  it('shows the customer panel: value, recent orders, open tasks, other conversations', async () => {
    const d0 = (await get(`/api/inbox/conversations/${first}`)).json();
    const customerId = d0.customer.id;
    for (const amountMinor of [2500, 4000]) {
      const r = await post(`/api/customers/${customerId}/orders`, { amountMinor, currency: 'EUR', orderedAt: '2026-11-01T10:00:00Z' });
      expect(r.statusCode, r.body).toBe(201);
    }
    const task = await post('/api/tasks', { title: 'Send zipper', customerId, dueAt: '2026-12-10T10:00:00Z' });
    expect(task.statusCode, task.body).toBeLessThan(300);
    const panel = (await get(`/api/inbox/conversations/${first}`)).json().customer;
    expect(panel.value).toEqual([{ currency: 'EUR', totalMinor: 6500, orders: 2, lastOrderAt: expect.any(String) }]);
    expect(panel.recentOrders).toHaveLength(2);
    expect(panel.openTasks.map((x: { title: string }) => x.title)).toContain('Send zipper');
    expect(panel.otherConversations.map((x: { subject: string }) => x.subject)).toContain('Called about returns');
  });

  it('refuses anonymous callers, unknown ids and oversize replies clearly', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/inbox/conversations' })).statusCode).toBe(401);
    expect((await get('/api/inbox/conversations/00000000-0000-0000-0000-000000000000')).statusCode).toBe(404);
    const big = await post(`/api/inbox/conversations/${first}/reply`, { text: 'x'.repeat(20_001) });
    expect(big.statusCode).toBe(400);
    expect(big.json().error.message).toMatch(/text is longer than 20,000 characters/);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    for (const p of [
      '/api/inbox/conversations',
      '/api/inbox/conversations/{id}',
      '/api/inbox/conversations/{id}/reply',
      '/api/inbox/conversations/{id}/notes',
      '/api/inbox/conversations/{id}/calls',
      '/api/inbox/conversations/{id}/assign',
      '/api/inbox/conversations/{id}/status',
      '/p/chat/conversations',
      '/p/chat/messages',
    ]) {
      expect(doc.paths[p], p).toBeTruthy();
    }
  });
});

describe('service-level watch', () => {
  it('raises a task when a target is near, another (and one for the owners) when it is breached, once each, and records conversation.sla_breached', async () => {
    const { watchServiceLevels } = await import('./inbox.sla-job.js');
    // Thursday 10 Dec 2026, 10:00 local: due 11:00 local.
    now = new Date('2026-12-10T09:00:00Z');
    const id = (await mail('dee@example.test', 'Wrong colour', 'I got blue, ordered red.', '<d1@example.test>')).conversationId;
    await post(`/api/inbox/conversations/${id}/assign`, { assigneeUserId: other.userId });
    const tasksOf = () => t.ctx.db.selectFrom('tasks').select(['title', 'assignee_user_id', 'assignee_role']).where('source', '=', `inbox:${id}`).orderBy('created_at').execute();
    await watchServiceLevels(t.ctx);
    expect(await tasksOf()).toEqual([]);
    now = new Date('2026-12-10T09:45:00Z'); // 15 minutes left
    await watchServiceLevels(t.ctx);
    await watchServiceLevels(t.ctx);
    expect(await tasksOf()).toEqual([{ title: 'First reply due soon: Wrong colour', assignee_user_id: other.userId, assignee_role: null }]);
    now = new Date('2026-12-10T10:05:00Z'); // 5 minutes late
    await watchServiceLevels(t.ctx);
    expect((await watchServiceLevels(t.ctx)).breached).toBe(0); // nothing new the second time
    expect((await tasksOf()).map((x) => [x.title, x.assignee_role])).toEqual([
      ['First reply due soon: Wrong colour', null],
      ['First reply overdue: Wrong colour', null],
      ['First reply overdue (assigned): Wrong colour', 'owner'],
    ]);
    const ev = await t.ctx.db.selectFrom('events').select('payload').where('type', '=', 'conversation.sla_breached').execute();
    const mine = ev.map((e) => (typeof e.payload === 'string' ? JSON.parse(e.payload) : e.payload)).filter((p) => p.conversationId === id);
    expect(mine).toEqual([expect.objectContaining({ conversationId: id, target: 'first_response', assigneeUserId: other.userId })]);
  });
});
