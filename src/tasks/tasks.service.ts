// Tasks: work for a person, from playbooks, surveys or by hand.
import type { Database } from '../platform/db/database.js';

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

export async function createTask(db: Database, task: NewTask): Promise<{ id: string; created: boolean }> {
  const inserted = await db
    .insertInto('tasks')
    .values({
      customer_id: task.customerId ?? null,
      title: task.title,
      details: task.details ?? null,
      due_at: task.dueAt,
      assignee_user_id: task.assigneeUserId ?? null,
      assignee_role: task.assigneeRole ?? (task.assigneeUserId ? null : 'owner'),
      source: task.source ?? 'manual',
      idempotency_key: task.idempotencyKey ?? null,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { id: inserted.id, created: true };
  const existing = await db.selectFrom('tasks').select('id').where('idempotency_key', '=', task.idempotencyKey!).executeTakeFirstOrThrow();
  return { id: existing.id, created: false };
}
