// Tasks API: the Today list, open and done tasks, create by hand, done, snooze, assign.
import { endOfLocalDay } from '../platform/time.js';
import { recordTouchpoint } from '../customers/index.js';
import { sql } from 'kysely';
import { z } from 'zod';
import type { AppContext } from '../platform/context.js';
import type { Database } from '../platform/db/database.js';
import { badRequest, notFound } from '../platform/http/errors.js';
import type { App } from '../platform/http/server.js';
import { getWorkspace } from '../workspace/index.js';
import { createTask } from './tasks.service.js';

/** The end of today in the workspace's time zone, as an instant. */
export const endOfToday = endOfLocalDay;

const idParams = z.object({ id: z.string().uuid('must be a task id') });

/** 'playbook:…' → 'playbook'; 'user:…' and 'manual' → 'manual'. */
export function sourceKind(source: string): string {
  const head = source.split(':')[0]!;
  return head === 'user' ? 'manual' : head;
}

/** The start of today in the workspace's time zone (the end of yesterday), as an instant. */
export function startOfToday(now: Date, timeZone: string): Date {
  return endOfToday(new Date(now.getTime() - 86400_000), timeZone);
}

const taskViews = ['today', 'open', 'done'] as const;
/** Where a task came from, by the first part of its source ('user:…' and 'manual' are by hand). */
export const taskSources = ['manual', 'playbook', 'survey', 'inbox', 'security'] as const;
const taskSorts = ['due', 'due_desc', 'newest', 'oldest', 'customer', 'done'] as const;
type TaskSort = (typeof taskSorts)[number];

/** Order of each sort: the key and its direction; ties break on id in the same direction. */
const sortKeys: Record<TaskSort, { key: 'due_at' | 'created_at' | 'done_at' | 'customer'; dir: 'asc' | 'desc' }> = {
  due: { key: 'due_at', dir: 'asc' },
  due_desc: { key: 'due_at', dir: 'desc' },
  newest: { key: 'created_at', dir: 'desc' },
  oldest: { key: 'created_at', dir: 'asc' },
  customer: { key: 'customer', dir: 'asc' },
  done: { key: 'done_at', dir: 'desc' },
};
const sortExpr = (key: (typeof sortKeys)[TaskSort]['key']) =>
  key === 'customer' ? sql`coalesce(lower(c.name), '~')` : key === 'done_at' ? sql`coalesce(t.done_at, t.created_at)` : sql.ref(`t.${key}`);

/** A timestamptz as Postgres writes it as text (microseconds kept: a JS Date would lose them). */
function isTimestampText(v: string): boolean {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?([+-]\d{2})(?::?(\d{2}))?$/.exec(v);
  if (!m) return false;
  const iso = `${m[1]}T${m[2]}.${(m[3] ?? '0').padEnd(3, '0').slice(0, 3)}${m[4]}:${m[5] ?? '00'}`;
  const t = new Date(iso);
  return !Number.isNaN(t.getTime()) && t.getUTCFullYear() > 1900 && t.getUTCFullYear() < 10000;
}

function encodeCursor(sort: TaskSort, v: string, id: string): string {
  return Buffer.from(JSON.stringify([sort, v, id])).toString('base64url');
}
function decodeCursor(c: string, sort: TaskSort): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 3 && v[0] === sort && typeof v[1] === 'string' && typeof v[2] === 'string' && /^[0-9a-f-]{36}$/.test(v[2])) {
      if (sort === 'customer' || isTimestampText(v[1])) return [v[1], v[2]];
    }
  } catch {
    /* fall through */
  }
  throw badRequest('Invalid cursor', [{ field: 'querystring.cursor', message: 'is not a cursor from this list and sort' }]);
}

function sourceFilter(source: (typeof taskSources)[number]) {
  return source === 'manual' ? sql<boolean>`(t.source = 'manual' or t.source like 'user:%')` : sql<boolean>`(t.source = ${source} or t.source like ${`${source}:%`})`;
}

