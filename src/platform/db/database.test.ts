import { sql } from 'kysely';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseUrl } from '../../app/testing/test-database.js';
import { migrate, openDatabase } from './database.js';
import { allMigrations } from './migrations.js';

describe('database', () => {
  it('applies every migration and round-trips a row', async () => {
    const { db, close } = await createTestDatabase();
    try {
      const user = await db.insertInto('users').values({ email: 'a@b.c', name: 'A', role: 'owner', password_hash: 'x' }).returning(['id', 'email']).executeTakeFirstOrThrow();
      expect(user.email).toBe('a@b.c');
      const c = await db
        .insertInto('customers')
        .values({ name: 'Cust', tags: ['vip'] })
        .returning(['id', 'tags'])
        .executeTakeFirstOrThrow();
      expect(c.tags).toEqual(['vip']);
      await db
        .insertInto('orders')
        .values({ customer_id: c.id, amount_minor: 12345, currency: 'EUR', ordered_at: new Date('2025-01-01T00:00:00Z'), status: 'paid' })
        .execute();
      const o = await db.selectFrom('orders').select(['amount_minor', 'ordered_at']).executeTakeFirstOrThrow();
      expect(o.amount_minor).toBe(12345);
      expect(o.ordered_at).toBeInstanceOf(Date);
    } finally {
      await close();
    }
  });

  it('serialises transactions on the embedded database', async () => {
    const { db, close } = await createTestDatabase();
    try {
      await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          db.transaction().execute(async (trx) => {
            await trx
              .insertInto('customers')
              .values({ name: `c${i}` })
              .execute();
          }),
        ),
      );
      const n = await db
        .selectFrom('customers')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(n.n)).toBe(5);
    } finally {
      await close();
    }
  });

  it('migrates a new database, then finds nothing pending, and applies a migration its table does not list', async () => {
    const schema = testDatabaseUrl ? `t_${randomBytes(6).toString('hex')}` : undefined;
    const opened = await openDatabase(testDatabaseUrl ? { databaseUrl: testDatabaseUrl, schema, migrate: false } : { inMemory: true, migrate: false });
    const indexExists = async () => (await sql<{ t: string | null }>`select to_regclass('customers_created_at')::text as t`.execute(opened.db)).rows[0].t !== null;
    try {
      expect((await migrate(opened.db, schema)).sort()).toEqual(Object.keys(allMigrations()).sort());
      expect(await migrate(opened.db, schema)).toEqual([]);
      // one migration undone and taken off the list (it makes its indexes `if not exists`)
      await sql`drop index customers_created_at`.execute(opened.db);
      await sql`delete from ${sql.raw(schema ? `"${schema}".kysely_migration` : 'kysely_migration')} where name = '0104_created_at_indexes'`.execute(opened.db);
      expect(await indexExists()).toBe(false);
      expect(await migrate(opened.db, schema)).toEqual(['0104_created_at_indexes']);
      expect(await indexExists()).toBe(true);
    } finally {
      if (schema) await sql.raw(`drop schema if exists "${schema}" cascade`).execute(opened.db);
      await opened.close();
    }
  });
});
