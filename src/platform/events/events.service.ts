// Events recorded in the writing transaction (an outbox), delivered to subscribers by jobs.
//
//   await ctx.events.emit(trx, 'order.created', { orders: [...] });
//   await ctx.events.emitMany(trx, [{ type: 'conversation.opened', payload }, ...]);
//
// `emit` inserts the event and one delivery job per subscriber of its type, in the caller's
// transaction: if the change commits, every subscriber will hear of it; if it rolls back, none
// will. A delivery job runs its subscriber at least once (a crash after the subscriber's effect
// and before the job is marked done runs it again), so every subscriber is idempotent — it keys
// what it writes on the event (enrolment occurrence keys, task idempotency keys, upserts).
//
// A worker that claims several deliveries for one subscriber hands them over together when the
// subscriber has `handleBatch` (one transaction for ten orders instead of ten); if the batch
// fails, each event is delivered again on its own, so one bad event holds up no other.
//
// Event types and their payloads are declared by the feature that emits them, by augmenting
// `EventMap` (see customers/customers.events.ts).
import type { Kysely, Transaction } from 'kysely';
import type { AppContext } from '../context.js';
import type { DB } from '../db/schema.js';
import { onFeaturesLoaded } from '../feature.js';
import { type BatchHelpers, enqueueJobs, type NewJob, PermanentJobError, type Job } from '../jobs/jobs.service.js';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface EventMap {}
export type EventType = keyof EventMap & string;

export interface RecordedEvent<K extends EventType = EventType> {
  id: string;
  type: K;
  payload: EventMap[K];
  createdAt: Date;
}

export interface EventSubscriber<K extends EventType = EventType> {
  /** unique and stable: it names the delivery jobs (`event:<id>:<name>`) */
  name: string;
  on: readonly K[];
  handle(ctx: AppContext, event: RecordedEvent<K>): Promise<void>;
  /**
   * Several events at once, oldest first, with the same effect as `handle` on each. Optional:
   * for subscribers whose per-event cost is mostly fixed (a transaction, settings, a tier pass).
   */
  handleBatch?(ctx: AppContext, events: RecordedEvent<K>[]): Promise<void>;
}

/** An event to record: its type and the payload that type declares. */
export type NewEvent = { [K in EventType]: { type: K; payload: EventMap[K] } }[EventType];

/** Builds a subscriber with its event type checked against the payload it handles. */
export function subscriber<K extends EventType>(s: EventSubscriber<K>): EventSubscriber {
  return s as unknown as EventSubscriber;
}

export const DELIVER_JOB = 'event.deliver';

type Executor = Kysely<DB> | Transaction<DB>;

const byType = new Map<string, EventSubscriber[]>();
const byName = new Map<string, EventSubscriber>();
onFeaturesLoaded((features) => {
  byType.clear();
  byName.clear();
  for (const f of features) for (const s of f.subscribers ?? []) addSubscriber(s);
});

function addSubscriber(s: EventSubscriber): void {
  if (byName.has(s.name)) throw new Error(`event subscriber "${s.name}" is registered twice`);
  byName.set(s.name, s);
  for (const type of s.on) byType.set(type, [...(byType.get(type) ?? []), s]);
}

/** For tests: a subscriber of their own beside the features'. Returns a function that removes it. */
export function addTestSubscriber(s: EventSubscriber): () => void {
  addSubscriber(s);
  return () => {
    byName.delete(s.name);
    for (const type of s.on)
      byType.set(
        type,
        (byType.get(type) ?? []).filter((x) => x !== s),
      );
  };
}

/** Records an event in `db` (pass the writing transaction) and queues its deliveries. */
export async function emitEvent<K extends EventType>(db: Executor, type: K, payload: EventMap[K]): Promise<string> {
  const [id] = await emitEvents(db, [{ type, payload } as NewEvent]);
  return id;
}

/** Records several events with one insert and queues all their deliveries with another; ids in order. */
export async function emitEvents(db: Executor, events: readonly NewEvent[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < events.length; i += 1000) {
    const part = events.slice(i, i + 1000);
    const rows = await db
      .insertInto('events')
      .values(part.map((e) => ({ type: e.type, payload: JSON.stringify(e.payload) })))
      .returning('id')
      .execute();
    // ids come from one sequence in the order of the values
    ids.push(
      ...rows
        .map((r) => BigInt(r.id))
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
        .map(String),
    );
  }
  const jobs: NewJob[] = [];
  events.forEach((e, i) => {
    for (const s of byType.get(e.type) ?? []) {
      jobs.push({ kind: DELIVER_JOB, key: `event:${ids[i]}:${s.name}`, payload: { eventId: ids[i], subscriber: s.name }, runAt: new Date(0), maxAttempts: 10 });
    }
  });
  if (jobs.length) await enqueueJobs(db, jobs);
  return ids;
}

