import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../platform/db/database.js';
import { createTestDatabase } from '../app/testing/test-database.js';
import { isContact } from './contact.js';
import { recordTouchpoint } from './customers.service.js';
import { makeCustomer } from './testing/factories.js';

let database: OpenDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database?.close());

describe('what counts as contact', () => {
  it('counts people talking to the customer, not automation, orders or internal notes', async () => {
    const { db } = database;
    const c = await makeCustomer(db, { name: 'Cora' });
    const rows: [string, 'in' | 'out' | 'internal', string | null, boolean][] = [
      ['call', 'out', 'user:1', true],
      ['meeting', 'in', null, true],
      ['email', 'out', 'user:1', true],
      ['email', 'out', null, true], // imported history
      ['survey', 'in', 'survey:1', true],
      ['email', 'out', 'playbook:1', false],
      ['email', 'out', 'survey:1', false],
      ['email', 'out', 'mail', false],
      ['note', 'internal', 'playbook:1', false],
      ['note', 'internal', 'user:1', false],
      ['order', 'in', 'webhook', false],
      ['system', 'internal', 'playbook:1', false],
    ];
    for (const [i, [channel, direction, source]] of rows.entries()) {
      await recordTouchpoint(db, { customerId: c.id, channel: channel as 'call', direction: direction as 'in', source, summary: String(i), occurredAt: new Date(Date.UTC(2025, 0, 1 + i)) });
    }
    const counted = await db.selectFrom('touchpoints').select('summary').where(isContact()).orderBy('occurred_at').execute();
    expect(counted.map((r) => Number(r.summary))).toEqual(rows.flatMap((r, i) => (r[3] ? [i] : [])));
    const aliased = await sql<{ n: number }>`select count(*)::int as n from touchpoints t where ${isContact('t')}`.execute(db);
    expect(aliased.rows[0].n).toBe(5);
  });
});
