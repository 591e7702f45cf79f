// Tasks API: the Today list, open and done tasks, create by hand, done, snooze, assign.
import { recordTouchpoint } from '../customers/index.js';
import { z } from 'zod';
import type { AppContext } from '../platform/context.js';
import { badRequest, notFound } from '../platform/http/errors.js';
import type { App } from '../platform/http/server.js';
import { getWorkspace } from '../workspace/index.js';
import { createTask } from './tasks.service.js';

/** The end of today in the workspace's time zone, as an instant. */
export function endOfToday(now: Date, timeZone: string): Date {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(now).map((p) => [p.type, p.value]));
  const localAsUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  const offset = localAsUtc - Math.floor(now.getTime() / 1000) * 1000;
  const localMidnightNext = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day) + 1);
  return new Date(localMidnightNext - offset);
}

const idParams = z.object({ id: z.string().uuid('must be a task id') });

export async function taskRoutes(app: App, ctx: AppContext): Promise<void> {
  const listQuery = z.object({
    view: z.enum(['today', 'open', 'done']).default('today'),
    mine: z.enum(['true', 'false']).optional(),
    customerId: z.string().uuid().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(200),
  });

  app.get('/api/tasks', { config: { access: 'staff' }, schema: { querystring: listQuery, tags: ['tasks'], summary: "Tasks: today's (due by tonight, not snoozed), all open, or done" } }, async (req) => {
    const now = ctx.now();
    const tz = (await getWorkspace(ctx.db))?.timeZone ?? 'UTC';
    const user = req.user!;
    let q = ctx.db
      .selectFrom('tasks as t')
      .leftJoin('customers as c', 'c.id', 't.customer_id')
      .leftJoin('users as u', 'u.id', 't.assignee_user_id')
      .select(['t.id', 't.title', 't.details', 't.due_at', 't.status', 't.snoozed_until', 't.source', 't.assignee_user_id', 't.assignee_role', 't.created_at', 't.done_at', 't.customer_id', 'c.name as customer_name', 'u.name as assignee_name'])
      .limit(req.query.limit);
    if (req.query.view === 'done') q = q.where('t.status', '=', 'done').orderBy('t.done_at', 'desc');
    else {
      q = q.where('t.status', '=', 'open').orderBy('t.due_at', 'asc');
      if (req.query.view === 'today') {
        q = q.where('t.due_at', '<', endOfToday(now, tz)).where((eb) => eb.or([eb('t.snoozed_until', 'is', null), eb('t.snoozed_until', '<=', now)]));
      }
    }
    if (req.query.customerId) q = q.where('t.customer_id', '=', req.query.customerId);
    if (req.query.mine === 'true') {
      q = q.where((eb) => eb.or([eb('t.assignee_user_id', '=', user.id), eb.and([eb('t.assignee_user_id', 'is', null), eb('t.assignee_role', '=', user.role)])]));
    }
    const rows = await q.execute();
    return {
      view: req.query.view,
      tasks: rows.map((t) => ({
        id: t.id,
        title: t.title,
        details: t.details,
        dueAt: t.due_at,
        overdue: t.status === 'open' && new Date(t.due_at).getTime() < now.getTime() - 86400_000,
        status: t.status,
        snoozedUntil: t.snoozed_until,
        source: t.source,
        assignee: t.assignee_user_id ? { userId: t.assignee_user_id, name: t.assignee_name } : { role: t.assignee_role },
        customer: t.customer_id ? { id: t.customer_id, name: t.customer_name } : null,
        createdAt: t.created_at,
        doneAt: t.done_at,
      })),
    };
  });

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
    if (b.customerId && !(await ctx.db.selectFrom('customers').select('id').where('id', '=', b.customerId).executeTakeFirst())) throw badRequest('No such customer', [{ field: 'customerId', message: 'no such customer' }]);
    if (b.assigneeUserId && !(await ctx.db.selectFrom('users').select('id').where('id', '=', b.assigneeUserId).executeTakeFirst())) throw badRequest('No such user', [{ field: 'assigneeUserId', message: 'no such user' }]);
    const assignee = b.assigneeUserId ? { assigneeUserId: b.assigneeUserId } : b.assigneeRole ? { assigneeRole: b.assigneeRole } : { assigneeUserId: req.user!.id };
    const r = await createTask(ctx.db, { title: b.title, details: b.details ?? null, customerId: b.customerId ?? null, dueAt: b.dueAt ?? ctx.now(), source: `user:${req.user!.id}`, ...assignee });
    return reply.code(201).send({ id: r.id });
  });

  const mustExist = async (id: string) => {
    const t = await ctx.db.selectFrom('tasks').select(['id', 'status', 'customer_id', 'title']).where('id', '=', id).executeTakeFirst();
    if (!t) throw notFound('Task');
    return t;
  };

  app.post('/api/tasks/:id/done', { config: { access: 'staff' }, schema: { params: idParams, body: z.object({ done: z.boolean().default(true) }).default({ done: true }), tags: ['tasks'], summary: 'Mark done (or open again with done: false)' } }, async (req) => {
    const t = await mustExist(req.params.id);
    const done = req.body.done;
    await ctx.db.transaction().execute(async (trx) => {
      await trx.updateTable('tasks').set({ status: done ? 'done' : 'open', done_at: done ? ctx.now() : null }).where('id', '=', t.id).execute();
      if (done && t.status !== 'done') {
        if (t.customer_id) {
          await recordTouchpoint(trx, { customerId: t.customer_id, channel: 'note', direction: 'internal', occurredAt: ctx.now(), summary: `Task done: ${t.title}`.slice(0, 1000), source: `user:${req.user!.id}`, userId: req.user!.id });
        }
        await ctx.events.emit(trx, 'task.done', { taskId: t.id, customerId: t.customer_id, userId: req.user!.id });
      }
    });
    return { id: t.id, status: done ? 'done' : 'open' };
  });

  app.post(
    '/api/tasks/:id/snooze',
    {
      config: { access: 'staff' },
      schema: { params: idParams, body: z.object({ until: z.coerce.date().optional(), days: z.number().int().min(1).max(365).optional() }).refine((b) => b.until || b.days, { message: 'give until or days', path: ['until'] }), tags: ['tasks'], summary: 'Hide from Today until a time' },
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
      schema: { params: idParams, body: z.object({ userId: z.string().uuid().nullable().optional(), role: z.enum(['owner', 'agent']).nullable().optional() }).refine((b) => b.userId || b.role, { message: 'give userId or role', path: ['userId'] }), tags: ['tasks'] },
    },
    async (req) => {
      const t = await mustExist(req.params.id);
      if (req.body.userId && !(await ctx.db.selectFrom('users').select('id').where('id', '=', req.body.userId).executeTakeFirst())) throw badRequest('No such user', [{ field: 'userId', message: 'no such user' }]);
      await ctx.db
        .updateTable('tasks')
        .set(req.body.userId ? { assignee_user_id: req.body.userId, assignee_role: null } : { assignee_user_id: null, assignee_role: req.body.role! })
        .where('id', '=', t.id)
        .execute();
      return { id: t.id };
    },
  );

}
