// The job queue, stored in PostgreSQL (PGlite or a server). Jobs are claimed with
// `FOR UPDATE SKIP LOCKED` under a lease, so several worker processes can share one database:
// a worker that dies (even kill -9) leaves its jobs leased; when the lease passes, another
// worker takes them over. A job is completed in the same transaction as its effect when the
// handler asks for that (see JobRun.complete), which is how emails are never sent twice by us.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { AppContext } from '../context.js';
import type { DB } from '../db/schema.js';
import { onFeaturesLoaded } from '../feature.js';
import { checkDiskFull, DISK_FULL_PROBLEM, failureMessage } from '../disk.js';
import { inBackground } from '../db/work-priority.js';

type Executor = Kysely<DB> | Transaction<DB>;

export interface Job {
  id: string;
  kind: string;
  idempotencyKey: string;
  payload: Record<string, unknown>;
  attempts: number;
  maxAttempts: number;
  runAt: Date;
}

export interface JobRun {
  workerId: string;
  /** Marks the job done inside the caller's transaction; throws LeaseLostError when another worker owns it now. */
  complete(trx: Executor): Promise<void>;
  /** Extends this worker's lease; false when the job is no longer ours. */
  extendLease(): Promise<boolean>;
}

/** What a handler reports (counted by runDueJobs), e.g. 'sent', 'failed', 'skipped'. */
export type JobOutcome = string;

export type JobHandler = (ctx: AppContext, job: Job, run: JobRun) => Promise<JobOutcome | void>;

/** Thrown by a handler when retrying cannot help: the job fails at once. */
export class PermanentJobError extends Error {}
export class LeaseLostError extends Error {
  constructor(jobId: string) {
    super(`job ${jobId}: lease lost to another worker`);
  }
}

const handlers = new Map<string, JobHandler>();

export function registerJobHandler(kind: string, handler: JobHandler): void {
  handlers.set(kind, handler);
}

/**
 * A handler that takes all claimed jobs of its kind at once (emails: one query loads the batch).
 * It must complete each job itself (in the transaction or statement that records its effect),
 * count an outcome per job, and call `fail` for a job that should be retried.
 */
export interface BatchHelpers {
  workerId: string;
  /** how many jobs this worker runs at the same time (the handler may use it for its own lanes) */
  concurrency: number;
  count(outcome: string): void;
  /** marks jobs done that this worker still holds; how many it marked */
  complete(db: Executor, jobs: Job[]): Promise<number>;
  fail(job: Job, error: unknown): Promise<void>;
}
export type BatchJobHandler = (ctx: AppContext, jobs: Job[], helpers: BatchHelpers) => Promise<void>;
const batchHandlers = new Map<string, BatchJobHandler>();

export function registerBatchJobHandler(kind: string, handler: BatchJobHandler): void {
  batchHandlers.set(kind, handler);
}

export function registeredJobKinds(): string[] {
  return [...new Set([...handlers.keys(), ...batchHandlers.keys()])];
}

export interface NewJob {
  kind: string;
  /** unique per intent; enqueueing the same key twice makes one job */
  key: string;
  payload?: Record<string, unknown>;
  runAt: Date;
  maxAttempts?: number;
}

export async function enqueueJob(db: Executor, job: NewJob): Promise<{ id: string | null; created: boolean }> {
  const row = await db
    .insertInto('jobs')
    .values({
      kind: job.kind,
      idempotency_key: job.key,
      payload: JSON.stringify(job.payload ?? {}),
      run_at: job.runAt,
      max_attempts: job.maxAttempts ?? 8,
    })
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  return { id: row?.id ?? null, created: Boolean(row) };
}

/** Many jobs in one statement (duplicates by key are ignored). */
export async function enqueueJobs(db: Executor, jobs: NewJob[]): Promise<number> {
  let created = 0;
  for (let i = 0; i < jobs.length; i += 1000) {
    const part = jobs.slice(i, i + 1000);
    const r = await db
      .insertInto('jobs')
      .values(part.map((job) => ({ kind: job.kind, idempotency_key: job.key, payload: JSON.stringify(job.payload ?? {}), run_at: job.runAt, max_attempts: job.maxAttempts ?? 8 })))
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .executeTakeFirst();
    created += Number(r.numInsertedOrUpdatedRows ?? 0);
  }
  return created;
}

export function newWorkerId(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/** Retry delay after `attempts` failed tries: 30 s, 1 min, 2 min … capped at 6 h. */
export function backoffMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 6 * 3600_000);
}

export function defaultLeaseMs(): number {
  const s = Number(process.env.KEEPWELL_JOB_LEASE_SECONDS);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 120_000;
}

interface ClaimOptions {
  workerId: string;
  limit: number;
  kinds?: string[];
  leaseMs: number;
}

