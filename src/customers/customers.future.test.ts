// Nothing is dated in the future: a date more than a day ahead is refused — in an import, naming
// the line (the good lines still go in); through the API, naming the field (and nothing is
// written, so no thank-you email goes out for a 2099 order).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';
import { signWebhook, webhookSecret } from './customers.routes.js';

let t: TestApp;
let agent: Caller;
beforeAll(async () => {
  t = await createTestApp();
  agent = await t.signIn('agent');
});
afterAll(() => t.close());

const DAY = 86400_000;
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * DAY).toISOString().slice(0, 10);

function multipart(csv: string) {
  const boundary = '----keepwellfuture';
  return {
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="orders.csv"\r\nContent-Type: text/csv\r\n\r\n`),
      Buffer.from(csv),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]),
  };
}

describe('future dates', () => {
  it('an import refuses a line dated more than a day ahead, naming the line, and keeps the others', async () => {
    const csv = `Order ID,Email,Name,Date,Total\nF-1,fay@example.com,Fay,2025-01-02,10\nF-2,fay@example.com,Fay,2099-12-01,5\nF-3,gus@example.com,Gus,${day(0)},7\n`;
    const m = multipart(csv);
    const r = await t.app.inject({ method: 'POST', url: '/api/customers/import', headers: { ...agent.headers, ...m.headers }, payload: m.payload });
    expect(r.statusCode).toBe(200);
    const report = r.json().report;
    expect(report).toMatchObject({ created: 2, failed: 1 });
    expect(report.errors).toEqual([{ line: 3, reason: expect.stringMatching(/^Date: "2099-12-01" is in the future/) }]);

    const people = `Name,Email,Birthday,Customer since\nHal,hal@example.com,2090-05-05,2024-01-01\nIda,ida@example.com,1980-05-05,2099-01-01\nJo,jo@example.com,1980-05-05,2024-01-01\n`;
    const p = multipart(people);
    const r2 = await t.app.inject({ method: 'POST', url: '/api/customers/import?type=customers', headers: { ...agent.headers, ...p.headers }, payload: p.payload });
    const report2 = r2.json().report;
    expect(report2.errors.map((e: { line: number }) => e.line)).toEqual([2, 3]);
    expect(report2.errors[0].reason).toMatch(/Birthday: "2090-05-05" is in the future/);
    expect(report2.errors[1].reason).toMatch(/is in the future/);
  });

  it('the API refuses an order, a customer or a contact dated ahead, naming the field; a day ahead is allowed', async () => {
    const c = await t.app.inject({ method: 'POST', url: '/api/customers', headers: agent.headers, payload: { name: 'Kit', email: 'kit@example.test' } });
    const id = c.json().id as string;
    const order = (orderedAt: string) => t.app.inject({ method: 'POST', url: `/api/customers/${id}/orders`, headers: agent.headers, payload: { amountMinor: 1000, currency: 'EUR', orderedAt } });
    const bad = await order('2099-12-01');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.fields[0]).toMatchObject({ field: 'body.orderedAt', message: expect.stringMatching(/future/) });
    expect((await order(new Date(Date.now() + 12 * 3600_000).toISOString())).statusCode).toBe(201);
    const orders = await t.ctx.db.selectFrom('orders').select('ordered_at').where('customer_id', '=', id).execute();
    expect(orders).toHaveLength(1);

    for (const [payload, field] of [
      [{ name: 'Lou', birthday: '2090-01-01' }, 'body.birthday'],
      [{ name: 'Lou', acquiredAt: '2099-01-01T00:00:00Z' }, 'body.acquiredAt'],
    ] as const) {
      const r = await t.app.inject({ method: 'POST', url: '/api/customers', headers: agent.headers, payload });
      expect(r.statusCode).toBe(400);
      expect(r.json().error.fields[0].field).toBe(field);
    }
    const touch = await t.app.inject({
      method: 'POST',
      url: `/api/customers/${id}/touchpoints`,
      headers: agent.headers,
      payload: { channel: 'call', direction: 'out', summary: 'x', occurredAt: '2099-01-01T00:00:00Z' },
    });
    expect(touch.statusCode).toBe(400);
    expect(touch.json().error.fields[0].field).toBe('body.occurredAt');

    // A shop's webhook with a 2099 order: refused, nothing written, no thank-you queued.
    const body = JSON.stringify({ id: 'W-2099', customer: { email: 'kit@example.test' }, amount: '12.00', currency: 'EUR', orderedAt: '2099-12-01' });
    const hook = await t.app.inject({
      method: 'POST',
      url: '/api/webhooks/orders',
      headers: { 'content-type': 'application/json', 'x-keepwell-signature': signWebhook(webhookSecret(t.ctx), Buffer.from(body)) },
      payload: body,
    });
    expect(hook.statusCode).toBe(400);
    expect(hook.json().error.fields[0].field).toBe('orderedAt');
    expect(await t.ctx.db.selectFrom('orders').select('id').where('external_id', '=', 'W-2099').execute()).toEqual([]);
  });
});
