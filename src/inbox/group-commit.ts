// Group commit. On the embedded database each statement is a round trip on its one connection,
// and a transaction's begin/commit costs as much as its work for a small write. Items that arrive
// while a write is in progress are stored together in the next transaction (at most `max`). A
// batch that fails in any way is rolled back and its items stored one by one, so each caller gets
// its own answer. `after` runs per item once its transaction has committed, in arrival order; its
// failure is that caller's alone (the item is stored).
import type { AppContext } from '../platform/context.js';
import type { Database } from '../platform/db/database.js';

interface Queued<T, R> {
  item: T;
  resolve: (r: R) => void;
  reject: (err: unknown) => void;
}

export function groupCommit<T, S, R>(opts: {
  max: number;
  /** the items in one transaction; throws when any of them fails (nothing stored then) */
  many: (ctx: AppContext, items: T[]) => Promise<S[]>;
  one: (ctx: AppContext, item: T) => Promise<S>;
  after: (ctx: AppContext, stored: S) => Promise<R>;
}): (ctx: AppContext, item: T) => Promise<R> {
  const queues = new WeakMap<Database, { waiting: Queued<T, R>[]; running: boolean }>();
  const drain = async (ctx: AppContext, q: { waiting: Queued<T, R>[]; running: boolean }) => {
    q.running = true;
    try {
      while (q.waiting.length) {
        const batch = q.waiting.splice(0, opts.max);
        if (batch.length > 1) {
          let stored: S[] | null = null;
          try {
            stored = await opts.many(
              ctx,
              batch.map((b) => b.item),
            );
          } catch {
            // one of them is refused (or the database hiccuped): each on its own below
          }
          if (stored) {
            for (const [i, b] of batch.entries()) await opts.after(ctx, stored[i]).then(b.resolve, b.reject);
            continue;
          }
        }
        for (const b of batch) {
          await opts
            .one(ctx, b.item)
            .then((s) => opts.after(ctx, s))
            .then(b.resolve, b.reject);
        }
      }
    } finally {
      q.running = false;
    }
  };
  return (ctx, item) =>
    new Promise<R>((resolve, reject) => {
      let q = queues.get(ctx.db);
      if (!q) queues.set(ctx.db, (q = { waiting: [], running: false }));
      q.waiting.push({ item, resolve, reject });
      if (!q.running) void drain(ctx, q);
    });
}
