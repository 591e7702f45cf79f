// Email in and out for real: nodemailer → the inbox's SMTP listener → conversation; an agent's
// reply → the mail sender → a real SMTP sink, whose received headers are read.
import nodemailer, { type Transporter } from 'nodemailer';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';
import { closeTransports, deliverPendingEmails } from '../mail/index.js';
import { startTestSmtpServer, type TestSmtpServer } from '../mail/testing/smtp-test-server.js';
import { answerSurveyRequest } from '../surveys/testing/answer.js';
import { startSmtpListener, type SmtpListener } from './smtp.listener.js';

let t: TestApp;
let owner: Caller;
let agent: Caller;
let listener: SmtpListener;
let mailer: Transporter;
let sink: TestSmtpServer;

beforeAll(async () => {
  t = await createTestApp();
  owner = await t.signIn('owner');
  agent = await t.signIn('agent');
  listener = await startSmtpListener(t.ctx, { port: 0 });
  mailer = nodemailer.createTransport({ host: '127.0.0.1', port: listener.port, secure: false, ignoreTLS: true });
  sink = await startTestSmtpServer();
  t.ctx.config.smtpUrl = sink.url;
});
afterAll(async () => {
  mailer?.close();
  closeTransports(); // the mail sender's pooled connections to the sink
  await listener?.close();
  await sink?.close();
  await t?.close();
});

const conversationsOf = async (email: string) =>
  t.ctx.db
    .selectFrom('conversations as c')
    .innerJoin('customers as cu', 'cu.id', 'c.customer_id')
    .select(['c.id', 'c.status', 'c.subject', 'c.first_response_due_at', 'c.automatic', 'c.message_count', 'c.customer_id', 'cu.tags'])
    .where('cu.email_normalized', '=', email)
    .orderBy('c.created_at')
    .execute();

