// Surveys end to end over HTTP (app.inject) with a real in-process SMTP server: send, one-click
// answer, change it, comment, close the loop, thank-you, abuse (tampered/expired/other
// customer's tokens, script in a comment, a flood of requests).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installReadyMade } from '../playbooks/index.js';
import { listPlaybooks, setPlaybookEnabled } from '../playbooks/index.js';
import { deliverPendingEmails } from '../mail/index.js';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';
import { makeCustomer } from '../customers/testing/factories.js';
import { DELIVER_JOB } from '../platform/events/events.service.js';
import { drainJobs, enqueueScheduled } from '../platform/jobs/jobs.service.js';
import { DIGEST_JOB } from './surveys.job.js';
import { sendWeeklyDigest } from './surveys.reports.js';
import { eraseSurveyComments, sendSurvey } from './surveys.service.js';
import { startSmtp, surveyLinks, type Received } from './surveys.test-helpers.js';
import { parseSurveyToken } from './surveys.tokens.js';

let t: TestApp;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let owner: Caller;
let agent: Caller;
let clock = new Date('2026-03-10T09:00:00Z');
let ip = 0;
/** each test its own client address, so the per-address rate limit only bites the flood test */
const from = () => `10.0.0.${++ip}`;

async function customer(name: string, email: string | null, extra: { owner_user_id?: string; marketing_consent?: boolean; tags?: string[] } = {}) {
  return (await makeCustomer(t.ctx.db, { name, email, tags: extra.tags ?? [], owner_user_id: extra.owner_user_id ?? null, marketing_consent: extra.marketing_consent ?? true })).id;
}

async function deliver(): Promise<Received[]> {
  const before = smtp.received.length;
  await deliverPendingEmails(t.ctx);
  return smtp.received.slice(before);
}

const pathOf = (link: string) => link.replace(/^https?:\/\/[^/]+/, '');
// Each request is followed by what the server's worker does within a second: events delivered
// to their subscribers (the detractor task, playbooks).
const settled = async <T>(res: Promise<T>): Promise<T> => {
  const r = await res;
  await drainJobs(t.ctx, { kinds: [DELIVER_JOB] });
  return r;
};
const get = (url: string, remoteAddress = from()) => settled(t.app.inject({ method: 'GET', url, remoteAddress }));
const post = (url: string, form: Record<string, string | string[]>, remoteAddress = from()) => {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
  return settled(t.app.inject({ method: 'POST', url, remoteAddress, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: body.toString() }));
};

beforeAll(async () => {
  t = await createTestApp({ now: () => clock });
  smtp = await startSmtp();
  t.ctx.config.smtpUrl = smtp.url;
  t.ctx.config.publicUrl = 'https://feedback.example.test';
  owner = await t.signIn('owner', 'boss@example.test');
  agent = await t.signIn('agent', 'agent@example.test');
});

afterAll(async () => {
  const { closeTransports } = await import('../mail/index.js');
  closeTransports();
  await t?.close();
  await smtp?.close();
});

