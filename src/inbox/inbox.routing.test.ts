// Routing: a VIP and an angry message go to the most senior available agent with high priority;
// the rest round-robin by open load; an agent who is away gets nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';
import { receiveMessage } from './inbox.service.js';
import { isAngry } from './routing.js';

describe('angry messages', () => {
  it('are told by words, shouting and !!!', () => {
    expect(isAngry('This is unacceptable, I want my money back')).toBe(true);
    expect(isAngry('WHERE IS MY ORDER I HAVE BEEN WAITING FOR WEEKS')).toBe(true);
    expect(isAngry('Still nothing!!!')).toBe(true);
    expect(isAngry('Dit is echt belachelijk')).toBe(true);
    expect(isAngry('Hi, could you tell me when my order ships? Thanks!')).toBe(false);
    expect(isAngry('The worstedwool scarf, is it in stock?')).toBe(false);
    expect(isAngry('I work at NASA HQ')).toBe(false);
  });
});

describe('routing new conversations', () => {
  let t: TestApp;
  let owner: Caller;
  let senior: Caller;
  let b: Caller;
  let c: Caller;
  let at = new Date('2026-12-02T10:00:00Z');
  beforeAll(async () => {
    t = await createTestApp({ now: () => at });
    owner = await t.signIn('owner');
    senior = await t.signIn('agent');
    b = await t.signIn('agent');
    c = await t.signIn('agent');
  });
  afterAll(async () => t?.close());
  const mail = async (from: string, text: string) => {
    at = new Date(at.getTime() + 60_000);
    const r = await receiveMessage(t.ctx, { channel: 'email', from: { email: from }, subject: `From ${from}`, text, messageId: `<${from}-${at.getTime()}@x>`, receivedAt: at });
    return t.ctx.db.selectFrom('conversations').select(['assignee_user_id', 'priority']).where('id', '=', r.conversationId).executeTakeFirstOrThrow();
  };

  it('does nothing until the owner turns it on', async () => {
    expect(await mail('first@example.test', 'Hello')).toEqual({ assignee_user_id: null, priority: 'normal' });
    const on = await t.app.inject({ method: 'PUT', url: '/api/inbox/settings', headers: owner.headers, payload: { routing: { enabled: true, seniority: [senior.userId, b.userId, c.userId] } } });
    expect(on.statusCode, on.body).toBe(200);
  });

  it('gives a VIP and an angry customer to the most senior available agent, with high priority', async () => {
    const vip = await t.app.inject({ method: 'POST', url: '/api/customers', headers: owner.headers, payload: { name: 'Vic Important', email: 'vic@example.test', retentionDriver: 'vip' } });
    expect(vip.statusCode, vip.body).toBe(201);
    expect(await mail('vic@example.test', 'Could you help me with an exchange?')).toEqual({ assignee_user_id: senior.userId, priority: 'high' });
    expect(await mail('cross@example.test', 'This is UNACCEPTABLE, third time I ask')).toEqual({ assignee_user_id: senior.userId, priority: 'high' });
    // The senior agent goes away: the next most senior takes the angry ones.
    const away = await t.app.inject({ method: 'POST', url: '/api/inbox/me/away', headers: senior.headers, payload: { away: true } });
    expect(away.json()).toEqual({ away: true });
    expect(await mail('cross2@example.test', 'Ridiculous service!!!')).toEqual({ assignee_user_id: b.userId, priority: 'high' });
  });

  it('spreads the rest by open load among who is available', async () => {
    // Open load now: senior 2 (away), b 1, c 0.
    const first = await mail('n1@example.test', 'When do you open?');
    expect(first).toEqual({ assignee_user_id: c.userId, priority: 'normal' });
    // b 1, c 1: the one assigned longest ago (b).
    expect((await mail('n2@example.test', 'Do you ship abroad?')).assignee_user_id).toBe(b.userId);
    expect((await mail('n3@example.test', 'Gift wrapping?')).assignee_user_id).toBe(c.userId);
    await t.app.inject({ method: 'POST', url: '/api/inbox/me/away', headers: senior.headers, payload: { away: false } });
    // Back: the senior agent has 2 open, b 2, c 2 → longest since last assignment is the senior one.
    expect((await mail('n4@example.test', 'Opening hours?')).assignee_user_id).toBe(senior.userId);
  });
});
