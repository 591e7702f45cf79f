import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../accounts/index.js';
import { makeCustomer, makeOrder } from '../customers/testing/factories.js';
import type { OpenDatabase } from '../platform/db/database.js';
import { createTestDatabase } from '../app/testing/test-database.js';
import { saveWorkspace } from '../workspace/index.js';
import { seedPlaybookDemo } from './playbooks.demo.js';

let database: OpenDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

describe('playbooks demo', () => {
  it('switches the ready-made playbooks on, puts tasks in Today and emails in the outbox', async () => {
    const db = database.db;
    const today = new Date('2026-11-23T12:00:00Z');
    await saveWorkspace(db, { name: 'Demo Co', industry: 'consumer_services', timeZone: 'Europe/London', currency: 'GBP' });
    const owner = await createUser(db, { email: 'o@demo.test', name: 'Owner', role: 'owner', password: 'correct horse battery' });
    for (let i = 0; i < 12; i++) {
      const c = await makeCustomer(db, {
        name: `Customer ${i}`,
        email: `c${i}@demo.test`,
        marketing_consent: i % 2 === 0,
        acquired_at: new Date(today.getTime() - (400 - i * 30) * 86400_000),
        owner_user_id: owner.id,
      });
      for (let k = 0; k < 3; k++) await makeOrder(db, c.id, { amount_minor: 2500, currency: 'GBP', ordered_at: new Date(today.getTime() - (300 - k * 20 - i) * 86400_000) });
    }
    const lines: string[] = [];
    await seedPlaybookDemo({ db, seed: 1, today, staffIds: [owner.id], log: (l) => lines.push(l) });
    const playbooks = await db.selectFrom('playbooks').select(['key', 'enabled']).execute();
    expect(playbooks.length).toBe(10);
    expect(playbooks.every((p) => p.enabled)).toBe(true);
    const emails = await db.selectFrom('emails').select(['status', 'transport', 'subject']).execute();
    expect(emails.filter((e) => e.status === 'sent' && e.transport === 'outbox').length).toBeGreaterThanOrEqual(3);
    const endOfDay = new Date('2026-11-24T00:00:00Z');
    const todayTasks = await db.selectFrom('tasks').select('title').where('status', '=', 'open').where('due_at', '<', endOfDay).execute();
    expect(todayTasks.length).toBeGreaterThanOrEqual(3);
    expect(todayTasks.map((t) => t.title)).toEqual(expect.arrayContaining([expect.stringMatching(/^Call .* today — unhappy survey answer/)]));
    expect(lines.join('\n')).toMatch(/ready-made playbooks on/);
  });
});