export async function taskRoutes(app: App, ctx: AppContext): Promise<void> {
  const listQuery = z.object({
    view: z.enum(taskViews).default('today'),
    mine: z.enum(['true', 'false']).optional(),
    /** open tasks only: due before today began, due today, or due later */
    due: z.enum(['overdue', 'today', 'later']).optional(),
    customerId: z.string().uuid('must be a customer id').optional(),
    source: z.enum(taskSources).optional(),
    assigneeUserId: z.string().uuid('must be a user id').optional(),
    sort: z.enum(taskSorts).optional(),
    cursor: z.string().max(500).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  });

  app.get(
    '/api/tasks',
    {
      config: { access: 'staff' },
      schema: {
        querystring: listQuery,
        tags: ['tasks'],
        summary: "Tasks: today's (due by tonight, not snoozed), all open, or done; filters (mine, due, customer, source, assignee), sort, counts and a cursor to the next page",
      },
    },
    async (req) => {
      const now = ctx.now();
      const tz = (await getWorkspace(ctx.db))?.timeZone ?? 'UTC';
      const user = req.user!;
      const q = req.query;
      const dayStart = startOfToday(now, tz);
      const dayEnd = endOfToday(now, tz);
      const sort: TaskSort = q.sort ?? (q.view === 'done' ? 'done' : 'due');

      // Filters other than the view: shared by the list and the counts per view.
      const filtered = () => {
        let b = ctx.db.selectFrom('tasks as t').leftJoin('customers as c', 'c.id', 't.customer_id');
        if (q.customerId) b = b.where('t.customer_id', '=', q.customerId);
        if (q.source) b = b.where(sourceFilter(q.source));
        if (q.assigneeUserId) b = b.where('t.assignee_user_id', '=', q.assigneeUserId);
        if (q.mine === 'true') {
          b = b.where((eb) => eb.or([eb('t.assignee_user_id', '=', user.id), eb.and([eb('t.assignee_user_id', 'is', null), eb('t.assignee_role', '=', user.role)])]));
        }
        return b;
      };
      const notSnoozed = sql<boolean>`(t.snoozed_until is null or t.snoozed_until <= ${now})`;
      const inView = (b: ReturnType<typeof filtered>) => {
        if (q.view === 'done') return b.where('t.status', '=', 'done');
        b = b.where('t.status', '=', 'open');
        if (q.view === 'today') b = b.where('t.due_at', '<', dayEnd).where(notSnoozed);
        if (q.due === 'overdue') b = b.where('t.due_at', '<', dayStart);
        if (q.due === 'today') b = b.where('t.due_at', '>=', dayStart).where('t.due_at', '<', dayEnd);
        if (q.due === 'later') b = b.where('t.due_at', '>=', dayEnd);
        return b;
      };

      const { key, dir } = sortKeys[sort];
      const expr = sortExpr(key);
      let list = inView(filtered())
        .leftJoin('users as u', 'u.id', 't.assignee_user_id')
        .select([
          't.id',
          't.title',
          't.details',
          't.due_at',
          't.status',
          't.snoozed_until',
          't.source',
          't.assignee_user_id',
          't.assignee_role',
          't.created_at',
          't.done_at',
          't.customer_id',
          'c.name as customer_name',
          'u.name as assignee_name',
        ])
        .select(sql<string>`${expr}::text`.as('sort_value'))
        .orderBy(expr, dir)
        .orderBy('t.id', dir)
        .limit(q.limit + 1);
      if (q.cursor) {
        const [v, id] = decodeCursor(q.cursor, sort);
        const value = key === 'customer' ? sql`${v}::text` : sql`${v}::timestamptz`;
        list = list.where(dir === 'asc' ? sql<boolean>`(${expr}, t.id) > (${value}, ${id}::uuid)` : sql<boolean>`(${expr}, t.id) < (${value}, ${id}::uuid)`);
      }

      const [rows, counts] = await Promise.all([
        list.execute(),
        filtered()
          .select([
            sql<number>`count(*) filter (where t.status = 'open' and t.due_at < ${dayEnd} and ${notSnoozed})`.as('today'),
            sql<number>`count(*) filter (where t.status = 'open')`.as('open'),
            sql<number>`count(*) filter (where t.status = 'open' and t.due_at < ${dayStart})`.as('overdue'),
            sql<number>`count(*) filter (where t.status = 'open' and t.due_at >= ${dayStart} and t.due_at < ${dayEnd})`.as('due_today'),
            sql<number>`count(*) filter (where t.status = 'open' and t.due_at >= ${dayEnd})`.as('later'),
            sql<number>`count(*) filter (where t.status = 'done')`.as('done'),
          ])
          .executeTakeFirstOrThrow(),
      ]);
      const more = rows.length > q.limit;
      const page = more ? rows.slice(0, q.limit) : rows;
      const last = page.at(-1);
      const c = Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Number(v)])) as Record<keyof typeof counts, number>;
      const total =
        q.view === 'done'
          ? c.done
          : q.view === 'today' && !q.due
            ? c.today
            : q.due === 'overdue'
              ? q.view === 'today'
                ? null
                : c.overdue
              : q.due === 'today'
                ? q.view === 'today'
                  ? null
                  : c.due_today
                : q.due === 'later'
                  ? q.view === 'today'
                    ? 0
                    : c.later
                  : c.open;
      return {
        view: q.view,
        sort,
        /** how many tasks match the view and filters (all pages) */
        total: total ?? Number((await inView(filtered()).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n),
        counts: { today: c.today, open: c.open, overdue: c.overdue, dueToday: c.due_today, later: c.later, done: c.done },
        nextCursor: more && last ? encodeCursor(sort, last.sort_value, last.id) : null,
        tasks: page.map((t) => ({
          id: t.id,
          title: t.title,
          details: t.details,
          dueAt: t.due_at,
          overdue: t.status === 'open' && new Date(t.due_at).getTime() < dayStart.getTime(),
          dueToday: t.status === 'open' && new Date(t.due_at).getTime() >= dayStart.getTime() && new Date(t.due_at).getTime() < dayEnd.getTime(),
          status: t.status,
          snoozedUntil: t.snoozed_until,
          source: t.source,
          sourceKind: sourceKind(t.source),
          assignee: t.assignee_user_id ? { userId: t.assignee_user_id, name: t.assignee_name } : { role: t.assignee_role },
          customer: t.customer_id ? { id: t.customer_id, name: t.customer_name } : null,
          createdAt: t.created_at,
          doneAt: t.done_at,
        })),
      };
    },
  );

  app.get('/api/tasks/assignees', { config: { access: 'staff' }, schema: { tags: ['tasks'], summary: 'People and roles a task can be assigned to' } }, async () => ({
    users: await ctx.db.selectFrom('users').select(['id', 'name', 'role']).where('disabled_at', 'is', null).orderBy('name').execute(),
    roles: ['owner', 'agent'],
  }));

  const createBody = z.object({
    title: z.string().trim().min(1, 'is required').max(300),
    details: z.string().max(5000).optional(),
    customerId: z.string().uuid().nullable().optional(),
    dueAt: z.coerce.date().optional(),
    assigneeUserId: z.string().uuid().nullable().optional(),
    assigneeRole: z.enum(['owner', 'agent']).nullable().optional(),
  });
  app.post('/api/tasks', { config: { access: 'staff' }, schema: { body: createBody, tags: ['tasks'], summary: 'Create a task by hand' } }, async (req, reply) => {
    const b = req.body;
    if (b.customerId && !(await ctx.db.selectFrom('customers').select('id').where('id', '=', b.customerId).executeTakeFirst()))
      throw badRequest('No such customer', [{ field: 'customerId', message: 'no such customer' }]);
    if (b.assigneeUserId && !(await ctx.db.selectFrom('users').select('id').where('id', '=', b.assigneeUserId).executeTakeFirst()))
      throw badRequest('No such user', [{ field: 'assigneeUserId', message: 'no such user' }]);
    const assignee = b.assigneeUserId ? { assigneeUserId: b.assigneeUserId } : b.assigneeRole ? { assigneeRole: b.assigneeRole } : { assigneeUserId: req.user!.id };
    const r = await createTask(ctx.db, { title: b.title, details: b.details ?? null, customerId: b.customerId ?? null, dueAt: b.dueAt ?? ctx.now(), source: `user:${req.user!.id}`, ...assignee });
    return reply.code(201).send({ id: r.id });
  });

  /** Done (or open again) in the caller's transaction: the customer's timeline and task.done with it. */
  const setDone = async (trx: Database, t: { id: string; status: string; customer_id: string | null; title: string }, done: boolean, userId: string) => {
    await trx
      .updateTable('tasks')
      .set({ status: done ? 'done' : 'open', done_at: done ? ctx.now() : null })
      .where('id', '=', t.id)
      .execute();
    if (done && t.status !== 'done') {
      if (t.customer_id) {
        await recordTouchpoint(trx, {
          customerId: t.customer_id,
          channel: 'note',
          direction: 'internal',
          occurredAt: ctx.now(),
          summary: `Task done: ${t.title}`.slice(0, 1000),
          source: `user:${userId}`,
          userId,
        });
      }
      await ctx.events.emit(trx, 'task.done', { taskId: t.id, customerId: t.customer_id, userId });
    }
  };

  const mustExist = async (id: string) => {
    const t = await ctx.db.selectFrom('tasks').select(['id', 'status', 'customer_id', 'title']).where('id', '=', id).executeTakeFirst();
    if (!t) throw notFound('Task');
    return t;
  };

  app.post(
    '/api/tasks/:id/done',
    {
      config: { access: 'staff' },
      schema: { params: idParams, body: z.object({ done: z.boolean().default(true) }).default({ done: true }), tags: ['tasks'], summary: 'Mark done (or open again with done: false)' },
    },
    async (req) => {
      const t = await mustExist(req.params.id);
      const done = req.body.done;
      await ctx.db.transaction().execute((trx) => setDone(trx, t, done, req.user!.id));
      return { id: t.id, status: done ? 'done' : 'open' };
    },
  );

  app.post(
    '/api/tasks/:id/snooze',
    {
      config: { access: 'staff' },
      schema: {
        params: idParams,
        body: z.object({ until: z.coerce.date().optional(), days: z.number().int().min(1).max(365).optional() }).refine((b) => b.until || b.days, { message: 'give until or days', path: ['until'] }),
        tags: ['tasks'],
        summary: 'Hide from Today until a time',
      },
    },
    async (req) => {
      const t = await mustExist(req.params.id);
      const until = req.body.until ?? new Date(ctx.now().getTime() + req.body.days! * 86400_000);
      if (until.getTime() <= ctx.now().getTime()) throw badRequest('Snooze until a time in the future', [{ field: 'until', message: 'must be in the future' }]);
      await ctx.db.updateTable('tasks').set({ snoozed_until: until }).where('id', '=', t.id).execute();
      return { id: t.id, snoozedUntil: until };
    },
  );

  app.post(
    '/api/tasks/:id/assign',
    {
      config: { access: 'staff' },
      schema: {
        params: idParams,
        body: z
          .object({ userId: z.string().uuid().nullable().optional(), role: z.enum(['owner', 'agent']).nullable().optional() })
          .refine((b) => b.userId || b.role, { message: 'give userId or role', path: ['userId'] }),
        tags: ['tasks'],
      },
    },
    async (req) => {
      const t = await mustExist(req.params.id);
      if (req.body.userId && !(await ctx.db.selectFrom('users').select('id').where('id', '=', req.body.userId).executeTakeFirst()))
        throw badRequest('No such user', [{ field: 'userId', message: 'no such user' }]);
      await ctx.db
        .updateTable('tasks')
        .set(req.body.userId ? { assignee_user_id: req.body.userId, assignee_role: null } : { assignee_user_id: null, assignee_role: req.body.role! })
        .where('id', '=', t.id)
        .execute();
      return { id: t.id };
    },
  );

  const bulkBody = z
    .object({
      ids: z.array(z.string().uuid('must be task ids')).min(1, 'choose at least one task').max(500),
      action: z.enum(['done', 'reopen', 'snooze', 'assign']),
      days: z.number().int().min(1).max(365).optional(),
      until: z.coerce.date().optional(),
      userId: z.string().uuid().nullable().optional(),
      role: z.enum(['owner', 'agent']).nullable().optional(),
    })
    .refine((b) => b.action !== 'snooze' || b.until || b.days, { message: 'give until or days', path: ['days'] })
    .refine((b) => b.action !== 'assign' || b.userId || b.role, { message: 'give userId or role', path: ['userId'] });
  app.post('/api/tasks/bulk', { config: { access: 'staff' }, schema: { body: bulkBody, tags: ['tasks'], summary: 'Done, reopen, snooze or assign many tasks at once (up to 500)' } }, async (req) => {
    const b = req.body;
    const ids = [...new Set(b.ids)];
    const now = ctx.now();
    let until: Date | null = null;
    if (b.action === 'snooze') {
      until = b.until ?? new Date(now.getTime() + b.days! * 86400_000);
      if (until.getTime() <= now.getTime()) throw badRequest('Snooze until a time in the future', [{ field: 'until', message: 'must be in the future' }]);
    }
    if (b.action === 'assign' && b.userId && !(await ctx.db.selectFrom('users').select('id').where('id', '=', b.userId).executeTakeFirst()))
      throw badRequest('No such user', [{ field: 'userId', message: 'no such user' }]);
    const found = await ctx.db.selectFrom('tasks').select(['id', 'status', 'customer_id', 'title']).where('id', 'in', ids).execute();
    if (found.length !== ids.length) {
      const known = new Set(found.map((t) => t.id));
      throw badRequest('Some tasks do not exist', [
        {
          field: 'ids',
          message: `no such task: ${ids
            .filter((id) => !known.has(id))
            .slice(0, 5)
            .join(', ')}`,
        },
      ]);
    }
    await ctx.db.transaction().execute(async (trx) => {
      if (b.action === 'done' || b.action === 'reopen') {
        for (const t of found) await setDone(trx, t, b.action === 'done', req.user!.id);
      } else if (b.action === 'snooze') {
        await trx.updateTable('tasks').set({ snoozed_until: until }).where('id', 'in', ids).execute();
      } else {
        await trx
          .updateTable('tasks')
          .set(b.userId ? { assignee_user_id: b.userId, assignee_role: null } : { assignee_user_id: null, assignee_role: b.role! })
          .where('id', 'in', ids)
          .execute();
      }
    });
    return { updated: found.length, action: b.action, ...(until ? { snoozedUntil: until } : {}) };
  });
}
