// A later export where orders became refunded or cancelled: the import that changes their status
// announces it as `order.status_changed` in the transaction that writes it, as a status changed
// by hand does, so subscribers (loyalty reverses the points) act when the events are delivered,
// not at the next hourly pass.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../app/testing/test-app.js';
import { DELIVER_JOB } from '../../platform/events/events.service.js';
import { drainJobs } from '../../platform/jobs/jobs.service.js';
import { bufferSource } from './csv.js';
import { runImport } from './importer.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const deliver = () => drainJobs(t.ctx, { kinds: [DELIVER_JOB] });
const day = new Date(Date.now() - 86_400_000).toISOString();
const file = (status: (i: number) => string) =>
  bufferSource(
    Buffer.from(
      ['order_id,email,name,amount,currency,date,status', ...Array.from({ length: 12 }, (_, i) => `S-${i},buyer${i % 3}@status.test,Buyer ${i % 3},${i + 10}.00,EUR,${day},${status(i)}`)].join('\n'),
    ),
  );

type Change = { orderId: string; customerId: string; from: string; to: string };
const statusEvents = async () =>
  (await sql<{ payload: unknown }>`select payload from events where type = 'order.status_changed' order by created_at`.execute(t.ctx.db)).rows.map(
    (e) => (typeof e.payload === 'string' ? JSON.parse(e.payload) : e.payload) as { changes: Change[]; source: string },
  );
const reversals = async (orderIds: string[]) =>
  (await sql<{ n: number }>`select count(*)::int as n from loyalty_ledger where kind = 'reverse' and order_id = any(${orderIds}::uuid[])`.execute(t.ctx.db)).rows[0].n;

describe('a re-import that changes orders’ status', () => {
  it('emits order.status_changed with each order’s old and new status, and subscribers act on it', async () => {
    const first = await runImport(
      t.ctx.db,
      file(() => 'paid'),
      {},
    );
    expect(first).toMatchObject({ created: 12, failed: 0 });
    await deliver();
    expect(await statusEvents()).toEqual([]);
    const earned = await sql<{ n: number }>`select count(*)::int as n from loyalty_ledger where kind = 'earn' and idempotency_key like 'order:%'`.execute(t.ctx.db);
    expect(earned.rows[0].n).toBe(12);

    // S-1 and S-2 refunded, S-3 cancelled, the rest as they were
    const later = (i: number) => (i === 1 || i === 2 ? 'refunded' : i === 3 ? 'cancelled' : 'paid');
    const again = await runImport(t.ctx.db, file(later), {});
    expect(again).toMatchObject({ created: 0, updated: 3, unchanged: 9 });
    const orders = new Map(
      (await sql<{ id: string; external_id: string; customer_id: string }>`select id, external_id, customer_id from orders where external_id like 'S-%'`.execute(t.ctx.db)).rows.map((o) => [
        o.external_id,
        o,
      ]),
    );
    const [event, ...more] = await statusEvents();
    expect(more).toEqual([]);
    expect(event.source).toBe('import');
    expect([...event.changes].sort((a, b) => a.orderId.localeCompare(b.orderId))).toEqual(
      [
        { ext: 'S-1', to: 'refunded' },
        { ext: 'S-2', to: 'refunded' },
        { ext: 'S-3', to: 'cancelled' },
      ]
        .map(({ ext, to }) => ({ orderId: orders.get(ext)!.id, customerId: orders.get(ext)!.customer_id, from: 'paid', to }))
        .sort((a, b) => a.orderId.localeCompare(b.orderId)),
    );

    // delivered: loyalty reverses the points of the three orders (no hourly pass run)
    const voided = ['S-1', 'S-2', 'S-3'].map((e) => orders.get(e)!.id);
    expect(await reversals(voided)).toBe(0);
    await deliver();
    expect(await reversals(voided)).toBe(3);

    // the same later file once more changes nothing and announces nothing
    const third = await runImport(t.ctx.db, file(later), {});
    expect(third).toMatchObject({ updated: 0, unchanged: 12 });
    expect(await statusEvents()).toHaveLength(1);
  });
});
