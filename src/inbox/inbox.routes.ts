// Inbox API for staff (/api/inbox/…, in the OpenAPI document) and the public chat transport
// for the website widget (/p/chat/…, token-scoped, rate-limited).
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../platform/context.js';
import { localDate, wallClockAt } from '../platform/time.js';
import { HttpError, notFound } from '../platform/http/errors.js';
import type { App } from '../platform/http/server.js';
import { chatToken, verifyChatToken, visitorMessages, visitorMessagesWithSeq } from './chat.js';
import { contactPage, formErrorPage, formIssuedAt, formToken, MAX_FILL_MS, MIN_FILL_MS, thanksPage, type FormValues } from './contact-form.js';
import { getWorkspace } from '../workspace/index.js';
import { conversationDetail, customerPanel, listConversations, messageView, views } from './inbox.queries.js';
import {
  addNote,
  assign,
  followMerge,
  logCall,
  mentionHandles,
  mergeConversations,
  openPhoneConversation,
  receiveMessage,
  replyToConversation,
  requestCallBack,
  setStatus,
  updateConversation,
} from './inbox.service.js';
import { deleteCanned, listCanned, renderCanned, saveCanned } from './canned.js';
import { notePresence, noteVisitorTyping, viewersOf } from './presence.js';
import { businessHours, getInboxSettings, inboxSettingsInput, saveInboxSettings, setAway, settingsView } from './inbox.settings.js';
import { checkAckTemplate } from './autoack.js';
import { describe as describeImapError, ImapNotConfigured, imapStatus, pollImap } from './imap.js';
import { channels, priorities, statuses } from './inbox.tables.js';
import { subscribe, usePollContext, type LiveEvent } from './live.js';
import { expectedWait } from './wait.js';
import { serviceMetrics } from './metrics.js';
import { closeAllStreams, openStream, requireEventStream } from './sse.js';

/** A message's text: generous for mail-length replies, refused clearly beyond. */
export const MESSAGE_MAX_CHARS = 20_000;
/** A chat line from a visitor. */
export const CHAT_MAX_CHARS = 5_000;

const idParams = z.object({ id: z.string().uuid('must be a conversation id') });
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'is required')
    .max(max, `is longer than ${max.toLocaleString('en')} characters`);
const callBody = z.object({
  direction: z.enum(['inbound', 'outbound']),
  durationSeconds: z
    .number()
    .int()
    .min(0)
    .max(24 * 3600),
  outcome: z.enum(['answered', 'no_answer', 'voicemail', 'busy', 'callback_requested']),
  notes: z.string().max(MESSAGE_MAX_CHARS, `is longer than ${MESSAGE_MAX_CHARS} characters`).default(''),
});

/** Public chat: per client address, per minute. */
/** The expected wait told to visitors (chat opened, chat status) is read afresh at most this often. */
const PUBLIC_WAIT_MAX_AGE_MS = 60_000;

export const chatOpenLimit = { max: 10, timeWindow: '1 minute' };
export const chatMessageLimit = { max: 60, timeWindow: '1 minute' };
/** Contact form: pages and sends per address per minute. */
export const formPageLimit = { max: 30, timeWindow: '1 minute' };
export const formSendLimit = { max: 5, timeWindow: '1 minute' };

function htmlPage(reply: FastifyReply, status: number, body: string, embed: boolean) {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', embed ? 'ALLOWALL' : 'DENY')
    .header('content-security-policy', `default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors ${embed ? '*' : "'none'"}`)
    .send(body);
}

