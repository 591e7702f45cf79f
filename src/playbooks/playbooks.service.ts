// The playbook engine's database edge: playbooks in and out, enrolment (once per occurrence),
// and the 'playbook.step' job that runs one step and schedules the next.
import { contributions } from '../platform/feature.js';
import type { StepOutcome } from './playbooks.actions.js';
import { createHmac } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { AppContext } from '../platform/context.js';
import type { Database } from '../platform/db/database.js';
import { purposeKey } from '../platform/secret.js';
import type { DB } from '../platform/db/schema.js';
import { notFound } from '../platform/http/errors.js';
import { enqueueJob, enqueueJobs, LeaseLostError, PermanentJobError, type Job, type JobRun } from '../platform/jobs/jobs.service.js';
import { recordTouchpoint, setCustomerTag } from '../customers/index.js';
import { queueEmail } from '../mail/index.js';
import { createTask } from '../tasks/index.js';
import { formatMoney, getWorkspace } from '../workspace/index.js';
import {
  evaluateConditions,
  channelNeeded,
  fallbackTask,
  missingChannel,
  playbookDefinition,
  stepSkipReason,
  waitMs,
  type Action,
  type Condition,
  type CustomerFacts,
  type PlaybookDefinition,
  type Step,
  type Trigger,
} from './playbooks.core.js';
import { loadOneFacts } from './playbooks.facts.js';
import { renderEmail, TemplateError } from './playbooks.templates.js';

export const STEP_JOB = 'playbook.step';

/**
 * The key that signs webhook steps (x-keepwell-signature: sha256=<hex HMAC-SHA256 of the body>),
 * derived from the instance secret for this use alone: receivers hold it, never the secret.
 */
export function playbookWebhookKey(instanceSecret: string): string {
  return `whsec_${purposeKey(instanceSecret, 'playbooks.webhook').toString('hex')}`;
}

export interface Playbook extends PlaybookDefinition {
  id: string;
  key: string | null;
  enabled: boolean;
  updatedAt: Date;
  /** when last switched on: threshold triggers enrol who crosses from then on */
  enabledAt: Date | null;
  /** also enrol customers already past the threshold, dailyCap a day, most valuable first */
  includeExisting: boolean;
  dailyCap: number;
}

type Row = DB['playbooks'] extends infer T ? { [K in keyof T]: unknown } : never;

const parseJson = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);

export function toPlaybook(row: Row): Playbook {
  const def = playbookDefinition.parse({
    name: row.name,
    description: row.description,
    trigger: parseJson(row.trigger),
    conditions: parseJson(row.conditions),
    steps: parseJson(row.steps),
  });
  return {
    id: String(row.id),
    key: (row.key as string | null) ?? null,
    enabled: Boolean(row.enabled),
    updatedAt: new Date(row.updated_at as Date),
    enabledAt: row.enabled_at ? new Date(row.enabled_at as Date) : null,
    includeExisting: Boolean(row.include_existing),
    dailyCap: Number(row.daily_cap ?? 25),
    ...def,
  };
}

export async function listPlaybooks(db: Database, options: { enabledOnly?: boolean } = {}): Promise<Playbook[]> {
  let q = db.selectFrom('playbooks').selectAll().orderBy('name');
  if (options.enabledOnly) q = q.where('enabled', '=', true);
  return (await q.execute()).map((r) => toPlaybook(r as Row));
}

export async function getPlaybook(db: Database, id: string): Promise<Playbook> {
  const row = await db.selectFrom('playbooks').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Playbook');
  return toPlaybook(row as Row);
}

