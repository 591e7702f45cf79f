// Email in from an existing mailbox, against a real Dovecot (started here on a free port with a
// throw-away config; skipped with the reason where Dovecot is not installed or cannot start).
// Mail is put in the mailbox with IMAP APPEND; Keepwell fetches it with imapflow.
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';
import { drainJobs, enqueueJob } from '../platform/jobs/jobs.service.js';
import { IMAP_JOB, imapJob } from './imap.js';
import { startImapIdle } from './imap-idle.js';
import { startTestDovecot, type TestImapServer } from './testing/dovecot.js';

const started = await startTestDovecot();
const skipped = 'skipped' in started ? started.skipped : null;
if (skipped) console.warn(skipped);
const dovecot = started as TestImapServer;

let t: TestApp;
let owner: Caller;
let agent: Caller;
let seq = 0;

function mail(o: { from: string; subject: string; text: string; messageId?: string | null; inReplyTo?: string; extra?: string }): string {
  const id = o.messageId === undefined ? `<imap-${++seq}-${Date.now()}@example.test>` : o.messageId;
  return [
    `From: ${o.from}`,
    'To: support@shop.test',
    `Subject: ${o.subject}`,
    `Date: ${new Date().toUTCString()}`,
    ...(id ? [`Message-ID: ${id}`] : []),
    ...(o.inReplyTo ? [`In-Reply-To: ${o.inReplyTo}`, `References: ${o.inReplyTo}`] : []),
    ...(o.extra ? [o.extra] : []),
    'Content-Type: text/plain; charset=utf-8',
    '',
    o.text,
    '',
  ].join('\r\n');
}

async function append(...messages: string[]) {
  const c = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, doSTARTTLS: false, auth: { user: dovecot.user, pass: dovecot.password }, logger: false });
  await c.connect();
  for (const m of messages) await c.append('INBOX', m);
  await c.logout();
}

const check = async () => {
  const res = await t.app.inject({ method: 'POST', url: '/api/inbox/imap/check', headers: owner.headers });
  expect(res.statusCode).toBe(200);
  return res.json();
};

const conversationsOf = (email: string) =>
  t.ctx.db
    .selectFrom('conversations as c')
    .innerJoin('customers as cu', 'cu.id', 'c.customer_id')
    .select(['c.id', 'c.subject', 'c.message_count', 'c.automatic'])
    .where('cu.email_normalized', '=', email)
    .orderBy('c.created_at')
    .execute();

