import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../platform/db/database.js';
import { createTestDatabase } from '../app/testing/test-database.js';
import { DemoSeedError, seedDemo } from './seed.js';
import { authenticate, createUser } from '../accounts/index.js';
import { demoSignIn } from './seed.js';

let database: OpenDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database?.close());

describe('demo seeding', () => {
  it('seeds once, signs in with the printed credentials, and leaves a seeded demo alone', async () => {
    const today = new Date('2026-11-23T12:00:00Z');
    expect(await seedDemo(database.db, { seed: 42, today })).toBe(true);
    const counts = await database.db
      .selectNoFrom((eb) => [
        eb.selectFrom('customers').select(eb.fn.countAll<number>().as('n')).as('customers'),
        eb.selectFrom('orders').select(eb.fn.countAll<number>().as('n')).as('orders'),
        eb.selectFrom('users').select(eb.fn.countAll<number>().as('n')).as('users'),
      ])
      .executeTakeFirstOrThrow();
    expect(Number(counts.customers)).toBeGreaterThan(1500);
    expect(Number(counts.orders)).toBeGreaterThan(Number(counts.customers));
    expect(Number(counts.users)).toBeGreaterThanOrEqual(2);
    expect(await authenticate(database.db, demoSignIn.email, demoSignIn.password)).not.toBeNull();
    expect(await seedDemo(database.db, { seed: 42, today })).toBe(false);
    // Seeding every area's demo (thousands of orders, the assistant's index) takes ~20 s alone and
    // several times that on a busy CI machine; a long limit, not a speed claim (bench/ has those).
  }, 240_000);

  it('refuses to seed over another business', async () => {
    const other = await createTestDatabase();
    try {
      await createUser(other.db, { email: 'real@example.test', name: 'Real', role: 'owner', passwordHash: 'x' });
      await expect(seedDemo(other.db)).rejects.toThrow(DemoSeedError);
    } finally {
      await other.close();
    }
  }, 120_000);
});
