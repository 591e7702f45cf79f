// Customer search: substring of the name, prefix of the email, exact external id or phone — the
// same results whether the trigram index (migration 0102) serves the query or a scan does.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';

let t: TestApp;
let agent: Caller;

beforeAll(async () => {
  t = await createTestApp({ now: () => new Date('2025-06-01T12:00:00Z') });
  agent = await t.signIn('agent');
  const people = [
    { name: 'Ada Lovelace', email: 'ada.lovelace@example.com', externalId: 'shop-17', phone: '+44 20 7946 0000' },
    { name: 'Grace Hopper', email: 'grace@navy.example', externalId: 'shop-18' },
    { name: 'Lovisa Berg', email: 'lovisa@example.se' },
    { name: 'Percent 50% Off', email: 'promo@example.com' },
    { name: 'Under_Score', email: 'under@example.com' },
  ];
  for (let i = 0; i < 40; i++) people.push({ name: `Filler Person ${i}`, email: `filler${i}@example.org` });
  for (const p of people) {
    const r = await t.app.inject({ method: 'POST', url: '/api/customers', headers: agent.headers, payload: p });
    expect(r.statusCode).toBe(201);
  }
});
afterAll(async () => {
  await t.close();
});

const names = async (search: string): Promise<string[]> => {
  const r = await t.app.inject({ method: 'GET', url: `/api/customers?search=${encodeURIComponent(search)}&limit=200`, headers: agent.headers });
  expect(r.statusCode).toBe(200);
  return r.json().customers.map((c: { name: string }) => c.name);
};

async function expectSearchResults(): Promise<void> {
  expect(await names('ovela')).toEqual(['Ada Lovelace']); // middle of the name
  expect(await names('LOVE')).toEqual(['Ada Lovelace']); // any case
  expect(await names('lov')).toEqual(['Ada Lovelace', 'Lovisa Berg']);
  expect(await names('ce hop')).toEqual(['Grace Hopper']); // across the space between words
  expect(await names('grace@navy')).toEqual(['Grace Hopper']); // email prefix
  expect(await names('GRACE@')).toEqual(['Grace Hopper']);
  expect(await names('navy.example')).toEqual([]); // email matches from its start only
  expect(await names('shop-17')).toEqual(['Ada Lovelace']); // exact external id
  expect(await names('shop-1')).toEqual([]);
  expect(await names('+44 20 7946 0000')).toEqual(['Ada Lovelace']); // phone
  expect(await names('50%')).toEqual(['Percent 50% Off']); // % and _ are literal
  expect(await names('r_s')).toEqual(['Under_Score']);
  expect(await names('son 3')).toEqual([
    'Filler Person 3',
    'Filler Person 30',
    'Filler Person 31',
    'Filler Person 32',
    'Filler Person 33',
    'Filler Person 34',
    'Filler Person 35',
    'Filler Person 36',
    'Filler Person 37',
    'Filler Person 38',
    'Filler Person 39',
  ]);
  expect(await names('xyzzy')).toEqual([]);
  expect(await names('er')).toHaveLength(44); // too short for trigrams: still a substring match
}

describe('customer search', () => {
  it('has the trigram index on the lowercased name with a short pending list (pg_trgm is available on both test databases)', async () => {
    const r = await sql<{ indexname: string }>`select indexname from pg_indexes where tablename = 'customers' and indexname = 'customers_search_name' and schemaname = current_schema()`.execute(
      t.database.db,
    );
    expect(r.rows).toHaveLength(1);
    // a short pending list: no search reads megabytes of unmerged names, no insert merges them all at once
    const options = await sql<{ o: string[] | null }>`select c.reloptions as o from pg_class c where c.oid = 'customers_search_name'::regclass`.execute(t.database.db);
    expect(options.rows[0].o).toContain('gin_pending_list_limit=256');
  });

  it('finds a customer by a substring from the middle of the name, by email prefix, external id and phone', async () => {
    await expectSearchResults();
  });

  it('gives the same results when the planner must use the indexes', async () => {
    if (t.database.kind !== 'pglite') return; // a setting reaches every query only on PGlite's single connection
    await sql`set enable_seqscan = off`.execute(t.database.db);
    try {
      const plan = await sql<{ 'QUERY PLAN': string }>`explain select id from customers where lower(name) like '%ovela%' or email_normalized like 'ovela%'`.execute(t.database.db);
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('customers_search_name');
      await expectSearchResults();
    } finally {
      await sql`reset enable_seqscan`.execute(t.database.db);
    }
  });
});
