// The library through the API: affected customers found by a plan and by a conversation tag,
// each with CLV and health; outcomes measured from the data (ordered again within N days, left,
// still waiting) per apology and per incident, apologised vs not; templates saved from a sent
// apology and drafted from; the public incident note, escaped, unguessable, taken down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeOrder, makeSubscription } from '../customers/testing/factories.js';
import { type Caller, createTestApp, type TestApp } from '../app/testing/test-app.js';
import { DELIVER_JOB } from '../platform/events/events.service.js';
import { drainJobs } from '../platform/jobs/jobs.service.js';

const DAY = 86400_000;
const start = Date.now();
let clock = new Date(start);
let t: TestApp;
let agent: Caller;
beforeAll(async () => {
  t = await createTestApp({ now: () => clock });
  agent = await t.signIn('agent');
});
afterAll(async () => t?.close());

const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
  t.app.inject({ method, url, headers: agent.headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
const at = (days: number) => new Date(start + days * DAY);

async function customer(name: string, orderDays: number[], extra: { plan?: string; tag?: string } = {}) {
  const id = (await call('POST', '/api/customers', { name, email: `${name.split(' ')[0].toLowerCase()}@example.test` })).json().id as string;
  for (const d of orderDays) await makeOrder(t.ctx.db, id, { amount_minor: 5_000, ordered_at: at(d) });
  if (extra.plan) await makeSubscription(t.ctx.db, id, { plan: extra.plan, amount_minor: 2_000, currency: 'EUR', interval: 'month', started_at: at(-200) });
  if (extra.tag)
    await t.ctx.db
      .insertInto('conversations')
      .values({
        channel: 'email',
        customer_id: id,
        subject: 'Where is my parcel?',
        subject_key: 'where is my parcel?',
        tags: [extra.tag],
        last_message_at: at(-1),
        created_at: at(-1),
        updated_at: at(-1),
      })
      .execute();
  return id;
}

describe('recovery library', () => {
  let incidentId: string;
  const ids: Record<string, string> = {};

  it('finds the affected by plan and by conversation tag; the list carries CLV and health', async () => {
    ids.ada = await customer('Ada Plan', [-300, -200, -100, -40], { plan: 'Pro' });
    ids.ben = await customer('Ben Plan', [-250, -120, -30], { plan: 'pro' });
    ids.cas = await customer('Cas Chat', [-90, -20], { tag: 'late-parcel' });
    ids.dee = await customer('Dee Chat', [-60, -10], { tag: 'Late-Parcel' });
    await customer('Eve Neither', [-15], { plan: 'Basic', tag: 'billing' });
    const inc = await call('POST', '/api/recovery/incidents', {
      title: 'Parcels held at the depot',
      kind: 'delivery',
      what: 'your parcel waited four days at our depot',
      happenedAt: at(-2).toISOString(),
      severity: 'medium',
      cause: 'we did not book the evening collection',
      fix: 'we now book collections a week ahead',
    });
    expect(inc.statusCode, inc.body).toBe(201);
    incidentId = inc.json().incident.id;
    expect(inc.json().incident.kind).toBe('delivery');
    const byPlan = await call('POST', `/api/recovery/incidents/${incidentId}/affected`, { query: { plan: 'PRO' } });
    expect(byPlan.json().added).toBe(2);
    const byChat = await call('POST', `/api/recovery/incidents/${incidentId}/affected`, { query: { conversationTag: 'late-parcel' } });
    expect(byChat.json().added).toBe(2);
    const detail = (await call('GET', `/api/recovery/incidents/${incidentId}`)).json();
    expect(detail.affected.map((a: { name: string }) => a.name).sort()).toEqual(['Ada Plan', 'Ben Plan', 'Cas Chat', 'Dee Chat']);
    for (const a of detail.affected) {
      expect(a.health, a.name).toBeGreaterThanOrEqual(0);
      expect(a.health).toBeLessThanOrEqual(100);
      expect(a.healthAtAdd).toBe(a.health);
      expect(a.clv).toBeGreaterThanOrEqual(0);
      expect(a.outcome.status).toBe('waiting');
    }
    expect((await call('POST', `/api/recovery/incidents/${incidentId}/affected`, { query: { from: at(0).toISOString(), to: at(-5).toISOString() } })).statusCode).toBe(400);
  });

  it('measures outcomes from the data: ordered again, left, waiting, then no order once the window passed', async () => {
    // apologies to Ada and Cas now (2 days after: on time)
    for (const who of [ids.ada, ids.cas]) {
      const d = (await call('GET', `/api/recovery/incidents/${incidentId}/customers/${who}/draft`)).json();
      expect(d.trackRecord).toMatchObject({ kind: 'delivery', kept: 0, of: 0 });
      const r = await call('POST', `/api/recovery/incidents/${incidentId}/apologies`, {
        customerId: who,
        channel: 'email',
        subject: d.draft.subject,
        body: d.draft.text,
        compensation: d.compensation,
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    // Ada and Dee order again; Ben unsubscribes
    for (const who of [ids.ada, ids.dee]) await makeOrder(t.ctx.db, who, { amount_minor: 3_000, ordered_at: at(5) });
    await t.ctx.db
      .updateTable('customers')
      .set({ unsubscribed_at: at(3) })
      .where('id', '=', ids.ben)
      .execute();
    clock = at(10);
    agent = await t.signIn('agent'); // sessions end after a while without use
    const outcome = async () =>
      Object.fromEntries(
        (await call('GET', `/api/recovery/incidents/${incidentId}?days=30`)).json().affected.map((a: { name: string; outcome: { status: string } }) => [a.name.split(' ')[0], a.outcome.status]),
      );
    expect(await outcome()).toEqual({ Ada: 'returned', Ben: 'left', Cas: 'waiting', Dee: 'returned' });
    clock = at(40);
    agent = await t.signIn('agent');
    expect(await outcome()).toEqual({ Ada: 'returned', Ben: 'left', Cas: 'no_order', Dee: 'returned' });

    const results = (await call('GET', '/api/recovery/results?days=30')).json();
    const g = Object.fromEntries(results.groups.map((x: { group: string }) => [x.group, x]));
    expect(g.on_time).toMatchObject({ customers: 2, decided: 2, returned: 1, left: 0, returnRate: 0.5 });
    expect(g.none).toMatchObject({ customers: 2, decided: 2, returned: 1, left: 1, returnRate: 0.5 });
    expect(g.late).toMatchObject({ customers: 0, returnRate: null });
    expect(g.on_time.medianHoursToApology).toBeCloseTo(48, 0);
    expect(g.on_time.interval[0]).toBeLessThan(0.5);
    expect(g.on_time.interval[1]).toBeGreaterThan(0.5);
    expect(results.note).toMatch(/Small samples/);
    expect(results.byKind).toEqual([{ kind: 'delivery', kept: 1, of: 2, waiting: 0 }]);

    const lib = (await call('GET', '/api/recovery/apologies?q=depot&days=30')).json();
    expect(lib.apologies.map((a: { customerName: string; outcome: { status: string } }) => `${a.customerName}:${a.outcome.status}`).sort()).toEqual(['Ada Plan:returned', 'Cas Chat:no_order']);
    expect((await call('GET', '/api/recovery/results?days=0')).statusCode).toBe(400);
  });

  it("the next survey score after the incident, against the last one before it, heard through surveys' survey.answered event", async () => {
    // what surveys record in the answering transaction; recovery keeps each answer once
    const answered = async (customerId: string, responseId: string, score: number, category: 'detractor' | 'passive' | 'promoter', survey = 'nps') =>
      t.ctx.db.transaction().execute((trx) => t.ctx.events.emit(trx, 'survey.answered', { requestId: crypto.randomUUID(), responseId, customerId, survey, category, score, reasons: [] }));
    const fay = await customer('Fay Survey', [-50]);
    const gus = await customer('Gus Survey', [-50]);
    await answered(fay, crypto.randomUUID(), 4, 'detractor');
    await answered(gus, crypto.randomUUID(), 9, 'promoter');
    await drainJobs(t.ctx, { kinds: [DELIVER_JOB] });
    await new Promise((r) => setTimeout(r, 20)); // the answers above are recorded before the incident
    const inc = await call('POST', '/api/recovery/incidents', {
      title: 'Wrong size sent',
      kind: 'quality',
      what: 'we sent the wrong size',
      happenedAt: new Date().toISOString(),
      severity: 'low',
      cause: 'a label was swapped',
      fix: 'we scan every label',
    });
    expect(inc.statusCode, inc.body).toBe(201);
    const id = inc.json().incident.id as string;
    expect((await call('POST', `/api/recovery/incidents/${id}/affected`, { customerIds: [fay, gus] })).statusCode).toBe(200);
    const next = async () =>
      Object.fromEntries(
        (await call('GET', `/api/recovery/incidents/${id}?days=30`)).json().affected.map((a: { name: string; outcome: { nextSurvey: unknown } }) => [a.name.split(' ')[0], a.outcome.nextSurvey]),
      );
    expect(await next()).toEqual({ Fay: null, Gus: null });
    // after the incident: Fay's NPS rises from 4 to 9; Gus answers a CSAT (another scale: no change computed)
    const fayAfter = crypto.randomUUID();
    await answered(fay, fayAfter, 9, 'promoter');
    await answered(gus, crypto.randomUUID(), 2, 'detractor', 'csat');
    await drainJobs(t.ctx, { kinds: [DELIVER_JOB] });
    await answered(fay, fayAfter, 9, 'promoter'); // announced twice: kept once
    await drainJobs(t.ctx, { kinds: [DELIVER_JOB] });
    expect(await next()).toEqual({
      Fay: { survey: 'nps', score: 9, category: 'promoter', change: 5, previousCategory: 'detractor' },
      Gus: { survey: 'csat', score: 2, category: 'detractor', change: null, previousCategory: null },
    });
    const none = (await call('GET', `/api/recovery/results?days=30`)).json().groups.find((g: { group: string }) => g.group === 'none');
    expect(none.surveys).toMatchObject({ answered: 2, promoters: 1, detractors: 1, rose: 1, fell: 0 });
  });

  it('saves a template from a sent apology and drafts from it for the next customer', async () => {
    const sent = (await call('GET', `/api/recovery/apologies?customerId=${ids.ada}`)).json().apologies[0];
    const saved = await call('POST', '/api/recovery/templates', { name: 'Depot delay', fromApologyId: sent.id });
    expect(saved.statusCode, saved.body).toBe(201);
    const tpl = saved.json().template;
    expect(tpl.kind).toBe('delivery');
    expect(tpl.body).toContain('{{first_name}}');
    expect(tpl.body).not.toContain('Ada');
    expect((await call('POST', '/api/recovery/templates', { name: 'depot DELAY', fromApologyId: sent.id })).statusCode).toBe(409);
    const draft = (await call('GET', `/api/recovery/incidents/${incidentId}/customers/${ids.dee}/draft?templateId=${tpl.id}`)).json();
    expect(draft.draft.text).toContain('Dear Dee,');
    expect(draft.draft.text).not.toContain('{{first_name}}');
    expect(draft.warnings).toEqual([]);
    expect(draft.trackRecord).toMatchObject({ kept: 1, of: 1, waiting: 1 }); // 90 days by default: Cas's window is still open
    const hostile = await call('POST', '/api/recovery/templates', { name: '<b>x</b>', kind: 'billing', subject: 'Sorry', body: 'Dear {{first_name}}, <script>alert(1)</script> {{nonsense}}' });
    expect(hostile.statusCode).toBe(201);
    expect((await call('GET', '/api/recovery/templates?kind=billing')).json().templates).toHaveLength(1);
    expect((await call('POST', '/api/recovery/templates', { name: 'x', kind: 'weather', subject: 's', body: 'b' })).statusCode).toBe(400);
    expect((await call('DELETE', `/api/recovery/templates/${hostile.json().template.id}`)).statusCode).toBe(200);
  });

  it('publishes a public note under an unguessable link, escaped; takes it down', async () => {
    const empty = await call('PUT', `/api/recovery/incidents/${incidentId}/public-note`, { note: '  ', published: true });
    expect(empty.statusCode).toBe(400);
    const r = await call('PUT', `/api/recovery/incidents/${incidentId}/public-note`, { note: 'Parcels waited at our depot.\n\n<script>alert(1)</script> We fixed it.', published: true });
    expect(r.statusCode, r.body).toBe(200);
    const path = r.json().incident.publicPath as string;
    expect(path).toMatch(/^\/p\/incidents\/[A-Za-z0-9_-]{16}$/);
    const page = await t.app.inject({ method: 'GET', url: path });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('Parcels held at the depot');
    expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.body).not.toContain('<script>');
    for (const bad of ['/p/incidents/nope', `/p/incidents/${'A'.repeat(16)}`, '/p/incidents/%3Cscript%3E', `/p/incidents/${'x'.repeat(40)}`])
      expect((await t.app.inject({ method: 'GET', url: bad })).statusCode, bad).toBe(404);
    await call('PUT', `/api/recovery/incidents/${incidentId}/public-note`, { note: 'gone', published: false });
    expect((await t.app.inject({ method: 'GET', url: path })).statusCode).toBe(404);
    const again = await call('PUT', `/api/recovery/incidents/${incidentId}/public-note`, { note: 'back', published: true });
    expect(again.json().incident.publicPath).toBe(path);
  });
});