describe.skipIf(Boolean(skipped))('IMAP mailbox (real Dovecot)', () => {
  beforeAll(async () => {
    t = await createTestApp();
    owner = await t.signIn('owner');
    agent = await t.signIn('agent');
  });
  afterAll(async () => {
    await t?.close();
    await dovecot.close?.();
  });

  it('refuses to poll before a mailbox is set up, and keeps the password sealed: never returned, not stored in clear', async () => {
    const none = await t.app.inject({ method: 'POST', url: '/api/inbox/imap/check', headers: owner.headers });
    expect(none.statusCode).toBe(409);
    expect(none.json().error.message).toMatch(/No IMAP mailbox is set up/);
    expect(await imapJob(t.ctx)).toBe('no mailbox set up');

    const bad = await t.app.inject({ method: 'PUT', url: '/api/inbox/settings', headers: owner.headers, payload: { imap: { host: 'mail.example.test; rm -rf', port: 993 } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('imap.host');

    const byAgent = await t.app.inject({ method: 'PUT', url: '/api/inbox/settings', headers: agent.headers, payload: { imap: { enabled: true } } });
    expect(byAgent.statusCode).toBe(403);

    const res = await t.app.inject({
      method: 'PUT',
      url: '/api/inbox/settings',
      headers: owner.headers,
      payload: { imap: { enabled: true, host: dovecot.host, port: dovecot.port, tls: 'none', user: dovecot.user, password: dovecot.password, mailbox: 'INBOX' } },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(dovecot.password);
    expect(res.json().imap).toMatchObject({ enabled: true, host: dovecot.host, port: dovecot.port, tls: 'none', user: dovecot.user, passwordSet: true });
    const read = await t.app.inject({ method: 'GET', url: '/api/inbox/settings', headers: agent.headers });
    expect(read.body).not.toContain(dovecot.password);
    expect(read.body).not.toContain('passwordSealed');
    const stored = await t.ctx.db.selectFrom('workspace').select('extra').executeTakeFirstOrThrow();
    expect(JSON.stringify(stored.extra)).not.toContain(dovecot.password);
  });

  let firstId: string;
  it('fetches new mail into conversations, each message once: a second poll fetches nothing, and a reply threads by In-Reply-To', async () => {
    firstId = `<first-${Date.now()}@example.test>`;
    await append(
      mail({ from: 'Iris Imap <iris@example.test>', subject: 'Broken zip', text: 'The zip on my bag broke after a week.', messageId: firstId }),
      mail({ from: 'Noid <noid@example.test>', subject: 'No message id here', text: 'Mail without a Message-ID header.', messageId: null }),
    );
    const r1 = await check();
    expect(r1).toMatchObject({ ok: true, fetched: 2, stored: 2, duplicates: 0, refused: [] });
    const [iris] = await conversationsOf('iris@example.test');
    expect(iris).toMatchObject({ subject: 'Broken zip', message_count: 1 });
    expect(await conversationsOf('noid@example.test')).toHaveLength(1);

    const r2 = await check();
    expect(r2).toMatchObject({ ok: true, fetched: 0, stored: 0 });
    expect((await conversationsOf('noid@example.test'))[0].message_count).toBe(1);

    await append(mail({ from: 'Iris Imap <iris@example.test>', subject: 'Re: Broken zip', text: 'Here is a photo of the zip.', inReplyTo: firstId }));
    // The scheduled poll, through the job queue as the worker runs it.
    await enqueueJob(t.ctx.db, { kind: IMAP_JOB, key: `test-poll-${Date.now()}`, runAt: new Date(0) });
    expect((await drainJobs(t.ctx, { kinds: [IMAP_JOB] })).ran).toBe(1);
    const after = await conversationsOf('iris@example.test');
    expect(after).toHaveLength(1);
    expect(after[0].message_count).toBe(2);

    const status = (await t.app.inject({ method: 'GET', url: '/api/inbox/imap', headers: owner.headers })).json();
    expect(status).toMatchObject({ enabled: true, lastUid: 3, lastError: null });
    expect(status.uidValidity).toBeGreaterThan(0);
  });

  it('a message already stored under its Message-ID (also delivered by SMTP, or copied) is not stored twice; an auto-reply is stored as automatic', async () => {
    await append(
      mail({ from: 'Iris Imap <iris@example.test>', subject: 'Broken zip', text: 'The zip on my bag broke after a week.', messageId: firstId }),
      mail({ from: 'Otto <otto@example.test>', subject: 'Out of office', text: 'I am away until Monday.', extra: 'Auto-Submitted: auto-replied' }),
    );
    const r = await check();
    expect(r).toMatchObject({ fetched: 2, stored: 1, duplicates: 1 });
    expect((await conversationsOf('iris@example.test'))[0].message_count).toBe(2);
    expect((await conversationsOf('otto@example.test'))[0].automatic).toBe(true);
  });

  it('skips a message it refuses (too many MIME parts) with the reason, and does not fetch it again', async () => {
    const boundary = 'b0undary';
    const parts = Array.from({ length: 600 }, (_, i) => `--${boundary}\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`).join('');
    const raw = [
      'From: Many <many@example.test>',
      'To: support@shop.test',
      'Subject: Many parts',
      `Message-ID: <many-${Date.now()}@example.test>`,
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
      `${parts}--${boundary}--`,
      '',
    ].join('\r\n');
    await append(raw);
    const r = await check();
    expect(r.stored).toBe(0);
    expect(r.refused).toHaveLength(1);
    expect(r.refused[0].reason).toMatch(/Too many MIME parts/);
    expect(await conversationsOf('many@example.test')).toHaveLength(0);
    expect(await check()).toMatchObject({ fetched: 0, refused: [] });
  });

  it('with IDLE, mail is fetched as it arrives, without waiting for the scheduled poll; a switched-off mailbox ends the watch', async () => {
    const polledAt = async () => (await t.app.inject({ method: 'GET', url: '/api/inbox/imap', headers: owner.headers })).json().lastPolledAt as string | null;
    const before = await polledAt();
    const stop = startImapIdle(t.ctx, { settingsEveryMs: 200, backoffMs: 200 });
    try {
      // connected: the catch-up poll on connect has run
      await expect.poll(polledAt, { timeout: 30_000 }).not.toBe(before);
      await append(mail({ from: 'Ida Idle <ida@example.test>', subject: 'Arrived while watched', text: 'Is my parcel on its way?' }));
      await expect.poll(async () => (await conversationsOf('ida@example.test')).length, { timeout: 30_000 }).toBe(1);
      expect((await conversationsOf('ida@example.test'))[0].message_count).toBe(1);

      await t.app.inject({ method: 'PUT', url: '/api/inbox/settings', headers: owner.headers, payload: { imap: { enabled: false } } });
      // the watcher reads the settings every 200 ms here and closes its connection: the next mail waits
      await new Promise((r) => setTimeout(r, 1_500));
      await append(mail({ from: 'Ida Idle <ida@example.test>', subject: 'Arrived after switching off', text: 'Second question.' }));
      await new Promise((r) => setTimeout(r, 1_500));
      expect(await conversationsOf('ida@example.test')).toHaveLength(1);
    } finally {
      await stop();
      await t.app.inject({ method: 'PUT', url: '/api/inbox/settings', headers: owner.headers, payload: { imap: { enabled: true } } });
    }
    expect(await check()).toMatchObject({ fetched: 1, stored: 1 });
  });

  it('says plainly when the server refuses the password, and records the error for the settings page', async () => {
    await t.app.inject({ method: 'PUT', url: '/api/inbox/settings', headers: owner.headers, payload: { imap: { password: 'wrong password' } } });
    const r = await check();
    expect(r).toMatchObject({ ok: false, error: 'The mail server refused the user name or password' });
    const status = (await t.app.inject({ method: 'GET', url: '/api/inbox/imap', headers: owner.headers })).json();
    expect(status.lastError).toBe('The mail server refused the user name or password');
  });
});
