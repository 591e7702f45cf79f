// The 'email.send' jobs, handled a batch at a time: one query loads the claimed emails and
// their consent, one marks them 'sending' (attempts + 1), then each SMTP connection ("lane")
// sends one message at a time and, after the server's 250, records 'sent' + the timeline
// touchpoint + the job's completion in ONE statement before taking the next message. So a
// crash can only re-send a message whose 250 arrived but whose statement had not committed —
// at most one per connection, for the milliseconds between the two (see mail.service.ts).
// A message the server rejects fails alone, with its reason on the customer's timeline; it
// never holds back or re-sends the rest of its batch.
import { sql } from 'kysely';
import { recordTouchpoint } from '../customers/index.js';
import type { AppContext } from '../platform/context.js';
import type { Database } from '../platform/db/database.js';
import type { BatchHelpers, Job } from '../platform/jobs/jobs.service.js';
import type { EmailStatus } from './mail.tables.js';
import { getBranding } from './mail.settings.js';
import { classifySmtpError, getTransport, smtpConnections } from './mail.transport.js';

let fromCache: { at: number; from: string } | null = null;
async function fromAddress(ctx: AppContext): Promise<string> {
  if (!fromCache || Date.now() - fromCache.at > 5000) {
    const b = await getBranding(ctx.db);
    let host = 'keepwell.local';
    try {
      host = new URL(ctx.config.publicUrl).hostname || host;
    } catch {
      /* default */
    }
    fromCache = { at: Date.now(), from: b.from || `"${b.businessName.replace(/["\\]/g, '')}" <no-reply@${host}>` };
  }
  return fromCache.from;
}

interface Finish {
  status: EmailStatus;
  transport: string | null;
  response?: string | null;
  error?: string | null;
  /** timeline entry, when the email belongs to a customer */
  touchpoint?: string;
}

/**
 * Records an email's outcome and completes its job, with the customer's timeline entry, in one
 * transaction (so a crash leaves all three or none); false when the lease was lost.
 */
async function finish(ctx: AppContext, job: Job, workerId: string, emailId: string, source: string | null, f: Finish): Promise<boolean> {
  const now = ctx.now();
  const complete = async (db: Database) => {
    const r = await sql<{ n: number; customer_id: string | null }>`
      with j as (
        update jobs set status = 'done', finished_at = ${now}, locked_until = null
        where id = ${job.id} and locked_by = ${workerId} and status = 'running' returning id),
      e as (
        update emails set status = ${f.status}, transport = ${f.transport}, response = ${f.response ?? null}, error = ${f.error ?? null},
          sent_at = ${f.status === 'sent' ? now : null}
        where id = ${emailId} and exists (select 1 from j) returning customer_id)
      select (select count(*) from j)::int as n, (select customer_id from e) as customer_id`.execute(db);
    const done = r.rows[0];
    if (Number(done?.n ?? 0) !== 1) return false;
    if (f.touchpoint && done.customer_id)
      await recordTouchpoint(db, { customerId: done.customer_id, channel: 'email', direction: 'out', occurredAt: now, summary: f.touchpoint, source: source ?? 'mail' });
    return true;
  };
  // one statement when there is no timeline entry to write; a transaction when there is
  return f.touchpoint ? ctx.db.transaction().execute(complete) : complete(ctx.db);
}

async function refusals(ctx: AppContext, customerIds: string[]): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  if (customerIds.length === 0) return out;
  const rows = await ctx.db.selectFrom('customers').select(['id', 'marketing_consent', 'unsubscribed_at', 'erased_at', 'merged_into']).where('id', 'in', customerIds).execute();
  for (const c of rows) {
    out.set(c.id, c.erased_at || c.merged_into ? 'customer erased or merged' : c.unsubscribed_at ? 'unsubscribed' : !c.marketing_consent ? 'no marketing consent' : null);
  }
  return out;
}

export async function sendEmailBatch(ctx: AppContext, jobs: Job[], h: BatchHelpers): Promise<void> {
  const ids = jobs.map((j) => String(j.payload.emailId ?? ''));
  const uuids = ids.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  const emails = uuids.length ? await ctx.db.selectFrom('emails').selectAll().where('id', 'in', uuids).execute() : [];
  const byId = new Map(emails.map((e) => [e.id, e]));
  const consent = await refusals(ctx, [...new Set(emails.filter((e) => e.kind === 'marketing' && e.customer_id).map((e) => e.customer_id!))]);

  const toSend: { job: Job; email: (typeof emails)[number] }[] = [];
  for (const [i, job] of jobs.entries()) {
    const email = byId.get(ids[i]);
    if (!email || email.status === 'sent' || email.status === 'failed' || email.status === 'cancelled') {
      await sql`update jobs set status = 'done', finished_at = ${ctx.now()}, locked_until = null where id = ${job.id} and locked_by = ${h.workerId}`.execute(ctx.db);
      h.count('skipped');
      continue;
    }
    const refusal =
      email.kind === 'marketing' ? (email.customer_id ? (consent.has(email.customer_id) ? consent.get(email.customer_id)! : 'customer not found') : 'marketing email needs a customer') : null;
    if (refusal) {
      h.count((await finish(ctx, job, h.workerId, email.id, email.source, { status: 'cancelled', transport: null, error: `not sent: ${refusal}` })) ? 'cancelled' : 'lease_lost');
      continue;
    }
    toSend.push({ job, email });
  }
  if (toSend.length === 0) return;
  await ctx.db
    .updateTable('emails')
    .set((eb) => ({ status: 'sending', attempts: eb('attempts', '+', 1) }))
    .where(
      'id',
      'in',
      toSend.map((x) => x.email.id),
    )
    .execute();

  const smtpUrl = ctx.config.smtpUrl;
  const from = await fromAddress(ctx);
  let next = 0;
  const lane = async () => {
    while (next < toSend.length) {
      const { job, email } = toSend[next++];
      try {
        if (!smtpUrl) {
          const ok = await finish(ctx, job, h.workerId, email.id, email.source, { status: 'sent', transport: 'outbox', touchpoint: `Email (outbox): ${email.subject}` });
          h.count(ok ? 'sent' : 'lease_lost');
          continue;
        }
        let info: { response?: string };
        try {
          info = await getTransport(smtpUrl).sendMail({ from, to: email.to_address, subject: email.subject, html: email.html, text: email.text, messageId: email.message_id, headers: email.headers });
        } catch (err) {
          const failure = classifySmtpError(err);
          if (failure.permanent || job.attempts >= job.maxAttempts) {
            const ok = await finish(ctx, job, h.workerId, email.id, email.source, {
              status: 'failed',
              transport: 'smtp',
              error: failure.reason,
              touchpoint: `Email not delivered: ${email.subject} — ${failure.reason}`,
            });
            h.count(ok ? 'rejected' : 'lease_lost');
          } else {
            await ctx.db.updateTable('emails').set({ status: 'queued', error: failure.reason }).where('id', '=', email.id).execute();
            await h.fail(job, err);
          }
          continue;
        }
        const ok = await finish(ctx, job, h.workerId, email.id, email.source, {
          status: 'sent',
          transport: 'smtp',
          response: (info.response ?? '').slice(0, 500),
          touchpoint: `Email sent: ${email.subject}`,
        });
        h.count(ok ? 'sent' : 'lease_lost');
      } catch (err) {
        await h.fail(job, err).catch(() => {});
      }
    }
  };
  await Promise.all(Array.from({ length: smtpUrl ? smtpConnections() : 1 }, lane));
}
