import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../app/testing/test-database.js';

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
});
