// Recovery through the API: an incident, its affected customers found by a saved query and by
// hand, a five-part draft with compensation scaled to what each paid, the checker's warnings
// (sent anyway only when asked), the email queued exactly once per customer and incident even
// when sent twice at once, the apology on the timeline, a promo code from the loyalty ledger,
// hostile input refused or escaped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeOrder } from '../customers/testing/factories.js';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';

let t: TestApp;
let owner: Caller;
let agent: Caller;
const now = new Date();
const DAY = 86400_000;
beforeAll(async () => {
  t = await createTestApp();
  owner = await t.signIn('owner');
  agent = await t.signIn('agent');
});
afterAll(async () => t?.close());

const call = (method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, who: Caller, payload?: unknown) =>
  t.app.inject({ method, url, headers: who.headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
const customer = async (name: string, email: string | null, orders: { daysAgo: number; minor: number }[], tags: string[] = []) => {
  const id = (await call('POST', '/api/customers', agent, { name, email, tags })).json().id as string;
  for (const o of orders) await makeOrder(t.ctx.db, id, { amount_minor: o.minor, ordered_at: new Date(now.getTime() - o.daysAgo * DAY) });
  return id;
};

describe('recovery', () => {
  let incidentId: string;
  let nora: string;
  let otto: string;
  let tess: string;
  let cleo: string;

  it('logs an incident and finds the affected customers by a saved query and by hand', async () => {
    nora = await customer('Nora Visser', 'nora@example.test', [
      { daysAgo: 3, minor: 12_000 },
      { daysAgo: 200, minor: 9_000 },
    ]);
    otto = await customer('Otto Berg', 'otto@example.test', [{ daysAgo: 2, minor: 4_000 }]);
    await customer('Old Olga', 'olga@example.test', [{ daysAgo: 90, minor: 5_000 }]);
    tess = await customer('Tess Tagged', 'tess@example.test', [], ['beta']);
    cleo = await customer('Cleo Call', null, [
      { daysAgo: 20, minor: 2_000 },
      { daysAgo: 60, minor: 9_999 },
    ]); // by hand: paid from 30 days before the incident
    const inc = await call('POST', '/api/recovery/incidents', agent, {
      title: 'Orders shipped to billing address',
      what: 'Your order was sent to your billing address instead of the delivery address',
      happenedAt: new Date(now.getTime() - DAY).toISOString(),
      severity: 'high',
      cause: 'a change to our checkout copied the billing address over the delivery address',
      fix: 'we corrected the checkout and re-sent every affected order by express',
      prevention: 'every checkout change is now tested with separate addresses',
    });
    expect(inc.statusCode).toBe(201);
    incidentId = inc.json().incident.id;
    const byQuery = await call('POST', `/api/recovery/incidents/${incidentId}/affected`, agent, { query: { from: new Date(now.getTime() - 7 * DAY).toISOString(), to: now.toISOString() } });
    expect(byQuery.statusCode).toBe(200);
    expect(byQuery.json().added).toBe(2);
    const byTag = await call('POST', `/api/recovery/incidents/${incidentId}/affected`, agent, { query: { tag: 'beta' }, customerIds: [cleo, nora] });
    expect(byTag.json().added, byTag.body).toBe(2); // Cleo by hand, Tess by tag; Nora is there already
    const detail = (await call('GET', `/api/recovery/incidents/${incidentId}`, agent)).json();
    expect(detail.incident.affectedQuery).toEqual({ from: null, to: null, tag: 'beta', plan: null, conversationTag: null });
    const byName = Object.fromEntries(detail.affected.map((a: { name: string }) => [a.name, a]));
    expect(Object.keys(byName).sort()).toEqual(['Cleo Call', 'Nora Visser', 'Otto Berg', 'Tess Tagged']);
    expect(byName['Nora Visser']).toMatchObject({ paidMinor: 12_000, lifetimeValueMinor: 21_000, addedBy: 'query', apology: null });
    expect(byName['Cleo Call']).toMatchObject({ paidMinor: 2_000, addedBy: 'hand' });
    expect(byName['Tess Tagged'].paidMinor).toBe(0);
    expect((await call('POST', `/api/recovery/incidents/${incidentId}/affected`, agent, { query: {} })).statusCode).toBe(400);
    // the library finds it
    expect((await call('GET', '/api/recovery/incidents?q=checkout', agent)).json().incidents).toHaveLength(1);
    expect((await call('GET', '/api/recovery/incidents?q=nothing-like-it', agent)).json().incidents).toHaveLength(0);
  });

  it('drafts five parts with compensation scaled to what the customer paid, within the owner’s limits', async () => {
    const d = (await call('GET', `/api/recovery/incidents/${incidentId}/customers/${nora}/draft`, agent)).json();
    expect(d.compensation).toEqual({ kind: 'refund', amountMinor: 4200, currency: 'EUR', sharePercent: 35 }); // 35% of €120 for a high incident
    expect(Object.keys(d.draft.parts)).toEqual(['restore', 'own', 'explain', 'fix', 'regret']);
    expect(d.warnings).toEqual([]);
    expect((await call('PUT', '/api/recovery/settings', agent, { maxAmountMinor: 3000 })).statusCode).toBe(403);
    await call('PUT', '/api/recovery/settings', owner, { maxAmountMinor: 3000 });
    expect((await call('GET', `/api/recovery/incidents/${incidentId}/customers/${nora}/draft`, agent)).json().compensation.amountMinor).toBe(3000);
    const tessDraft = (await call('GET', `/api/recovery/incidents/${incidentId}/customers/${tess}/draft`, agent)).json();
    expect(tessDraft.compensation).toEqual({ kind: 'promo', percentOff: 15 });
    expect((await call('GET', `/api/recovery/incidents/${incidentId}/customers/${await customer('Not Affected', null, [])}/draft`, agent)).statusCode).toBe(400);
  });

  it('refuses a draft with warnings unless sent anyway; refuses compensation above the limits', async () => {
    const d = (await call('GET', `/api/recovery/incidents/${incidentId}/customers/${otto}/draft`, agent)).json();
    const weasel = `${d.draft.text}\nWe apologise for any inconvenience this may have caused.`;
    const send = (body: Record<string, unknown>) =>
      call('POST', `/api/recovery/incidents/${incidentId}/apologies`, agent, { customerId: otto, channel: 'email', subject: d.draft.subject, body: weasel, compensation: d.compensation, ...body });
    const refused = await send({});
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.code).toBe('apology_warnings');
    expect(refused.json().error.message).toMatch(/conditional apology/);
    for (const compensation of [
      { kind: 'refund', amountMinor: 1e12, currency: 'EUR' },
      { kind: 'refund', amountMinor: 2001, currency: 'EUR' },
      { kind: 'refund', amountMinor: -5, currency: 'EUR' },
      { kind: 'credit', amountMinor: 100, currency: 'USD' },
      { kind: 'promo', percentOff: 90 },
      { kind: 'cash' },
    ]) {
      const r = await send({ compensation, sendAnyway: true });
      expect(r.statusCode, JSON.stringify(compensation)).toBe(400);
    }
    const anyway = await send({ sendAnyway: true });
    expect(anyway.statusCode).toBe(201);
    expect(anyway.json().warnings.map((w: { kind: string }) => w.kind)).toEqual(['conditional']);
  });

  it('sends by email exactly once per customer and incident, even twice at once; on the timeline once; markup escaped', async () => {
    const d = (await call('GET', `/api/recovery/incidents/${incidentId}/customers/${nora}/draft`, agent)).json();
    const body = d.draft.text.replace('Dear Nora,', 'Dear Nora <script>alert(1)</script>,');
    const send = () => call('POST', `/api/recovery/incidents/${incidentId}/apologies`, agent, { customerId: nora, channel: 'email', subject: d.draft.subject, body, compensation: d.compensation });
    const results = await Promise.all([send(), send(), send()]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 200, 201]);
    expect(new Set(results.map((r) => r.json().apologyId)).size).toBe(1);
    expect((await send()).json().alreadySent).toBe(true);
    const emails = await t.ctx.db.selectFrom('emails').select(['to_address', 'html', 'text', 'idempotency_key']).where('customer_id', '=', nora).execute();
    expect(emails).toHaveLength(1);
    expect(emails[0].idempotency_key).toBe(`apology:${incidentId}:${nora}`);
    expect(emails[0].html).not.toContain('<script>');
    expect(emails[0].html).toContain('&lt;script&gt;');
    const tl = await t.ctx.db.selectFrom('touchpoints').select(['channel', 'summary', 'source']).where('customer_id', '=', nora).where('source', 'like', 'recovery:%').execute();
    expect(tl).toEqual([{ channel: 'email', summary: 'Apology for "Orders shipped to billing address" sent by email with a refund of 30 EUR', source: `recovery:${incidentId}` }]);
    // the customer page names the entry by its incident, with a link to it (recovery's timelineSources)
    const page = (await call('GET', `/api/customers/${nora}`, agent)).json() as { touchpoints: { source: string | null; sourceLabel: string | null; sourceLink: string | null }[] };
    expect(page.touchpoints.filter((x) => x.source?.startsWith('recovery:')).map((x) => [x.sourceLabel, x.sourceLink])).toEqual([
      ['Incident “Orders shipped to billing address”', `/recovery/${incidentId}`],
    ]);
  });

  it('a promo code from the loyalty ledger for a customer who paid nothing; a call logged for one without email', async () => {
    const d = (await call('GET', `/api/recovery/incidents/${incidentId}/customers/${tess}/draft`, agent)).json();
    expect(d.draft.text).toContain('{{code}}');
    const r = await call('POST', `/api/recovery/incidents/${incidentId}/apologies`, agent, {
      customerId: tess,
      channel: 'email',
      subject: d.draft.subject,
      body: d.draft.text,
      compensation: d.compensation,
    });
    expect(r.statusCode).toBe(201);
    const code = r.json().promoCode;
    expect(code).toMatch(/^SORRY-[A-HJKMNP-Z2-9]{10}$/);
    const mail = await t.ctx.db.selectFrom('emails').select('text').where('customer_id', '=', tess).executeTakeFirstOrThrow();
    expect(mail.text).toContain(code);
    expect(mail.text).not.toContain('{{code}}');
    const redeem = await call('POST', '/api/loyalty/redeem', agent, { code, customerId: tess, orderAmountMinor: 10_000, currency: 'EUR' });
    expect(redeem.json().discountMinor).toBe(1500);

    const c = (await call('GET', `/api/recovery/incidents/${incidentId}/customers/${cleo}/draft`, agent)).json();
    const noMail = await call('POST', `/api/recovery/incidents/${incidentId}/apologies`, agent, {
      customerId: cleo,
      channel: 'email',
      subject: c.draft.subject,
      body: c.draft.text,
      compensation: c.compensation,
    });
    expect(noMail.statusCode).toBe(400);
    const logged = await call('POST', `/api/recovery/incidents/${incidentId}/apologies`, agent, {
      customerId: cleo,
      channel: 'call',
      subject: c.draft.subject,
      body: c.draft.text,
      compensation: c.compensation,
    });
    expect(logged.statusCode).toBe(201);
    const tl = await t.ctx.db.selectFrom('touchpoints').select(['channel', 'summary']).where('customer_id', '=', cleo).where('source', 'like', 'recovery:%').execute();
    expect(tl).toEqual([{ channel: 'call', summary: expect.stringMatching(/^Apology for "Orders shipped to billing address" made by phone/) }]);
    const lib = (await call('GET', '/api/recovery/apologies?q=billing', agent)).json().apologies;
    expect(lib).toHaveLength(4);
    const detail = (await call('GET', `/api/recovery/incidents/${incidentId}`, agent)).json();
    expect(detail.affected.every((a: { apology: unknown }) => a.apology !== null)).toBe(true);
  });

  it('the checker route', async () => {
    const r = await call('POST', '/api/recovery/check', agent, { text: 'Our courier lost your parcel. Sorry if you were upset.' });
    expect(r.json().warnings.map((w: { kind: string }) => w.kind)).toEqual(expect.arrayContaining(['blame', 'conditional', 'missing_part']));
  });
});