/** Claims due jobs (and jobs whose lease has passed) for this worker. */
export async function claimJobs(ctx: AppContext, options: ClaimOptions): Promise<Job[]> {
  const now = ctx.now();
  const leaseUntil = new Date(now.getTime() + options.leaseMs);
  const kinds = options.kinds ?? registeredJobKinds();
  if (kinds.length === 0) return [];
  const result = await sql<{
    id: string;
    kind: string;
    idempotency_key: string;
    payload: Record<string, unknown>;
    attempts: number;
    max_attempts: number;
    run_at: Date;
  }>`
    update jobs set status = 'running', attempts = attempts + 1, locked_until = ${leaseUntil}, locked_by = ${options.workerId}
    where id in (
      select id from jobs
      where ((status = 'pending' and run_at <= ${now}) or (status = 'running' and locked_until < ${now}))
        and kind = any(${kinds}::text[])
      order by run_at
      limit ${options.limit}
      for update skip locked)
    returning id, kind, idempotency_key, payload, attempts, max_attempts, run_at`.execute(ctx.db);
  return result.rows
    .map((r) => ({
      id: r.id,
      kind: r.kind,
      idempotencyKey: r.idempotency_key,
      payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload,
      attempts: Number(r.attempts),
      maxAttempts: Number(r.max_attempts),
      runAt: new Date(r.run_at),
    }))
    .sort((a, b) => a.runAt.getTime() - b.runAt.getTime());
}

async function completeJob(trx: Executor, jobId: string, workerId: string, now: Date): Promise<void> {
  const r = await trx
    .updateTable('jobs')
    .set({ status: 'done', finished_at: now, locked_until: null })
    .where('id', '=', jobId)
    .where('locked_by', '=', workerId)
    .where('status', '=', 'running')
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) throw new LeaseLostError(jobId);
}

async function completeJobs(db: Executor, jobs: Job[], workerId: string, now: Date): Promise<number> {
  if (!jobs.length) return 0;
  const r = await db
    .updateTable('jobs')
    .set({ status: 'done', finished_at: now, locked_until: null })
    .where(
      'id',
      'in',
      jobs.map((j) => j.id),
    )
    .where('locked_by', '=', workerId)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

async function failJob(ctx: AppContext, job: Job, workerId: string, error: unknown): Promise<'retried' | 'failed'> {
  const message = failureMessage(error, error instanceof Error ? error.message : String(error));
  const permanent = error instanceof PermanentJobError || job.attempts >= job.maxAttempts;
  await ctx.db
    .updateTable('jobs')
    .set({
      status: permanent ? 'failed' : 'pending',
      run_at: permanent ? job.runAt : new Date(ctx.now().getTime() + backoffMs(job.attempts)),
      last_error: message.slice(0, 2000),
      locked_until: null,
      locked_by: null,
      finished_at: permanent ? ctx.now() : null,
    })
    .where('id', '=', job.id)
    .where('locked_by', '=', workerId)
    .execute();
  return permanent ? 'failed' : 'retried';
}

export interface RunOptions {
  workerId?: string;
  /** how many jobs to claim at a time */
  limit?: number;
  kinds?: string[];
  /** jobs run at the same time within this worker */
  concurrency?: number;
  leaseMs?: number;
}

export interface RunResult {
  ran: number;
  /** counts by outcome: what handlers returned, plus 'done', 'retried', 'failed', 'lease_lost' */
  outcomes: Record<string, number>;
}

/**
 * Claims one batch of due jobs and runs them; returns what happened. Jobs are background work:
 * on the embedded database their queries wait behind requests (work-priority.ts).
 */
export function runDueJobs(ctx: AppContext, options: RunOptions = {}): Promise<RunResult> {
  return inBackground(() => runClaimedJobs(ctx, options));
}

async function runClaimedJobs(ctx: AppContext, options: RunOptions): Promise<RunResult> {
  const workerId = options.workerId ?? newWorkerId();
  const leaseMs = options.leaseMs ?? defaultLeaseMs();
  const jobs = await claimJobs(ctx, { workerId, limit: options.limit ?? 50, kinds: options.kinds, leaseMs });
  const outcomes: Record<string, number> = {};
  const count = (k: string) => (outcomes[k] = (outcomes[k] ?? 0) + 1);
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      const handler = handlers.get(job.kind);
      let completed = false;
      const run: JobRun = {
        workerId,
        complete: async (trx) => {
          await completeJob(trx, job.id, workerId, ctx.now());
          completed = true;
        },
        extendLease: async () => {
          const r = await ctx.db
            .updateTable('jobs')
            .set({ locked_until: new Date(ctx.now().getTime() + leaseMs) })
            .where('id', '=', job.id)
            .where('locked_by', '=', workerId)
            .where('status', '=', 'running')
            .executeTakeFirst();
          return Number(r.numUpdatedRows) === 1;
        },
      };
      try {
        // a job past its attempts comes here whatever its kind (batch handlers get only live ones)
        if (job.attempts > job.maxAttempts) throw new PermanentJobError(`gave up after ${job.maxAttempts} attempts`);
        if (!handler) throw new PermanentJobError(`no handler for job kind ${job.kind}`);
        const outcome = await handler(ctx, job, run);
        if (!completed) await run.complete(ctx.db);
        count('done');
        if (outcome) count(outcome);
      } catch (err) {
        if (err instanceof LeaseLostError) {
          count('lease_lost');
          continue;
        }
        ctx.log.warn({ err, job: job.id, kind: job.kind }, 'job failed');
        try {
          count(await failJob(ctx, job, workerId, err));
        } catch (failErr) {
          ctx.log.error({ err: failErr, job: job.id }, 'could not record job failure');
        }
      }
    }
  };
  const batched = new Map<string, Job[]>();
  const single: Job[] = [];
  for (const job of jobs) {
    if (batchHandlers.has(job.kind) && job.attempts <= job.maxAttempts) batched.set(job.kind, [...(batched.get(job.kind) ?? []), job]);
    else single.push(job);
  }
  const runBatch = async (kind: string, list: Job[]) => {
    const helpers: BatchHelpers = {
      workerId,
      concurrency: Math.max(1, options.concurrency ?? 1),
      count,
      complete: (db, list) => completeJobs(db, list, workerId, ctx.now()),
      fail: async (job, err) => {
        ctx.log.warn({ err, job: job.id, kind: job.kind }, 'job failed');
        count(await failJob(ctx, job, workerId, err));
      },
    };
    try {
      await batchHandlers.get(kind)!(ctx, list, helpers);
    } catch (err) {
      // jobs the handler did not finish keep their lease and are retried when it passes
      ctx.log.error({ err, kind }, 'batch handler failed');
    }
  };
  jobs.splice(0, jobs.length, ...single);
  await Promise.all([...[...batched].map(([kind, list]) => runBatch(kind, list)), ...Array.from({ length: Math.max(1, options.concurrency ?? 1) }, lane)]);
  return { ran: single.length + [...batched.values()].reduce((n, l) => n + l.length, 0), outcomes };
}

