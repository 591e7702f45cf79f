// The demo's surveys: a spread of NPS, CSAT, CES and exit answers over two years, with comments
// tagged by the classifier; the same seed gives the same answers.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../platform/db/database.js';
import { createTestDatabase } from '../app/testing/test-database.js';
import { insertHistory } from '../customers/index.js';
import { saveWorkspace } from '../workspace/index.js';
import { Rng } from '../platform/random.js';
import { seedSurveyDemo } from './surveys.demo.js';

const today = new Date('2026-11-20T00:00:00Z');
const DAY = 86_400_000;
let database: OpenDatabase;

async function snapshot() {
  return database.db
    .selectFrom('survey_responses as s')
    .innerJoin('survey_requests as r', 'r.id', 's.request_id')
    .select(['r.customer_id', 'r.kind', 'r.event_key', 's.score', 's.comment', 's.sentiment', 's.churn_reasons', 's.answered_at'])
    .orderBy('r.customer_id')
    .orderBy('r.kind')
    .orderBy('r.event_key')
    .execute();
}

beforeAll(async () => {
  database = await createTestDatabase();
  const db = database.db;
  await saveWorkspace(db, { name: 'Driftwood', industry: 'consumer_services', timeZone: 'UTC', currency: 'GBP' });
  const rng = new Rng(3);
  const customers = [];
  const orders = [];
  const touchpoints = [];
  const subscriptions = [];
  for (let i = 0; i < 120; i++) {
    const id = randomUUID();
    const acquired = new Date(today.getTime() - (60 + rng.int(660)) * DAY);
    customers.push({ id, name: `Customer ${i} Surname`, email: `c${i}@example.test`, tags: i % 5 === 0 ? ['vip'] : i % 3 === 0 ? ['wholesale'] : [], acquired_at: acquired });
    const n = 1 + rng.int(6);
    for (let k = 0; k < n; k++) {
      const at = new Date(acquired.getTime() + rng.int(Math.max(1, Math.floor((today.getTime() - acquired.getTime()) / DAY))) * DAY);
      orders.push({ customer_id: id, amount_minor: 1500, currency: 'GBP', ordered_at: at, status: 'paid' as const });
      touchpoints.push({ customer_id: id, channel: 'chat' as const, direction: 'in' as const, occurred_at: at, summary: 'Chat: asked about grind' });
    }
    if (i % 4 === 0) {
      subscriptions.push({
        customer_id: id,
        plan: 'Monthly',
        amount_minor: 1200,
        currency: 'GBP',
        interval: 'month' as const,
        started_at: acquired,
        canceled_at: new Date(today.getTime() - rng.int(300) * DAY),
        cancel_reason: 'price',
      });
    }
  }
  await insertHistory(db, { customers, orders, subscriptions, touchpoints });
});

afterAll(async () => {
  await database?.close();
});

describe('survey demo', () => {
  it('spreads answers of every kind over the two years, with tagged comments and recent detractor tasks', async () => {
    const logs: string[] = [];
    await seedSurveyDemo({ db: database.db, seed: 42, today, staffIds: [], log: (m) => logs.push(m) });
    expect(logs.join('\n')).toMatch(/Surveys: \d+ sent, \d+ answered/);
    const rows = await snapshot();
    const kinds = new Set(rows.map((r) => r.kind));
    expect([...kinds].sort()).toEqual(['ces', 'csat', 'exit', 'nps']);
    const months = new Set(rows.map((r) => r.answered_at.toISOString().slice(0, 7)));
    expect(months.size).toBeGreaterThan(12);
    expect(rows.every((r) => r.answered_at.getTime() < today.getTime())).toBe(true);
    const commented = rows.filter((r) => r.comment);
    expect(commented.length).toBeGreaterThan(20);
    expect(commented.every((r) => r.sentiment !== null)).toBe(true);
    expect(rows.filter((r) => r.kind === 'exit').every((r) => r.churn_reasons.includes('price'))).toBe(true);
    expect(new Set(rows.filter((r) => r.kind === 'nps').map((r) => r.score)).size).toBeGreaterThan(5);
    const tasks = await database.db.selectFrom('tasks').select(['idempotency_key', 'due_at']).execute();
    expect(tasks.every((t) => t.idempotency_key?.startsWith('survey-detractor:') && today.getTime() - t.due_at.getTime() < 30 * DAY)).toBe(true);
  });

  it('gives the same answers for the same seed', async () => {
    const first = await snapshot();
    await database.db.deleteFrom('survey_responses').execute();
    await database.db.deleteFrom('survey_requests').execute();
    await database.db.deleteFrom('tasks').execute();
    await seedSurveyDemo({ db: database.db, seed: 42, today, staffIds: [], log: () => {} });
    expect(await snapshot()).toEqual(first);
  });
});
