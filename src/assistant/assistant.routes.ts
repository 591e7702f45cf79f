// HTTP: the knowledge base, the "try it" box, settings, figures and learning for staff
// (/api/assistant/…), and the public side of the website widget: /widget.js (the script tag),
// the chat frame it opens (/p/assistant/frame, our own page in an iframe, so the host page's
// scripts and styles cannot reach it) and its JSON calls (/p/assistant/…, token-scoped).
import fs from 'node:fs';
import { z } from 'zod';
import { audit } from '../accounts/index.js';
import type { AppContext } from '../platform/context.js';
import type { App } from '../platform/http/server.js';
import { createEntry, deleteEntry, entriesToCsv, entryInput, getEntry, importEntriesCsv, knowledge, listEntries, stopKnowledge, updateEntry } from './assistant.kb.js';
import { learn, learnInput, teamAnswers, unansweredGroups } from './assistant.learn.js';
import { answer, assistantMetrics, chatView, rate, requestPerson, understand, verifyAssistantToken, widgetConfig } from './assistant.service.js';
import { assistantSettingsInput, getAssistantSettings, publicSettings, saveAssistantSettings } from './assistant.settings.js';
import { entryStatuses } from './assistant.tables.js';
import { planReply } from './conversation.js';
import { answerText } from './markdown.js';
import { widgetCss } from './widget/widget.styles.js';

const tags = ['assistant'];
const idParams = z.object({ id: z.string().uuid('must be an entry id') });
/** Per visitor address, per minute. */
const chatLimit = { max: 60, timeWindow: '1 minute' };
const pageLimit = { max: 120, timeWindow: '1 minute' };

const widgetFile = (name: string) => fs.readFileSync(new URL(`./widget/${name}`, import.meta.url), 'utf8');
let scripts: { loader: string; frame: string } | null = null;
const widgetScripts = () => (scripts ??= { loader: widgetFile('loader.mjs'), frame: widgetFile('frame.mjs') });

const visitorText = z.string().max(20_000, 'is longer than 20,000 characters');
const token = z.string().max(300);

