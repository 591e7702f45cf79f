import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseUrl } from '../../app/testing/test-database.js';
import type { OpenDatabase } from './database.js';
import { kyselyOverPGlite } from './pglite-dialect.js';
import { inBackground } from './work-priority.js';

// The embedded database's one connection goes to requests before background work, and background
// work is never starved. Real PGlite (a test database, the way the server opens it); PostgreSQL
// servers have connections enough and no lane, so the suite's server run skips this file.
let database: OpenDatabase;
beforeAll(async () => {
  if (testDatabaseUrl) return;
  database = await createTestDatabase();
  await database.pglite!.exec('create table turns (n serial primary key, who text not null)');
});
afterAll(() => database?.close());

/** Holds the connection in a transaction, queues `asks` (in this order) behind it, then lets go; returns the order they ran in. */
async function turnsAfterHold(maxBackgroundWaitMs: number, asks: { who: string; background: boolean }[]): Promise<string[]> {
  const db = kyselyOverPGlite<any>(database.pglite!, { maxBackgroundWaitMs });
  await sql`truncate turns`.execute(db);
  let started!: () => void;
  let letGo!: () => void;
  const holding = new Promise<void>((r) => (started = r));
  const hold = db.transaction().execute(async (trx) => {
    await sql`select 1`.execute(trx);
    started();
    await new Promise<void>((r) => (letGo = r));
  });
  await holding;
  const insert = (who: string) => sql`insert into turns (who) values (${who})`.execute(db);
  const queued = asks.map(({ who, background }) => (background ? inBackground(() => insert(who)) : insert(who)));
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r)); // all of them are waiting now
  letGo();
  await Promise.all([hold, ...queued]);
  const rows = await sql<{ who: string }>`select who from turns order by n`.execute(db);
  return rows.rows.map((r) => r.who);
}

describe.skipIf(testDatabaseUrl)('the embedded database connection', () => {
  it('goes to requests before background work that asked earlier, in order within each', async () => {
    const order = await turnsAfterHold(60_000, [
      { who: 'job 1', background: true },
      { who: 'request 1', background: false },
      { who: 'job 2', background: true },
      { who: 'request 2', background: false },
    ]);
    expect(order).toEqual(['request 1', 'request 2', 'job 1', 'job 2']);
  });

  it('gives background work that waited too long the next turn, then a request (they alternate)', async () => {
    const order = await turnsAfterHold(0, [
      { who: 'request 1', background: false },
      { who: 'request 2', background: false },
      { who: 'job 1', background: true },
      { who: 'job 2', background: true },
      { who: 'request 3', background: false },
    ]);
    expect(order).toEqual(['job 1', 'request 1', 'job 2', 'request 2', 'request 3']);
  });

  it('first come first served when only one kind waits', async () => {
    const order = await turnsAfterHold(60_000, [
      { who: 'job 1', background: true },
      { who: 'job 2', background: true },
      { who: 'job 3', background: true },
    ]);
    expect(order).toEqual(['job 1', 'job 2', 'job 3']);
  });
});
