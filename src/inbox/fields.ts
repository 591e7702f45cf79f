// The Liquid fields of canned replies and the auto-acknowledgement, filled per conversation:
// customer, their last order, the business, the agent, the conversation and the expected wait.
// Rendering is the playbooks' template worker (strict: an unknown field is an error naming it).
import type { AppContext } from '../platform/context.js';
import { HttpError } from '../platform/http/errors.js';
import { renderEmail, TemplateError } from '../playbooks/index.js';
import { getWorkspace } from '../workspace/index.js';
import { expectedWait } from './wait.js';

export interface Fields {
  customer: { name: string; first_name: string; email: string; phone: string };
  order: { amount: string; date: string; number: string };
  business: { name: string };
  agent: { name: string; first_name: string };
  conversation: { subject: string };
  wait: string;
  promo: { code: string; percent_off: number | string };
}

const money = (minor: number, currency: string) => {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).format(minor / 100);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
};

/** Fields with made-up values: templates are checked against these when saved. */
export const sampleFields: Fields = {
  customer: { name: 'Alex Example', first_name: 'Alex', email: 'alex@example.com', phone: '+31 6 1234 5678' },
  order: { amount: '€120.00', date: '2026-11-02', number: 'A-1042' },
  business: { name: 'Your business' },
  agent: { name: 'Sam Agent', first_name: 'Sam' },
  conversation: { subject: 'Where is my order?' },
  wait: 'We usually reply within about an hour.',
  promo: { code: 'THANKS-7K2QXM', percent_off: 10 },
};

export async function conversationFields(ctx: AppContext, conversationId: string, agent: { name: string } | null): Promise<Fields> {
  const c = await ctx.db
    .selectFrom('conversations as c')
    .innerJoin('customers as cu', 'cu.id', 'c.customer_id')
    .select(['c.subject', 'c.customer_id', 'cu.name', 'cu.email', 'cu.phone'])
    .where('c.id', '=', conversationId)
    .executeTakeFirst();
  if (!c) throw new HttpError(404, 'not_found', 'Conversation not found');
  const [order, ws, wait] = await Promise.all([
    ctx.db.selectFrom('orders').select(['amount_minor', 'currency', 'ordered_at', 'external_id']).where('customer_id', '=', c.customer_id).orderBy('ordered_at', 'desc').limit(1).executeTakeFirst(),
    getWorkspace(ctx.db),
    expectedWait(ctx.db, ctx.now()),
  ]);
  const name = c.name?.trim() || '';
  return {
    customer: { name, first_name: name.split(/\s+/)[0] || 'there', email: c.email ?? '', phone: c.phone ?? '' },
    order: order
      ? { amount: money(Number(order.amount_minor), order.currency), date: new Date(order.ordered_at).toISOString().slice(0, 10), number: order.external_id ?? '' }
      : { amount: '', date: '', number: '' },
    business: { name: ws?.name ?? '' },
    agent: { name: agent?.name ?? '', first_name: agent?.name.split(/\s+/)[0] ?? '' },
    conversation: { subject: c.subject },
    wait: wait.message,
    promo: { code: '', percent_off: '' },
  };
}

/** Renders a subject and text with the fields; a template error is a 400 naming the part. */
export async function renderText(subject: string, text: string, fields: Fields, what: string): Promise<{ subject: string; text: string }> {
  try {
    const r = await renderEmail({ subject, html: '', text }, fields as unknown as Record<string, unknown>);
    return { subject: r.subject, text: r.text };
  } catch (err) {
    if (err instanceof TemplateError) {
      const field = `${what}.${err.part === 'subject' ? 'subject' : 'text'}`;
      throw new HttpError(400, 'validation', `Invalid input: ${field}: ${err.message.replace(/^\w+: /, '')}`, [{ field, message: err.message.replace(/^\w+: /, '') }]);
    }
    throw err;
  }
}