describe('surveys', () => {
  let adaId: string;
  let adaLinks: string[];

  it('emails an NPS survey with one-click score links through SMTP', async () => {
    adaId = await customer('Ada Lovelace', 'ada@example.test', { owner_user_id: agent.userId, tags: ['vip'] });
    const r = await sendSurvey(t.ctx, { customerId: adaId, kind: 'nps', eventKey: 'nps:2026-q1' });
    expect(r).toMatchObject({ sent: true });
    const mails = await deliver();
    expect(mails).toHaveLength(1);
    expect(mails[0].to).toEqual(['ada@example.test']);
    adaLinks = surveyLinks(mails[0].raw);
    const scores = adaLinks.map((l) => new URL(l).searchParams.get('score')).filter((s) => s !== null);
    expect(scores).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    expect(adaLinks.every((l) => l.startsWith('https://feedback.example.test/p/s/'))).toBe(true);
  });

  it('never surveys twice for the same event, and caps NPS to one per 90 days', async () => {
    expect(await sendSurvey(t.ctx, { customerId: adaId, kind: 'nps', eventKey: 'nps:2026-q1' })).toMatchObject({ sent: false, reason: 'already surveyed for this event' });
    const other = await sendSurvey(t.ctx, { customerId: adaId, kind: 'nps', eventKey: 'nps:2026-q1-again' });
    expect(other.sent).toBe(false);
    expect(other.reason).toMatch(/frequency cap/);
    // a CSAT after a resolved ticket is allowed; resolving the same ticket again is not
    expect((await sendSurvey(t.ctx, { customerId: adaId, kind: 'csat', eventKey: 'ticket:42' })).sent).toBe(true);
    expect((await sendSurvey(t.ctx, { customerId: adaId, kind: 'csat', eventKey: 'ticket:42' })).sent).toBe(false);
    const n = await t.ctx.db
      .selectFrom('survey_requests')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('customer_id', '=', adaId)
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(2);
    await deliver();
  });

  it('shows a one-click score chosen without recording it (mail scanners fetch links); the one-tap confirmation records it, creates one detractor task, and a second choice changes the answer', async () => {
    const three = adaLinks.find((l) => l.endsWith('score=3'))!;
    // a link checker fetching the link (twice, as some do) records nothing
    for (let i = 0; i < 2; i++) {
      const scanned = await get(pathOf(three));
      expect(scanned.statusCode).toBe(200);
    }
    expect(await t.ctx.db.selectFrom('survey_responses').select('id').where('customer_id', '=', adaId).execute()).toHaveLength(0);
    expect(await t.ctx.db.selectFrom('tasks').select('id').where('customer_id', '=', adaId).execute()).toHaveLength(0);

    const res = await get(pathOf(three));
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.body).toContain('Ada');
    expect(res.body).not.toContain('Lovelace');
    expect(res.body).not.toContain('ada@example.test');
    expect(res.body).toMatch(/You chose <strong>3<\/strong>/);
    expect(res.body).toContain('<input type="radio" name="score" value="3" checked>'); // the confirmation carries the score
    expect(res.body).toContain('<form method="post"'); // works without JavaScript

    const confirmed = await post(pathOf(three).split('?')[0], { score: '3', comment: '' });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.body).toContain('data-testid="final-score">3<');
    const tasks = await t.ctx.db.selectFrom('tasks').selectAll().where('customer_id', '=', adaId).execute();
    expect(tasks).toHaveLength(1);
    expect(tasks[0].assignee_user_id).toBe(agent.userId);
    expect(tasks[0].title).toContain('Detractor');
    expect(tasks[0].details).toContain('Suggested reply');
    expect(tasks[0].due_at.toISOString().slice(0, 10)).toBe(clock.toISOString().slice(0, 10));

    const four = pathOf(adaLinks.find((l) => l.endsWith('score=4'))!);
    expect((await get(four)).statusCode).toBe(200);
    expect((await post(four.split('?')[0], { score: '4' })).statusCode).toBe(200);
    const rows = await t.ctx.db.selectFrom('survey_responses').select(['score']).where('customer_id', '=', adaId).where('kind', '=', 'nps').execute();
    expect(rows).toEqual([{ score: 4 }]);
    expect(await t.ctx.db.selectFrom('tasks').select('id').where('customer_id', '=', adaId).execute()).toHaveLength(1);

    // one thank-you email, however many answers
    const mails = await deliver();
    expect(mails.filter((m) => m.subject.includes('Thank you'))).toHaveLength(1);
  });

  it('takes a comment by plain form POST, tags it, keeps the score, and shows script escaped', async () => {
    const page = pathOf(adaLinks[0]).split('?')[0];
    const comment = '<script>alert("x")</script> Support never answered my emails, terrible service';
    const res = await post(page, { comment });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('data-testid="thanks"');
    expect(res.body).not.toContain('<script>alert');
    expect(res.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(res.body).toContain('data-testid="final-score">4<');

    const r = await t.ctx.db.selectFrom('survey_responses').selectAll().where('customer_id', '=', adaId).where('kind', '=', 'nps').executeTakeFirstOrThrow();
    expect(r.comment).toBe(comment);
    expect(r.sentiment).toBe('negative');
    expect(r.churn_reasons).toContain('poor_service');
    const task = await t.ctx.db.selectFrom('tasks').select('details').where('customer_id', '=', adaId).executeTakeFirstOrThrow();
    expect(task.details).toContain('Support never answered');

    // the voice of the customer shows it to any staff member, filtered by reason
    const voice = await t.app.inject({ method: 'GET', url: '/api/surveys/responses?reason=poor_service&sentiment=negative', headers: agent.headers });
    expect(voice.statusCode).toBe(200);
    expect(voice.json().items.map((i: { comment: string }) => i.comment)).toEqual([comment]);
  });

  it('refuses tampered, forged, other-customer and expired tokens', async () => {
    const token = pathOf(adaLinks[0]).split('/p/s/')[1].split('?')[0];
    const parsed = parseSurveyToken(token)!;
    const [id, exp, sig] = token.split('.');
    // tampered signature
    const flipped = sig.slice(0, 10) + (sig[10] === 'A' ? 'B' : 'A') + sig.slice(11);
    expect((await get(`/p/s/${id}.${exp}.${flipped}?score=10`)).statusCode).toBe(404);
    // longer expiry, same signature
    expect((await get(`/p/s/${id}.${(parsed.expires + 86400 * 365).toString(36)}.${sig}?score=10`)).statusCode).toBe(404);
    // garbage
    expect((await get('/p/s/not-a-token?score=10')).statusCode).toBe(404);
    expect((await get(`/p/s/${'x'.repeat(250)}`)).statusCode).toBe(414); // longer than any token: refused by the router

    // Bob's survey: Ada's signature does not open it, and Bob's link never touches Ada's answer
    const bobId = await customer('Bob Stone', 'bob@example.test');
    const sent = await sendSurvey(t.ctx, { customerId: bobId, kind: 'nps', eventKey: 'nps:2026-q1' });
    expect(sent.sent).toBe(true);
    expect((await get(`/p/s/${sent.requestId}.${exp}.${sig}?score=0`)).statusCode).toBe(404);
    const bobLinks = surveyLinks((await deliver()).find((m) => m.to.includes('bob@example.test'))!.raw);
    const bobTen = pathOf(bobLinks.find((l) => l.endsWith('score=10'))!);
    expect((await get(bobTen)).statusCode).toBe(200);
    expect((await post(bobTen.split('?')[0], { score: '10' })).statusCode).toBe(200);
    const ada = await t.ctx.db.selectFrom('survey_responses').select('score').where('customer_id', '=', adaId).where('kind', '=', 'nps').executeTakeFirstOrThrow();
    expect(ada.score).toBe(4);
    // score outside the scale
    const res = await get(pathOf(bobLinks[0]).split('?')[0] + '?score=11');
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('from 0 to 10');

    // after the link's 30 days it is closed
    const saved = clock;
    clock = new Date(clock.getTime() + 31 * 86400_000);
    try {
      const expired = await get(pathOf(bobLinks.find((l) => l.endsWith('score=1'))!));
      expect(expired.statusCode).toBe(410);
      const bob = await t.ctx.db.selectFrom('survey_responses').select('score').where('customer_id', '=', bobId).executeTakeFirstOrThrow();
      expect(bob.score).toBe(10);
    } finally {
      clock = saved;
    }
  });

  it('asks promoters for a review (owner sets the link) and runs an exit survey with reasons', async () => {
    const bad = await t.app.inject({ method: 'PUT', url: '/api/surveys/settings', headers: owner.headers, payload: { reviewUrl: 'javascript:alert(1)' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('reviewUrl');
    const byAgent = await t.app.inject({ method: 'PUT', url: '/api/surveys/settings', headers: agent.headers, payload: { reviewUrl: 'https://reviews.example.test/us' } });
    expect(byAgent.statusCode).toBe(403);
    const ok = await t.app.inject({
      method: 'PUT',
      url: '/api/surveys/settings',
      headers: owner.headers,
      payload: { reviewUrl: 'https://reviews.example.test/us', customQuestions: { exit: ['What could we have done to keep you?'] } },
    });
    expect(ok.statusCode).toBe(200);

    const cyd = await customer('Cyd Promoter', 'cyd@example.test');
    const s = await sendSurvey(t.ctx, { customerId: cyd, kind: 'csat', eventKey: 'order:7' });
    const links = surveyLinks((await deliver()).find((m) => m.to.includes('cyd@example.test'))!.raw);
    expect(links.filter((l) => l.includes('score='))).toHaveLength(5);
    const page = pathOf(s.link!);
    const done = await post(page, { score: '5', comment: 'Lovely, quick and friendly. Thanks!' });
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('href="https://reviews.example.test/us"');
    const thanks = (await deliver()).find((m) => m.to.includes('cyd@example.test'));
    expect(thanks?.raw).toContain('reviews.example.test/us');

    const dee = await customer('Dee Gone', 'dee@example.test');
    const exit = await sendSurvey(t.ctx, { customerId: dee, kind: 'exit', eventKey: 'cancelled:sub-1' });
    expect(exit.sent).toBe(true);
    const form = await get(pathOf(exit.link!));
    expect(form.body).toContain('What could we have done to keep you?');
    expect(form.body).toContain('value="competitor"');
    const answered = await post(pathOf(exit.link!), { reasons: ['price', 'competitor'], comment: 'Found a cheaper tool', q_q1: 'A smaller plan' });
    expect(answered.statusCode).toBe(200);
    const r = await t.ctx.db.selectFrom('survey_responses').selectAll().where('customer_id', '=', dee).executeTakeFirstOrThrow();
    expect(r.chosen_reasons).toEqual(['price', 'competitor']);
    expect(r.answers).toEqual({ q1: 'A smaller plan' });
    const task = await t.ctx.db.selectFrom('tasks').select(['title', 'assignee_role']).where('customer_id', '=', dee).executeTakeFirstOrThrow();
    expect(task.title).toContain('Exit survey');
    expect(task.assignee_role).toBe('owner'); // no account owner: the owner role gets it
  });

  it('summarises NPS, CSAT, response rate and segments for staff; sends the digest to owners', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/surveys/summary', headers: agent.headers });
    expect(res.statusCode).toBe(200);
    const s = res.json();
    // NPS answers: Ada 4 (detractor), Bob 10 (promoter) → 50% − 50% = 0
    expect(s.scores.nps).toMatchObject({ n: 2, promoters: 1, detractors: 1, score: 0 });
    expect(s.scores.csat).toMatchObject({ n: 1, score: 100 });
    expect(s.responseRate.byKind.nps).toMatchObject({ sent: 2, answered: 2 });
    expect(s.responseRate.byKind.csat).toMatchObject({ sent: 2, answered: 1 });
    expect(s.months).toEqual([expect.objectContaining({ month: '2026-03', npsN: 2 })]);
    expect(s.segments.find((x: { segment: string }) => x.segment === 'vip')).toMatchObject({ n: 1, nps: -100 });
    expect((await t.app.inject({ method: 'GET', url: '/api/surveys/summary?from=2026-13-01', headers: agent.headers })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: '/api/surveys/responses?kind=poll', headers: agent.headers })).statusCode).toBe(400);

    const digest = await sendWeeklyDigest(t.ctx);
    expect(digest.queued).toBe(1);
    expect((await sendWeeklyDigest(t.ctx)).queued).toBe(0); // once per owner per week
    // the weekly schedule runs the same digest as a job
    await enqueueScheduled(t.ctx);
    const ran = await drainJobs(t.ctx, { kinds: [DIGEST_JOB] });
    expect(ran.outcomes.sent).toBe(1);
    const job = await t.ctx.db.selectFrom('jobs').select(['status']).where('kind', '=', DIGEST_JOB).execute();
    expect(job).toHaveLength(1);
    expect(job[0].status).not.toBe('pending');
    const mail = (await deliver()).find((m) => m.to.includes('boss@example.test'));
    expect(mail?.subject).toContain('Weekly feedback digest');
    expect(mail?.raw).toContain('NPS 0');
  });

  it('sends from the web app with clear errors', async () => {
    const noEmail = await customer('Eve Nomail', null);
    const r = await t.app.inject({ method: 'POST', url: '/api/surveys/send', headers: agent.headers, payload: { customerId: noEmail, kind: 'ces' } });
    expect(r.statusCode).toBe(409);
    expect(r.json().error.message).toContain('no email address');
    const bad = await t.app.inject({ method: 'POST', url: '/api/surveys/send', headers: agent.headers, payload: { customerId: 'nope', kind: 'ces' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('customerId');
    const missing = await t.app.inject({ method: 'POST', url: '/api/surveys/send', headers: agent.headers, payload: { customerId: '00000000-0000-4000-8000-000000000000', kind: 'ces' } });
    expect(missing.statusCode).toBe(404);
    const fay = await customer('Fay Easy', 'fay@example.test');
    const ok = await t.app.inject({ method: 'POST', url: '/api/surveys/send', headers: agent.headers, payload: { customerId: fay, kind: 'ces' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().link).toContain('/p/s/');
    // the playbook engine's call shape: its step key stands for the event
    expect(await sendSurvey(t.ctx, { customerId: fay, kind: 'csat', idempotencyKey: 'pb:e1:0', source: 'playbook:p1' })).toMatchObject({ sent: true });
    expect(await sendSurvey(t.ctx, { customerId: fay, kind: 'csat', idempotencyKey: 'pb:e1:0', source: 'playbook:p1' })).toMatchObject({ sent: false });
    expect(await sendSurvey(t.ctx, { customerId: fay, kind: 'csat' })).toMatchObject({ sent: false, reason: expect.stringContaining('eventKey') });
    // NPS is marketing mail: no consent, no survey
    const noConsent = await customer('Gus Private', 'gus@example.test', { marketing_consent: false });
    const nc = await t.app.inject({ method: 'POST', url: '/api/surveys/send', headers: agent.headers, payload: { customerId: noConsent, kind: 'nps' } });
    expect(nc.statusCode).toBe(409);
    expect(nc.json().error.message).toContain('consent');
    await t.ctx.db.updateTable('customers').set({ unsubscribed_at: clock }).where('id', '=', fay).execute();
    expect(await sendSurvey(t.ctx, { customerId: fay, kind: 'csat', eventKey: 'ticket:99' })).toEqual({ sent: false, reason: 'unsubscribed' });
  });

  it('tells playbooks about answers: a detractor enrols once in the detractor playbook', async () => {
    await installReadyMade(t.ctx.db);
    const pb = (await listPlaybooks(t.ctx.db)).find((x) => x.key === 'detractor')!;
    await setPlaybookEnabled(t.ctx.db, pb.id, true);
    const hal = await customer('Hal Grumpy', 'hal@example.test');
    const s = await sendSurvey(t.ctx, { customerId: hal, kind: 'nps', eventKey: 'nps:q2' });
    expect((await post(pathOf(s.link!), { score: '2' })).statusCode).toBe(200);
    expect((await post(pathOf(s.link!), { score: '1' })).statusCode).toBe(200);
    const enrolled = await t.ctx.db.selectFrom('playbook_enrollments').select(['playbook_id', 'data']).where('customer_id', '=', hal).execute();
    expect(enrolled.map((e) => e.playbook_id)).toEqual([pb.id]);
    expect(enrolled[0].data).toMatchObject({ event: { kind: 'detractor', survey: 'nps', score: 2 } });
    // The playbook's call-back task is the survey's own follow-up task, not a second one.
    await drainJobs(t.ctx);
    const tasks = await t.ctx.db.selectFrom('tasks').select('title').where('customer_id', '=', hal).execute();
    expect(tasks).toHaveLength(1);
    await setPlaybookEnabled(t.ctx.db, pb.id, false);
  });

  it('erases what a customer wrote on request, keeping the bare score', async () => {
    expect(await eraseSurveyComments(t.ctx, adaId)).toBe(1);
    const r = await t.ctx.db.selectFrom('survey_responses').select(['score', 'comment', 'sentiment', 'churn_reasons']).where('customer_id', '=', adaId).executeTakeFirstOrThrow();
    expect(r).toEqual({ score: 4, comment: null, sentiment: null, churn_reasons: [] });
  });

  it('rate-limits a flood of requests to the public pages with 429', async () => {
    const addr = '10.9.9.9';
    const codes: number[] = [];
    for (let i = 0; i < 40; i++) codes.push((await get(`/p/s/flood-${i}`, addr)).statusCode);
    expect(codes.slice(0, 30).every((c) => c === 404)).toBe(true);
    expect(codes.slice(30).every((c) => c === 429)).toBe(true);
    // another address is still served
    expect((await get('/p/s/flood-x', '10.9.9.10')).statusCode).toBe(404);
  });
});
