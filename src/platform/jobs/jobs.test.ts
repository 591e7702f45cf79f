import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../context.js';
import { loadConfig } from '../config.js';
import type { OpenDatabase } from '../db/database.js';
import { createLogger } from '../logger.js';
import { createTestDatabase } from '../../app/testing/test-database.js';
import { backoffMs, claimJobs, drainJobs, enqueueJob, PermanentJobError, registerJobHandler, runDueJobs, startJobWorker } from './jobs.service.js';
import { eventBus } from '../events/events.service.js';
import { isBackgroundWork } from '../db/work-priority.js';

let database: OpenDatabase;
let ctx: AppContext;
let clock = new Date('2026-01-01T00:00:00Z');
const seen: string[] = [];
let flaky = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  ctx = { db: database.db, config: loadConfig({ LOG_LEVEL: 'silent' }), log: createLogger('silent'), now: () => clock, secret: 's', events: eventBus };
  registerJobHandler('test.ok', async (_c, job) => {
    seen.push(String(job.payload.n));
    return 'ok';
  });
  registerJobHandler('test.flaky', async () => {
    if (flaky++ < 2) throw new Error('temporary');
    return 'ok';
  });
  registerJobHandler('test.never', async () => {
    throw new PermanentJobError('bad payload');
  });
});
afterAll(() => database.close());

const job = (id: string) => database.db.selectFrom('jobs').selectAll().where('idempotency_key', '=', id).executeTakeFirstOrThrow();

describe('job queue', () => {
  it('runs handlers as background work (they wait behind requests for the embedded database)', async () => {
    let marked: boolean | undefined;
    registerJobHandler('test.priority', async () => {
      marked = isBackgroundWork();
    });
    await enqueueJob(ctx.db, { kind: 'test.priority', key: 'priority', runAt: clock });
    expect(isBackgroundWork()).toBe(false);
    await drainJobs(ctx, { kinds: ['test.priority'] });
    expect(marked).toBe(true);
    expect(isBackgroundWork()).toBe(false);
  });

  it('one job per idempotency key; runs due jobs only', async () => {
    expect((await enqueueJob(ctx.db, { kind: 'test.ok', key: 'a', payload: { n: 1 }, runAt: clock })).created).toBe(true);
    expect((await enqueueJob(ctx.db, { kind: 'test.ok', key: 'a', payload: { n: 1 }, runAt: clock })).created).toBe(false);
    await enqueueJob(ctx.db, { kind: 'test.ok', key: 'later', payload: { n: 2 }, runAt: new Date(clock.getTime() + 3600_000) });
    const r = await drainJobs(ctx, { kinds: ['test.ok'] });
    expect(r.outcomes.ok).toBe(1);
    expect(seen).toEqual(['1']);
    clock = new Date(clock.getTime() + 3600_000);
    await drainJobs(ctx, { kinds: ['test.ok'] });
    expect(seen).toEqual(['1', '2']);
    expect((await job('a')).status).toBe('done');
  });

  it('two workers never claim the same job; an expired lease is taken over', async () => {
    for (let i = 0; i < 6; i++) await enqueueJob(ctx.db, { kind: 'test.ok', key: `c${i}`, payload: { n: `c${i}` }, runAt: clock });
    const [a, b] = await Promise.all([
      claimJobs(ctx, { workerId: 'A', limit: 4, kinds: ['test.ok'], leaseMs: 60_000 }),
      claimJobs(ctx, { workerId: 'B', limit: 4, kinds: ['test.ok'], leaseMs: 60_000 }),
    ]);
    const ids = [...a, ...b].map((j) => j.id);
    expect(ids.length).toBe(6);
    expect(new Set(ids).size).toBe(6);
    // worker A "dies": its leased jobs are not claimable until the lease passes
    expect(await claimJobs(ctx, { workerId: 'C', limit: 10, kinds: ['test.ok'], leaseMs: 60_000 })).toEqual([]);
    clock = new Date(clock.getTime() + 61_000);
    const c = await claimJobs(ctx, { workerId: 'C', limit: 10, kinds: ['test.ok'], leaseMs: 60_000 });
    expect(c.length).toBe(6);
    expect(c.every((j) => j.attempts === 2)).toBe(true);
  });

  it('retries with backoff, and fails at once on a permanent error', async () => {
    await enqueueJob(ctx.db, { kind: 'test.flaky', key: 'f', runAt: clock });
    let r = await runDueJobs(ctx, { kinds: ['test.flaky'] });
    expect(r.outcomes.retried).toBe(1);
    const after1 = await job('f');
    expect(after1.status).toBe('pending');
    expect(after1.last_error).toBe('temporary');
    expect(new Date(after1.run_at).getTime() - clock.getTime()).toBe(backoffMs(1));
    expect((await runDueJobs(ctx, { kinds: ['test.flaky'] })).ran).toBe(0); // not due yet
    clock = new Date(clock.getTime() + backoffMs(1));
    await runDueJobs(ctx, { kinds: ['test.flaky'] });
    clock = new Date(clock.getTime() + backoffMs(2));
    r = await runDueJobs(ctx, { kinds: ['test.flaky'] });
    expect(r.outcomes.ok).toBe(1);
    expect((await job('f')).attempts).toBe(3);

    await enqueueJob(ctx.db, { kind: 'test.never', key: 'n', runAt: clock });
    r = await runDueJobs(ctx, { kinds: ['test.never'] });
    expect(r.outcomes.failed).toBe(1);
    expect((await job('n')).status).toBe('failed');
  });

  it('the worker loop runs jobs in the background and stops cleanly', async () => {
    await enqueueJob(ctx.db, { kind: 'test.ok', key: 'bg', payload: { n: 'bg' }, runAt: clock });
    const stop = startJobWorker(ctx, { kinds: ['test.ok'], pollMs: 20, schedules: false });
    for (let i = 0; i < 100 && !seen.includes('bg'); i++) await new Promise((r) => setTimeout(r, 20));
    await stop();
    expect(seen).toContain('bg');
    expect((await job('bg')).status).toBe('done');
  });
});
