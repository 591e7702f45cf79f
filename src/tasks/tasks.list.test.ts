// The task list an owner can rely on: every task reachable by cursor (none hidden past a cap),
// counts per view, filters (mine, due today, overdue, customer, source), sorting, and bulk
// done / snooze / assign.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';
import { makeCustomer } from '../customers/testing/factories.js';
import { createTask, insertPastTasks } from './tasks.service.js';

let t: TestApp;
let owner: Caller;
let agent: Caller;
const clock = new Date('2026-05-04T10:00:00Z'); // noon in Amsterdam
const DAY = 86400_000;

beforeAll(async () => {
  t = await createTestApp({ now: () => clock });
  owner = await t.signIn('owner');
  agent = await t.signIn('agent');
});
afterAll(() => t.close());

type Row = {
  id: string;
  title: string;
  overdue: boolean;
  dueToday: boolean;
  sourceKind: string;
  customer: { id: string; name: string } | null;
  status: string;
  snoozedUntil: string | null;
  assignee: { userId?: string; role?: string };
};
type Page = { tasks: Row[]; total: number; nextCursor: string | null; counts: Record<string, number>; sort: string };

const get = async (who: Caller, query: string): Promise<Page> => {
  const r = await t.app.inject({ method: 'GET', url: `/api/tasks?${query}`, headers: who.headers });
  expect(r.statusCode, r.body).toBe(200);
  return r.json();
};
const walk = async (who: Caller, query: string): Promise<Row[]> => {
  const out: Row[] = [];
  let cursor: string | null = null;
  do {
    const page: Page = await get(who, `${query}${cursor ? `&cursor=${cursor}` : ''}`);
    out.push(...page.tasks);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
};

describe('task list', () => {
  let ada: string;
  let bo: string;
  it('shows every open task by cursor, with counts; a task added now is not hidden behind older ones', async () => {
    ada = (await makeCustomer(t.ctx.db, { name: 'Ada' })).id;
    bo = (await makeCustomer(t.ctx.db, { name: 'Bo' })).id;
    // 600 old playbook tasks that share created_at (as when a playbook run writes them at once), overdue for weeks.
    const longAgo = clock.getTime() - 40 * DAY;
    const old = await insertPastTasks(
      t.ctx.db,
      Array.from({ length: 600 }, (_, i) => ({
        title: `Old call ${i + 1}`,
        dueAt: new Date(longAgo + (i + 1) * 60_000),
        source: 'playbook:win',
        assigneeRole: 'owner' as const,
        customerId: ada,
        createdAt: new Date(longAgo),
      })),
    );
    expect(new Set(old).size).toBe(600);
    const fresh = await t.app.inject({ method: 'POST', url: '/api/tasks', headers: owner.headers, payload: { title: 'Call Bo about the refund', customerId: bo } });
    expect(fresh.statusCode).toBe(201);
    await createTask(t.ctx.db, { title: 'Detractor follow-up', customerId: bo, dueAt: new Date(clock.getTime() + 2 * 3600_000), source: 'survey:s1', assigneeRole: 'agent' });
    await createTask(t.ctx.db, { title: 'Next week', dueAt: new Date(clock.getTime() + 7 * DAY), source: 'manual' });

    const first = await get(owner, 'view=open&limit=100');
    expect(first.tasks).toHaveLength(100);
    expect(first.total).toBe(603);
    expect(first.counts).toMatchObject({ open: 603, overdue: 600, dueToday: 2, later: 1, today: 602, done: 0 });
    expect(first.nextCursor).toBeTruthy();

    const all = await walk(owner, 'view=open&limit=100');
    expect(all).toHaveLength(603);
    expect(new Set(all.map((x) => x.id)).size).toBe(603);
    expect(all.map((x) => x.title).slice(-3)).toEqual(['Call Bo about the refund', 'Detractor follow-up', 'Next week']);

    // Newest first: the task just added leads; ties in created_at (one statement) still page cleanly.
    const newest = await get(owner, 'view=open&sort=newest&limit=2');
    expect(newest.tasks.map((x) => x.title)).toEqual(['Next week', 'Detractor follow-up']);
    const byNewest = await walk(owner, 'view=open&sort=newest&limit=37');
    expect(new Set(byNewest.map((x) => x.id)).size).toBe(603);
  });

  it('filters by due today, overdue, customer, source and mine; sorts by customer', async () => {
    const dueToday = await get(owner, 'view=open&due=today');
    expect(dueToday.tasks.map((x) => x.title).sort()).toEqual(['Call Bo about the refund', 'Detractor follow-up']);
    expect(dueToday.total).toBe(2);
    expect(dueToday.tasks.every((x) => x.dueToday && !x.overdue)).toBe(true);
    const overdue = await get(owner, 'view=open&due=overdue&limit=5');
    expect(overdue.total).toBe(600);
    expect(overdue.tasks.every((x) => x.overdue)).toBe(true);
    expect((await get(owner, `view=open&customerId=${bo}`)).tasks.map((x) => x.title)).toEqual(['Call Bo about the refund', 'Detractor follow-up']);
    expect((await get(owner, 'view=open&source=survey')).tasks.map((x) => x.title)).toEqual(['Detractor follow-up']);
    expect((await get(owner, 'view=open&source=manual')).tasks.map((x) => x.title)).toEqual(['Call Bo about the refund', 'Next week']);
    expect((await get(owner, 'view=open&source=playbook&limit=1')).total).toBe(600);
    expect((await get(owner, 'view=open&source=playbook&limit=1')).tasks[0]!.sourceKind).toBe('playbook');
    expect((await get(agent, 'view=open&mine=true')).tasks.map((x) => x.title)).toEqual(['Detractor follow-up']);
    const byCustomer = await get(owner, 'view=open&sort=customer&limit=3');
    expect(byCustomer.tasks.map((x) => x.customer?.name)).toEqual(['Ada', 'Ada', 'Ada']);
    const customerOrder = await walk(owner, 'view=open&sort=customer&limit=250');
    expect(customerOrder.map((x) => x.customer?.name ?? null).slice(-3)).toEqual(['Bo', 'Bo', null]);
  });

  it('does, snoozes and assigns many at once', async () => {
    const some = (await get(owner, 'view=open&due=overdue&limit=50')).tasks.map((x) => x.id);
    const bulk = (payload: unknown) => t.app.inject({ method: 'POST', url: '/api/tasks/bulk', headers: owner.headers, payload: payload as object });

    const done = await bulk({ ids: some.slice(0, 20), action: 'done' });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json().updated).toBe(20);
    const after = await get(owner, 'view=done');
    expect(after.total).toBe(20);
    expect(after.counts.open).toBe(583);
    const notes = await t.ctx.db.selectFrom('touchpoints').select(sql<number>`count(*)`.as('n')).where('customer_id', '=', ada).where('summary', 'like', 'Task done:%').executeTakeFirstOrThrow();
    expect(Number(notes.n)).toBe(20);

    expect((await bulk({ ids: some.slice(20, 30), action: 'snooze', days: 3 })).statusCode).toBe(200);
    const today = await get(owner, 'view=today&limit=1');
    expect(today.total).toBe(602 - 20 - 10);
    expect(today.counts.today).toBe(572);

    expect((await bulk({ ids: some.slice(30, 50), action: 'assign', userId: agent.userId })).statusCode).toBe(200);
    expect((await get(agent, 'view=open&mine=true&limit=100')).total).toBe(21);

    // Bad input names the field; nothing changes.
    const unknown = await bulk({ ids: [some[40], '00000000-0000-4000-8000-000000000000'], action: 'done' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.fields[0].field).toBe('ids');
    expect((await get(owner, 'view=done')).total).toBe(20);
    const noDays = await bulk({ ids: [some[40]], action: 'snooze' });
    expect(noDays.statusCode).toBe(400);
    expect((await bulk({ ids: [], action: 'done' })).statusCode).toBe(400);
    expect((await bulk({ ids: [some[40]], action: 'explode' })).statusCode).toBe(400);
    const badCursor = await t.app.inject({ method: 'GET', url: '/api/tasks?view=open&cursor=abc', headers: owner.headers });
    expect(badCursor.statusCode).toBe(400);
    expect(badCursor.json().error.fields[0].field).toBe('querystring.cursor');
    const otherSort = (await get(owner, 'view=open&limit=1')).nextCursor!;
    expect((await t.app.inject({ method: 'GET', url: `/api/tasks?view=open&sort=customer&cursor=${otherSort}`, headers: owner.headers })).statusCode).toBe(400);
    const forged = Buffer.from(JSON.stringify(['due', '2026-99-99 00:00:00+00', '00000000-0000-4000-8000-000000000000'])).toString('base64url');
    expect((await t.app.inject({ method: 'GET', url: `/api/tasks?view=open&cursor=${forged}`, headers: owner.headers })).statusCode).toBe(400);
  });
});
