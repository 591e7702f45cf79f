import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';
import { createTask } from './tasks.service.js';
import { endOfToday } from './tasks.routes.js';
import { makeCustomer } from '../customers/testing/factories.js';

let t: TestApp;
let owner: Caller;
let agent: Caller;
let clock = new Date('2026-05-04T10:00:00Z'); // noon in Amsterdam

beforeAll(async () => {
  t = await createTestApp({ now: () => clock });
  owner = await t.signIn('owner');
  agent = await t.signIn('agent');
});
afterAll(() => t.close());

const list = async (who: Caller, query: string) => {
  const r = await t.app.inject({ method: 'GET', url: `/api/tasks?${query}`, headers: who.headers });
  expect(r.statusCode).toBe(200);
  return r.json().tasks as { id: string; title: string; customer: { name: string } | null; assignee: { userId?: string; role?: string } }[];
};

describe('tasks', () => {
  it('end of today follows the workspace time zone', () => {
    expect(endOfToday(new Date('2026-05-04T23:30:00Z'), 'Europe/Amsterdam').toISOString()).toBe('2026-05-05T22:00:00.000Z');
    expect(endOfToday(new Date('2026-05-04T10:00:00Z'), 'UTC').toISOString()).toBe('2026-05-05T00:00:00.000Z');
  });

  it('lists today, open and done; creates, snoozes, assigns and completes', async () => {
    const cust = (await makeCustomer(t.ctx.db, { name: 'Casey' })).id;
    await createTask(t.ctx.db, { title: 'From a playbook', customerId: cust, dueAt: clock, source: 'playbook:x', idempotencyKey: 'k1' });
    await createTask(t.ctx.db, { title: 'Next week', dueAt: new Date(clock.getTime() + 7 * 86400_000) });
    const created = await t.app.inject({ method: 'POST', url: '/api/tasks', headers: owner.headers, payload: { title: 'Call Casey back', customerId: cust } });
    expect(created.statusCode).toBe(201);
    const manualId = created.json().id;

    const today = await list(owner, 'view=today');
    expect(today.map((x) => x.title).sort()).toEqual(['Call Casey back', 'From a playbook']);
    expect(today.find((x) => x.id === manualId)!.assignee).toEqual({ userId: owner.userId, name: 'Test owner' });
    expect((await list(owner, 'view=open')).length).toBe(3);

    // snooze hides it from Today until then
    expect((await t.app.inject({ method: 'POST', url: `/api/tasks/${manualId}/snooze`, headers: owner.headers, payload: { days: 1 } })).statusCode).toBe(200);
    expect((await list(owner, 'view=today')).map((x) => x.title)).toEqual(['From a playbook']);
    clock = new Date(clock.getTime() + 86400_000 + 60_000);
    expect((await list(owner, 'view=today')).map((x) => x.title).sort()).toEqual(['Call Casey back', 'From a playbook']);

    // assign to the agent: it shows in the agent's own list
    const agentMine = () => list(agent, 'view=today&mine=true');
    expect((await agentMine()).length).toBe(0);
    expect((await t.app.inject({ method: 'POST', url: `/api/tasks/${manualId}/assign`, headers: owner.headers, payload: { userId: agent.userId } })).statusCode).toBe(200);
    expect((await agentMine()).map((x) => x.title)).toEqual(['Call Casey back']);

    // done: leaves Today, shows in done, and lands on the customer's timeline
    expect((await t.app.inject({ method: 'POST', url: `/api/tasks/${manualId}/done`, headers: agent.headers, payload: {} })).statusCode).toBe(200);
    expect((await list(owner, 'view=done')).map((x) => x.title)).toEqual(['Call Casey back']);
    expect((await list(owner, 'view=today')).map((x) => x.title)).toEqual(['From a playbook']);
    const tp = await t.ctx.db.selectFrom('touchpoints').select('summary').where('customer_id', '=', cust).execute();
    expect(tp.map((x) => x.summary)).toEqual(['Task done: Call Casey back']);
  });

  it('answers bad input with a 4xx naming the field', async () => {
    const bad = await t.app.inject({ method: 'POST', url: '/api/tasks', headers: owner.headers, payload: { title: '' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/title/);
    expect((await t.app.inject({ method: 'GET', url: '/api/tasks?view=later', headers: owner.headers })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'POST', url: '/api/tasks/not-a-uuid/done', headers: owner.headers, payload: {} })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'POST', url: '/api/tasks/00000000-0000-4000-8000-000000000000/done', headers: owner.headers, payload: {} })).statusCode).toBe(404);
    const snooze = await t.app.inject({ method: 'POST', url: '/api/tasks/00000000-0000-4000-8000-000000000000/snooze', headers: owner.headers, payload: {} });
    expect(snooze.statusCode).toBe(400);
    const noCust = await t.app.inject({ method: 'POST', url: '/api/tasks', headers: owner.headers, payload: { title: 'x', customerId: '00000000-0000-4000-8000-000000000000' } });
    expect(noCust.statusCode).toBe(400);
    expect(noCust.json().error.fields[0].field).toBe('customerId');
    expect((await t.app.inject({ method: 'GET', url: '/api/tasks' })).statusCode).toBe(401);
  });
});