describe('email in through the SMTP listener', () => {
  let conversationId: string;

  it('turns a new mail into a conversation for a new (flagged) customer, folds the quote, renders HTML as text, keeps the attachment, writes the timeline and conversation.opened', async () => {
    const info = await mailer.sendMail({
      from: 'Ann Archer <ann@example.test>',
      to: 'support@shop.test',
      subject: 'Where is my order?',
      messageId: '<ann-1@example.test>',
      html: '<p>Hello, my order <b>#1001</b> has not arrived.<script>alert(1)</script><img src="https://tracker.test/x.gif"></p><div class="gmail_quote">On Mon, 30 Nov 2026 at 10:00, Shop &lt;support@shop.test&gt; wrote:<blockquote>Your order has shipped</blockquote></div>',
      attachments: [{ filename: 'receipt.pdf', content: Buffer.from('%PDF-1.4 fake receipt'), contentType: 'application/pdf' }],
    });
    expect(info.response).toMatch(/^250 /);
    const [c] = await conversationsOf('ann@example.test');
    expect(c).toMatchObject({ status: 'open', subject: 'Where is my order?', automatic: false, message_count: 1 });
    expect(c.tags).toContain('new-contact');
    expect(c.first_response_due_at).not.toBeNull();
    conversationId = c.id;

    const res = await t.app.inject({ method: 'GET', url: `/api/inbox/conversations/${c.id}`, headers: agent.headers });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const m = body.messages[0];
    expect(m.authorKind).toBe('customer');
    expect(m.text).toContain('my order #1001 has not arrived');
    expect(m.text).not.toContain('Your order has shipped');
    expect(m.quoted).toContain('Your order has shipped');
    expect(m.html).not.toMatch(/<script|<img|<b>/);
    expect(m.attachments).toHaveLength(1);
    expect(m.attachments[0]).toMatchObject({ filename: 'receipt.pdf', kept: true });
    expect(body.customer).toMatchObject({ email: 'ann@example.test', name: 'Ann Archer' });

    // Attachments: staff download them (as a download, never inline); anonymous callers cannot.
    const dl = await t.app.inject({ method: 'GET', url: m.attachments[0].url, headers: agent.headers });
    expect(dl.statusCode).toBe(200);
    expect(dl.headers['content-disposition']).toMatch(/^attachment; filename="receipt.pdf"/);
    expect(dl.headers['content-type']).toBe('application/octet-stream');
    expect(dl.rawPayload.toString()).toBe('%PDF-1.4 fake receipt');
    expect((await t.app.inject({ method: 'GET', url: m.attachments[0].url })).statusCode).toBe(401);

    const touch = await t.ctx.db.selectFrom('touchpoints').select(['channel', 'direction', 'summary']).where('customer_id', '=', c.customer_id).execute();
    expect(touch).toEqual([expect.objectContaining({ channel: 'email', direction: 'in', summary: expect.stringContaining('Where is my order?') })]);
    const events = await t.ctx.db.selectFrom('events').select(['type', 'payload']).where('type', '=', 'conversation.opened').execute();
    expect(events.map((e) => (typeof e.payload === 'string' ? JSON.parse(e.payload) : e.payload).conversationId)).toContain(c.id);
  });

  it('puts a reply (In-Reply-To) and a reply without headers but with the subject in the same conversation', async () => {
    await mailer.sendMail({
      from: 'ann@example.test',
      to: 'support@shop.test',
      subject: 'Re: Where is my order?',
      messageId: '<ann-2@example.test>',
      inReplyTo: '<ann-1@example.test>',
      references: '<ann-1@example.test>',
      text: 'Any news?\n\n> old',
    });
    await mailer.sendMail({ from: 'ann@example.test', to: 'support@shop.test', subject: 'RE: Where is my order?', messageId: '<ann-3@example.test>', text: 'Hello again?' });
    // Another subject from the same sender is a new conversation.
    await mailer.sendMail({ from: 'ann@example.test', to: 'support@shop.test', subject: 'Change my address', messageId: '<ann-4@example.test>', text: 'New address: Main St 1' });
    const cs = await conversationsOf('ann@example.test');
    expect(cs.map((c) => [c.subject, c.message_count])).toEqual([
      ['Where is my order?', 3],
      ['Change my address', 1],
    ]);
    expect(new Set(cs.map((c) => c.customer_id)).size).toBe(1); // the same customer, matched by email
  });

  it('stores a duplicate delivery (same Message-ID) once', async () => {
    const again = await mailer.sendMail({
      from: 'ann@example.test',
      to: 'support@shop.test',
      subject: 'Re: Where is my order?',
      messageId: '<ann-2@example.test>',
      inReplyTo: '<ann-1@example.test>',
      text: 'Any news?',
    });
    expect(again.response).toMatch(/^250 .*Already stored/);
    const n = await t.ctx.db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('email_message_id', '=', '<ann-2@example.test>')
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(1);
  });

  it('stores an auto-reply and a bounce but never answers them', async () => {
    await mailer.sendMail({
      from: 'bob@example.test',
      to: 'support@shop.test',
      subject: 'Out of office',
      messageId: '<bob-ooo@example.test>',
      headers: { 'Auto-Submitted': 'auto-replied' },
      text: 'I am away until Monday.',
    });
    const [c] = await conversationsOf('bob@example.test');
    expect(c).toMatchObject({ automatic: true, first_response_due_at: null });
    const m = await t.ctx.db.selectFrom('messages').select('automatic').where('conversation_id', '=', c.id).executeTakeFirstOrThrow();
    expect(m.automatic).toBe('auto_reply');
    const res = await t.app.inject({ method: 'POST', url: `/api/inbox/conversations/${c.id}/reply`, headers: agent.headers, payload: { text: 'Hello Bob' } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.message).toMatch(/automatic/);
    // A bounce of our own reply threads into the conversation it answers, and does not reopen it.
    await mailer.sendMail({
      from: 'MAILER-DAEMON@mx.example.test',
      to: 'support@shop.test',
      subject: 'Undelivered Mail Returned to Sender',
      messageId: '<bounce-1@mx.example.test>',
      inReplyTo: '<ann-4@example.test>',
      text: 'The mail system: user unknown',
    });
    const bounce = await t.ctx.db.selectFrom('messages').select(['automatic', 'conversation_id']).where('email_message_id', '=', '<bounce-1@mx.example.test>').executeTakeFirstOrThrow();
    expect(bounce.automatic).toBe('bounce');
    const [, address] = await conversationsOf('ann@example.test');
    expect(bounce.conversation_id).toBe(address.id);
  });

  it('refuses a message over the size cap with 552 and a clear reason, too many MIME parts with 554, and keeps working', async () => {
    const big = await mailer.sendMail({ from: 'eve@example.test', to: 'support@shop.test', subject: 'huge', text: 'x'.repeat(26 * 1024 * 1024) }).catch((e) => e);
    expect(big.responseCode).toBe(552);
    expect(big.response).toMatch(/too big.*25 MB/i);
    const many = await mailer
      .sendMail({ from: 'eve@example.test', to: 'support@shop.test', subject: 'parts', text: 'hi', attachments: Array.from({ length: 600 }, (_, i) => ({ filename: `${i}.txt`, content: 'x' })) })
      .catch((e) => e);
    expect(many.responseCode).toBe(554);
    expect(many.response).toMatch(/Too many MIME parts/);
    // Malformed MIME (a multipart whose boundary never closes, a bogus charset): a clear answer, never a hang or a crash.
    const raw =
      'From: mal@example.test\r\nTo: support@shop.test\r\nSubject: broken\r\nMessage-ID: <mal-1@example.test>\r\nContent-Type: multipart/mixed; boundary="zzz"\r\n\r\n--zzz\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n\r\nhello\r\n--zz';
    const mal = await mailer.sendMail({ envelope: { from: 'mal@example.test', to: ['support@shop.test'] }, raw }).catch((e) => e);
    expect(String(mal.response)).toMatch(/^(250|554) /);
    expect(await conversationsOf('eve@example.test')).toEqual([]);
    const ok = await mailer.sendMail({ from: 'eve@example.test', to: 'support@shop.test', subject: 'small', text: 'fine', messageId: '<eve-ok@example.test>' });
    expect(ok.response).toMatch(/^250 /);
  });
});

describe('email out: an agent answers in the same thread', () => {
  it('sends the reply through the mail sender with In-Reply-To/References of the customer chain and Re: subject', async () => {
    const [c] = await conversationsOf('ann@example.test');
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/inbox/conversations/${c.id}/reply`,
      headers: agent.headers,
      payload: { text: 'Your parcel arrives tomorrow.\n<b>Sorry</b> for the wait.' },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().emailId).toBeTruthy();
    await deliverPendingEmails(t.ctx);
    const got = sink.received.find((r) => r.subject === 'Re: Where is my order?');
    expect(got).toBeTruthy();
    const parsed = await simpleParser(got!.raw);
    // The latest customer mail with a Message-ID is ann-3 (no references of its own).
    expect(parsed.inReplyTo).toBe('<ann-3@example.test>');
    expect(parsed.references).toEqual('<ann-3@example.test>');
    expect(got!.to).toEqual(['ann@example.test']);
    expect(parsed.text).toContain('Your parcel arrives tomorrow.');

    // The conversation: first response given, now pending the customer (clocks paused).
    const detail = (await t.app.inject({ method: 'GET', url: `/api/inbox/conversations/${c.id}`, headers: agent.headers })).json();
    expect(detail.conversation).toMatchObject({ status: 'pending', slaPaused: true, firstResponseDueAt: null });
    expect(detail.conversation.firstRespondedAt).toBeTruthy();
    const mine = detail.messages.at(-1);
    expect(mine).toMatchObject({ authorKind: 'agent', emailMessageId: got!.messageId });

    // The customer answers the reply: their client quotes our Message-ID, and it threads back, reopening.
    await mailer.sendMail({
      from: 'ann@example.test',
      to: 'support@shop.test',
      subject: 'Re: Where is my order?',
      messageId: '<ann-5@example.test>',
      inReplyTo: got!.messageId,
      references: `<ann-3@example.test> ${got!.messageId}`,
      text: 'Great, thanks!',
    });
    const after = (await t.app.inject({ method: 'GET', url: `/api/inbox/conversations/${c.id}`, headers: agent.headers })).json();
    expect(after.conversation.status).toBe('open');
    expect(after.messages.at(-1).text).toBe('Great, thanks!');

    // The next reply carries the whole chain.
    await t.app.inject({ method: 'POST', url: `/api/inbox/conversations/${c.id}/reply`, headers: agent.headers, payload: { text: 'You are welcome!', status: 'resolved' } });
    await deliverPendingEmails(t.ctx);
    const second = await simpleParser(sink.received.at(-1)!.raw);
    expect(second.inReplyTo).toBe('<ann-5@example.test>');
    expect(second.references).toEqual(['<ann-3@example.test>', got!.messageId, '<ann-5@example.test>']);
    expect(second.subject).toBe('Re: Where is my order?');
    const resolved = await t.ctx.db.selectFrom('events').select('payload').where('type', '=', 'conversation.resolved').execute();
    expect(resolved).toHaveLength(1);
  });
});

describe('CSAT after resolution', () => {
  it('sends one CSAT survey per resolved conversation, never again when it reopens and resolves again', async () => {
    const { drainJobs } = await import('../platform/jobs/jobs.service.js');
    const { DELIVER_JOB } = await import('../platform/events/events.service.js');
    const [c] = await conversationsOf('ann@example.test'); // resolved by the reply above
    const surveys = () => t.ctx.db.selectFrom('survey_requests').select(['kind', 'event_key']).where('customer_id', '=', c.customer_id).execute();
    await drainJobs(t.ctx, { kinds: [DELIVER_JOB] });
    expect(await surveys()).toEqual([{ kind: 'csat', event_key: `conversation:${c.id}` }]);
    await t.app.inject({ method: 'POST', url: `/api/inbox/conversations/${c.id}/status`, headers: owner.headers, payload: { status: 'open' } });
    await t.app.inject({ method: 'POST', url: `/api/inbox/conversations/${c.id}/status`, headers: owner.headers, payload: { status: 'resolved' } });
    await drainJobs(t.ctx, { kinds: [DELIVER_JOB] });
    expect(await surveys()).toHaveLength(1);
  });

  it("counts the answer in the service figures overall, for the conversation's channel and for its agent", async () => {
    const [c] = await conversationsOf('ann@example.test');
    const request = await t.ctx.db.selectFrom('survey_requests').select('id').where('event_key', '=', `conversation:${c.id}`).executeTakeFirstOrThrow();
    await answerSurveyRequest(t.ctx, request.id, { score: 4 });
    const assignee = await t.ctx.db.selectFrom('conversations as c').leftJoin('users as u', 'u.id', 'c.assignee_user_id').select('u.name').where('c.id', '=', c.id).executeTakeFirstOrThrow();
    const m = (await t.app.inject({ method: 'GET', url: '/api/inbox/metrics', headers: owner.headers })).json();
    const answered = { responses: 1, average: 4, satisfied: 100 };
    expect(m.csat).toEqual(answered);
    type Group = { key: string; csat: typeof answered };
    expect(m.byChannel.find((g: Group) => g.key === 'email').csat).toEqual(answered);
    expect(m.byChannel.filter((g: Group) => g.key !== 'email').every((g: Group) => g.csat.responses === 0)).toBe(true);
    expect(m.byAgent.find((g: Group) => g.key === (assignee.name ?? '(unassigned)')).csat).toEqual(answered);
  });
});
