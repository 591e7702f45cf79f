// The 'email.send' job: one message, delivered once. Marks the email 'sending' (attempts + 1)
// before talking to the server, and records 'sent' + the timeline touchpoint + job completion
// in one transaction after the server's 250. A message the server rejects fails alone, with its
// reason on the customer's timeline; it never holds back or re-sends the rest of the batch.
import type { Transaction } from 'kysely';
import type { AppContext } from '../context.js';
import type { DB } from '../db/schema.js';
import { LeaseLostError, registerJobHandler, type Job, type JobRun } from '../jobs/jobs.service.js';
import { EMAIL_JOB, marketingRefusal } from './mail.service.js';
import { getBranding } from './mail.settings.js';
import { classifySmtpError, getTransport } from './mail.transport.js';

async function addTouchpoint(trx: Transaction<DB>, customerId: string | null, at: Date, summary: string, source: string | null) {
  if (!customerId) return;
  await trx
    .insertInto('touchpoints')
    .values({ customer_id: customerId, channel: 'email', direction: 'out', occurred_at: at, summary: summary.slice(0, 1000), source: source ?? 'mail' })
    .execute();
}

let brandingCache: { at: number; from: string; name: string } | null = null;
async function fromAddress(ctx: AppContext): Promise<string> {
  if (!brandingCache || Date.now() - brandingCache.at > 5000) {
    const b = await getBranding(ctx.db);
    let host = 'keepwell.local';
    try {
      host = new URL(ctx.config.publicUrl).hostname || host;
    } catch {
      /* default */
    }
    brandingCache = { at: Date.now(), from: b.from || `"${b.businessName.replace(/["\\]/g, '')}" <no-reply@${host}>`, name: b.businessName };
  }
  return brandingCache.from;
}

export async function sendEmailJob(ctx: AppContext, job: Job, run: JobRun): Promise<string> {
  const emailId = String(job.payload.emailId ?? '');
  const email = await ctx.db.selectFrom('emails').selectAll().where('id', '=', emailId).executeTakeFirst();
  if (!email || email.status === 'sent' || email.status === 'failed' || email.status === 'cancelled') return 'skipped';

  if (email.kind === 'marketing') {
    const refusal = await marketingRefusal(ctx, email.customer_id);
    if (refusal) {
      await ctx.db.transaction().execute(async (trx) => {
        await trx.updateTable('emails').set({ status: 'cancelled', error: `not sent: ${refusal}` }).where('id', '=', email.id).execute();
        await run.complete(trx);
      });
      return 'cancelled';
    }
  }

  if (!(await run.extendLease())) throw new LeaseLostError(job.id);
  await ctx.db.updateTable('emails').set({ status: 'sending', attempts: email.attempts + 1 }).where('id', '=', email.id).where('status', 'in', ['queued', 'sending']).execute();

  const now = () => ctx.now();
  if (!ctx.config.smtpUrl) {
    await ctx.db.transaction().execute(async (trx) => {
      await trx.updateTable('emails').set({ status: 'sent', transport: 'outbox', sent_at: now(), error: null }).where('id', '=', email.id).execute();
      await addTouchpoint(trx, email.customer_id, now(), `Email (outbox): ${email.subject}`, email.source);
      await run.complete(trx);
    });
    return 'sent';
  }

  let info: { response?: string; messageId?: string };
  try {
    info = await getTransport(ctx.config.smtpUrl).sendMail({
      from: await fromAddress(ctx),
      to: email.to_address,
      subject: email.subject,
      html: email.html,
      text: email.text,
      messageId: email.message_id,
      headers: email.headers,
    });
  } catch (err) {
    const failure = classifySmtpError(err);
    if (failure.permanent || job.attempts >= job.maxAttempts) {
      await ctx.db.transaction().execute(async (trx) => {
        await trx.updateTable('emails').set({ status: 'failed', transport: 'smtp', error: failure.reason }).where('id', '=', email.id).execute();
        await addTouchpoint(trx, email.customer_id, now(), `Email not delivered: ${email.subject} — ${failure.reason}`, email.source);
        await run.complete(trx);
      });
      return 'rejected';
    }
    await ctx.db.updateTable('emails').set({ status: 'queued', error: failure.reason }).where('id', '=', email.id).execute();
    throw err; // retried with backoff
  }
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('emails')
      .set({ status: 'sent', transport: 'smtp', sent_at: now(), response: (info.response ?? '').slice(0, 500), error: null })
      .where('id', '=', email.id)
      .execute();
    await addTouchpoint(trx, email.customer_id, now(), `Email sent: ${email.subject}`, email.source);
    await run.complete(trx);
  });
  return 'sent';
}

registerJobHandler(EMAIL_JOB, sendEmailJob);
