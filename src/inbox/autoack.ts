// The auto-acknowledgement: when the owner turns it on, a new email conversation gets one mail
// saying it arrived and when to expect an answer (the expected wait, or "nobody is in" with the
// next opening). Sent from the conversation.opened subscriber (at least once; the email's
// idempotency key makes it exactly once), threaded under the customer's mail. Never to
// automatic mail (auto-replies, bounces, lists) nor to no-reply senders, so two robots never
// answer each other; it is not a first response and stops no clock.
import { messageIdFor, queueEmail } from '../mail/index.js';
import type { AppContext } from '../platform/context.js';
import { safeHtmlFromText } from './fold.js';
import { conversationFields, renderText, sampleFields } from './fields.js';
import { defaultInboxSettings, getInboxSettings, type AutoAckSettings } from './inbox.settings.js';
import { replyReferences, replySubject } from './threading.js';

const noReply = /^(no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer-daemon|postmaster|bounces?)([+@-]|$)/i;

/** Checks a template against sample fields (an unknown field is a 400 naming it). */
export async function checkAckTemplate(_ctx: AppContext, t: Pick<AutoAckSettings, 'subject' | 'text'>): Promise<void> {
  await renderText(t.subject, t.text, sampleFields, 'autoAck');
}

export type AckOutcome = 'sent' | 'off' | 'not_email' | 'automatic' | 'no_reply_address' | 'already';

export async function acknowledge(ctx: AppContext, conversationId: string): Promise<AckOutcome> {
  const s = (await getInboxSettings(ctx.db)).autoAck;
  if (!s.enabled) return 'off';
  const c = await ctx.db.selectFrom('conversations').select(['id', 'channel', 'automatic', 'reply_to_address', 'subject', 'customer_id']).where('id', '=', conversationId).executeTakeFirst();
  if (!c || c.channel !== 'email') return 'not_email';
  const first = await ctx.db
    .selectFrom('messages')
    .select(['automatic', 'email_message_id', 'email_references', 'from_address'])
    .where('conversation_id', '=', conversationId)
    .where('author_kind', '=', 'customer')
    .orderBy('seq')
    .limit(1)
    .executeTakeFirst();
  if (c.automatic || !first || first.automatic) return 'automatic';
  const to = c.reply_to_address ?? first.from_address;
  if (!to || noReply.test(to.split('@')[0] ?? '')) return 'no_reply_address';
  const already = await ctx.db
    .selectFrom('messages')
    .select('id')
    .where('conversation_id', '=', conversationId)
    .where('author_kind', '=', 'system')
    .where('email_id', 'is not', null)
    .limit(1)
    .executeTakeFirst();
  if (already) return 'already';
  const fields = await conversationFields(ctx, conversationId, null);
  // Checked when saved; should it fail now (a field gone), the default wording goes instead of nothing.
  const r = await renderText(s.subject, s.text, fields, 'autoAck').catch(() => renderText(defaultInboxSettings.autoAck.subject, defaultInboxSettings.autoAck.text, fields, 'autoAck'));
  const headers: Record<string, string> = { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' };
  if (first.email_message_id) {
    headers['In-Reply-To'] = first.email_message_id;
    headers.References = replyReferences(first.email_references ?? [], first.email_message_id).join(' ');
  }
  const q = await queueEmail(ctx, {
    to,
    subject: r.subject.trim() || replySubject(c.subject),
    text: r.text,
    html: safeHtmlFromText(r.text),
    kind: 'transactional',
    customerId: null,
    idempotencyKey: `inbox-ack:${conversationId}`,
    source: `inbox:${conversationId}`,
    headers,
  });
  if (!q.id) return 'no_reply_address';
  // Shown in the thread (staff only, like a note), once.
  await ctx.db.transaction().execute(async (trx) => {
    const dup = await trx.selectFrom('messages').select('id').where('conversation_id', '=', conversationId).where('email_id', '=', q.id).limit(1).executeTakeFirst();
    if (dup) return;
    await trx
      .insertInto('messages')
      .values({
        conversation_id: conversationId,
        author_kind: 'system',
        user_id: null,
        body_text: `Acknowledgement sent to ${to}: ${r.text}`.slice(0, 20_000),
        body_html_sanitised: safeHtmlFromText(`Acknowledgement sent to ${to}: ${r.text}`.slice(0, 20_000)),
        email_id: q.id,
        email_message_id: messageIdFor(q.id!, ctx.config.publicUrl),
        attachments: '[]',
        created_at: ctx.now(),
      })
      .execute();
  });
  return 'sent';
}