export async function inboxRoutes(app: App, ctx: AppContext): Promise<void> {
  usePollContext(ctx);
  app.addHook('preClose', async () => closeAllStreams());
  const actor = (req: { user: { id: string; name: string } | null }) => ({ id: req.user!.id, name: req.user!.name });
  const tags = ['inbox'];

  app.get(
    '/api/inbox/conversations',
    {
      config: { access: 'staff' },
      schema: {
        tags,
        summary: 'Conversations: saved views (open, mine, unassigned, breaching soon, pending, snoozed, resolved, all) and filters, newest activity first',
        querystring: z.object({
          view: z.enum(views).default('open'),
          status: z.enum(statuses).optional(),
          channel: z.enum(channels).optional(),
          customerId: z.string().uuid().optional(),
          assigneeUserId: z.string().uuid().optional(),
          q: z.string().max(200).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          cursor: z.string().max(200).optional(),
        }),
      },
    },
    async (req) => {
      const s = await getInboxSettings(ctx.db);
      return listConversations(ctx.db, req.query, req.user!.id, ctx.now(), s.breachingSoonMinutes);
    },
  );

  app.get(
    '/api/inbox/conversations/:id',
    { config: { access: 'staff' }, schema: { tags, summary: 'One conversation with its messages, the customer panel and who else has it open', params: idParams } },
    async (req) => ({ ...(await conversationDetail(ctx.db, req.params.id, ctx.now())), viewers: viewersOf(req.params.id) }),
  );

  app.patch(
    '/api/inbox/conversations/:id',
    {
      config: { access: 'staff' },
      schema: {
        tags,
        summary: 'Set priority or tags',
        params: idParams,
        body: z.object({ priority: z.enum(priorities).optional(), tags: z.array(z.string().trim().min(1).max(50)).max(20).optional() }),
      },
    },
    async (req) => {
      await updateConversation(ctx, req.params.id, req.body);
      return conversationDetail(ctx.db, req.params.id, ctx.now());
    },
  );

  app.post(
    '/api/inbox/conversations/:id/reply',
    {
      config: { access: 'staff' },
      schema: {
        tags,
        summary: "Reply to the customer (email: sent with the thread's headers; chat: delivered live). Then pending the customer unless another status is given",
        params: idParams,
        body: z.object({ text: text(MESSAGE_MAX_CHARS), status: z.enum(['open', 'pending', 'resolved']).optional() }),
      },
    },
    async (req, reply) => {
      const r = await replyToConversation(ctx, req.params.id, actor(req), req.body);
      return reply.code(201).send(r);
    },
  );

  app.post(
    '/api/inbox/conversations/:id/notes',
    { config: { access: 'staff' }, schema: { tags, summary: 'An internal note (never sent, never shown to the customer)', params: idParams, body: z.object({ text: text(MESSAGE_MAX_CHARS) }) } },
    async (req, reply) => reply.code(201).send(await addNote(ctx, req.params.id, actor(req), req.body.text)),
  );

  app.post(
    '/api/inbox/conversations/:id/calls',
    { config: { access: 'staff' }, schema: { tags, summary: 'Log a phone call (inbound/outbound, duration, outcome, notes) into a conversation', params: idParams, body: callBody } },
    async (req, reply) => reply.code(201).send(await logCall(ctx, req.params.id, actor(req), req.body)),
  );

  app.post(
    '/api/inbox/calls',
    {
      config: { access: 'staff' },
      schema: {
        tags,
        summary: 'A new phone conversation with a customer, starting with the call',
        body: z.object({ customerId: z.string().uuid(), subject: z.string().trim().max(300).default('Phone call'), call: callBody }),
      },
    },
    async (req, reply) => reply.code(201).send(await openPhoneConversation(ctx, actor(req), req.body)),
  );

  app.post(
    '/api/inbox/conversations/:id/assign',
    { config: { access: 'staff' }, schema: { tags, summary: 'Assign (or unassign with null)', params: idParams, body: z.object({ assigneeUserId: z.string().uuid().nullable() }) } },
    async (req) => {
      await assign(ctx, req.params.id, req.body.assigneeUserId);
      return conversationDetail(ctx.db, req.params.id, ctx.now());
    },
  );

  app.post(
    '/api/inbox/conversations/:id/status',
    {
      config: { access: 'staff' },
      schema: {
        tags,
        summary: 'Open, pending the customer (SLA clocks pause), snooze until a time, resolve (conversation.resolved) or reopen',
        params: idParams,
        body: z.object({ status: z.enum(statuses), until: z.iso.datetime({ offset: true }).optional() }),
      },
    },
    async (req) => {
      await setStatus(ctx, req.params.id, actor(req), req.body.status, req.body.until ? new Date(req.body.until) : undefined);
      return conversationDetail(ctx.db, req.params.id, ctx.now());
    },
  );

  app.get(
    '/api/inbox/attachments/:id',
    {
      config: { access: 'staff' },
      schema: { tags, summary: 'Download an attachment (staff only; always as a download, never shown inline)', params: z.object({ id: z.string().uuid('must be an attachment id') }) },
    },
    async (req, reply) => {
      const a = await ctx.db.selectFrom('inbox_attachments').select(['filename', 'content_type', 'content', 'size']).where('id', '=', req.params.id).executeTakeFirst();
      if (!a) throw notFound('Attachment');
      const ascii = a.filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
      return reply
        .header('content-type', 'application/octet-stream')
        .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(a.filename)}`)
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cache-control', 'private, no-store')
        .header('x-original-content-type', a.content_type.replace(/[^\x20-\x7e]/g, ''))
        .send(Buffer.from(a.content));
    },
  );

  app.get(
    '/api/inbox/customers/:id',
    {
      config: { access: 'staff' },
      schema: { tags, summary: 'The customer panel: value, recent orders, open tasks, other conversations', params: z.object({ id: z.string().uuid('must be a customer id') }) },
    },
    async (req) => {
      const p = await customerPanel(ctx.db, req.params.id);
      if (!p) throw notFound('Customer');
      return p;
    },
  );

  app.get('/api/inbox/agents', { config: { access: 'staff' }, schema: { tags, summary: 'Staff who can be assigned, with their @mention handle and whether they are away' } }, async () => {
    const users = await ctx.db.selectFrom('users').select(['id', 'name', 'role', 'email']).where('disabled_at', 'is', null).orderBy('name').execute();
    const handles = mentionHandles(users);
    const away = new Set((await getInboxSettings(ctx.db)).routing.away);
    return { agents: users.map((u) => ({ id: u.id, name: u.name, role: u.role, handle: handles.get(u.id)!, away: away.has(u.id) })) };
  });

  // ---------------------------------------------------------------- agent tools
  app.get('/api/inbox/canned', { config: { access: 'staff' }, schema: { tags, summary: 'Canned replies (saved answers with Liquid fields)' } }, async () => ({ canned: await listCanned(ctx) }));
  const cannedBody = z.object({
    title: z.string().trim().min(1, 'is required').max(200),
    body: text(MESSAGE_MAX_CHARS),
    promoPercentOff: z.number().int().min(1).max(100).nullable().optional(),
  });
  const cannedParams = z.object({ id: z.string().uuid('must be a canned reply id') });
  app.post('/api/inbox/canned', { config: { access: 'staff' }, schema: { tags, summary: 'Save a canned reply (fields are checked now)', body: cannedBody } }, async (req, reply) =>
    reply.code(201).send(await saveCanned(ctx, req.user!.id, req.body)),
  );
  app.put('/api/inbox/canned/:id', { config: { access: 'staff' }, schema: { tags, summary: 'Change a canned reply', params: cannedParams, body: cannedBody } }, async (req) =>
    saveCanned(ctx, req.user!.id, req.body, req.params.id),
  );
  app.delete('/api/inbox/canned/:id', { config: { access: 'staff' }, schema: { tags, summary: 'Delete a canned reply', params: cannedParams } }, async (req, reply) => {
    await deleteCanned(ctx, req.params.id);
    return reply.code(204).send();
  });
  app.post(
    '/api/inbox/conversations/:id/canned/:cannedId',
    {
      config: { access: 'staff' },
      schema: {
        tags,
        summary: 'A canned reply filled in for this conversation, for the reply box (not sent)',
        params: z.object({ id: z.string().uuid('must be a conversation id'), cannedId: z.string().uuid('must be a canned reply id') }),
      },
    },
    async (req) => renderCanned(ctx, req.params.id, req.params.cannedId, actor(req)),
  );
  app.post(
    '/api/inbox/conversations/:id/merge',
    {
      config: { access: 'staff' },
      schema: {
        tags,
        summary: 'Merge another conversation of the same customer into this one (its messages move here; it is closed and points here)',
        params: idParams,
        body: z.object({ sourceId: z.string().uuid('must be a conversation id') }),
      },
    },
    async (req) => {
      await mergeConversations(ctx, req.params.id, req.body.sourceId, actor(req));
      return conversationDetail(ctx.db, req.params.id, ctx.now());
    },
  );
  app.post(
    '/api/inbox/conversations/:id/presence',
    {
      config: { access: 'staff' },
      schema: {
        tags,
        summary: 'Say you have this conversation open (a heartbeat), are typing in it, or left: others get a collision warning',
        params: idParams,
        body: z.object({ state: z.enum(['viewing', 'typing', 'left']) }),
      },
    },
    async (req) => {
      const c = await ctx.db.selectFrom('conversations').select('id').where('id', '=', req.params.id).executeTakeFirst();
      if (!c) throw notFound('Conversation');
      return { viewers: notePresence(req.params.id, actor(req), req.body.state) };
    },
  );
  app.get('/api/inbox/me', { config: { access: 'staff' }, schema: { tags, summary: 'Whether you are away (no new conversations routed to you)' } }, async (req) => ({
    away: (await getInboxSettings(ctx.db)).routing.away.includes(req.user!.id),
  }));

  app.get(
    '/api/inbox/settings',
    { config: { access: 'staff' }, schema: { tags, summary: 'Business hours, service-level targets, routing, auto-acknowledgement, IMAP mailbox (never its password)' } },
    async () => settingsView(await getInboxSettings(ctx.db)),
  );
  app.put(
    '/api/inbox/settings',
    { config: { access: 'owner' }, schema: { tags, summary: 'Change the inbox settings (owner); an IMAP password is stored sealed and never shown again', body: inboxSettingsInput } },
    async (req) => {
      const tz = req.body.businessHours?.timeZone;
      if (tz && !Intl.supportedValuesOf('timeZone').concat('UTC').includes(tz))
        throw new HttpError(400, 'validation', 'Invalid input: businessHours.timeZone is not a known IANA time zone', [{ field: 'businessHours.timeZone', message: 'is not a known IANA time zone' }]);
      if (req.body.autoAck) await checkAckTemplate(ctx, { ...(await getInboxSettings(ctx.db)).autoAck, ...req.body.autoAck });
      const saved = await saveInboxSettings(ctx.db, req.body, ctx.secret);
      return settingsView(saved);
    },
  );

  app.get('/api/inbox/imap', { config: { access: 'owner' }, schema: { tags, summary: 'The IMAP mailbox: last UID stored, last poll and its error' } }, async () => imapStatus(ctx));
  app.post('/api/inbox/imap/check', { config: { access: 'owner' }, schema: { tags, summary: 'Fetch new mail from the IMAP mailbox now (also checks the connection)' } }, async () => {
    try {
      return { ok: true, ...(await pollImap(ctx)) };
    } catch (err) {
      if (err instanceof ImapNotConfigured) throw new HttpError(409, 'imap_not_configured', err.message);
      return { ok: false, error: describeImapError(err) };
    }
  });

  app.post(
    '/api/inbox/me/away',
    { config: { access: 'staff' }, schema: { tags, summary: 'Set yourself away (no new conversations routed to you) or back', body: z.object({ away: z.boolean() }) } },
    async (req) => {
      const routing = await setAway(ctx.db, req.user!.id, req.body.away);
      return { away: routing.away.includes(req.user!.id) };
    },
  );

  // Staff live updates: every change to any conversation, as 'change' events (the client refetches what it shows).
  app.get('/api/inbox/stream', { config: { access: 'staff' }, schema: { tags, summary: 'Live changes for staff (server-sent events; open with EventSource)' } }, async (req, reply) => {
    requireEventStream(req);
    const stream = openStream(req, reply);
    stream.send('ready', { at: new Date().toISOString() });
    const off = subscribe(({ chat: _visitorView, ...e }: LiveEvent) => stream.send('change', e));
    stream.onClose(off);
  });

  // ---------------------------------------------------------------- contact form
  const businessName = async () => (await getWorkspace(ctx.db))?.name ?? 'us';
  const embedQuery = z.object({ embed: z.union([z.string(), z.array(z.string())]).optional() });
  const isEmbed = (q: { embed?: string | string[] }) => q.embed === '1';
  app.get('/p/contact', { config: { access: 'public', rateLimit: formPageLimit }, schema: { hide: true, querystring: embedQuery } }, async (req, reply) =>
    htmlPage(reply, 200, contactPage(await businessName(), formToken(ctx.secret, ctx.now().getTime()), isEmbed(req.query)), isEmbed(req.query)),
  );
  app.post('/p/contact', { config: { access: 'public', rateLimit: formSendLimit }, schema: { hide: true, querystring: embedQuery } }, async (req, reply) => {
    const embed = isEmbed(req.query);
    const business = await businessName();
    const b = (req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? req.body : {}) as Record<string, unknown>;
    const str = (k: string, max: number) => (typeof b[k] === 'string' ? (b[k] as string).trim().slice(0, max) : '');
    const values: FormValues = {
      name: str('name', 200),
      email: str('email', 320),
      phone: str('phone', 50),
      subject: str('subject', 300),
      message: typeof b.message === 'string' ? b.message.trim() : '',
      callback: b.callback === '1' || b.callback === 'on',
    };
    const again = (error: string) => htmlPage(reply, 400, contactPage(business, formToken(ctx.secret, ctx.now().getTime()), embed, values, error), embed);
    // A bot filled the hidden field: thank it, store nothing.
    if (str('website', 500)) return htmlPage(reply, 200, thanksPage(business, values.callback ?? false), embed);
    const issuedAt = formIssuedAt(ctx.secret, b.t);
    const age = issuedAt === null ? -1 : ctx.now().getTime() - issuedAt;
    if (issuedAt === null || age > MAX_FILL_MS) return again('This form has expired. Please send it again.');
    if (age < MIN_FILL_MS) return again('That was very fast — please check your message and send it again.');
    if ((values.message ?? '').length > MESSAGE_MAX_CHARS) return again(`The message is too long (${MESSAGE_MAX_CHARS.toLocaleString('en')} characters at most).`);
    if (!values.message && !values.callback) return again('Please write a message.');
    const emailOk = values.email ? z.string().email().safeParse(values.email).success : false;
    if (values.email && !emailOk) return again('That email address does not look right.');
    const phoneDigits = (values.phone ?? '').replace(/\D/g, '');
    if (values.callback && phoneDigits.length < 6) return again('Please give a phone number so we can call you back.');
    if (!emailOk && phoneDigits.length < 6) return again('Please give an email address or a phone number so we can answer.');
    const r = await receiveMessage(ctx, {
      channel: values.callback ? 'phone' : 'form',
      from: { email: emailOk ? values.email : null, phone: phoneDigits.length >= 6 ? values.phone : null, name: values.name || null },
      subject: values.subject || (values.callback ? `Call-back request${values.name ? ` from ${values.name}` : ''}` : `Contact form${values.name ? `: ${values.name}` : ''}`),
      text: [values.callback ? `Please call me back on ${values.phone}.` : '', values.message ?? ''].filter(Boolean).join('\n\n'),
      receivedAt: ctx.now(),
      priority: values.callback ? 'high' : 'normal',
      firstResponseMinutes: values.callback ? (await getInboxSettings(ctx.db)).callBackMinutes : undefined,
      tags: values.callback ? ['call-back'] : ['contact-form'],
    });
    req.log.info({ conversationId: r.conversationId }, 'contact form received');
    return htmlPage(reply, 200, thanksPage(business, values.callback ?? false), embed);
  });
  app.get('/api/inbox/contact-form', { config: { access: 'staff' }, schema: { tags, summary: 'The hosted contact form: its address and an HTML snippet to embed it in a website' } }, async () => {
    const url = `${ctx.config.publicUrl.replace(/\/$/, '')}/p/contact`;
    return { url, embedHtml: `<iframe src="${url}?embed=1" title="Contact us" style="width:100%;max-width:560px;height:760px;border:0" loading="lazy"></iframe>` };
  });

  // ---------------------------------------------------------------- public chat
  const chatOpenBody = z.object({
    name: z.string().trim().max(200).optional(),
    email: z.string().trim().email('is not an email address').max(320).optional(),
    text: text(CHAT_MAX_CHARS),
  });
  app.post(
    '/p/chat/conversations',
    {
      config: { access: 'public', rateLimit: chatOpenLimit },
      schema: { tags: ['chat'], summary: 'A visitor opens a chat: answers a token bound to this conversation (keep it to come back)', body: chatOpenBody },
    },
    async (req, reply) => {
      const r = await receiveMessage(ctx, { channel: 'chat', from: { email: req.body.email ?? null, name: req.body.name ?? null }, subject: '', text: req.body.text, receivedAt: ctx.now() });
      return reply.code(201).send({
        conversationId: r.conversationId,
        token: chatToken(ctx.secret, r.conversationId),
        // a new chat holds just this message (the store answers it as the visitor sees it)
        messages: r.created && r.live ? [r.live.message] : await visitorMessages(ctx, r.conversationId),
        wait: publicWait(await expectedWait(ctx.db, ctx.now(), { maxAgeMs: PUBLIC_WAIT_MAX_AGE_MS })),
      });
    },
  );

  // What a visitor is told before and after writing: open or not, and the expected wait.
  const publicWait = (w: Awaited<ReturnType<typeof expectedWait>>) => ({ open: w.open, nextOpenAt: w.nextOpenAt, expectedMinutes: w.expectedMinutes, message: w.message });
  app.get(
    '/p/chat/status',
    { config: { access: 'public', rateLimit: formPageLimit }, schema: { tags: ['chat'], summary: 'Whether someone is in, and the expected wait for a first reply' } },
    async () => publicWait(await expectedWait(ctx.db, ctx.now(), { maxAgeMs: PUBLIC_WAIT_MAX_AGE_MS })),
  );
  app.get(
    '/api/inbox/metrics',
    {
      config: { access: 'owner' },
      schema: {
        tags,
        summary:
          'Service metrics: first response and resolution (median, p90, business minutes) per channel and agent, first replies within target, reopen rate, conversations per 100 orders, volume by hour',
        querystring: z.object({ from: z.iso.date('must be a date YYYY-MM-DD').optional(), to: z.iso.date('must be a date YYYY-MM-DD').optional() }),
      },
    },
    async (req) => {
      const to = req.query.to ? new Date(`${req.query.to}T00:00:00Z`) : new Date(ctx.now().getTime() + 1);
      const from = req.query.from ? new Date(`${req.query.from}T00:00:00Z`) : new Date(to.getTime() - 30 * 86400_000);
      if (!(from < to) || to.getTime() - from.getTime() > 400 * 86400_000)
        throw new HttpError(400, 'validation', 'Invalid input: from must be before to, at most 400 days apart', [{ field: 'querystring.from', message: 'must be before to, at most 400 days apart' }]);
      return serviceMetrics(ctx.db, from, to, ctx.now());
    },
  );
  app.get('/api/inbox/expected-wait', { config: { access: 'staff' }, schema: { tags, summary: 'The expected wait customers are told, with what it is based on' } }, async () =>
    expectedWait(ctx.db, ctx.now()),
  );

  const tokenOf = (req: { headers: Record<string, unknown> }, fallback?: string) => {
    const h = String(req.headers.authorization ?? '');
    return h.startsWith('Bearer ') ? h.slice(7) : fallback;
  };
  app.post(
    '/p/chat/messages',
    {
      config: { access: 'public', rateLimit: chatMessageLimit },
      schema: { tags: ['chat'], summary: "A visitor's message (token in the body or Authorization: Bearer)", body: z.object({ token: z.string().max(300).optional(), text: text(CHAT_MAX_CHARS) }) },
    },
    async (req, reply) => {
      // The store follows a merge and refuses (403) a conversation that is not a chat, in its transaction.
      const conversationId = verifyChatToken(ctx.secret, tokenOf(req, req.body.token));
      const r = await receiveMessage(ctx, { channel: 'chat', conversationId, visitorChat: true, from: {}, subject: '', text: req.body.text, receivedAt: ctx.now() });
      return reply.code(201).send({ id: r.messageId });
    },
  );

  app.post(
    '/p/chat/typing',
    {
      config: { access: 'public', rateLimit: chatMessageLimit },
      schema: {
        tags: ['chat'],
        summary: 'The visitor is typing (send at most every few seconds while keys are pressed): agents see it in the inbox; nothing is stored',
        body: z.object({ token: z.string().max(300).optional() }),
      },
    },
    async (req, reply) => {
      // The signed token names the conversation: no database read for a keystroke.
      noteVisitorTyping(verifyChatToken(ctx.secret, tokenOf(req, req.body.token)));
      return reply.code(204).send();
    },
  );

  app.post(
    '/p/chat/callback',
    {
      config: { access: 'public', rateLimit: chatOpenLimit },
      schema: {
        tags: ['chat'],
        summary: 'The visitor asks to be called back: a call task with the number, due within the business promise',
        body: z.object({
          token: z.string().max(300).optional(),
          phone: z
            .string()
            .trim()
            .max(50, 'is longer than 50 characters')
            .refine((p) => p.replace(/\D/g, '').length >= 6 && /^[+\d\s()./-]+$/.test(p), 'is not a phone number'),
          note: z.string().trim().max(1000).optional(),
        }),
      },
    },
    async (req, reply) => {
      const conversationId = await followMerge(ctx.db, verifyChatToken(ctx.secret, tokenOf(req, req.body.token)));
      const c = await ctx.db.selectFrom('conversations').select(['channel']).where('id', '=', conversationId).executeTakeFirst();
      if (!c || c.channel !== 'chat') throw new HttpError(403, 'forbidden', 'This chat token is not valid');
      const r = await requestCallBack(ctx, conversationId, { phone: req.body.phone, note: req.body.note });
      const bh = await businessHours(ctx.db);
      const at = wallClockAt(r.dueAt, bh.timeZone);
      const day = localDate(r.dueAt, bh.timeZone) === localDate(ctx.now(), bh.timeZone) ? 'today' : ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][at.weekday];
      const time = `${String(at.hour).padStart(2, '0')}:${String(at.minute).padStart(2, '0')}`;
      return reply.code(201).send({ callBackBy: r.dueAt.toISOString(), message: `Thank you — we will call you back by ${time} ${day} (${bh.timeZone}).` });
    },
  );

  app.get(
    '/p/chat/messages',
    {
      config: { access: 'public', rateLimit: chatMessageLimit },
      schema: {
        tags: ['chat'],
        summary: "The visitor's conversation after a message id (cursor), oldest first",
        querystring: z.object({ token: z.string().max(300).optional(), after: z.string().uuid().optional() }),
      },
    },
    async (req) => {
      const conversationId = await followMerge(ctx.db, verifyChatToken(ctx.secret, tokenOf(req, req.query.token)));
      return { messages: await visitorMessages(ctx, conversationId, req.query.after ?? null) };
    },
  );

  // The visitor's live stream: agents' (and their own) messages as 'message' events with the message id as event id,
  // so a reconnecting EventSource (Last-Event-ID) or a reloaded page (?after=) misses nothing.
  app.get(
    '/p/chat/stream',
    {
      config: { access: 'public', rateLimit: chatMessageLimit },
      schema: { tags: ['chat'], summary: 'Live messages for a visitor (server-sent events)', querystring: z.object({ token: z.string().max(300), after: z.string().uuid().optional() }) },
    },
    async (req, reply) => {
      const tokenFor = verifyChatToken(ctx.secret, req.query.token);
      requireEventStream(req);
      const conversationId = await followMerge(ctx.db, tokenFor);
      const lastEventId = String(req.headers['last-event-id'] ?? '');
      let cursor: string | null = /^[0-9a-f-]{36}$/i.test(lastEventId) ? lastEventId : (req.query.after ?? null);
      const stream = openStream(req, reply);
      let busy = false;
      let again = false;
      /** the seq of the last message sent (the cursor's), once a read has told it */
      let cursorSeq: number | null = null;
      const flush = async () => {
        if (busy) {
          again = true;
          return;
        }
        busy = true;
        try {
          do {
            again = false;
            const fresh = await visitorMessagesWithSeq(ctx, conversationId, cursor);
            for (const { seq, message: m } of fresh) {
              stream.send('message', m, m.id);
              cursor = m.id;
              cursorSeq = seq;
            }
          } while (again && !stream.closed());
        } catch {
          /* database closing: the client reconnects */
        } finally {
          busy = false;
        }
      };
      const off = subscribe((e) => {
        if (e.conversationId !== conversationId) return;
        // An agent typing here: the widget shows "Alex is typing…" for a few seconds (no id: not a message to resume after).
        if (e.change === 'typing') {
          if (e.typist?.side === 'agent') stream.send('typing', { name: e.typist.name });
          return;
        }
        if (e.authorKind === 'note' || e.change === 'presence') return;
        // The message that directly follows the last one sent, carried by the event: sent as is (no
        // read). Already sent (a read got it first): nothing. Anything else (a gap, a change without
        // the message, another process's write): read after the cursor as before.
        const c = e.chat;
        if (c && !busy && cursorSeq !== null) {
          if (c.seq <= cursorSeq) return;
          if (c.prevSeq === cursorSeq) {
            stream.send('message', c.message, c.message.id);
            cursor = c.message.id;
            cursorSeq = c.seq;
            return;
          }
        }
        void flush();
      });
      stream.onClose(off);
      await flush();
    },
  );
}
