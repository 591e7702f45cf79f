// Outgoing email: queue (idempotent, consent and frequency cap checked) and deliver (a job per
// message, SMTP via nodemailer or the local outbox).
//
// Delivery guarantee (see also mail.job.ts):
// - Never lost: queueing writes the email and its 'email.send' job in one transaction; a worker
//   that dies leaves the job leased, and when the lease passes another worker retries it.
// - Never sent twice by Keepwell: an email is marked sent in the same transaction that completes
//   its job, and a job is only retried when that transaction never committed. The one window
//   left is the one SMTP itself has (RFC 1047): the mail server accepted the message (250) and
//   the worker died before its commit — a few milliseconds per message. A retry then carries the
//   same deterministic Message-ID, so receiving systems that de-duplicate by Message-ID drop it;
//   such retries are visible as emails with attempts > 1.
import { sql } from 'kysely';
import { z } from 'zod';
import type { AppContext } from '../platform/context.js';
import { drainJobs, enqueueJob } from '../platform/jobs/jobs.service.js';
import { brandHtml, brandText, isFullDocument } from './mail.layout.js';
import { unsubscribeUrl } from './mail.links.js';
import { getBranding, getMailSettings } from './mail.settings.js';

export interface OutgoingEmail {
  to: string;
  subject: string;
  html: string;
  text: string;
  kind: 'marketing' | 'transactional';
  customerId?: string | null;
  idempotencyKey: string;
  source?: string;
  /** extra headers (threading: In-Reply-To, References); names and values on one line each */
  headers?: Record<string, string>;
}

export interface QueueResult {
  id: string | null;
  queued: boolean;
  reason?: string;
}

export const EMAIL_JOB = 'email.send';

const outgoingSchema = z.object({
  to: z.string().trim().email('is not an email address').max(320),
  subject: z.string().trim().min(1, 'is required').max(500),
  html: z.string().max(1_000_000),
  text: z.string().max(1_000_000),
  kind: z.enum(['marketing', 'transactional']),
  customerId: z.string().uuid().nullable().optional(),
  idempotencyKey: z.string().min(1, 'is required').max(500),
  source: z.string().max(200).optional(),
  headers: z
    .record(
      z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,60}$/, 'must be a header name'),
      z
        .string()
        .max(8000)
        .regex(/^[^\r\n]*$/, 'must be one line'),
    )
    .refine((h) => Object.keys(h).length <= 20, 'has too many headers')
    .optional(),
});

export class EmailInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field} ${message}`);
  }
}

export function messageIdFor(emailId: string, publicUrl: string): string {
  let host = 'keepwell.local';
  try {
    host = new URL(publicUrl).hostname || host;
  } catch {
    /* keep default */
  }
  return `<${emailId}@${host}>`;
}

/** Why a marketing email may not go to this customer now, or null when it may. */
export async function marketingRefusal(ctx: AppContext, customerId: string | null | undefined): Promise<string | null> {
  if (!customerId) return 'marketing email needs a customer (for consent)';
  const c = await ctx.db.selectFrom('customers').select(['marketing_consent', 'unsubscribed_at', 'erased_at', 'merged_into']).where('id', '=', customerId).executeTakeFirst();
  if (!c) return 'customer not found';
  if (c.erased_at || c.merged_into) return 'customer erased or merged';
  if (c.unsubscribed_at) return 'unsubscribed';
  if (!c.marketing_consent) return 'no marketing consent';
  return null;
}

/**
 * Queues one email. Idempotent on idempotencyKey (a second call answers reason 'duplicate').
 * Marketing mail is refused without consent, after an unsubscribe, or over the workspace's
 * weekly cap, and gets a signed one-click unsubscribe link and List-Unsubscribe headers.
 */
export async function queueEmail(ctx: AppContext, email: OutgoingEmail): Promise<QueueResult> {
  const parsed = outgoingSchema.safeParse(email);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EmailInputError(String(issue.path[0] ?? 'email'), issue.message);
  }
  const e = parsed.data;
  const now = ctx.now();
  const existing = await ctx.db.selectFrom('emails').select('id').where('idempotency_key', '=', e.idempotencyKey).executeTakeFirst();
  if (existing) return { id: existing.id, queued: false, reason: 'duplicate' };

  const branding = await getBranding(ctx.db);
  let unsubscribe: string | null = null;
  let cap = 0;
  if (e.kind === 'marketing') {
    const refusal = await marketingRefusal(ctx, e.customerId);
    if (refusal) return { id: null, queued: false, reason: refusal };
    unsubscribe = unsubscribeUrl(ctx.config.publicUrl, ctx.secret, e.customerId!);
    cap = (await getMailSettings(ctx.db)).marketingPerWeek;
  }
  const html = isFullDocument(e.html) ? e.html : brandHtml(branding, e.subject, e.html, unsubscribe);
  const text = brandText(branding, e.text, unsubscribe);
  const headers: Record<string, string> = { ...(e.headers ?? {}), 'X-Keepwell-Kind': e.kind };
  if (unsubscribe) {
    headers['List-Unsubscribe'] = `<${unsubscribe}>`;
    headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  }

  return ctx.db.transaction().execute(async (trx) => {
    if (e.kind === 'marketing') {
      // One customer's cap is checked and used under a lock, so two workers cannot both take the last slot.
      await sql`select pg_advisory_xact_lock(hashtext(${e.customerId!}))`.execute(trx);
      const since = new Date(now.getTime() - 7 * 86400_000);
      const row = await trx
        .selectFrom('emails')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('customer_id', '=', e.customerId!)
        .where('kind', '=', 'marketing')
        .where('created_at', '>', since)
        .where('status', 'not in', ['failed', 'cancelled'])
        .executeTakeFirstOrThrow();
      if (Number(row.n) >= cap) return { id: null, queued: false, reason: `frequency cap: at most ${cap} marketing emails per customer a week` };
    }
    const id = crypto.randomUUID();
    const inserted = await trx
      .insertInto('emails')
      .values({
        id,
        idempotency_key: e.idempotencyKey,
        customer_id: e.customerId ?? null,
        to_address: e.to,
        subject: e.subject,
        html,
        text,
        kind: e.kind,
        source: e.source ?? null,
        message_id: messageIdFor(id, ctx.config.publicUrl),
        headers: JSON.stringify(headers),
        created_at: now,
      })
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) return { id: null, queued: false, reason: 'duplicate' };
    await enqueueJob(trx, { kind: EMAIL_JOB, key: `email:${id}`, payload: { emailId: id }, runAt: now, maxAttempts: 8 });
    return { id, queued: true };
  });
}

/** Drains the email jobs that are due now (tests and the CLI call this; the worker does it in the background). */
export async function deliverPendingEmails(ctx: AppContext, options: { limit?: number; concurrency?: number } = {}): Promise<{ sent: number; failed: number }> {
  const limit = options.limit ?? 100_000;
  const batch = Math.min(50, limit);
  const r = await drainJobs(ctx, { kinds: [EMAIL_JOB], limit: batch, concurrency: options.concurrency ?? 4, maxBatches: Math.ceil(limit / batch) });
  return { sent: r.outcomes.sent ?? 0, failed: (r.outcomes.failed ?? 0) + (r.outcomes.rejected ?? 0) };
}
