// Canned replies: saved answers with Liquid fields ({{ customer.first_name }}, {{ order.number }},
// {{ promo.code }} …). Inserting one into the reply box renders it for that conversation; it is
// sent only when the agent sends the reply. A reply with a promo percentage makes one code per
// conversation and canned reply (the same code when inserted again).
import type { AppContext } from '../platform/context.js';
import { notFound } from '../platform/http/errors.js';
import { codeForKey } from '../loyalty/index.js';
import { getWorkspace } from '../workspace/index.js';
import { conversationFields, renderText, sampleFields } from './fields.js';

export interface CannedInput {
  title: string;
  body: string;
  promoPercentOff?: number | null;
}

const view = (r: { id: string; title: string; body: string; promo_percent_off: number | null; updated_at: Date }) => ({
  id: r.id,
  title: r.title,
  body: r.body,
  promoPercentOff: r.promo_percent_off,
  updatedAt: r.updated_at,
});

export async function listCanned(ctx: AppContext) {
  const rows = await ctx.db.selectFrom('inbox_canned_replies').select(['id', 'title', 'body', 'promo_percent_off', 'updated_at']).orderBy('title').limit(500).execute();
  return rows.map(view);
}

export async function saveCanned(ctx: AppContext, userId: string, input: CannedInput, id?: string) {
  await renderText('-', input.body, sampleFields, 'body'); // an unknown field is refused now, not when an agent inserts it
  const values = { title: input.title, body: input.body, promo_percent_off: input.promoPercentOff ?? null, updated_at: new Date() };
  if (id) {
    const r = await ctx.db.updateTable('inbox_canned_replies').set(values).where('id', '=', id).returning(['id', 'title', 'body', 'promo_percent_off', 'updated_at']).executeTakeFirst();
    if (!r) throw notFound('Canned reply');
    return view(r);
  }
  const r = await ctx.db
    .insertInto('inbox_canned_replies')
    .values({ ...values, created_by: userId })
    .returning(['id', 'title', 'body', 'promo_percent_off', 'updated_at'])
    .executeTakeFirstOrThrow();
  return view(r);
}

export async function deleteCanned(ctx: AppContext, id: string) {
  const r = await ctx.db.deleteFrom('inbox_canned_replies').where('id', '=', id).executeTakeFirst();
  if (!Number(r.numDeletedRows)) throw notFound('Canned reply');
}

/** The canned reply's text for this conversation, fields filled (for the reply box). */
export async function renderCanned(ctx: AppContext, conversationId: string, cannedId: string, agent: { id: string; name: string }) {
  const c = await ctx.db.selectFrom('inbox_canned_replies').selectAll().where('id', '=', cannedId).executeTakeFirst();
  if (!c) throw notFound('Canned reply');
  const fields = await conversationFields(ctx, conversationId, agent);
  if (c.promo_percent_off && /\bpromo\./.test(c.body)) {
    const conv = await ctx.db.selectFrom('conversations').select('customer_id').where('id', '=', conversationId).executeTakeFirstOrThrow();
    const ws = await getWorkspace(ctx.db);
    const { code } = await codeForKey(ctx.db, `inbox-canned:${conversationId}:${cannedId}`, {
      prefix: 'THANKS',
      use: 'single',
      customerId: conv.customer_id,
      percentOff: c.promo_percent_off,
      currency: ws?.currency ?? 'EUR',
      expiresAt: new Date(ctx.now().getTime() + 90 * 86400_000),
      note: `Canned reply "${c.title}" in conversation ${conversationId}`,
      source: `inbox:${conversationId}`,
      createdBy: agent.id,
    });
    fields.promo = { code: code.code, percent_off: c.promo_percent_off };
  }
  const r = await renderText('-', c.body, fields, 'body');
  return { text: r.text };
}
