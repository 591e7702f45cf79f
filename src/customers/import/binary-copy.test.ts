import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../../platform/db/database.js';
import { createTestDatabase } from '../../app/testing/test-database.js';
import { BinaryCopyWriter } from './binary-copy.js';

let database: OpenDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.close();
});

// Binary COPY is how imports write on the embedded database; a server gets unnest() inserts.
describe.skipIf(!!process.env.TEST_DATABASE_URL)('binary COPY writer', () => {
  it('stores every type as PostgreSQL reads it back, nulls and edge values included', async () => {
    const pglite = database.pglite!;
    await pglite.exec(`create table copy_check (n int, t text, b bigint, at timestamptz, d date, ok boolean, id uuid)`);
    const out = new BinaryCopyWriter(['int', 'text', 'bigint', 'timestamptz', 'date', 'boolean', 'uuid']);
    out.row([1, 'Zoë, "quoted"\nnew line ☕', 123_456_789_012, new Date('2024-03-31T01:30:00.123Z'), '1999-12-31', true, '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b']);
    out.row([-7, '', -5, new Date('1969-07-20T20:17:40Z'), '2000-01-01', false, '00000000-0000-0000-0000-000000000000']);
    out.row([null, null, null, null, null, null, null]);
    await pglite.query(`copy copy_check from '/dev/blob' with (format binary)`, [], { blob: new Blob([out.finish()]) });
    const rows = (
      await sql<
        Record<string, unknown>
      >`select n, t, b::text as b, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') as at, d::text as d, ok, id::text as id from copy_check order by n nulls last`.execute(database.db)
    ).rows;
    expect(rows).toEqual([
      { n: -7, t: '', b: '-5', at: '1969-07-20T20:17:40.000', d: '2000-01-01', ok: false, id: '00000000-0000-0000-0000-000000000000' },
      { n: 1, t: 'Zoë, "quoted"\nnew line ☕', b: '123456789012', at: '2024-03-31T01:30:00.123', d: '1999-12-31', ok: true, id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' },
      { n: null, t: null, b: null, at: null, d: null, ok: null, id: null },
    ]);
  });

  it('grows past its first megabyte and refuses values it cannot encode', () => {
    const out = new BinaryCopyWriter(['text']);
    for (let i = 0; i < 3000; i++) out.row(['x'.repeat(1000)]);
    expect(out.finish().length).toBeGreaterThan(3000 * 1004);
    expect(() => new BinaryCopyWriter(['bigint']).row([1.5])).toThrow(/whole number/);
    expect(() => new BinaryCopyWriter(['uuid']).row(['nope'])).toThrow(/uuid/);
    expect(() => new BinaryCopyWriter(['timestamptz']).row(['garbage'])).toThrow(/time/);
  });
});
