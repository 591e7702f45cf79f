// Sending 10,000 emails to a local SMTP server (smtp-server, in this process): messages per
// second through the real path (queued jobs → claim → SMTP → one commit per message), then the
// crash scenario: a worker process is killed with SIGKILL part-way and restarted; the server
// must receive each intended email exactly once.
//   npm run bench -- email            (EMAILS=10000 CRASH_EMAILS=10000 by default)
import { ensureInstanceSecret } from '../src/accounts/accounts.service.js';
import { loadConfig } from '../src/platform/config.js';
import type { AppContext } from '../src/platform/context.js';
import { openDatabase } from '../src/platform/db/database.js';
import { createLogger } from '../src/platform/logger.js';
import { enqueueJobs } from '../src/platform/jobs/jobs.service.js';
import { deliverPendingEmails, EMAIL_JOB, messageIdFor } from '../src/mail/mail.service.js';
import '../src/mail/mail.job.js';
import { closeTransports, smtpConnections } from '../src/mail/mail.transport.js';
import { startTestSmtpServer } from '../src/mail/testing/smtp-test-server.js';
import { runCrashScenario } from '../src/playbooks/testing/crash-harness.js';
import { saveWorkspace } from '../src/workspace/workspace.service.js';
import { machineLine } from './lib/machine.js';
import { eventBus } from '../src/platform/events/events.service.js';

const N = Number(process.env.EMAILS ?? 10_000);
const CRASH_N = Number(process.env.CRASH_EMAILS ?? N);
// the same crash with 5 parallel SMTP connections: up to 4 messages may sit between their 250 and
// their commit when the worker dies (RFC 1047's window); this measures how often that re-sends
const PARALLEL_N = Number(process.env.CRASH_PARALLEL_EMAILS ?? 2000);
console.log(machineLine());
console.log(`email: ${N} emails, ${smtpConnections()} SMTP connections`);

const smtp = await startTestSmtpServer({ keepRaw: false });
const database = await openDatabase({ inMemory: true });
const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), smtpUrl: smtp.url };
const ctx: AppContext = { db: database.db, config, log: createLogger('silent'), now: () => new Date(), secret: await ensureInstanceSecret(database.db), events: eventBus };
await saveWorkspace(database.db, { name: 'Bench Co', industry: 'consumer_services', timeZone: 'UTC', currency: 'EUR' });

// N customers and N transactional emails, queued in bulk (queueing is not what is measured here)
let t = Date.now();
const customerIds: string[] = [];
for (let i = 0; i < N; i += 2000) {
  const rows = await database.db
    .insertInto('customers')
    .values(Array.from({ length: Math.min(2000, N - i) }, (_, k) => ({ name: `Bench ${i + k}`, email: `b${i + k}@bench.test` })))
    .returning('id')
    .execute();
  customerIds.push(...rows.map((r) => r.id));
}
const now = new Date();
for (let i = 0; i < N; i += 1000) {
  const part = customerIds.slice(i, i + 1000).map((cid, k) => {
    const id = crypto.randomUUID();
    return {
      id,
      idempotency_key: `bench:${i + k}`,
      customer_id: cid,
      to_address: `b${i + k}@bench.test`,
      subject: `Your receipt #${i + k}`,
      html: `<p>Thank you for your order #${i + k}.</p>`,
      text: `Thank you for your order #${i + k}.`,
      kind: 'transactional' as const,
      source: 'bench',
      message_id: messageIdFor(id, config.publicUrl),
      created_at: now,
    };
  });
  await database.db.insertInto('emails').values(part).execute();
  await enqueueJobs(
    database.db,
    part.map((e) => ({ kind: EMAIL_JOB, key: `email:${e.id}`, payload: { emailId: e.id }, runAt: now })),
  );
}
console.log(`queued ${N} in ${((Date.now() - t) / 1000).toFixed(1)} s`);

t = Date.now();
const progress = setInterval(() => console.log(`  sent ${smtp.received.length} / ${N}`), 2000);
const result = await deliverPendingEmails(ctx, { limit: N + 100 });
clearInterval(progress);
const seconds = (Date.now() - t) / 1000;
const unique = new Set(smtp.received.map((m) => m.messageId)).size;
const duplicates = smtp.received.length - unique;
console.log(`delivered: sent=${result.sent} failed=${result.failed} received=${smtp.received.length} unique=${unique} in ${seconds.toFixed(2)} s`);
closeTransports();
await smtp.close();
await database.close();

let crash = { duplicates: 0, missing: 0, received: 0 };
if (CRASH_N > 0) {
  console.log(`crash: a playbook run of ${CRASH_N} emails in a worker process, kill -9 at 40%, restart`);
  const c = await runCrashScenario({ emails: CRASH_N, killAt: Math.max(1, Math.floor(CRASH_N * 0.4)), log: (l) => console.log(`  ${l}`) });
  console.log(`crash: intended=${c.intended} received=${c.received} unique=${c.unique} duplicates=${c.duplicates} missing=${c.missing} sent_in_db=${c.sentInDb} seconds=${c.seconds.toFixed(1)}`);
  crash = c;
}
let parallel = { duplicates: 0, missing: 0 };
if (PARALLEL_N > 0) {
  console.log(`crash, 5 connections: ${PARALLEL_N} emails, kill -9 at 40%, restart`);
  const c = await runCrashScenario({ emails: PARALLEL_N, killAt: Math.max(1, Math.floor(PARALLEL_N * 0.4)), concurrency: 5, log: (l) => console.log(`  ${l}`) });
  console.log(`crash, 5 connections: intended=${c.intended} received=${c.received} unique=${c.unique} duplicates=${c.duplicates} missing=${c.missing} sent_in_db=${c.sentInDb}`);
  parallel = c;
}
console.log(
  `email: sent=${smtp.received.length} seconds=${seconds.toFixed(2)} per_s=${Math.round(smtp.received.length / seconds)} duplicates=${duplicates} crash_emails=${CRASH_N} crash_duplicates=${crash.duplicates} crash_missing=${crash.missing} crash5_emails=${PARALLEL_N} crash5_duplicates=${parallel.duplicates} crash5_missing=${parallel.missing}`,
);
process.exit(0);
