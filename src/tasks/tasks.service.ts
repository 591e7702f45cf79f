// Tasks: work for a person, from playbooks, surveys or by hand.
import type { Insertable } from 'kysely';
import type { Database } from '../platform/db/database.js';
import type { TasksTable } from './tasks.tables.js';

export interface NewTask {
  customerId?: string | null;
  title: string;
  details?: string | null;
  dueAt: Date;
  assigneeUserId?: string | null;
  assigneeRole?: 'owner' | 'agent' | null;
  source?: string;
  /** one task per event: creating again with the same key returns the first task */
  idempotencyKey?: string | null;
}

/** A task as it already stands — the demo's past, a test's backlog: done or open, made at `createdAt`. */
export interface PastTask extends NewTask {
  /** given when the caller must refer to the task before it is written (the demo links answers to their tasks) */
  id?: string;
  /** done tasks are done at `doneAt` */
  doneAt?: Date | null;
  /** default: now() of the statement, shared by every task written in it */
  createdAt?: Date;
}

const row = (task: NewTask): Insertable<TasksTable> => ({
  customer_id: task.customerId ?? null,
  title: task.title,
  details: task.details ?? null,
  due_at: task.dueAt,
  assignee_user_id: task.assigneeUserId ?? null,
  assignee_role: task.assigneeRole ?? (task.assigneeUserId ? null : 'owner'),
  source: task.source ?? 'manual',
  idempotency_key: task.idempotencyKey ?? null,
});

export async function createTask(db: Database, task: NewTask): Promise<{ id: string; created: boolean }> {
  const inserted = await db
    .insertInto('tasks')
    .values(row(task))
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { id: inserted.id, created: true };
  const existing = await db.selectFrom('tasks').select('id').where('idempotency_key', '=', task.idempotencyKey!).executeTakeFirstOrThrow();
  return { id: existing.id, created: false };
}

/** Brings an open task's title and details up to date (its source learned more); a done task stays as it was. */
export async function updateOpenTask(db: Database, id: string, change: { title: string; details: string | null }): Promise<void> {
  await db.updateTable('tasks').set({ title: change.title, details: change.details }).where('id', '=', id).where('status', '=', 'open').execute();
}

/**
 * Writes tasks that already exist (the demo's past, a test's backlog) in a few statements, in the
 * caller's transaction when it is in one, and announces nothing: createTask is the way to make a
 * new task. Returns their ids in the given order. A key already taken fails the whole call.
 */
export async function insertPastTasks(db: Database, tasks: PastTask[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < tasks.length; i += 500) {
    const part = tasks.slice(i, i + 500).map((t) => ({
      ...row(t),
      ...(t.id ? { id: t.id } : {}),
      ...(t.createdAt ? { created_at: t.createdAt } : {}),
      status: t.doneAt ? ('done' as const) : ('open' as const),
      done_at: t.doneAt ?? null,
    }));
    const written = await db.insertInto('tasks').values(part).returning('id').execute();
    ids.push(...written.map((w) => w.id));
  }
  return ids;
}
