// Survey routes: public pages under /p/s/ (signed token, rate-limited, escaped HTML, no JS
// needed) and the staff API under /api/surveys.
import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { audit } from '../accounts/index.js';
import type { AppContext } from '../platform/context.js';
import { HttpError, notFound } from '../platform/http/errors.js';
import type { App } from '../platform/http/server.js';
import { churnReasons, classifyComment } from './classifier/classifier.js';
import { kindInfo, surveyKinds, validScore } from './surveys.kinds.js';
import { errorPage, surveyPage, thanksPage } from './surveys.pages.js';
import { listVoice, sendWeeklyDigest, surveySummary } from './surveys.reports.js';
import { AnswerError, linkForRequest, openByToken, recordAnswer, sendSurvey, type AnswerInput } from './surveys.service.js';
import { getSurveySettings, saveSurveySettings, surveySettingsInput } from './surveys.settings.js';

/** Public survey endpoints: per client address, this many requests a minute. */
export const publicRateLimit = { max: 30, timeWindow: '1 minute' };

function html(reply: FastifyReply, status: number, body: string) {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer') // the token is in the URL: never leak it onwards
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
    .send(body);
}

const tokenParams = z.object({ token: z.string().max(300) });
const dateParam = z.iso.date('must be a date YYYY-MM-DD');

function parseFormBody(body: unknown): AnswerInput | { error: string } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { error: 'The form could not be read.' };
  const b = body as Record<string, unknown>;
  const input: AnswerInput = {};
  if (b.score !== undefined && b.score !== '') {
    const raw = String(b.score);
    if (!/^\d{1,2}$/.test(raw)) return { error: 'Please choose one of the numbers.' };
    input.score = Number(raw);
  }
  if (b.comment !== undefined) {
    if (typeof b.comment !== 'string') return { error: 'The comment could not be read.' };
    if (b.comment.length > 5000) return { error: 'The comment is too long (5,000 characters at most).' };
    input.comment = b.comment;
  }
  const reasons = b.reasons === undefined ? undefined : Array.isArray(b.reasons) ? b.reasons : [b.reasons];
  if (reasons) {
    if (reasons.length > 20 || reasons.some((r) => typeof r !== 'string')) return { error: 'The reasons could not be read.' };
    input.reasons = reasons as string[];
  } else if (b.comment !== undefined) {
    input.reasons = []; // a submitted exit form with no box ticked clears them
  }
  const answers: Record<string, string> = {};
  for (const [k, v] of Object.entries(b)) {
    if (k.startsWith('q_') && typeof v === 'string') {
      if (v.length > 2000) return { error: 'An answer is too long (2,000 characters at most).' };
      answers[k.slice(2)] = v;
    }
  }
  if (Object.keys(answers).length) input.answers = answers;
  return input;
}

