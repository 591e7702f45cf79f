// Events recorded in the writing transaction (an outbox), delivered to subscribers by jobs.
//
//   await ctx.events.emit(trx, 'order.created', { orders: [...] });
//
// `emit` inserts the event and one delivery job per subscriber of its type, in the caller's
// transaction: if the change commits, every subscriber will hear of it; if it rolls back, none
// will. A delivery job runs its subscriber at least once (a crash after the subscriber's effect
// and before the job is marked done runs it again), so every subscriber is idempotent — it keys
// what it writes on the event (enrolment occurrence keys, task idempotency keys, upserts).
//
// Event types and their payloads are declared by the feature that emits them, by augmenting
// `EventMap` (see customers/customers.events.ts).
import type { Kysely, Transaction } from 'kysely';
import type { AppContext } from '../context.js';
import type { DB } from '../db/schema.js';
import { onFeaturesLoaded } from '../feature.js';
import { enqueueJobs, PermanentJobError, type Job } from '../jobs/jobs.service.js';

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
}

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
  const row = await db
    .insertInto('events')
    .values({ type, payload: JSON.stringify(payload) })
    .returning('id')
    .executeTakeFirstOrThrow();
  const id = String(row.id);
  const subs = byType.get(type) ?? [];
  if (subs.length) {
    await enqueueJobs(
      db,
      subs.map((s) => ({ kind: DELIVER_JOB, key: `event:${id}:${s.name}`, payload: { eventId: id, subscriber: s.name }, runAt: new Date(0), maxAttempts: 10 })),
    );
  }
  return id;
}

export interface EventBus {
  emit<K extends EventType>(db: Executor, type: K, payload: EventMap[K]): Promise<string>;
}
export const eventBus: EventBus = { emit: emitEvent };

/** The delivery job: loads the event and runs the one subscriber it names. */
export async function deliverEvent(ctx: AppContext, job: Job): Promise<string> {
  const { eventId, subscriber: name } = job.payload as { eventId: string; subscriber: string };
  const s = byName.get(name);
  if (!s) throw new PermanentJobError(`no event subscriber named ${name}`);
  const row = await ctx.db.selectFrom('events').selectAll().where('id', '=', eventId).executeTakeFirst();
  if (!row) throw new PermanentJobError(`event ${eventId} no longer exists`);
  const payload = typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload;
  await s.handle(ctx, { id: String(row.id), type: row.type as EventType, payload: payload as never, createdAt: new Date(row.created_at) });
  return 'delivered';
}

/** Events are kept 30 days after they were recorded (their deliveries are jobs, pruned on their own). */
export async function pruneEvents(ctx: AppContext): Promise<number> {
  const r = await ctx.db
    .deleteFrom('events')
    .where('created_at', '<', new Date(ctx.now().getTime() - 30 * 86400_000))
    .executeTakeFirst();
  return Number(r.numDeletedRows ?? 0);
}
