// Service-level watch (a scheduled job, every minute): a target that comes due within the
// "breaching soon" window raises a task for the assignee (or the owners when nobody has it); a
// breached target raises one for the assignee and one for the owners, and records
// conversation.sla_breached. Each is raised once per target (task idempotency keys), and the
// conversation remembers which target it raised them for (sla_*_alerted_*, 0508, written in the
// same transaction), so a run reads only the targets not handled yet: it used to take every due
// conversation again each minute (the first 1,000 of them, whatever their order), each in its own
// transaction of task look-ups that found the tasks already there.
import { sql } from 'kysely';
import type { AppContext } from '../platform/context.js';
import { createTask } from '../tasks/index.js';
import { getInboxSettings } from './inbox.settings.js';

export const SLA_JOB = 'inbox.sla-watch';

/** At most this many conversations per run (the most urgent first; the rest in the next run). */
const BATCH = 1000;

export async function watchServiceLevels(ctx: AppContext): Promise<{ nearBreach: number; breached: number }> {
  const now = ctx.now();
  const s = await getInboxSettings(ctx.db);
  const soon = new Date(now.getTime() + s.breachingSoonMinutes * 60_000);
  // A target needs work when it is due within the window and was not handled for this due time,
  // or is breached and only its near-breach was handled.
  const pending = (due: string, alertedDue: string, alertedBreach: string) =>
    sql`(${sql.ref(due)} <= ${soon} and (${sql.ref(due)} is distinct from ${sql.ref(alertedDue)} or (${sql.ref(due)} <= ${now} and not ${sql.ref(alertedBreach)})))`;
  const rows = await ctx.db
    .selectFrom('conversations')
    .select(['id', 'customer_id', 'subject', 'channel', 'assignee_user_id', 'first_response_due_at', 'resolution_due_at'])
    // the due times as the database keeps them (to the microsecond), written back as the handled ones
    .select([
      sql<string | null>`first_response_due_at::text`.as('first_due_text'),
      sql<string | null>`resolution_due_at::text`.as('resolution_due_text'),
      sql<string | null>`sla_first_alerted_due::text`.as('first_alerted_due'),
      sql<string | null>`sla_resolution_alerted_due::text`.as('resolution_alerted_due'),
      'sla_first_alerted_breach',
      'sla_resolution_alerted_breach',
    ])
    .where(sql<boolean>`status = 'open'`)
    .where('automatic', '=', false)
    // conversations_open_due (0507) walks the open conversations by their nearest target
    .where(sql`least(first_response_due_at, resolution_due_at)`, '<=', soon)
    .where((eb) =>
      eb.or([
        eb(pending('first_response_due_at', 'sla_first_alerted_due', 'sla_first_alerted_breach'), '=', true),
        eb(pending('resolution_due_at', 'sla_resolution_alerted_due', 'sla_resolution_alerted_breach'), '=', true),
      ]),
    )
    .orderBy(sql`least(first_response_due_at, resolution_due_at)`)
    .orderBy('id')
    .limit(BATCH)
    .execute();
  let nearBreach = 0;
  let breached = 0;
  for (const c of rows) {
    const targets = [
      { kind: 'first_response' as const, due: c.first_response_due_at, text: c.first_due_text, alerted: c.first_alerted_due, alertedBreach: c.sla_first_alerted_breach, label: 'First reply' },
      { kind: 'resolution' as const, due: c.resolution_due_at, text: c.resolution_due_text, alerted: c.resolution_alerted_due, alertedBreach: c.sla_resolution_alerted_breach, label: 'Resolution' },
    ];
    await ctx.db.transaction().execute(async (trx) => {
      const handled: Record<string, unknown> = {};
      for (const t of targets) {
        if (!t.due || !t.text || new Date(t.due) > soon) continue;
        const due = new Date(t.due);
        const key = `inbox:sla:${c.id}:${t.kind}:${due.toISOString()}`;
        const isBreach = due <= now;
        const column = t.kind === 'first_response' ? 'sla_first_alerted' : 'sla_resolution_alerted';
        if (t.alerted === t.text && (t.alertedBreach || !isBreach)) continue; // done in an earlier run
        handled[`${column}_due`] = sql`${t.text}::timestamptz`;
        handled[`${column}_breach`] = isBreach;
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
          continue;
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
      }
      // not updated_at: the alert is no change staff need to see (the live poll reads updated_at)
      if (Object.keys(handled).length) await trx.updateTable('conversations').set(handled).where('id', '=', c.id).execute();
    });
  }
  return { nearBreach, breached };
}
