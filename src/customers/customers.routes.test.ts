import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainJobs } from '../platform/jobs/jobs.service.js';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';
import { signWebhook, webhookSecret } from './customers.routes.js';

let t: TestApp;
let owner: Caller;
let agent: Caller;

beforeAll(async () => {
  t = await createTestApp({ now: () => new Date('2025-06-01T12:00:00Z') });
  owner = await t.signIn('owner');
  agent = await t.signIn('agent');
});
afterAll(async () => {
  await t.close();
});

const call = (method: 'GET' | 'POST' | 'PATCH', url: string, who: Caller, payload?: unknown) =>
  t.app.inject({ method, url, headers: who.headers, ...(payload !== undefined ? { payload: payload as object } : {}) });

function multipart(csv: string, filename = 'orders.csv') {
  const boundary = '----keepwelltest';
  return {
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: text/csv\r\n\r\n`),
      Buffer.from(csv),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]),
  };
}

async function create(body: Record<string, unknown>) {
  const r = await call('POST', '/api/customers', agent, body);
  expect(r.statusCode).toBe(201);
  return r.json() as { id: string; name: string };
}

describe('customers API', () => {
  it('creates, reads and updates a customer; bad input names the field', async () => {
    const c = await create({ name: 'Ada Lovelace', email: 'Ada@Example.com', tags: ['vip'], retentionDriver: 'vip', phone: '+44 20 7946 0000' });
    const bad = await call('POST', '/api/customers', agent, { name: 'X', email: 'not-an-email' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.fields[0].field).toBe('body.email');
    const badDay = await call('POST', '/api/customers', agent, { name: 'X', birthday: '2024-02-30' });
    expect(badDay.statusCode).toBe(400);
    expect(badDay.json().error.fields[0].field).toBe('body.birthday');
    const badOwner = await call('POST', '/api/customers', agent, { name: 'X', ownerUserId: '00000000-0000-4000-8000-000000000000' });
    expect(badOwner.statusCode).toBe(400);
    expect(badOwner.json().error.fields[0].field).toBe('body.ownerUserId');
    const dupId = await call('POST', '/api/customers', agent, { name: 'Y', externalId: 'ext-1' });
    expect(dupId.statusCode).toBe(201);
    expect((await call('POST', '/api/customers', agent, { name: 'Z', externalId: 'ext-1' })).statusCode).toBe(409);
    const upd = await call('PATCH', `/api/customers/${c.id}`, agent, { city: 'London', retentionDriver: 'responsiveness' });
    expect(upd.statusCode).toBe(200);
    const page = (await call('GET', `/api/customers/${c.id}`, agent)).json();
    expect(page.customer).toMatchObject({ name: 'Ada Lovelace', email: 'Ada@Example.com', city: 'London', retentionDriver: 'responsiveness', tags: ['vip'], status: 'prospect', ordersCount: 0 });
    expect((await call('GET', '/api/customers/00000000-0000-4000-8000-000000000000', agent)).statusCode).toBe(404);
    expect((await call('GET', '/api/customers/nope', agent)).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: '/api/customers' })).statusCode).toBe(401);
  });

  it('lists with search, tag, driver and status filters and walks every page by cursor', async () => {
    for (let i = 0; i < 7; i++) await create({ name: `Page Person ${i}`, email: `page${i}@example.com`, tags: i % 2 ? ['odd'] : ['even'], retentionDriver: i < 3 ? 'value' : 'convenience' });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r = await call('GET', `/api/customers?search=page%20person&limit=3${cursor ? `&cursor=${cursor}` : ''}`, agent);
      expect(r.statusCode).toBe(200);
      const body = r.json();
      seen.push(...body.customers.map((c: { name: string }) => c.name));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `Page Person ${i}`));
    const odd = (await call('GET', '/api/customers?tag=odd&search=page', agent)).json().customers;
    expect(odd.map((c: { name: string }) => c.name)).toEqual(['Page Person 1', 'Page Person 3', 'Page Person 5']);
    const value = (await call('GET', '/api/customers?driver=value&search=page&sort=newest', agent)).json().customers;
    expect(value).toHaveLength(3);
    const byEmail = (await call('GET', '/api/customers?search=PAGE4@', agent)).json().customers;
    expect(byEmail.map((c: { name: string }) => c.name)).toEqual(['Page Person 4']);
    const p0 = byEmail[0];
    await call('POST', `/api/customers/${p0.id}/orders`, agent, { amountMinor: 5000, currency: 'EUR', orderedAt: '2025-05-01T00:00:00Z' });
    const active = (await call('GET', '/api/customers?status=active&search=page', agent)).json().customers;
    expect(active.map((c: { name: string }) => c.name)).toEqual(['Page Person 4']);
    expect(active[0]).toMatchObject({ status: 'active', ordersCount: 1, totalSpentMinor: 5000 });
    expect((await call('GET', '/api/customers?cursor=garbage', agent)).statusCode).toBe(400);
    expect((await call('GET', '/api/customers?status=bogus', agent)).statusCode).toBe(400);
  });

  it('logs touchpoints and shows orders, subscriptions and the timeline on the customer page', async () => {
    const c = await create({ name: 'Timeline Tess', email: 'tess@example.com' });
    expect((await call('POST', `/api/customers/${c.id}/touchpoints`, agent, { channel: 'call', direction: 'out', summary: 'Checked in after delivery' })).statusCode).toBe(201);
    expect((await call('POST', `/api/customers/${c.id}/touchpoints`, agent, { channel: 'pigeon', summary: 'x' })).statusCode).toBe(400);
    const sub = await call('POST', `/api/customers/${c.id}/subscriptions`, agent, { plan: 'Coffee club', amountMinor: 1500, currency: 'eur', interval: 'month' });
    expect(sub.statusCode).toBe(201);
    const cancel = await call('POST', `/api/subscriptions/${sub.json().id}/cancel`, agent, { reason: 'moving abroad' });
    expect(cancel.json()).toMatchObject({ cancelReason: 'moving abroad', canceledAt: '2025-06-01T12:00:00.000Z' });
    const page = (await call('GET', `/api/customers/${c.id}`, agent)).json();
    expect(page.touchpoints[0]).toMatchObject({ channel: 'call', direction: 'out', summary: 'Checked in after delivery', userName: 'Test agent' });
    expect(page.subscriptions[0]).toMatchObject({ plan: 'Coffee club', currency: 'EUR', interval: 'month' });
    expect(page.customer.lastContactAt).toBe('2025-06-01T12:00:00.000Z');
  });

  it('bulk upserts by external id and counts honestly', async () => {
    const body = {
      customers: [
        { externalId: 'b-1', name: 'Bulk One', email: 'b1@example.com' },
        { externalId: 'b-2', name: 'Bulk Two' },
      ],
    };
    expect((await call('POST', '/api/customers/bulk', agent, body)).json()).toMatchObject({ created: 2, updated: 0, unchanged: 0 });
    body.customers[1].name = 'Bulk Two Renamed';
    expect((await call('POST', '/api/customers/bulk', agent, body)).json()).toMatchObject({ created: 0, updated: 1, unchanged: 1 });
    const bad = await call('POST', '/api/customers/bulk', agent, { customers: [{ name: 'No id' }] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.fields[0].field).toBe('body.customers.0.externalId');
  });
});

describe('import over HTTP', () => {
  const csv = 'Order ID,Email,Name,Date,Total\nW-1,wim@example.com,Wim,2025-01-02,€ 10\nW-2,wim@example.com,Wim,02/30/2025,5\nW-3,xia@example.com,Xia,2025-01-03,"1.234,50"\n';
  it('dry run previews the first rows and the mapping, writing nothing; then imports', async () => {
    const dry = await t.app.inject({
      method: 'POST',
      url: '/api/customers/import?dryRun=true&previewRows=2',
      headers: { ...agent.headers, ...multipart(csv).headers },
      payload: multipart(csv).payload,
    });
    expect(dry.statusCode).toBe(200);
    const report = dry.json().report;
    expect(report).toMatchObject({ dryRun: true, type: 'orders', preset: 'generic', created: 2, failed: 1 });
    expect(report.preview.rows).toHaveLength(2);
    expect(report.mapping).toMatchObject({ order_id: 'Order ID', amount: 'Total', date: 'Date' });
    expect(report.errors).toEqual([{ line: 3, reason: expect.stringMatching(/Date/) }]);
    expect((await call('GET', '/api/customers?search=wim', agent)).json().customers).toHaveLength(0);
    const real = await t.app.inject({ method: 'POST', url: '/api/customers/import', headers: { ...agent.headers, ...multipart(csv).headers }, payload: multipart(csv).payload });
    expect(real.json().report).toMatchObject({ dryRun: false, created: 2, failed: 1, customersCreated: 2 });
    const xia = (await call('GET', '/api/customers?search=xia', agent)).json().customers[0];
    expect(xia).toMatchObject({ ordersCount: 1, totalSpentMinor: 123450 });
  });

  it('large files run as a job with progress to poll (read in a worker thread beyond 4 MB)', async () => {
    let big = 'order_id,email,date,amount,notes\n';
    const note = 'x'.repeat(60); // an unmapped column, so the file passes 4 MB
    for (let i = 0; i < 45_000; i++) big += `J-${i},job${i % 500}@example.com,2025-02-01,${(i % 90) + 1}.00,${note}\n`;
    expect(big.length).toBeGreaterThan(4 << 20);
    const r = await t.app.inject({ method: 'POST', url: '/api/customers/import?type=orders', headers: { ...agent.headers, ...multipart(big).headers }, payload: multipart(big).payload });
    expect(r.statusCode).toBe(202);
    const { jobId } = r.json();
    // the job queue runs it (the server's worker; here, by hand)
    await drainJobs(t.ctx, { kinds: ['customers.import'] });
    const job = (await call('GET', `/api/customers/import/jobs/${jobId}`, agent)).json();
    expect(job).toMatchObject({ status: 'done', report: { created: 45_000, failed: 0, customersCreated: 500 } });
  }, 60_000);

  it('refuses a mapping to a column that is not there', async () => {
    const r = await t.app.inject({
      method: 'POST',
      url: `/api/customers/import?mapping=${encodeURIComponent(JSON.stringify({ amount: 'Nope' }))}`,
      headers: { ...agent.headers, ...multipart(csv).headers },
      payload: multipart(csv).payload,
    });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.message).toMatch(/no column "Nope"/);
  });
  it('an import that cannot start answers 422 with a short reason, not 200 with the whole file in it', async () => {
    const oneLine = `${'x'.repeat(900_000)}\n`; // one 900 KB "column name" and no data
    const r = await t.app.inject({ method: 'POST', url: '/api/customers/import?type=orders', headers: { ...agent.headers, ...multipart(oneLine).headers }, payload: multipart(oneLine).payload });
    expect(r.statusCode).toBe(422);
    expect(r.body.length).toBeLessThan(2000);
    expect(r.json().error).toMatchObject({
      code: 'import_failed',
      message: expect.stringMatching(/^Not imported: Missing columns/),
      fields: [{ field: 'file', message: expect.stringMatching(/Missing columns/) }],
    });
    // A check (dry run) still shows what stops the file, briefly, so the columns can be mapped.
    const check = await t.app.inject({
      method: 'POST',
      url: '/api/customers/import?type=orders&dryRun=true',
      headers: { ...agent.headers, ...multipart(oneLine).headers },
      payload: multipart(oneLine).payload,
    });
    expect(check.statusCode).toBe(200);
    expect(check.body.length).toBeLessThan(5000);
    expect(check.json().report.fatal).toMatch(/^Missing columns/);
  });
});

describe('orders webhook', () => {
  it('accepts signed orders once, creates the customer and a touchpoint, and rejects bad signatures', async () => {
    const body = JSON.stringify({ id: 'shop-5001', customer: { email: 'hook@example.com', name: 'Hook Hannah' }, amount: '49.95', currency: 'EUR', orderedAt: '2025-05-30T10:00:00Z' });
    const secret = webhookSecret(t.ctx);
    const send = (payload: string, sig: string) => t.app.inject({ method: 'POST', url: '/api/webhooks/orders', headers: { 'content-type': 'application/json', 'x-keepwell-signature': sig }, payload });
    expect((await send(body, 'sha256=' + '0'.repeat(64))).statusCode).toBe(401);
    expect((await send(body, '')).statusCode).toBe(401);
    expect((await send('{not json', signWebhook(secret, '{not json'))).statusCode).toBe(400);
    const ok = await send(body, signWebhook(secret, body));
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ created: 1, customersCreated: 1 });
    expect((await send(body, signWebhook(secret, body))).json()).toMatchObject({ created: 0, unchanged: 1 });
    const hannah = (await call('GET', '/api/customers?search=hook', agent)).json().customers[0];
    const page = (await call('GET', `/api/customers/${hannah.id}`, agent)).json();
    expect(page.orders).toEqual([expect.objectContaining({ externalId: 'shop-5001', amountMinor: 4995, currency: 'EUR' })]);
    expect(page.touchpoints).toEqual([expect.objectContaining({ channel: 'order', direction: 'in', source: 'webhook' })]);
    const missing = JSON.stringify({ id: 'shop-5002', customer: { email: 'hook@example.com' }, currency: 'EUR' });
    const r = await send(missing, signWebhook(secret, missing));
    expect(r.statusCode).toBe(400);
    expect(r.json().error.fields[0].field).toMatch(/amount/);
  });

  it('answers 401 to a signature with non-ASCII characters or of another length (never a 500), and 400 to a signed body that is not UTF-8', async () => {
    const body = JSON.stringify({ id: 'shop-6001', customer: { email: 'sig@example.com' }, amount: '5.00', currency: 'EUR' });
    const secret = webhookSecret(t.ctx);
    const send = (payload: string | Buffer, sig: string) =>
      t.app.inject({ method: 'POST', url: '/api/webhooks/orders', headers: { 'content-type': 'application/json', 'x-keepwell-signature': sig }, payload });
    const good = signWebhook(secret, body);
    // same number of characters as a real signature, more bytes
    for (const sig of [`sha256=${'é'.repeat(64)}`, `${good.slice(0, -1)}é`, `sha256=${'\u00ff'.repeat(64)}`, `${good}0`, good.slice(0, -1), 'sha256=']) {
      const r = await send(body, sig);
      expect(r.statusCode, sig).toBe(401);
      expect(r.json().error.code).toBe('bad_signature');
    }
    const latin = Buffer.concat([Buffer.from('{"id":"shop-6002","customer":{"name":"Caf'), Buffer.from([0xe9]), Buffer.from('"},"amount":"1.00","currency":"EUR"}')]);
    const notUtf8 = await send(latin, signWebhook(secret, latin));
    expect(notUtf8.statusCode).toBe(400);
    expect(notUtf8.json().error.fields).toEqual([{ field: 'body.customer.name', message: 'contains bytes that are not valid UTF-8' }]);
    const nul = JSON.stringify({ id: 'shop-6003', customer: { name: 'Nul\u0000' }, amount: '1.00', currency: 'EUR' });
    expect((await send(nul, 'sha256=' + '0'.repeat(64))).statusCode).toBe(401); // the signature is checked first
    const signedNul = await send(nul, signWebhook(secret, nul));
    expect(signedNul.statusCode).toBe(400);
    expect(signedNul.json().error.fields).toEqual([{ field: 'body.customer.name', message: expect.stringMatching(/NUL/) }]);
    expect((await send(body, good)).statusCode).toBe(200);
  });
});

describe('merge, export, erase', () => {
  it('merges two customers keeping every order and touchpoint of both', async () => {
    const a = await create({ name: 'Merge Mia', email: 'mia@example.com', tags: ['a'] });
    const b = await create({ name: 'Mia M.', email: 'MIA@example.com', phone: '0612345678', tags: ['b'] });
    await call('POST', `/api/customers/${a.id}/orders`, agent, { amountMinor: 1000, currency: 'EUR' });
    await call('POST', `/api/customers/${b.id}/orders`, agent, { amountMinor: 2000, currency: 'EUR' });
    await call('POST', `/api/customers/${b.id}/touchpoints`, agent, { channel: 'note', summary: 'Prefers email' });
    const dups = (await call('GET', '/api/customers/duplicates', agent)).json().duplicates;
    expect(dups).toContainEqual(expect.objectContaining({ kind: 'email', value: 'mia@example.com' }));
    const r = await call('POST', `/api/customers/${a.id}/merge`, agent, { otherId: b.id });
    expect(r.statusCode).toBe(200);
    expect(r.json().moved).toMatchObject({ orders: 1, touchpoints: 1 });
    const page = (await call('GET', `/api/customers/${a.id}`, agent)).json();
    expect(page.orders.map((o: { amountMinor: number }) => o.amountMinor).sort()).toEqual([1000, 2000]);
    expect(page.customer).toMatchObject({ phone: '0612345678', tags: ['a', 'b'], ordersCount: 2 });
    expect(page.touchpoints.map((x: { channel: string }) => x.channel).sort()).toEqual(['note', 'system']);
    expect((await call('GET', '/api/customers?search=mia', agent)).json().customers.map((c: { id: string }) => c.id)).toEqual([a.id]);
    expect((await call('POST', `/api/customers/${a.id}/merge`, agent, { otherId: b.id })).statusCode).toBe(409);
  });

  it('exports the list to CSV with formulas neutralised, owner only, audited', async () => {
    await create({ name: '=HYPERLINK("http://evil")', email: 'evil@example.com', city: '+31 trick', tags: ['csvtest'] });
    // A bulk export of every customer is the owner's call; agents see customers one at a time.
    expect((await call('GET', '/api/customers/export.csv?tag=csvtest', agent)).statusCode).toBe(403);
    expect((await call('GET', '/api/orders/export.csv', agent)).statusCode).toBe(403);
    const r = await call('GET', '/api/customers/export.csv?tag=csvtest', owner);
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/csv/);
    const lines = r.body.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(lines[1]).toContain(`'+31 trick`);
    const audit = await t.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'customers.export').execute();
    expect(audit).toHaveLength(1);
  });

  it('exports one customer as JSON and erases them (owner only), keeping anonymous order totals', async () => {
    const c = await create({ name: 'Erin Erase', email: 'erin@example.com', phone: '+1 555 0100 200', city: 'Boston' });
    await call('POST', `/api/customers/${c.id}/orders`, agent, { amountMinor: 7700, currency: 'USD', externalId: 'erin-order-1' });
    await call('POST', `/api/customers/${c.id}/touchpoints`, agent, { channel: 'call', summary: 'Erin asked about her data' });
    const json = await call('GET', `/api/customers/${c.id}/export`, agent);
    expect(json.json()).toMatchObject({
      customer: { email: 'erin@example.com' },
      orders: [expect.objectContaining({ amount_minor: 7700 })],
      touchpoints: [expect.objectContaining({ summary: 'Erin asked about her data' })],
    });
    expect((await call('POST', `/api/customers/${c.id}/erase`, agent, {})).statusCode).toBe(403);
    expect((await call('POST', `/api/customers/${c.id}/erase`, owner, {})).json()).toEqual({ erased: true, already: false });
    const after = (await call('GET', `/api/customers/${c.id}`, owner)).json();
    expect(after.customer).toMatchObject({ name: 'Erased customer', email: null, phone: null, city: null, status: 'erased' });
    expect(after.orders).toEqual([expect.objectContaining({ amountMinor: 7700, currency: 'USD', externalId: null })]);
    expect(after.touchpoints[0].summary).toBe('[erased]');
    const actions = (await t.ctx.db.selectFrom('audit_log').select(['action', 'target']).where('target', '=', c.id).execute()).map((a) => a.action).sort();
    expect(actions).toEqual(['customer.erase', 'customer.export']);
  });

  it("an agent's merge and single-customer export are audited with who, what and where from", async () => {
    const a = await create({ name: 'Audit Ada', email: 'ada@example.com' });
    const b = await create({ name: 'Ada A.', email: 'ADA@example.com' });
    expect((await call('POST', `/api/customers/${a.id}/merge`, agent, { otherId: b.id })).statusCode).toBe(200);
    expect((await call('GET', `/api/customers/${a.id}/export`, agent)).statusCode).toBe(200);
    const entries = await t.ctx.db.selectFrom('audit_log').select(['action', 'target', 'actor_user_id', 'details', 'ip']).where('target', '=', a.id).orderBy('id').execute();
    expect(entries.map((e) => [e.action, e.actor_user_id])).toEqual([
      ['customer.merge', agent.userId],
      ['customer.export', agent.userId],
    ]);
    const details = (d: unknown) => (typeof d === 'string' ? JSON.parse(d) : d);
    expect(details(entries[0].details)).toMatchObject({ mergedId: b.id });
    expect(entries.every((e) => e.ip)).toBe(true);
  });
});
