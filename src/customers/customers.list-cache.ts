// The customer list under load (issue 16 item 16): the embedded database is one connection, so
// fifty clients asking at once queue behind each other's queries. Two things keep each request
// cheap without changing any answer:
//
// - Identical requests share one run (`Coalescer`): a request that arrives while the same request
//   is still waiting for the database joins it and gets its answer. Its queries start after both
//   requests arrived, so the answer is what the later one would have got on its own (nothing
//   written after it arrived and before the queries ran is missed: they had not run yet). A run
//   that holds the connection already is never joined.
// - Answers are kept (`ListCache`, embedded database only) under the data version: a sequence
//   every statement writing customers, orders, subscriptions or touchpoints advances (migration
//   0106). A kept answer is used while the version is the same, the workspace settings it used
//   are the same and no order has crossed a time boundary the answer depends on (the activity
//   window behind "active", the days of a last-order filter): it is valid until the clock has
//   moved as far as the gap between each boundary and the first order at or after it. The
//   version and the answer are read on the same single connection, so no write can slip between
//   them. On a PostgreSQL server a statement takes the number before its transaction commits, so
//   a reader could keep an answer that misses a write still to commit: there, answers are not
//   kept (the server has connections in parallel and needs it less).
import { sql, type RawBuilder } from 'kysely';
import type { AppContext } from '../platform/context.js';
import type { Database } from '../platform/db/database.js';
import { pgliteOf } from '../platform/db/pglite-dialect.js';

interface Waiting<T> {
  promise?: Promise<T>;
}

/** Runs `fn` on one connection of its own; calls with the same key that arrive before that
 * connection is granted share the run and its result. */
export class Coalescer<T> {
  private readonly waiting = new Map<string, Waiting<T>>();

  run(db: Database, key: string, fn: (conn: Database) => Promise<T>): Promise<T> {
    const queued = this.waiting.get(key)?.promise;
    if (queued) return queued;
    const entry: Waiting<T> = {};
    const leave = () => {
      if (this.waiting.get(key) === entry) this.waiting.delete(key);
    };
    entry.promise = db
      .connection()
      .execute((conn) => {
        leave(); // the queries are about to run: later arrivals start a run of their own
        return fn(conn);
      })
      .finally(leave);
    this.waiting.set(key, entry);
    return entry.promise;
  }

  /** runs waiting for the connection (tests) */
  get size(): number {
    return this.waiting.size;
  }
}

/** The data version of the tables the list reads (0106), or null where answers are not kept. */
export async function listDataVersion(conn: Database, db: Database): Promise<string | null> {
  if (!pgliteOf(db)) return null;
  const r = await sql<{ v: string }>`select last_value::text || ':' || is_called::text as v from customers_list_version`.execute(conn);
  return r.rows[0]?.v ?? null;
}

/**
 * How many milliseconds from `now` an answer computed now stays right: for each boundary (a moment
 * that moves with the clock, such as the start of the activity window), the gap to the first
 * order at or after it that is not cancelled (last orders are of such orders). Infinity when none.
 */
export async function boundaryMargin(conn: Database, boundaries: readonly Date[]): Promise<number> {
  if (boundaries.length === 0) return Number.POSITIVE_INFINITY;
  const least = new Date(Math.min(...boundaries.map((b) => b.getTime())));
  const cols: RawBuilder<unknown>[] = boundaries.map((b, i) => sql`min(ordered_at) filter (where ordered_at >= ${b}) as ${sql.ref(`b${i}`)}`);
  const r = await sql<Record<string, Date | string | null>>`select ${sql.join(cols)} from orders where status <> 'cancelled' and ordered_at >= ${least}`.execute(conn);
  const row = r.rows[0] ?? {};
  let margin = Number.POSITIVE_INFINITY;
  boundaries.forEach((b, i) => {
    const next = row[`b${i}`];
    // a Date keeps milliseconds only: truncating microseconds makes the margin shorter, never longer
    if (next !== null && next !== undefined) margin = Math.min(margin, new Date(next).getTime() - b.getTime());
  });
  return Math.max(0, margin);
}

interface Kept {
  version: string;
  settings: string;
  at: number;
  until: number;
  body: string;
}

/** Answers of the list (JSON text) by query, with the version, settings and time they hold for. */
export class ListCache {
  private readonly kept = new Map<string, Kept>();
  constructor(private readonly max = 500) {}

  get(key: string, version: string | null, settings: string, now: number): string | undefined {
    if (version === null) return undefined;
    const k = this.kept.get(key);
    if (!k || k.version !== version || k.settings !== settings || now < k.at || now > k.until) return undefined;
    this.kept.delete(key); // most recently used last
    this.kept.set(key, k);
    return k.body;
  }

  set(key: string, version: string | null, settings: string, now: number, margin: number, body: string): void {
    if (version === null) return;
    this.kept.delete(key);
    this.kept.set(key, { version, settings, at: now, until: now + margin, body });
    while (this.kept.size > this.max) this.kept.delete(this.kept.keys().next().value!);
  }

  get size(): number {
    return this.kept.size;
  }
}

const perServer = new WeakMap<AppContext, { cache: ListCache; lists: Coalescer<string>; pages: Coalescer<unknown> }>();

/** The list's cache and the coalescers of one server (one database). */
export function listServing(ctx: AppContext) {
  let s = perServer.get(ctx);
  if (!s) {
    s = { cache: new ListCache(), lists: new Coalescer<string>(), pages: new Coalescer<unknown>() };
    perServer.set(ctx, s);
  }
  return s;
}
