// Mail routes: the public one-click unsubscribe page (RFC 8058: GET shows a button, POST
// unsubscribes — mail clients POST `List-Unsubscribe=One-Click` to the same address), the
// outbox the owner reads when no SMTP server is set, and mail settings.
import { z } from 'zod';
import type { AppContext } from '../platform/context.js';
import { notFound } from '../platform/http/errors.js';
import type { App } from '../platform/http/server.js';
import { escapeHtml } from './mail.layout.js';
import { verifyUnsubscribeToken } from './mail.links.js';
import { getMailSettings, mailSettingsInput, saveMailSettings } from './mail.settings.js';
import { recordTouchpoint, withdrawMarketingConsent } from '../customers/index.js';
import { getWorkspace } from '../workspace/index.js';

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>body{font-family:system-ui,sans-serif;background:#f6f7f9;color:#1d2433;display:flex;justify-content:center;padding:3rem 1rem}
main{background:#fff;border:1px solid #e4e7ec;border-radius:10px;padding:1.5rem 2rem;max-width:460px}button{font:inherit;padding:.5rem 1rem;border-radius:6px;border:1px solid #2f6fdf;background:#2f6fdf;color:#fff;cursor:pointer}</style></head>
<body><main>${body}</main></body></html>`;
}

/** Withdraws marketing consent; returns false when the customer does not exist. */
export async function unsubscribeCustomer(ctx: AppContext, customerId: string, how: string): Promise<boolean> {
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.now();
    const done = await withdrawMarketingConsent(trx, customerId, now);
    if (done !== 'withdrawn') return done === 'already';
    await recordTouchpoint(trx, { customerId, channel: 'email', direction: 'in', occurredAt: now, summary: `Unsubscribed from marketing email (${how})`, source: 'unsubscribe' });
    return true;
  });
}

export async function mailRoutes(app: App, ctx: AppContext): Promise<void> {
  const tokenParams = z.object({ token: z.string().max(200) });
  const invalid = (reply: { code(n: number): { type(t: string): { send(b: string): unknown } } }) =>
    reply.code(404).type('text/html').send(page('Link not valid', '<h1>This link is not valid</h1><p>It may have been copied incompletely. Use the link in the most recent email.</p>'));

  app.get('/p/unsubscribe/:token', { config: { access: 'public', rateLimit: { max: 60, timeWindow: '1 minute' } }, schema: { params: tokenParams, hide: true } }, async (req, reply) => {
    const id = verifyUnsubscribeToken(ctx.secret, req.params.token);
    const c = id ? await ctx.db.selectFrom('customers').select(['unsubscribed_at']).where('id', '=', id).executeTakeFirst() : undefined;
    if (!c) return invalid(reply);
    const business = escapeHtml((await getWorkspace(ctx.db))?.name ?? 'us');
    if (c.unsubscribed_at) return reply.type('text/html').send(page('Unsubscribed', `<h1>You are unsubscribed</h1><p>You will get no more marketing email from ${business}.</p>`));
    return reply.type('text/html').send(
      page(
        'Unsubscribe',
        `<h1>Unsubscribe</h1><p>Stop marketing email from ${business}? Replies and receipts still reach you.</p>
<form method="post" action="/p/unsubscribe/${encodeURIComponent(req.params.token)}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`,
      ),
    );
  });

  app.post('/p/unsubscribe/:token', { config: { access: 'public', rateLimit: { max: 60, timeWindow: '1 minute' } }, schema: { params: tokenParams, hide: true } }, async (req, reply) => {
    const id = verifyUnsubscribeToken(ctx.secret, req.params.token);
    if (!id || !(await unsubscribeCustomer(ctx, id, 'one-click link'))) return invalid(reply);
    const business = escapeHtml((await getWorkspace(ctx.db))?.name ?? 'us');
    return reply.type('text/html').send(page('Unsubscribed', `<h1>You are unsubscribed</h1><p>You will get no more marketing email from ${business}.</p>`));
  });

  const listQuery = z.object({
    status: z.enum(['queued', 'sending', 'sent', 'failed', 'cancelled']).optional(),
    customerId: z.string().uuid().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  });
  app.get('/api/outbox', { config: { access: 'staff' }, schema: { querystring: listQuery, tags: ['mail'], summary: 'Outgoing email, newest first' } }, async (req) => {
    let q = ctx.db
      .selectFrom('emails')
      .leftJoin('customers', 'customers.id', 'emails.customer_id')
      .select([
        'emails.id',
        'emails.to_address',
        'emails.subject',
        'emails.kind',
        'emails.status',
        'emails.transport',
        'emails.source',
        'emails.error',
        'emails.attempts',
        'emails.created_at',
        'emails.sent_at',
        'emails.customer_id',
        'customers.name as customer_name',
      ])
      .orderBy('emails.created_at', 'desc')
      .limit(req.query.limit);
    if (req.query.status) q = q.where('emails.status', '=', req.query.status);
    if (req.query.customerId) q = q.where('emails.customer_id', '=', req.query.customerId);
    const counts = await ctx.db
      .selectFrom('emails')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    return {
      smtp: Boolean(ctx.config.smtpUrl),
      counts: Object.fromEntries(counts.map((c) => [c.status, Number(c.n)])),
      emails: (await q.execute()).map((e) => ({
        id: e.id,
        to: e.to_address,
        subject: e.subject,
        kind: e.kind,
        status: e.status,
        transport: e.transport,
        source: e.source,
        error: e.error,
        attempts: e.attempts,
        createdAt: e.created_at,
        sentAt: e.sent_at,
        customerId: e.customer_id,
        customerName: e.customer_name,
      })),
    };
  });

  app.get('/api/outbox/:id', { config: { access: 'staff' }, schema: { params: z.object({ id: z.string().uuid() }), tags: ['mail'], summary: 'One email with its HTML and text' } }, async (req) => {
    const e = await ctx.db.selectFrom('emails').selectAll().where('id', '=', req.params.id).executeTakeFirst();
    if (!e) throw notFound('Email');
    return {
      id: e.id,
      to: e.to_address,
      subject: e.subject,
      html: e.html,
      text: e.text,
      kind: e.kind,
      status: e.status,
      headers: e.headers,
      messageId: e.message_id,
      error: e.error,
      createdAt: e.created_at,
      sentAt: e.sent_at,
    };
  });

  app.get('/api/mail/settings', { config: { access: 'staff' }, schema: { tags: ['mail'] } }, async () => ({ ...(await getMailSettings(ctx.db)), smtp: Boolean(ctx.config.smtpUrl) }));
  app.put('/api/mail/settings', { config: { access: 'owner' }, schema: { body: mailSettingsInput, tags: ['mail'] } }, async (req) => saveMailSettings(ctx.db, req.body));
}
