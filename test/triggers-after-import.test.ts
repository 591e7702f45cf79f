// Issue 10, item 2: a big import must not lose anyone to the playbook triggers. 6,000 new
// customers imported in one batch, and 3,000 recent orders, each enrol exactly once; a live order
// placed right after the import is not stuck behind it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../src/app/testing/test-app.js';
import { bufferSource } from '../src/customers/import/csv.js';
import { runImport } from '../src/customers/import/importer.js';
import { DELIVER_JOB } from '../src/platform/events/events.service.js';
import { drainJobs } from '../src/platform/jobs/jobs.service.js';
import { installReadyMade, listPlaybooks, setPlaybookEnabled } from '../src/playbooks/index.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  await installReadyMade(t.ctx.db);
  for (const p of await listPlaybooks(t.ctx.db)) if (p.key === 'welcome' || p.key === 'thank_you') await setPlaybookEnabled(t.ctx.db, p.id, true);
});
afterAll(async () => t?.close());

const enrolled = async (key: string) => {
  const r = await t.ctx.db
    .selectFrom('playbook_enrollments as e')
    .innerJoin('playbooks as p', 'p.id', 'e.playbook_id')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.count<number>('e.customer_id').distinct().as('people')])
    .where('p.key', '=', key)
    .executeTakeFirstOrThrow();
  return { n: Number(r.n), people: Number(r.people) };
};

describe('playbook triggers after a large import', { timeout: 300_000 }, () => {
  it('enrols every one of 6,000 customers imported in one batch, once', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const lines = ['customer_id,email,name,acquired_at', ...Array.from({ length: 6000 }, (_, i) => `c${i},c${i}@bulk.test,Customer ${i},${today}`)];
    const report = await runImport(t.ctx.db, bufferSource(Buffer.from(lines.join('\n'))), { type: 'customers', batchSize: 6000 });
    expect(report.created).toBe(6000);
    await drainJobs(t.ctx, { kinds: [DELIVER_JOB] });
    expect(await enrolled('welcome')).toEqual({ n: 6000, people: 6000 });
    await drainJobs(t.ctx, { kinds: [DELIVER_JOB] }); // a second pass finds nothing new
    expect(await enrolled('welcome')).toEqual({ n: 6000, people: 6000 });
  });

  it('fires the order trigger for 3,000 recent imported orders, and for a live order right after', async () => {
    const now = new Date().toISOString();
    const lines = ['order_id,customer_id,email,amount,currency,date', ...Array.from({ length: 3000 }, (_, i) => `o${i},c${i},c${i}@bulk.test,12.50,EUR,${now}`)];
    const report = await runImport(t.ctx.db, bufferSource(Buffer.from(lines.join('\n'))), { type: 'orders', batchSize: 5000 });
    expect(report.created).toBe(3000);
    const owner = await t.signIn('owner');
    const live = await t.app.inject({ method: 'POST', url: '/api/customers', headers: owner.headers, payload: { name: 'Live Buyer', email: 'live@bulk.test' } });
    const order = await t.app.inject({ method: 'POST', url: `/api/customers/${live.json().id}/orders`, headers: owner.headers, payload: { amountMinor: 990, currency: 'EUR' } });
    expect(order.statusCode).toBe(201);
    await drainJobs(t.ctx, { kinds: [DELIVER_JOB] });
    expect(await enrolled('thank_you')).toEqual({ n: 3001, people: 3001 });
  });
});