/** Runs due jobs batch after batch until none is due (tests and the CLI use this). */
export async function drainJobs(ctx: AppContext, options: RunOptions & { maxBatches?: number } = {}): Promise<RunResult> {
  const total: RunResult = { ran: 0, outcomes: {} };
  for (let i = 0; i < (options.maxBatches ?? 10_000); i++) {
    const r = await runDueJobs(ctx, options);
    if (r.ran === 0) break;
    total.ran += r.ran;
    for (const [k, v] of Object.entries(r.outcomes)) total.outcomes[k] = (total.outcomes[k] ?? 0) + v;
  }
  return total;
}

/** Recurring work: each period one job with key `<kind>:<period start>` (so many workers make one). */
export interface Schedule {
  kind: string;
  everyMs: number;
  payload?: Record<string, unknown>;
}

const schedules: Schedule[] = [];
export function registerSchedule(schedule: Schedule): void {
  if (!schedules.some((s) => s.kind === schedule.kind)) schedules.push(schedule);
}

// Handlers and schedules come from the feature list (each feature's manifest), never from
// side-effect imports.
onFeaturesLoaded((features) => {
  for (const f of features) {
    for (const [kind, handler] of Object.entries(f.jobs ?? {})) registerJobHandler(kind, handler);
    for (const [kind, handler] of Object.entries(f.batchJobs ?? {})) registerBatchJobHandler(kind, handler);
    for (const s of f.schedules ?? []) registerSchedule(s);
  }
});

export async function enqueueScheduled(ctx: AppContext): Promise<void> {
  const now = ctx.now().getTime();
  for (const s of schedules) {
    const start = Math.floor(now / s.everyMs) * s.everyMs;
    await enqueueJob(ctx.db, { kind: s.kind, key: `${s.kind}:${new Date(start).toISOString()}`, payload: s.payload, runAt: new Date(start) });
  }
}

export interface WorkerOptions extends RunOptions {
  /** wait between polls when nothing is due */
  pollMs?: number;
  /** run scheduled work (scans) too */
  schedules?: boolean;
}

/** The worker loop: claims and runs jobs until stopped. `stop()` lets the running batch finish. */
export function startJobWorker(ctx: AppContext, options: WorkerOptions = {}): () => Promise<void> {
  const workerId = options.workerId ?? newWorkerId();
  let stopped = false;
  let wake: (() => void) | undefined;
  let lastScheduled = 0;
  const loop = inBackground(async () => {
    while (!stopped) {
      let ran = 0;
      try {
        if (options.schedules !== false && Date.now() - lastScheduled > 30_000) {
          lastScheduled = Date.now();
          await enqueueScheduled(ctx);
        }
        ran = (await runDueJobs(ctx, { ...options, workerId })).ran;
      } catch (err) {
        if (stopped) break;
        ctx.log.error({ err }, checkDiskFull(err) ? DISK_FULL_PROBLEM : 'job worker error');
      }
      if (ran === 0 && !stopped) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, options.pollMs ?? 1000);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    }
  });
  return async () => {
    stopped = true;
    wake?.();
    await loop;
  };
}
