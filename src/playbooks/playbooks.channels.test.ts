// Customers without an email address never enter email steps: a step that needs email (an email,
// a survey, a promo code sent by email) is skipped with the reason, or — when the step says so —
// becomes a task for a person to reach them another way. Customers with an address get the mail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../app/testing/test-app.js';
import { makeCustomer } from '../customers/testing/factories.js';
import { drainJobs } from '../platform/jobs/jobs.service.js';
import { enroll, savePlaybook, type Playbook } from './playbooks.service.js';

let t: TestApp;
const clock = new Date('2026-06-01T08:00:00Z');
beforeAll(async () => {
  t = await createTestApp({ now: () => clock });
});
afterAll(() => t.close());

const runsOf = (customerId: string) =>
  t.ctx.db.selectFrom('playbook_step_runs').select(['step_index', 'action', 'status', 'detail']).where('customer_id', '=', customerId).orderBy('step_index').execute();

async function playbook(name: string, ifNoChannel?: 'skip' | 'task'): Promise<Playbook> {
  return savePlaybook(
    t.ctx.db,
    {
      name,
      description: '',
      trigger: { type: 'customer.created' },
      conditions: [],
      steps: [
        { name: 'Code', wait: { days: 0, hours: 0 }, skipIf: [], action: { type: 'promo', prefix: 'MISSYOU', percentOff: 15 } },
        {
          name: 'We miss you',
          wait: { days: 0, hours: 0 },
          skipIf: [],
          ...(ifNoChannel ? { ifNoChannel } : {}),
          action: { type: 'email', kind: 'transactional', subject: 'We miss you, {{ customer.first_name }}', html: '<p>Hi</p>', text: 'Hi' },
        },
        { name: 'Survey', wait: { days: 0, hours: 0 }, skipIf: [], action: { type: 'survey', survey: 'nps' } },
        { name: 'Tag', wait: { days: 0, hours: 0 }, skipIf: [], action: { type: 'tag_add', tag: 'win-back' } },
      ],
    },
    { enabled: true },
  );
}

describe('steps that need a channel the customer lacks', () => {
  it('are skipped with the reason; no code, email or survey goes out; other steps run', async () => {
    const pb = await playbook('Win-back (skip)');
    const noEmail = await makeCustomer(t.ctx.db, { name: 'Nora Nomail', phone: '+44 20 7946 0001' });
    await enroll(t.ctx, [{ playbook: pb, customerId: noEmail.id, occurrenceKey: 'a' }]);
    await drainJobs(t.ctx, { concurrency: 1 });
    expect(await runsOf(noEmail.id)).toEqual([
      { step_index: 0, action: 'promo', status: 'skipped', detail: 'customer has no email address' },
      { step_index: 1, action: 'email', status: 'skipped', detail: 'customer has no email address' },
      { step_index: 2, action: 'survey', status: 'skipped', detail: 'customer has no email address' },
      { step_index: 3, action: 'tag_add', status: 'done', detail: 'tag added: win-back' },
    ]);
    const emails = await t.ctx.db.selectFrom('emails').select('id').where('customer_id', '=', noEmail.id).execute();
    expect(emails).toEqual([]);
    const timeline = await t.ctx.db.selectFrom('touchpoints').select('summary').where('customer_id', '=', noEmail.id).execute();
    expect(timeline.some((x) => /promo code/i.test(x.summary))).toBe(false);
  });

  it('become a task to reach them another way when the step says so; a customer with an address gets the email', async () => {
    const pb = await playbook('Win-back (task)', 'task');
    expect(pb.steps[1]!.ifNoChannel).toBe('task');
    const noEmail = await makeCustomer(t.ctx.db, { name: 'Otto Offline', phone: '+44 20 7946 0002' });
    const withEmail = await makeCustomer(t.ctx.db, { name: 'Erin Email', email: 'erin@example.test', marketing_consent: true });
    await enroll(t.ctx, [
      { playbook: pb, customerId: noEmail.id, occurrenceKey: 'b' },
      { playbook: pb, customerId: withEmail.id, occurrenceKey: 'b' },
    ]);
    await drainJobs(t.ctx, { concurrency: 1 });
    const r = await runsOf(noEmail.id);
    expect(r[1]).toMatchObject({ action: 'email', status: 'done' });
    expect(r[1]!.detail).toMatch(/^no email address, so a task instead: task: Reach Otto Offline another way: We miss you/);
    const tasks = await t.ctx.db.selectFrom('tasks').select(['title', 'details']).where('customer_id', '=', noEmail.id).execute();
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.title).toBe('Reach Otto Offline another way: We miss you');
    expect(tasks[0]!.details).toContain('has no email address');
    const erin = await t.ctx.db.selectFrom('emails').select('subject').where('customer_id', '=', withEmail.id).execute();
    expect(erin.map((e) => e.subject)).toEqual(expect.arrayContaining(['We miss you, Erin', expect.stringMatching(/^Would you recommend/)]));
    expect(await t.ctx.db.selectFrom('tasks').select('id').where('customer_id', '=', withEmail.id).execute()).toEqual([]);

    // the API refuses a fallback it does not know, naming the field
    const owner = await t.signIn('owner');
    const bad = await t.app.inject({ method: 'PUT', url: `/api/playbooks/${pb.id}`, headers: owner.headers, payload: { ...pb, steps: [{ ...pb.steps[1], ifNoChannel: 'pigeon' }] } });
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json().error)).toContain('ifNoChannel');
  });

  it("skip the ready-made win-back's call for a customer the offer never reached (no email), and keep it for one it reached", async () => {
    const { readyMadePlaybooks } = await import('./playbooks.library.js');
    const { key: _key, ...lib } = readyMadePlaybooks().find((p) => p.key === 'win_back')!;
    expect(lib.steps[2]!.skipIf).toContain('not_reached');
    const pb = await savePlaybook(
      t.ctx.db,
      { ...lib, name: 'Win-back (library)', trigger: { type: 'customer.created' }, conditions: [], steps: lib.steps.map((s) => ({ ...s, wait: { days: 0, hours: 0 } })) },
      { enabled: true },
    );
    const noEmail = await makeCustomer(t.ctx.db, { name: 'Pia Phoneonly', phone: '+44 20 7946 0003' });
    const withEmail = await makeCustomer(t.ctx.db, { name: 'Ed Mailable', email: 'ed@example.test', marketing_consent: true });
    await enroll(t.ctx, [
      { playbook: pb, customerId: noEmail.id, occurrenceKey: 'c' },
      { playbook: pb, customerId: withEmail.id, occurrenceKey: 'c' },
    ]);
    await drainJobs(t.ctx, { concurrency: 1 });
    expect((await runsOf(noEmail.id)).map((r) => [r.action, r.status])).toEqual([
      ['promo', 'skipped'],
      ['email', 'skipped'],
      ['task', 'skipped'],
    ]);
    expect((await runsOf(noEmail.id))[2]!.detail).toMatch(/no earlier message reached the customer/);
    expect(await t.ctx.db.selectFrom('tasks').select('id').where('customer_id', '=', noEmail.id).execute()).toEqual([]);
    expect((await runsOf(withEmail.id)).map((r) => [r.action, r.status])).toEqual([
      ['promo', 'done'],
      ['email', 'done'],
      ['task', 'done'],
    ]);
    const call = await t.ctx.db.selectFrom('tasks').select('title').where('customer_id', '=', withEmail.id).executeTakeFirstOrThrow();
    expect(call.title).toContain('Call Ed Mailable');
  });
});