export interface EventBus {
  emit<K extends EventType>(db: Executor, type: K, payload: EventMap[K]): Promise<string>;
  emitMany(db: Executor, events: readonly NewEvent[]): Promise<string[]>;
}
export const eventBus: EventBus = { emit: emitEvent, emitMany: emitEvents };

interface DeliveryPayload {
  eventId: string;
  subscriber: string;
}

type EventRow = { id: string; type: string; payload: unknown; created_at: Date | string };
function recorded(row: EventRow): RecordedEvent {
  const payload = typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload;
  return { id: String(row.id), type: row.type as EventType, payload: payload as never, createdAt: new Date(row.created_at) };
}

/** One delivery by hand (tests): loads the event and runs the one subscriber it names. */
export async function deliverEvent(ctx: AppContext, job: Job): Promise<string> {
  const { eventId, subscriber: name } = job.payload as unknown as DeliveryPayload;
  const s = byName.get(name);
  if (!s) throw new PermanentJobError(`no event subscriber named ${name}`);
  const row = await ctx.db.selectFrom('events').selectAll().where('id', '=', eventId).executeTakeFirst();
  if (!row) throw new PermanentJobError(`event ${eventId} no longer exists`);
  await s.handle(ctx, recorded(row));
  return 'delivered';
}

/**
 * The delivery jobs a worker claimed at once: the events are loaded with one query; a
 * subscriber with `handleBatch` gets all of its events in one call, the others one at a time.
 * The units run `helpers.concurrency` at a time, as single jobs would.
 */
export async function deliverEvents(ctx: AppContext, jobs: Job[], helpers: BatchHelpers): Promise<void> {
  const ids = [...new Set(jobs.map((j) => (j.payload as unknown as DeliveryPayload).eventId))];
  const rows = await ctx.db.selectFrom('events').selectAll().where('id', 'in', ids).execute();
  const events = new Map(rows.map((r) => [String(r.id), recorded(r)]));
  const grouped = new Map<EventSubscriber, { job: Job; event: RecordedEvent }[]>();
  for (const job of jobs) {
    const { eventId, subscriber: name } = job.payload as unknown as DeliveryPayload;
    const s = byName.get(name);
    const event = events.get(String(eventId));
    if (!s) await helpers.fail(job, new PermanentJobError(`no event subscriber named ${name}`));
    else if (!event) await helpers.fail(job, new PermanentJobError(`event ${eventId} no longer exists`));
    else grouped.set(s, [...(grouped.get(s) ?? []), { job, event }]);
  }
  // deliveries that succeeded are marked done together at the end: one statement, not one each
  // (a crash before that delivers them again, which every subscriber allows)
  const delivered: Job[] = [];
  const deliverOne = async (s: EventSubscriber, item: { job: Job; event: RecordedEvent }) => {
    try {
      await s.handle(ctx, item.event);
      delivered.push(item.job);
    } catch (err) {
      await helpers.fail(item.job, err);
    }
  };
  const units: (() => Promise<void>)[] = [];
  for (const [s, items] of grouped) {
    items.sort((a, b) => Number(BigInt(a.event.id) - BigInt(b.event.id)));
    if (s.handleBatch && items.length > 1) {
      units.push(async () => {
        try {
          await s.handleBatch!(
            ctx,
            items.map((i) => i.event),
          );
        } catch (err) {
          ctx.log.warn({ err, subscriber: s.name, events: items.length }, 'batch delivery failed; delivering one at a time');
          for (const item of items) await deliverOne(s, item);
          return;
        }
        delivered.push(...items.map((i) => i.job));
      });
    } else for (const item of items) units.push(() => deliverOne(s, item));
  }
  let next = 0;
  const lane = async () => {
    while (next < units.length) await units[next++]();
  };
  await Promise.all(Array.from({ length: Math.max(1, helpers.concurrency) }, lane));
  const done = await helpers.complete(ctx.db, delivered);
  for (let i = 0; i < delivered.length; i++) {
    if (i < done) {
      helpers.count('done');
      helpers.count('delivered');
    } else helpers.count('lease_lost');
  }
}

/** Events are kept 30 days after they were recorded (their deliveries are jobs, pruned on their own). */
export async function pruneEvents(ctx: AppContext): Promise<number> {
  const r = await ctx.db
    .deleteFrom('events')
    .where('created_at', '<', new Date(ctx.now().getTime() - 30 * 86400_000))
    .executeTakeFirst();
  return Number(r.numDeletedRows ?? 0);
}
