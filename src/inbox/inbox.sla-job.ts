// Service-level watch (a scheduled job, every minute): a target that comes due within the
// "breaching soon" window raises a task for the assignee (or the owners when nobody has it); a
// breached target raises one for the assignee and one for the owners, and records
// conversation.sla_breached. Each is raised once per target (task idempotency keys).
import type { AppContext } from '../platform/context.js';
import { createTask } from '../tasks/index.js';
import { getInboxSettings } from './inbox.settings.js';

export const SLA_JOB = 'inbox.sla-watch';

export async function watchServiceLevels(ctx: AppContext): Promise<{ nearBreach: number; breached: number }> {
  const now = ctx.now();
  const s = await getInboxSettings(ctx.db);
  const soon = new Date(now.getTime() + s.breachingSoonMinutes * 60_000);
  const rows = await ctx.db
    .selectFrom('conversations')
    .select(['id', 'customer_id', 'subject', 'channel', 'assignee_user_id', 'first_response_due_at', 'resolution_due_at'])
    .where('status', '=', 'open')
    .where('automatic', '=', false)
    .where((eb) => eb.or([eb('first_response_due_at', '<=', soon), eb('resolution_due_at', '<=', soon)]))
    .limit(1000)
    .execute();
  let nearBreach = 0;
  let breached = 0;
  for (const c of rows) {
    const targets = [
      { kind: 'first_response' as const, due: c.first_response_due_at, label: 'First reply' },
      { kind: 'resolution' as const, due: c.resolution_due_at, label: 'Resolution' },
    ];
    for (const t of targets) {
      if (!t.due || new Date(t.due) > soon) continue;
      const due = new Date(t.due);
      const key = `inbox:sla:${c.id}:${t.kind}:${due.toISOString()}`;
      const isBreach = due <= now;
      await ctx.db.transaction().execute(async (trx) => {
        if (!isBreach) {
          const r = await createTask(trx, {
            customerId: c.customer_id,
            title: `${t.label} due soon: ${c.subject}`.slice(0, 300),
            details: `Conversation ${c.id} (${c.channel}) — due ${due.toISOString()}`,
            dueAt: due,
            assigneeUserId: c.assignee_user_id,
            assigneeRole: c.assignee_user_id ? null : 'owner',
            source: `inbox:${c.id}`,
            idempotencyKey: `${key}:near`,
          });
          if (r.created) nearBreach++;
          return;
        }
        const r = await createTask(trx, {
          customerId: c.customer_id,
          title: `${t.label} overdue: ${c.subject}`.slice(0, 300),
          details: `Conversation ${c.id} (${c.channel}) — was due ${due.toISOString()}`,
          dueAt: now,
          assigneeUserId: c.assignee_user_id,
          assigneeRole: c.assignee_user_id ? null : 'owner',
          source: `inbox:${c.id}`,
          idempotencyKey: `${key}:breach`,
        });
        if (c.assignee_user_id) {
          await createTask(trx, {
            customerId: c.customer_id,
            title: `${t.label} overdue (assigned): ${c.subject}`.slice(0, 300),
            details: `Conversation ${c.id} (${c.channel}) — was due ${due.toISOString()}`,
            dueAt: now,
            assigneeRole: 'owner',
            source: `inbox:${c.id}`,
            idempotencyKey: `${key}:breach:owner`,
          });
        }
        if (r.created) {
          breached++;
          await ctx.events.emit(trx, 'conversation.sla_breached', { conversationId: c.id, customerId: c.customer_id, target: t.kind, dueAt: due.toISOString(), assigneeUserId: c.assignee_user_id });
        }
      });
    }
  }
  return { nearBreach, breached };
}