export async function assistantRoutes(app: App, ctx: AppContext): Promise<void> {
  app.addHook('onClose', async () => stopKnowledge(ctx.db));
  // ---- knowledge base ---------------------------------------------------------------------------
  app.get(
    '/api/assistant/entries',
    {
      config: { access: 'staff' },
      schema: {
        tags,
        summary: 'FAQ entries (search in questions, phrasings, answers and tags)',
        querystring: z.object({ q: z.string().max(200).optional(), status: z.enum(entryStatuses).optional(), tag: z.string().max(50).optional() }),
      },
    },
    async (req) => ({ entries: await listEntries(ctx.db, req.query) }),
  );
  app.post('/api/assistant/entries', { config: { access: 'staff' }, schema: { tags, summary: 'A new FAQ entry', body: entryInput } }, async (req, reply) => {
    const e = await createEntry(ctx.db, req.body, ctx.now());
    await audit(ctx.db, req, 'assistant.entry.create', e.id, { question: e.question });
    return reply.code(201).send(e);
  });
  app.get('/api/assistant/entries/:id', { config: { access: 'staff' }, schema: { tags, summary: 'One FAQ entry', params: idParams } }, async (req) => getEntry(ctx.db, req.params.id));
  app.patch(
    '/api/assistant/entries/:id',
    { config: { access: 'staff' }, schema: { tags, summary: 'Change an FAQ entry (takes effect at once)', params: idParams, body: entryInput.partial() } },
    async (req) => {
      const body = Object.fromEntries(Object.entries(req.body).filter(([k]) => k in (req.body as object) && (req.body as Record<string, unknown>)[k] !== undefined));
      return updateEntry(ctx.db, req.params.id, body, ctx.now());
    },
  );
  app.delete('/api/assistant/entries/:id', { config: { access: 'staff' }, schema: { tags, summary: 'Delete an FAQ entry', params: idParams } }, async (req, reply) => {
    await deleteEntry(ctx.db, req.params.id);
    await audit(ctx.db, req, 'assistant.entry.delete', req.params.id);
    return reply.code(204).send();
  });
  app.get('/api/assistant/entries.csv', { config: { access: 'staff' }, schema: { tags, summary: 'Export the FAQ as CSV (id,question,phrasings,answer,tags,links,status)' } }, async (_req, reply) =>
    reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="faq.csv"')
      .send(entriesToCsv(await listEntries(ctx.db))),
  );
  app.post(
    '/api/assistant/entries/import',
    {
      config: { access: 'staff' },
      schema: {
        tags,
        summary: 'Import FAQ entries from CSV (rows with a known id update that entry); each bad row is reported by line, the good ones are saved',
        body: z.object({ csv: z.string().min(1, 'is required').max(5_000_000, 'is larger than 5 MB') }),
      },
    },
    async (req) => {
      const r = await importEntriesCsv(ctx.db, req.body.csv, ctx.now());
      await audit(ctx.db, req, 'assistant.entries.import', null, { created: r.created, updated: r.updated, errors: r.errors.length });
      return r;
    },
  );

  // ---- try it -----------------------------------------------------------------------------------
  app.post(
    '/api/assistant/try',
    {
      config: { access: 'staff' },
      schema: {
        tags,
        summary: 'What the assistant would do with a message (published entries), with its confidence',
        body: z.object({ message: visitorText.pipe(z.string().trim().min(1, 'is required')) }),
      },
    },
    async (req) => {
      const k = await knowledge(ctx.db, { fresh: true });
      const u = await understand(k, req.body.message);
      const entry = (id: string) => {
        const e = k.entries.get(id);
        return e && { id: e.id, question: e.question, text: answerText(e.answer) };
      };
      const plan = planReply({ tone: 'warm', unsureStreak: 0 }, { message: req.body.message, decision: u.decision, frustrated: u.tone.frustrated, wantsPerson: u.wantsPerson, entry });
      const c = k.calibration;
      return {
        decision: u.decision.kind,
        confidence: u.decision.confidence,
        ranked: u.decision.ranked.map((r) => ({ entryId: r.entryId, question: k.entries.get(r.entryId)?.question ?? '', score: r.score })),
        entry: plan.entryId ? (k.entries.get(plan.entryId) ?? null) : null,
        reply: plan.kind,
        replyText: plan.reply,
        options: plan.options,
        tone: { frustrated: u.tone.frustrated, cues: u.tone.cues },
        wantsPerson: u.wantsPerson,
        thresholds: { answer: c.answerThreshold, clarify: c.clarifyThreshold },
        entries: k.entries.size,
        thread: k.thread,
      };
    },
  );

  // ---- settings ---------------------------------------------------------------------------------
  app.get('/api/assistant/settings', { config: { access: 'staff' }, schema: { tags, summary: 'Assistant settings (the endpoint key is never shown)' } }, async () =>
    publicSettings(await getAssistantSettings(ctx.db)),
  );
  app.put('/api/assistant/settings', { config: { access: 'owner' }, schema: { tags, summary: 'Change the assistant settings', body: assistantSettingsInput } }, async (req) => {
    const s = await saveAssistantSettings(ctx.db, req.body);
    await audit(ctx.db, req, 'assistant.settings', null, { enabled: s.enabled, llm: s.llm.enabled, origins: s.allowedOrigins.length });
    return publicSettings(s);
  });

  // ---- figures and learning ---------------------------------------------------------------------
  app.get(
    '/api/assistant/metrics',
    {
      config: { access: 'staff' },
      schema: { tags, summary: 'Containment (chats without a person), helpfulness, decisions, per day', querystring: z.object({ days: z.coerce.number().int().min(1).max(365).default(30) }) },
    },
    async (req) => assistantMetrics(ctx, req.query.days),
  );
  app.get(
    '/api/assistant/unanswered',
    { config: { access: 'staff' }, schema: { tags, summary: 'Questions the assistant could not answer, grouped by meaning, with the closest entry' } },
    async () => ({
      groups: await unansweredGroups(ctx),
    }),
  );
  app.get(
    '/api/assistant/team-answers',
    { config: { access: 'staff' }, schema: { tags, summary: "Chats a person took over and answered: the question and the agent's reply, to save as an entry" } },
    async () => ({
      answers: await teamAnswers(ctx),
    }),
  );
  app.post(
    '/api/assistant/unanswered/learn',
    { config: { access: 'staff' }, schema: { tags, summary: 'Turn unanswered questions into a new entry or new phrasings of an entry, or dismiss them', body: learnInput } },
    async (req) => {
      const r = await learn(ctx, req.body);
      await audit(ctx.db, req, `assistant.learn.${req.body.mode}`, r.entryId, { questions: r.marked });
      return r;
    },
  );

  // ---- the widget (public) ----------------------------------------------------------------------
  const jsHeaders = { 'content-type': 'text/javascript; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'public, max-age=300' };
  app.get(
    '/widget.js',
    {
      config: { access: 'public', rateLimit: pageLimit },
      schema: { tags: ['chat'], summary: 'The website widget: <script src=".../widget.js?key=KEY" async></script>', querystring: z.object({ key: z.string().max(100).optional() }) },
    },
    async (_req, reply) => reply.headers({ ...jsHeaders, 'access-control-allow-origin': '*', 'cross-origin-resource-policy': 'cross-origin' }).send(widgetScripts().loader),
  );
  app.get('/p/assistant/frame.js', { config: { access: 'public', rateLimit: pageLimit }, schema: { hide: true } }, async (_req, reply) => reply.headers(jsHeaders).send(widgetScripts().frame));
  app.get('/p/assistant/widget.css', { config: { access: 'public', rateLimit: pageLimit }, schema: { hide: true } }, async (_req, reply) =>
    reply.headers({ ...jsHeaders, 'content-type': 'text/css; charset=utf-8' }).send(widgetCss),
  );
  app.get(
    '/p/assistant/frame',
    {
      config: { access: 'public', rateLimit: pageLimit },
      schema: { tags: ['chat'], summary: 'The chat window the widget opens (an iframe)', querystring: z.object({ key: z.string().max(100).optional() }) },
    },
    async (req, reply) => {
      const s = await getAssistantSettings(ctx.db);
      const ok = req.query.key === s.widgetKey;
      const ancestors = s.allowedOrigins.length ? s.allowedOrigins.join(' ') : '*';
      return reply
        .code(ok ? 200 : 404)
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .header('x-frame-options', 'ALLOWALL')
        .header(
          'content-security-policy',
          `default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' https: data:; base-uri 'none'; form-action 'none'; frame-ancestors ${ok ? ancestors : "'none'"}`,
        )
        .send(
          ok
            ? '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Chat</title><link rel="stylesheet" href="/p/assistant/widget.css"></head><body><div id="kw"></div><script src="/p/assistant/frame.js"></script></body></html>'
            : '<!doctype html><title>Not found</title><p>This chat widget key is not valid.</p>',
        );
    },
  );
  app.get('/p/assistant/config', { config: { access: 'public', rateLimit: pageLimit }, schema: { tags: ['chat'], summary: "The assistant's name, avatar, greeting and what it can do" } }, async () =>
    widgetConfig(ctx),
  );
  app.get(
    '/p/assistant/chat',
    { config: { access: 'public', rateLimit: chatLimit }, schema: { tags: ['chat'], summary: "A visitor's chat so far (after a reload)", querystring: z.object({ token }) } },
    async (req) => chatView(ctx, verifyAssistantToken(ctx.secret, req.query.token)),
  );
  app.post(
    '/p/assistant/messages',
    {
      config: { access: 'public', rateLimit: chatLimit },
      schema: {
        tags: ['chat'],
        summary: "A visitor's message: the assistant's reply, or (once a person owns the chat) delivered to them. Without a token a new chat starts",
        body: z.object({ token: token.optional(), text: visitorText, entryId: z.string().uuid().optional() }),
      },
    },
    async (req, reply) => reply.code(201).send(await answer(ctx, req.body)),
  );
  app.post(
    '/p/assistant/person',
    {
      config: { access: 'public', rateLimit: chatLimit },
      schema: {
        tags: ['chat'],
        summary: 'The visitor asks for a person (with an email address when nobody is in): the chat goes to the inbox with its transcript',
        body: z.object({ token: token.optional(), email: z.email('must be an email address').max(254).optional() }),
      },
    },
    async (req, reply) => reply.code(201).send(await requestPerson(ctx, req.body)),
  );
  app.post(
    '/p/assistant/rate',
    {
      config: { access: 'public', rateLimit: chatLimit },
      schema: { tags: ['chat'], summary: 'Helpful or not, for one answer', body: z.object({ token, exchangeId: z.string().uuid(), helpful: z.boolean() }) },
    },
    async (req) => {
      await rate(ctx, req.body.token, req.body.exchangeId, req.body.helpful);
      return { ok: true };
    },
  );
}
