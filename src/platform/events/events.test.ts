// Recording many events at once, and delivering a worker's claimed deliveries together to a
// subscriber that takes batches — one at a time when the batch fails.
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../app/testing/test-database.js';
import { loadConfig } from '../config.js';
import type { AppContext } from '../context.js';
import type { OpenDatabase } from '../db/database.js';
import { drainJobs, runDueJobs } from '../jobs/jobs.service.js';
import { createLogger } from '../logger.js';
import { addTestSubscriber, DELIVER_JOB, eventBus, type RecordedEvent } from './events.service.js';

declare module './events.service.js' {
  interface EventMap {
    'test.batched': { n: number };
  }
}

let database: OpenDatabase;
let ctx: AppContext;
const removers: (() => void)[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  ctx = { db: database.db, config: loadConfig({ LOG_LEVEL: 'silent' }), log: createLogger('silent'), now: () => new Date(), secret: 's', events: eventBus };
});
afterEach(async () => {
  for (const remove of removers.splice(0)) remove();
  await sql`delete from jobs`.execute(database.db);
  await sql`delete from events`.execute(database.db);
});
afterAll(() => database.close());

const emitN = (ns: number[]) =>
  database.db.transaction().execute((trx) =>
    ctx.events.emitMany(
      trx,
      ns.map((n) => ({ type: 'test.batched' as const, payload: { n } })),
    ),
  );
const jobStatuses = async () =>
  (await sql<{ status: string; n: number }>`select status, count(*)::int as n from jobs where kind = ${DELIVER_JOB} group by status order by status`.execute(database.db)).rows;

describe('emitMany', () => {
  it('records the events in order and queues one delivery per subscriber and event', async () => {
    removers.push(addTestSubscriber({ name: 'test.a', on: ['test.batched'], handle: async () => {} }));
    removers.push(addTestSubscriber({ name: 'test.b', on: ['test.batched'], handle: async () => {} }));
    const ids = await emitN([1, 2, 3]);
    expect(ids).toHaveLength(3);
    const rows = await database.db.selectFrom('events').select(['id', 'payload']).orderBy('id').execute();
    expect(rows.map((r) => String(r.id))).toEqual(ids);
    expect(rows.map((r) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload).n)).toEqual([1, 2, 3]);
    const keys = (await database.db.selectFrom('jobs').select('idempotency_key').execute()).map((r) => r.idempotency_key).sort();
    expect(keys).toEqual(ids.flatMap((id) => [`event:${id}:test.a`, `event:${id}:test.b`]).sort());
  });

  it('records nothing when the writing transaction rolls back', async () => {
    removers.push(addTestSubscriber({ name: 'test.a', on: ['test.batched'], handle: async () => {} }));
    await expect(
      database.db.transaction().execute(async (trx) => {
        await ctx.events.emitMany(trx, [{ type: 'test.batched', payload: { n: 1 } }]);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await database.db.selectFrom('events').select('id').execute()).toHaveLength(0);
    expect(await jobStatuses()).toEqual([]);
  });
});

describe('batched delivery', () => {
  it('hands a subscriber with handleBatch all its claimed events in one call, oldest first; others one at a time', async () => {
    const batches: number[][] = [];
    const singles: number[] = [];
    removers.push(
      addTestSubscriber({
        name: 'test.batch',
        on: ['test.batched'],
        handle: async (_c, e) => void batches.push([(e as RecordedEvent<'test.batched'>).payload.n]),
        handleBatch: async (_c, events) => void batches.push(events.map((e) => (e as RecordedEvent<'test.batched'>).payload.n)),
      }),
    );
    removers.push(addTestSubscriber({ name: 'test.single', on: ['test.batched'], handle: async (_c, e) => void singles.push((e as RecordedEvent<'test.batched'>).payload.n) }));
    await emitN([1, 2, 3, 4, 5]);
    const r = await runDueJobs(ctx, { kinds: [DELIVER_JOB], limit: 50, concurrency: 2 });
    expect(r.ran).toBe(10);
    expect(r.outcomes.delivered).toBe(10);
    expect(batches).toEqual([[1, 2, 3, 4, 5]]);
    expect(singles.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(await jobStatuses()).toEqual([{ status: 'done', n: 10 }]);
  });

  it('delivers one at a time when the batch fails, so one bad event holds up no other', async () => {
    const handled: number[] = [];
    let batchCalls = 0;
    removers.push(
      addTestSubscriber({
        name: 'test.batch',
        on: ['test.batched'],
        handle: async (_c, e) => {
          const n = (e as RecordedEvent<'test.batched'>).payload.n;
          if (n === 3) throw new Error('event 3 is bad');
          handled.push(n);
        },
        handleBatch: async () => {
          batchCalls++;
          throw new Error('one of these is bad');
        },
      }),
    );
    await emitN([1, 2, 3, 4]);
    const r = await drainJobs(ctx, { kinds: [DELIVER_JOB], maxBatches: 3 });
    expect(batchCalls).toBe(1);
    expect(handled).toEqual([1, 2, 4]);
    expect(r.outcomes.delivered).toBe(3);
    expect(r.outcomes.retried).toBe(1);
    expect(await jobStatuses()).toEqual([
      { status: 'done', n: 3 },
      { status: 'pending', n: 1 },
    ]);
    const failed = await database.db.selectFrom('jobs').select('last_error').where('status', '=', 'pending').executeTakeFirstOrThrow();
    expect(failed.last_error).toContain('event 3 is bad');
  });

  it('fails a delivery whose event is gone without holding up the rest', async () => {
    const seen: number[] = [];
    removers.push(
      addTestSubscriber({
        name: 'test.batch',
        on: ['test.batched'],
        handle: async () => {},
        handleBatch: async (_c, events) => void seen.push(...events.map((e) => (e as RecordedEvent<'test.batched'>).payload.n)),
      }),
    );
    const [first] = await emitN([1, 2, 3]);
    await database.db.deleteFrom('events').where('id', '=', first).execute();
    const r = await runDueJobs(ctx, { kinds: [DELIVER_JOB] });
    expect(seen).toEqual([2, 3]);
    expect(r.outcomes.failed).toBe(1);
    expect(r.outcomes.delivered).toBe(2);
  });
});
