import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseUrl } from '../../app/testing/test-database.js';
import type { OpenDatabase } from './database.js';
import { PGliteWorkerClient } from './pglite-worker-client.js';

// The embedded database answers from its worker thread as PGlite did in-thread: PostgreSQL's
// error fields, parsed values, COPY from a blob whose bytes the caller keeps.
let database: OpenDatabase;
beforeAll(async () => {
  if (testDatabaseUrl) return;
  database = await createTestDatabase();
  await database.pglite!.exec('create table kept (id int primary key, note text, at date, n bigint)');
});
afterAll(() => database?.close());

describe.skipIf(testDatabaseUrl)('the embedded database in its worker thread', () => {
  it('runs in a worker and re-throws errors with their PostgreSQL fields', async () => {
    expect(database.pglite).toBeInstanceOf(PGliteWorkerClient);
    await database.pglite!.query('insert into kept (id) values ($1)', [1]);
    const err = await database.pglite!.query('insert into kept (id) values ($1)', [1]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ code: '23505', constraint: 'kept_pkey', table: 'kept', detail: 'Key (id)=(1) already exists.' });
  });

  it('parses values as everywhere else (bigint to number, date as text)', async () => {
    await database.pglite!.query('insert into kept (id, at, n) values (2, $1, $2)', ['2026-01-31', 9007199254740]);
    const r = await database.pglite!.query<{ at: string; n: number }>('select at, n from kept where id = 2');
    expect(r.rows).toEqual([{ at: '2026-01-31', n: 9007199254740 }]);
  });

  it('COPY reads a blob whose bytes the caller may use again', async () => {
    const bytes = new TextEncoder().encode('10\tten\n11\televen\n');
    const blob = { size: bytes.byteLength, arrayBuffer: async () => bytes.buffer } as unknown as Blob;
    await database.pglite!.query(`copy kept (id, note) from '/dev/blob'`, [], { blob });
    expect(bytes.byteLength).toBeGreaterThan(0); // still ours: copied to the worker, not moved
    await database.pglite!.query(`copy kept (id, note) from '/dev/blob'`, [], { blob: new Blob([bytes.map((b) => (b === 49 ? 50 : b))]) });
    const r = await database.pglite!.query<{ note: string }>('select note from kept where id >= 10 order by id');
    expect(r.rows.map((x) => x.note)).toEqual(['ten', 'eleven', 'ten', 'eleven']);
  });

  it('COPY takes over the bytes of a blob handed over, leaving the caller none', async () => {
    const bytes = new TextEncoder().encode('30\tthirty\n31\tthirty-one\n');
    const blob = { size: bytes.byteLength, arrayBuffer: async () => bytes.buffer } as unknown as Blob;
    await database.pglite!.query(`copy kept (id, note) from '/dev/blob'`, [], { blob, handOver: true });
    expect(bytes.byteLength).toBe(0); // moved to the database's thread
    const r = await database.pglite!.query<{ note: string }>('select note from kept where id >= 30 order by id');
    expect(r.rows.map((x) => x.note)).toEqual(['thirty', 'thirty-one']);
  });
});