export async function savePlaybook(db: Database, def: PlaybookDefinition, options: { id?: string; key?: string | null; enabled?: boolean } = {}): Promise<Playbook> {
  const values = {
    name: def.name,
    description: def.description,
    trigger: JSON.stringify(def.trigger),
    conditions: JSON.stringify(def.conditions),
    steps: JSON.stringify(def.steps),
    updated_at: new Date(),
  };
  if (options.id) {
    const r = await db.updateTable('playbooks').set(values).where('id', '=', options.id).returning('id').executeTakeFirst();
    if (!r) throw notFound('Playbook');
    if (options.enabled !== undefined) await setPlaybookEnabled(db, options.id, options.enabled);
    return getPlaybook(db, options.id);
  }
  const r = await db
    .insertInto('playbooks')
    .values({ ...values, key: options.key ?? null, enabled: options.enabled ?? false, enabled_at: options.enabled ? new Date() : null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return getPlaybook(db, r.id);
}

export interface EnableOptions {
  /** the moment it counts as switched on (default: now) */
  at?: Date;
  /** start the threshold clock at `at` even when it is on already (default: an already-on playbook keeps its clock) */
  restart?: boolean;
  /** also enrol customers already past the threshold (default: keep the current choice) */
  includeExisting?: boolean;
  /** how many of those a day, most valuable first */
  dailyCap?: number;
}

/** Switches a playbook on or off; switching on (from off) starts its threshold clock now. */
export async function setPlaybookEnabled(db: Database, id: string, enabled: boolean, options: EnableOptions = {}): Promise<Playbook> {
  const at = options.at ?? new Date();
  const r = await db
    .updateTable('playbooks')
    .set({
      enabled,
      updated_at: new Date(),
      ...(enabled ? { enabled_at: sql<Date>`case when enabled and enabled_at is not null and not ${Boolean(options.restart)} then enabled_at else ${at}::timestamptz end` } : {}),
      ...(options.includeExisting !== undefined ? { include_existing: options.includeExisting } : {}),
      ...(options.dailyCap !== undefined ? { daily_cap: options.dailyCap } : {}),
    })
    .where('id', '=', id)
    .returning('id')
    .executeTakeFirst();
  if (!r) throw notFound('Playbook');
  return getPlaybook(db, id);
}

// ---- enrolment ----

export interface NewEnrollment {
  playbook: Pick<Playbook, 'id' | 'steps'>;
  customerId: string;
  occurrenceKey: string;
  data?: Record<string, unknown>;
}

/**
 * Enrols customers (once per playbook, customer and occurrence) and schedules each first step.
 * Returns how many are new. Each chunk of 500 is its own transaction (enrolments and their
 * first jobs together), so a big scan never holds the database for long.
 */
export async function enroll(ctx: AppContext, items: NewEnrollment[], trx?: Transaction<DB>): Promise<number> {
  if (items.length === 0) return 0;
  const now = ctx.now();
  const chunk = async (t: Transaction<DB>, part: NewEnrollment[]) => {
    const rows = await t
      .insertInto('playbook_enrollments')
      .values(part.map((e) => ({ playbook_id: e.playbook.id, customer_id: e.customerId, occurrence_key: e.occurrenceKey.slice(0, 300), data: JSON.stringify(e.data ?? {}), entered_at: now })))
      .onConflict((oc) => oc.columns(['playbook_id', 'customer_id', 'occurrence_key']).doNothing())
      .returning(['id', 'playbook_id'])
      .execute();
    const byId = new Map(part.map((e) => [e.playbook.id, e.playbook]));
    await enqueueJobs(
      t,
      rows.map((r) => ({
        kind: STEP_JOB,
        key: `step:${r.id}:0`,
        payload: { enrollmentId: r.id, step: 0 },
        runAt: new Date(now.getTime() + waitMs(byId.get(r.playbook_id)!.steps[0])),
      })),
    );
    return rows.length;
  };
  let created = 0;
  for (let i = 0; i < items.length; i += 500) {
    const part = items.slice(i, i + 500);
    created += trx ? await chunk(trx, part) : await ctx.db.transaction().execute((t) => chunk(t, part));
  }
  return created;
}

// ---- running a step ----

export async function templateVariables(ctx: AppContext, facts: CustomerFacts, data: Record<string, unknown>): Promise<Record<string, unknown>> {
  const ws = await getWorkspace(ctx.db);
  const currency = ws?.currency ?? 'EUR';
  const locale = ws?.locale ?? 'en-GB';
  // signed by the customer's account owner, else the business's (first) owner
  const owner =
    (facts.ownerUserId ? await ctx.db.selectFrom('users').select('name').where('id', '=', facts.ownerUserId).executeTakeFirst() : undefined) ??
    (await ctx.db.selectFrom('users').select('name').where('role', '=', 'owner').where('disabled_at', 'is', null).orderBy('created_at').limit(1).executeTakeFirst());
  const vars: Record<string, unknown> = {
    customer: {
      name: facts.name,
      first_name: facts.name.split(/\s+/)[0] ?? facts.name,
      email: facts.email ?? '',
      city: facts.city ?? '',
      country: facts.country ?? '',
      tags: facts.tags,
      clv: formatMoney(facts.clvMinor, currency, locale),
      orders_count: facts.ordersCount,
    },
    business: { name: ws?.name ?? 'our business' },
    owner: { name: owner?.name ?? ws?.name ?? 'the team' },
  };
  for (const c of contributions('playbookCustomerVariables')) Object.assign(vars.customer as object, await c.variables(ctx, facts.id));
  if (data.order && typeof data.order === 'object') vars.order = data.order;
  if (data.event && typeof data.event === 'object') vars.event = data.event;
  if (data.promo && typeof data.promo === 'object') vars.promo = data.promo;
  return vars;
}

async function runAction(
  ctx: AppContext,
  pb: Playbook,
  enrollment: { id: string; data: Record<string, unknown> },
  index: number,
  action: Action,
  facts: CustomerFacts,
  job: Job,
): Promise<StepOutcome> {
  const key = `pb:${enrollment.id}:${index}`;
  const source = `playbook:${pb.id}`;
  const contributed = contributions('playbookActions').find((r) => r.type === action.type);
  if (contributed) return contributed.run(ctx, { customerId: facts.id, action, key, source, playbookName: pb.name });
  switch (action.type) {
    case 'email': {
      let rendered: Awaited<ReturnType<typeof renderEmail>>;
      try {
        rendered = await renderEmail(action, await templateVariables(ctx, facts, enrollment.data));
      } catch (err) {
        if (err instanceof TemplateError)
          return {
            status: 'failed',
            detail: `Template error in ${err.message}`,
            touchpoint: { channel: 'system', direction: 'internal', summary: `${pb.name}: email not sent — template error in ${err.message}` },
          };
        throw err;
      }
      const r = await queueEmail(ctx, { to: facts.email!, subject: rendered.subject, html: rendered.html, text: rendered.text, kind: action.kind, customerId: facts.id, idempotencyKey: key, source });
      if (r.queued || r.reason === 'duplicate') return { status: 'done', detail: `email queued: ${rendered.subject}` };
      return { status: 'skipped', detail: `email not sent: ${r.reason}` };
    }
    case 'task': {
      let title = action.title;
      let details = action.details;
      try {
        const vars = await templateVariables(ctx, facts, enrollment.data);
        title = (await renderEmail({ subject: action.title, html: '', text: action.details }, vars)).subject;
        details = (await renderEmail({ subject: 'x', html: '', text: action.details }, vars)).text;
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
      }
      const assignee =
        action.assignTo === 'account_owner' && facts.ownerUserId ? { assigneeUserId: facts.ownerUserId } : { assigneeRole: action.assignTo === 'agent' ? ('agent' as const) : ('owner' as const) };
      // A survey answer already makes its own close-the-loop task; the playbook's task for the
      // same answer is that task, never a second one.
      const event = (enrollment.data.event ?? {}) as Record<string, unknown>;
      const surveyRequestId = pb.trigger.type === 'survey.answered' && typeof event.requestId === 'string' ? event.requestId : null;
      const made = await createTask(ctx.db, {
        customerId: facts.id,
        title,
        details,
        dueAt: new Date(ctx.now().getTime() + action.dueInDays * 86400_000),
        ...assignee,
        source,
        idempotencyKey: surveyRequestId ? `survey-detractor:${surveyRequestId}` : key,
      });
      if (!made.created && surveyRequestId) return { status: 'skipped', detail: 'the survey already created a follow-up task for this answer' };
      return { status: 'done', detail: `task: ${title}`, touchpoint: { channel: 'note', direction: 'internal', summary: `${pb.name}: task "${title}"` } };
    }
    case 'tag_add':
    case 'tag_remove': {
      await setCustomerTag(ctx.db, facts.id, action.tag, action.type === 'tag_add');
      const verb = action.type === 'tag_add' ? 'added' : 'removed';
      return { status: 'done', detail: `tag ${verb}: ${action.tag}`, touchpoint: { channel: 'system', direction: 'internal', summary: `${pb.name}: tag "${action.tag}" ${verb}` } };
    }
    case 'survey':
      return { status: 'skipped', detail: 'surveys are not switched on' };
    case 'promo':
    case 'points':
      return { status: 'skipped', detail: 'loyalty is not switched on' };
    case 'webhook': {
      const body = JSON.stringify({ playbook: { id: pb.id, name: pb.name }, step: index, customer: { id: facts.id, name: facts.name, email: facts.email }, data: enrollment.data });
      const signature = createHmac('sha256', playbookWebhookKey(ctx.secret)).update(body).digest('hex');
      let status = 0;
      try {
        const res = await fetch(action.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': key, 'x-keepwell-signature': `sha256=${signature}` },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        status = res.status;
      } catch (err) {
        if (job.attempts >= 3)
          return {
            status: 'failed',
            detail: `webhook unreachable: ${(err as Error).message}`,
            touchpoint: { channel: 'system', direction: 'internal', summary: `${pb.name}: webhook ${action.url} failed` },
          };
        throw err;
      }
      if (status >= 500 && job.attempts < 3) throw new Error(`webhook answered ${status}`);
      const ok = status >= 200 && status < 300;
      return {
        status: ok ? 'done' : 'failed',
        detail: `webhook ${action.url} → ${status}`,
        touchpoint: { channel: 'system', direction: 'internal', summary: `${pb.name}: webhook called (${status})` },
      };
    }
  }
}

async function sinceEnrolled(db: Database, customerId: string, since: Date) {
  const [o, t] = await Promise.all([
    db.selectFrom('orders').select('id').where('customer_id', '=', customerId).where('ordered_at', '>', since).limit(1).executeTakeFirst(),
    sql<{ id: string }>`select id from touchpoints where customer_id = ${customerId} and occurred_at > ${since}
      and channel not in ('order', 'system') and (source is null or (source not like 'playbook:%' and source <> 'mail')) limit 1`.execute(db),
  ]);
  return { orderedSince: Boolean(o), contactedSince: t.rows.length > 0 };
}

/** Whether an earlier step that goes out by a channel (email, survey, promo) was done for this enrolment; null when none needs one. */
async function reachedBefore(db: Database, pb: Playbook, enrollmentId: string, index: number): Promise<boolean | null> {
  const earlier = pb.steps.slice(0, index).flatMap((s, i) => (channelNeeded(s.action) ? [i] : []));
  if (earlier.length === 0) return null;
  const done = await db
    .selectFrom('playbook_step_runs')
    .select('id')
    .where('enrollment_id', '=', enrollmentId)
    .where('step_index', 'in', earlier)
    .where('status', '=', 'done')
    .where('detail', 'not like', 'no % address, so a task instead%')
    .limit(1)
    .executeTakeFirst();
  return Boolean(done);
}

export async function runStepJob(ctx: AppContext, job: Job, run: JobRun): Promise<string> {
  const enrollmentId = String(job.payload.enrollmentId ?? '');
  const index = Number(job.payload.step);
  const e = await ctx.db.selectFrom('playbook_enrollments').selectAll().where('id', '=', enrollmentId).executeTakeFirst();
  if (!e || e.status !== 'active' || e.next_step !== index) return 'skipped';
  const pbRow = await ctx.db.selectFrom('playbooks').selectAll().where('id', '=', e.playbook_id).executeTakeFirst();
  if (!pbRow) return 'skipped';
  const pb = toPlaybook(pbRow as Row);
  const data = (parseJson(e.data) ?? {}) as Record<string, unknown>;
  const now = ctx.now();
  const finish = async (outcome: StepOutcome, exit = false) => {
    const step: Step | undefined = pb.steps[index];
    await ctx.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('playbook_step_runs')
        .values({
          enrollment_id: e.id,
          playbook_id: pb.id,
          customer_id: e.customer_id,
          step_index: index,
          action: step?.action.type ?? 'none',
          status: outcome.status,
          detail: outcome.detail.slice(0, 2000),
          at: now,
        })
        .onConflict((oc) => oc.columns(['enrollment_id', 'step_index']).doNothing())
        .execute();
      if (outcome.touchpoint) {
        await recordTouchpoint(trx, {
          customerId: e.customer_id,
          channel: outcome.touchpoint.channel,
          direction: outcome.touchpoint.direction,
          occurredAt: now,
          summary: outcome.touchpoint.summary.slice(0, 1000),
          source: `playbook:${pb.id}`,
        });
      }
      const last = exit || index + 1 >= pb.steps.length;
      await trx
        .updateTable('playbook_enrollments')
        .set({
          next_step: index + 1,
          status: last ? (exit ? 'exited' : 'completed') : 'active',
          finished_at: last ? now : null,
          data: JSON.stringify({ ...data, ...(outcome.dataPatch ?? {}) }),
        })
        .where('id', '=', e.id)
        .execute();
      if (!last) {
        await enqueueJob(trx, { kind: STEP_JOB, key: `step:${e.id}:${index + 1}`, payload: { enrollmentId: e.id, step: index + 1 }, runAt: new Date(now.getTime() + waitMs(pb.steps[index + 1])) });
      }
      await run.complete(trx);
    });
    return outcome.status;
  };

  const step = pb.steps[index];
  if (!step) return finish({ status: 'skipped', detail: 'the playbook was edited and has no such step any more' }, true);
  if (!pb.enabled) return finish({ status: 'skipped', detail: 'playbook switched off' }, true);
  const facts = await loadOneFacts(ctx.db, e.customer_id);
  if (!facts) return finish({ status: 'skipped', detail: 'customer erased or merged' }, true);
  const cond = evaluateConditions(pb.conditions as Condition[], facts, now.getTime());
  if (!cond.ok) return finish({ status: 'skipped', detail: `condition no longer holds: ${cond.failed}` });
  const skip = stepSkipReason(step, facts, { ...(await sinceEnrolled(ctx.db, facts.id, new Date(e.entered_at))), reached: await reachedBefore(ctx.db, pb, e.id, index) });
  if (skip) return finish({ status: 'skipped', detail: skip });
  if (!(await run.extendLease())) throw new LeaseLostError(job.id);
  const missing = missingChannel(step, facts);
  if (missing && step.ifNoChannel === 'task') {
    // the step says: a task for a person instead of a message the customer cannot receive
    const outcome = await runAction(ctx, pb, { id: e.id, data }, index, fallbackTask(step, facts), facts, job);
    return finish({ ...outcome, detail: `no ${missing} address, so a task instead: ${outcome.detail}` });
  }
  const outcome = await runAction(ctx, pb, { id: e.id, data }, index, step.action, facts, job);
  return finish(outcome);
}

/** The `playbook.step` job (listed in the playbooks manifest). */
export async function stepJob(ctx: AppContext, job: Job, run: JobRun) {
  if (typeof job.payload.enrollmentId !== 'string') throw new PermanentJobError('step job without an enrollment');
  return runStepJob(ctx, job, run);
}

export type { Trigger };