export async function surveyRoutes(app: App, ctx: AppContext): Promise<void> {
  // ------------------------------------------------------------ public pages
  const invalid = (reply: FastifyReply, status: 'invalid' | 'expired') =>
    status === 'expired'
      ? html(reply, 410, errorPage('This survey has closed', 'This survey link has expired. Thank you for wanting to answer!'))
      : html(reply, 404, errorPage('Survey not found', 'This survey link is not valid. Please use the link from your email.'));

  app.get(
    '/p/s/:token',
    {
      config: { access: 'public', rateLimit: publicRateLimit },
      // Any score shape gets through to the handler, so a mangled link still shows the customer a page (not JSON).
      schema: { hide: true, params: tokenParams, querystring: z.object({ score: z.union([z.string(), z.array(z.string())]).optional() }) },
    },
    async (req, reply) => {
      const found = await openByToken(ctx, req.params.token);
      if (found.status !== 'ok') return invalid(reply, found.status);
      const request = found.request;
      const raw = req.query.score;
      if (raw === undefined || raw === '') return html(reply, 200, surveyPage(request, { token: req.params.token }));
      if (typeof raw !== 'string' || !/^\d{1,2}$/.test(raw))
        return html(reply, 400, surveyPage(request, { token: req.params.token, error: 'That score is not one of the choices. Please pick a number below.' }));
      // A GET records nothing: mail scanners (Outlook Safe Links and the like) fetch every link in
      // an email. The page shows the score chosen; the customer's one tap on Send records it.
      const score = Number(raw);
      if (!validScore(request.kind, score)) {
        const scale = kindInfo[request.kind].scale;
        const error = scale ? `That score is not one of the choices: please pick a number from ${scale.min} to ${scale.max} below.` : 'This survey takes no score.';
        return html(reply, 400, surveyPage(request, { token: req.params.token, error }));
      }
      return html(reply, 200, surveyPage(request, { token: req.params.token, chosenScore: score }));
    },
  );

  app.post('/p/s/:token', { config: { access: 'public', rateLimit: publicRateLimit }, schema: { hide: true, params: tokenParams } }, async (req, reply) => {
    const found = await openByToken(ctx, req.params.token);
    if (found.status !== 'ok') return invalid(reply, found.status);
    const parsed = parseFormBody(req.body);
    if ('error' in parsed) return html(reply, 400, surveyPage(found.request, { token: req.params.token, error: parsed.error }));
    let result: Awaited<ReturnType<typeof recordAnswer>>;
    try {
      result = await recordAnswer(ctx, found.request, parsed);
    } catch (err) {
      if (err instanceof AnswerError) return html(reply, 400, surveyPage(found.request, { token: req.params.token, error: err.message }));
      throw err;
    }
    const fresh = await openByToken(ctx, req.params.token);
    if (fresh.status !== 'ok') return invalid(reply, fresh.status);
    const settings = await getSurveySettings(ctx.db);
    return html(reply, 200, thanksPage(fresh.request, { promoter: result.promoter, reviewUrl: settings.reviewUrl, referralUrl: settings.referralUrl, token: req.params.token }));
  });

  // ------------------------------------------------------------ staff API
  app.get(
    '/api/surveys/summary',
    {
      config: { access: 'staff' },
      schema: {
        tags: ['surveys'],
        summary: 'NPS, CSAT, CES, response rate, monthly trend and segments',
        querystring: z.object({ from: dateParam.optional(), to: dateParam.optional(), segment: z.enum(['tag', 'driver']).default('tag') }),
      },
    },
    async (req) => {
      const from = req.query.from ? new Date(`${req.query.from}T00:00:00Z`) : undefined;
      const to = req.query.to ? new Date(`${req.query.to}T00:00:00Z`) : undefined;
      if (from && to && from >= to) throw new HttpError(400, 'validation', 'Invalid querystring.to: must be after from', [{ field: 'querystring.to', message: 'must be after from' }]);
      return surveySummary(ctx, { from, to, segment: req.query.segment });
    },
  );

  app.get(
    '/api/surveys/responses',
    {
      config: { access: 'staff' },
      schema: {
        tags: ['surveys'],
        summary: 'Voice of the customer: answers with comments, sentiment and churn reasons',
        querystring: z.object({
          kind: z.enum(surveyKinds).optional(),
          sentiment: z.enum(['positive', 'neutral', 'negative']).optional(),
          reason: z.enum(churnReasons).optional(),
          withComment: z.enum(['true', 'false']).optional(),
          q: z.string().max(200).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
        }),
      },
    },
    async (req) => listVoice(ctx, { ...req.query, withComment: req.query.withComment === 'true' }),
  );

  app.post(
    '/api/surveys/send',
    {
      config: { access: 'staff' },
      schema: {
        tags: ['surveys'],
        summary: 'Send a survey to a customer now',
        body: z.object({
          customerId: z.uuid('must be a customer id'),
          kind: z.enum(surveyKinds),
          eventKey: z.string().trim().min(1).max(300).optional(),
        }),
      },
    },
    async (req) => {
      const r = await sendSurvey(ctx, { ...req.body, eventKey: req.body.eventKey ?? `manual:${randomUUID()}`, source: `user:${req.user!.id}` });
      if (r.reason === 'customer not found') throw notFound('Customer');
      if (!r.sent) throw new HttpError(409, 'not_sent', `Survey not sent: ${r.reason}`);
      return r;
    },
  );

  app.get(
    '/api/surveys/requests',
    {
      config: { access: 'staff' },
      schema: {
        tags: ['surveys'],
        summary: 'Surveys sent, newest first',
        querystring: z.object({ customerId: z.uuid('must be a customer id').optional(), limit: z.coerce.number().int().min(1).max(200).default(20) }),
      },
    },
    async (req) => {
      let q = ctx.db
        .selectFrom('survey_requests as r')
        .innerJoin('customers as c', 'c.id', 'r.customer_id')
        .leftJoin('survey_responses as s', 's.request_id', 'r.id')
        .select(['r.id', 'r.kind', 'r.event_key', 'r.status', 'r.sent_at', 'r.expires_at', 'r.source', 'c.id as customer_id', 'c.name', 's.score']);
      if (req.query.customerId) q = q.where('r.customer_id', '=', req.query.customerId);
      const rows = await q.orderBy('r.sent_at', 'desc').limit(req.query.limit).execute();
      return {
        items: rows.map((r) => ({
          id: r.id,
          kind: r.kind,
          eventKey: r.event_key,
          status: r.status,
          sentAt: r.sent_at.toISOString(),
          expiresAt: r.expires_at.toISOString(),
          source: r.source,
          score: r.score,
          customer: { id: r.customer_id, name: r.name },
        })),
      };
    },
  );

  app.get(
    '/api/surveys/requests/:id/link',
    { config: { access: 'staff' }, schema: { tags: ['surveys'], summary: 'The hosted page link of a sent survey', params: z.object({ id: z.uuid('must be a survey request id') }) } },
    async (req) => {
      const link = await linkForRequest(ctx, req.params.id);
      if (!link) throw notFound('Survey request');
      return { link };
    },
  );

  app.get(
    '/api/surveys/customers',
    {
      config: { access: 'staff' },
      schema: { tags: ['surveys'], summary: 'Find customers to survey (name or email)', querystring: z.object({ q: z.string().trim().min(1).max(200) }) },
    },
    async (req) => {
      const like = `%${req.query.q.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
      const rows = await ctx.db
        .selectFrom('customers')
        .select(['id', 'name', 'email'])
        .where('erased_at', 'is', null)
        .where('merged_into', 'is', null)
        .where((eb) => eb.or([eb('name', 'ilike', like), eb('email', 'ilike', like)]))
        .orderBy('name')
        .limit(20)
        .execute();
      return { items: rows };
    },
  );

  app.get('/api/surveys/settings', { config: { access: 'staff' }, schema: { tags: ['surveys'], summary: 'Survey settings' } }, async () => getSurveySettings(ctx.db));

  app.put('/api/surveys/settings', { config: { access: 'owner' }, schema: { tags: ['surveys'], summary: 'Change survey settings (owner)', body: surveySettingsInput } }, async (req) => {
    const saved = await saveSurveySettings(ctx.db, req.body);
    await audit(ctx.db, req, 'settings.update', 'surveys', { changed: Object.keys(req.body) });
    return saved;
  });

  app.post('/api/surveys/digest', { config: { access: 'owner' }, schema: { tags: ['surveys'], summary: 'Send the weekly feedback digest to the owners now' } }, async () =>
    sendWeeklyDigest(ctx, { force: true }),
  );

  app.post(
    '/api/surveys/classify',
    { config: { access: 'staff' }, schema: { tags: ['surveys'], summary: 'Tag a comment with sentiment and churn reasons', body: z.object({ text: z.string().max(5000) }) } },
    async (req) => classifyComment(req.body.text),
  );
}
