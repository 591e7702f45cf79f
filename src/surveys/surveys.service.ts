// Surveys: sending, answering, understanding and closing the loop.
//
// Decisions (see also the notes in surveys.metrics.ts and surveys.settings.ts):
// - Email kind: CSAT and CES follow an interaction the customer had (a ticket, an order), so
//   they go as 'transactional'; NPS and exit surveys are relationship mail the customer did not
//   ask for, so they go as 'marketing' and respect consent, unsubscribes and the weekly cap.
// - Never twice for one event: survey_requests is unique on customer + kind + event key.
//   A frequency cap per kind (default one NPS per 90 days) is checked before a request is made.
// - A second click changes the answer (one response row per request, updated in place).
// - Detractors (NPS 0–6, CSAT 1–2, CES 1–3, every exit survey) get one task for the account
//   owner (customer.owner_user_id, else the owner role), due the same day, with a suggested reply.
import { sql } from 'kysely';
import type { AppContext } from '../platform/context.js';
import { escapeHtml } from '../mail/index.js';
import { EmailInputError, queueEmail } from '../mail/index.js';
import { recordTouchpoint } from '../customers/index.js';
import { createTask, updateOpenTask } from '../tasks/index.js';
import { getWorkspace } from '../workspace/index.js';
import { churnReasonLabels, churnReasons, classifyComment, type ChurnReason } from './classifier/classifier.js';
import { kindInfo, validScore, type SurveyKind } from './surveys.kinds.js';
import { isDetractor, isPromoter } from './surveys.metrics.js';
import { getSurveySettings, type SurveySettings } from './surveys.settings.js';
import type { CustomQuestion } from './surveys.tables.js';
import { checkSurveyToken, parseSurveyToken, surveyToken } from './surveys.tokens.js';

export type { SurveyKind } from './surveys.kinds.js';

export interface SendSurveyInput {
  customerId: string;
  kind: SurveyKind;
  /** what the survey is about, e.g. 'ticket:<id>' or 'order:<id>'; one survey per customer+kind+eventKey */
  eventKey?: string;
  /** accepted in place of eventKey (the playbook engine passes its step key under this name) */
  idempotencyKey?: string;
  /** who asks: 'playbook:<id>', 'user:<id>'; default 'playbook' */
  source?: string;
}

export interface SendSurveyResult {
  sent: boolean;
  reason?: string;
  requestId?: string;
  /** the hosted survey page (for staff to copy) */
  link?: string;
}

const day = 86400_000;

export function firstName(name: string | null | undefined): string {
  const first = (name ?? '').trim().split(/\s+/)[0] ?? '';
  return first.slice(0, 40);
}

export function surveyLink(ctx: AppContext, token: string, score?: number): string {
  const base = `${ctx.config.publicUrl.replace(/\/$/, '')}/p/s/${token}`;
  return score === undefined ? base : `${base}?score=${score}`;
}

function cooldownDays(settings: SurveySettings, kind: SurveyKind): number {
  return { nps: settings.npsCooldownDays, csat: settings.csatCooldownDays, ces: settings.cesCooldownDays, exit: settings.exitCooldownDays }[kind];
}

/** Why this customer may not be asked this survey now, or null. */
async function capRefusal(ctx: AppContext, settings: SurveySettings, customerId: string, kind: SurveyKind): Promise<string | null> {
  const now = ctx.now().getTime();
  const kindDays = cooldownDays(settings, kind);
  if (kindDays > 0) {
    const recent = await ctx.db
      .selectFrom('survey_requests')
      .select('sent_at')
      .where('customer_id', '=', customerId)
      .where('kind', '=', kind)
      .where('sent_at', '>', new Date(now - kindDays * day))
      .executeTakeFirst();
    if (recent) return `frequency cap: at most one ${kindInfo[kind].label} survey per customer every ${kindDays} days`;
  }
  if (settings.anySurveyCooldownDays > 0) {
    const recent = await ctx.db
      .selectFrom('survey_requests')
      .select('sent_at')
      .where('customer_id', '=', customerId)
      .where('sent_at', '>', new Date(now - settings.anySurveyCooldownDays * day))
      .executeTakeFirst();
    if (recent) return `frequency cap: at most one survey per customer every ${settings.anySurveyCooldownDays} days`;
  }
  return null;
}

function surveyEmail(ctx: AppContext, business: string, name: string, kind: SurveyKind, token: string): { subject: string; html: string; text: string } {
  const info = kindInfo[kind];
  const greeting = name ? `Hi ${name},` : 'Hi,';
  const question = info.question(business);
  const subject = info.subject(business);
  if (!info.scale) {
    const link = surveyLink(ctx, token);
    return {
      subject,
      html: `<p>${escapeHtml(greeting)}</p><p>${escapeHtml(question)}</p><p>It takes a minute, and we read every answer.</p>
<p><a href="${escapeHtml(link)}" style="display:inline-block;background:#2f6fdf;color:#fff;padding:10px 18px;border-radius:6px;text-decoration:none">Tell us why</a></p>`,
      text: `${greeting}\n\n${question}\nIt takes a minute, and we read every answer:\n${link}\n`,
    };
  }
  const { min, max, low, high } = info.scale;
  const buttons: string[] = [];
  const lines: string[] = [];
  for (let s = min; s <= max; s++) {
    const link = surveyLink(ctx, token, s);
    buttons.push(
      `<a href="${escapeHtml(link)}" style="display:inline-block;min-width:28px;margin:2px;padding:8px 6px;border:1px solid #cfd5df;border-radius:6px;text-align:center;text-decoration:none;color:#1d2433;font-weight:600">${s}</a>`,
    );
    lines.push(`${s}: ${link}`);
  }
  return {
    subject,
    html: `<p>${escapeHtml(greeting)}</p><p><strong>${escapeHtml(question)}</strong></p>
<p>Click a number – one click is your answer.</p>
<div>${buttons.join('')}</div>
<p style="font-size:12px;color:#667085">${min} = ${escapeHtml(low)}, ${max} = ${escapeHtml(high)}</p>`,
    text: `${greeting}\n\n${question}\nClick a number (${min} = ${low}, ${max} = ${high}):\n${lines.join('\n')}\n`,
  };
}

/**
 * Sends one survey to a customer (playbooks and the web app call this). Never sends twice for
 * the same event; respects the frequency cap; returns why when it does not send.
 */
export async function sendSurvey(ctx: AppContext, input: SendSurveyInput): Promise<SendSurveyResult> {
  if (!(input.kind in kindInfo)) return { sent: false, reason: `unknown survey kind ${String(input.kind)}` };
  const eventKey = String(input.eventKey ?? input.idempotencyKey ?? '').trim();
  if (!eventKey || eventKey.length > 300) return { sent: false, reason: 'eventKey is required (at most 300 characters)' };
  if (!/^[0-9a-f-]{36}$/i.test(input.customerId)) return { sent: false, reason: 'customer not found' };
  const customer = await ctx.db.selectFrom('customers').select(['id', 'name', 'email', 'erased_at', 'merged_into', 'unsubscribed_at']).where('id', '=', input.customerId).executeTakeFirst();
  if (!customer) return { sent: false, reason: 'customer not found' };
  if (customer.erased_at || customer.merged_into) return { sent: false, reason: 'customer erased or merged' };
  // Even the transactional CSAT/CES: someone who unsubscribed is not asked for feedback.
  if (customer.unsubscribed_at) return { sent: false, reason: 'unsubscribed' };
  if (!customer.email) return { sent: false, reason: 'customer has no email address' };

  const existing = await ctx.db.selectFrom('survey_requests').select('id').where('customer_id', '=', customer.id).where('kind', '=', input.kind).where('event_key', '=', eventKey).executeTakeFirst();
  if (existing) return { sent: false, reason: 'already surveyed for this event', requestId: existing.id };

  const settings = await getSurveySettings(ctx.db);
  const refusal = await capRefusal(ctx, settings, customer.id, input.kind);
  if (refusal) return { sent: false, reason: refusal };

  const now = ctx.now();
  const expires = new Date(now.getTime() + settings.linkValidDays * day);
  const questions: CustomQuestion[] = settings.customQuestions[input.kind].map((text, i) => ({ id: `q${i + 1}`, text }));
  const inserted = await ctx.db
    .insertInto('survey_requests')
    .values({
      customer_id: customer.id,
      kind: input.kind,
      event_key: eventKey,
      status: 'created',
      questions: JSON.stringify(questions),
      source: input.source ?? 'playbook',
      sent_at: now,
      expires_at: expires,
    })
    .onConflict((oc) => oc.columns(['customer_id', 'kind', 'event_key']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return { sent: false, reason: 'already surveyed for this event' };

  const token = surveyToken(ctx.secret, { requestId: inserted.id, customerId: customer.id, kind: input.kind, expires: Math.floor(expires.getTime() / 1000) });
  const business = (await getWorkspace(ctx.db))?.name ?? 'us';
  const mail = surveyEmail(ctx, business, firstName(customer.name), input.kind, token);
  let queued: { id: string | null; queued: boolean; reason?: string };
  try {
    queued = await queueEmail(ctx, {
      to: customer.email,
      ...mail,
      kind: input.kind === 'csat' || input.kind === 'ces' ? 'transactional' : 'marketing',
      customerId: customer.id,
      idempotencyKey: `survey:${inserted.id}`,
      source: `survey:${inserted.id}`,
    });
  } catch (err) {
    if (!(err instanceof EmailInputError)) throw err;
    queued = { id: null, queued: false, reason: `email not sent: ${err.message}` };
  }
  if (!queued.queued) {
    // Nothing went out: forget the request so the event can be surveyed once the cause is fixed.
    await ctx.db.deleteFrom('survey_requests').where('id', '=', inserted.id).execute();
    return { sent: false, reason: queued.reason ?? 'email not queued' };
  }
  await ctx.db.updateTable('survey_requests').set({ status: 'sent', email_id: queued.id }).where('id', '=', inserted.id).execute();
  return { sent: true, requestId: inserted.id, link: surveyLink(ctx, token) };
}

/** A link for an existing request (staff copy it; tests follow it). */
export async function linkForRequest(ctx: AppContext, requestId: string): Promise<string | null> {
  const r = await ctx.db.selectFrom('survey_requests').select(['id', 'customer_id', 'kind', 'expires_at']).where('id', '=', requestId).executeTakeFirst();
  if (!r) return null;
  return surveyLink(ctx, surveyToken(ctx.secret, { requestId: r.id, customerId: r.customer_id, kind: r.kind, expires: Math.floor(r.expires_at.getTime() / 1000) }));
}

// ---------------------------------------------------------------- answering

export interface OpenRequest {
  id: string;
  customerId: string;
  kind: SurveyKind;
  questions: CustomQuestion[];
  firstName: string;
  business: string;
  response: { score: number | null; comment: string | null; answers: Record<string, string>; chosenReasons: string[] } | null;
}

export type TokenLookup = { status: 'ok'; request: OpenRequest } | { status: 'invalid' | 'expired' };

/** Resolves a public token to its request; 'invalid' for anything forged, tampered or unknown. */
export async function openByToken(ctx: AppContext, token: string): Promise<TokenLookup> {
  const parsed = parseSurveyToken(token);
  if (!parsed) return { status: 'invalid' };
  const row = await ctx.db
    .selectFrom('survey_requests as r')
    .innerJoin('customers as c', 'c.id', 'r.customer_id')
    .leftJoin('survey_responses as s', 's.request_id', 'r.id')
    .select(['r.id', 'r.customer_id', 'r.kind', 'r.questions', 'c.name', 'c.erased_at', 's.score', 's.comment', 's.answers', 's.chosen_reasons', 's.id as response_id'])
    .where('r.id', '=', parsed.requestId)
    .executeTakeFirst();
  if (!row) return { status: 'invalid' };
  const check = checkSurveyToken(ctx.secret, parsed, { id: row.id, customerId: row.customer_id, kind: row.kind }, ctx.now());
  if (check !== 'ok') return { status: check };
  if (row.erased_at) return { status: 'invalid' };
  const business = (await getWorkspace(ctx.db))?.name ?? '';
  return {
    status: 'ok',
    request: {
      id: row.id,
      customerId: row.customer_id,
      kind: row.kind,
      questions: Array.isArray(row.questions) ? row.questions : [],
      firstName: firstName(row.name),
      business,
      response: row.response_id ? { score: row.score, comment: row.comment, answers: (row.answers as Record<string, string>) ?? {}, chosenReasons: row.chosen_reasons ?? [] } : null,
    },
  };
}

export interface AnswerInput {
  score?: number | null;
  comment?: string | null;
  answers?: Record<string, string>;
  /** exit survey: the reasons the customer picked */
  reasons?: string[];
}

export interface AnswerResult {
  responseId: string;
  /** true the first time this request is answered */
  first: boolean;
  score: number | null;
  detractor: boolean;
  promoter: boolean;
}

export class AnswerError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Records (or changes) the answer to a request. Fields left undefined keep their earlier value,
 * so a comment posted after a one-click score keeps the score.
 */
export async function recordAnswer(ctx: AppContext, request: OpenRequest, input: AnswerInput): Promise<AnswerResult> {
  const kind = request.kind;
  let score = input.score;
  if (score !== undefined && score !== null && !validScore(kind, score)) {
    const s = kindInfo[kind].scale;
    throw new AnswerError('score', s ? `score must be a whole number from ${s.min} to ${s.max}` : 'this survey takes no score');
  }
  const comment = input.comment === undefined ? undefined : (input.comment ?? '').replace(/\r\n/g, '\n').trim().slice(0, 5000) || null;
  const known = new Set(request.questions.map((q) => q.id));
  const answers =
    input.answers === undefined
      ? undefined
      : Object.fromEntries(
          Object.entries(input.answers)
            .filter(([k, v]) => known.has(k) && typeof v === 'string' && v.trim())
            .map(([k, v]) => [k, v.trim().slice(0, 2000)]),
        );
  const reasons = input.reasons === undefined ? undefined : [...new Set(input.reasons)].filter((r): r is ChurnReason => (churnReasons as readonly string[]).includes(r));

  const now = ctx.now();
  const result = await ctx.db.transaction().execute(async (trx) => {
    // one answer per request even when two clicks race
    await sql`select pg_advisory_xact_lock(hashtext(${request.id}))`.execute(trx);
    const prev = await trx.selectFrom('survey_responses').selectAll().where('request_id', '=', request.id).executeTakeFirst();
    if (score === undefined) score = prev?.score ?? null;
    const finalComment = comment === undefined ? (prev?.comment ?? null) : comment;
    const tags = finalComment ? classifyComment(finalComment) : null;
    const chosen = reasons ?? (prev?.chosen_reasons as ChurnReason[] | undefined) ?? [];
    const churn = [...new Set([...chosen, ...(tags?.reasons ?? [])])];
    const values = {
      score: score ?? null,
      comment: finalComment,
      answers: JSON.stringify(answers ?? prev?.answers ?? {}),
      chosen_reasons: chosen,
      sentiment: tags?.sentiment ?? null,
      sentiment_score: tags?.score ?? null,
      churn_reasons: churn,
      updated_at: now,
    };
    let id: string;
    if (prev) {
      await trx.updateTable('survey_responses').set(values).where('id', '=', prev.id).execute();
      id = prev.id;
    } else {
      const row = await trx
        .insertInto('survey_responses')
        .values({ request_id: request.id, customer_id: request.customerId, kind, answered_at: now, ...values })
        .returning('id')
        .executeTakeFirstOrThrow();
      id = row.id;
      await trx.updateTable('survey_requests').set({ status: 'answered' }).where('id', '=', request.id).execute();
      await recordTouchpoint(trx, {
        customerId: request.customerId,
        channel: 'survey',
        direction: 'in',
        occurredAt: now,
        summary: `${kindInfo[kind].label} answered${score !== null && score !== undefined ? `: ${score}` : ''}`,
        source: `survey:${request.id}`,
      });
    }
    // Recorded with the answer: the detractor task and playbooks follow from this event, so an
    // answer is never saved without them (and never has them without being saved).
    const finalScore = score ?? null;
    const category = isDetractor(kind, finalScore) ? 'detractor' : isPromoter(kind, finalScore) ? 'promoter' : 'passive';
    await ctx.events.emit(trx, 'survey.answered', { requestId: request.id, responseId: id, customerId: request.customerId, survey: kind, category, score: finalScore, reasons: churn });
    return { id, first: !prev, score: finalScore };
  });

  const detractor = isDetractor(kind, result.score);
  const promoter = isPromoter(kind, result.score);
  if (result.first) await thankYou(ctx, request, result.id, promoter);
  return { responseId: result.id, first: result.first, score: result.score, detractor, promoter };
}

/** Suggested reply for the account owner to send a detractor. */
export function suggestedReply(p: { kind: SurveyKind; score: number | null; firstName: string; business: string; reasons: ChurnReason[]; comment: string | null }): string {
  const hi = p.firstName ? `Hi ${p.firstName},` : 'Hi,';
  const heard = p.comment ? 'Thank you for telling us honestly what went wrong' : 'Thank you for taking the time to answer our survey';
  const byReason: Record<ChurnReason, string> = {
    price: "I'd like to look at your plan with you and make sure you are paying only for what you use.",
    poor_service: "That is not the service we want you to get, and I'm sorry. I'll personally make sure it is put right.",
    difficult_product: "I'd like to understand exactly where it got in your way, and show you a quicker route or fix it for you.",
    competitor: "I'd love to hear what the alternative does better; if we can match it, I'll tell you honestly.",
    incomplete_onboarding: "It sounds like we never got you properly set up. I'd like to book 20 minutes to finish that with you.",
    needs_changed: "If your needs have changed, I'd like to understand how, in case there is a better fit we can offer.",
    other: "I'd like to understand what happened and what we can do better.",
  };
  const reason = p.reasons[0];
  const middle = reason ? byReason[reason] : "I'd like to understand what we could have done better.";
  const ask = p.kind === 'exit' ? 'Would you have ten minutes for a call this week? No sales pitch, just listening.' : 'Could I call you this week, or would you rather reply to this email?';
  return `${hi}\n\n${heard}. ${middle}\n\n${ask}\n\nKind regards,\n${p.business || 'The team'}`;
}

/**
 * The detractor task (subscriber of 'survey.answered'): one task per request, made through
 * createTask with the request as its idempotency key, kept current while it is open when a
 * comment or a new score arrives later. Reads the answer as it is now, so a late delivery
 * carries the latest comment.
 */
export async function closeTheLoopFor(ctx: AppContext, requestId: string, responseId: string): Promise<string | null> {
  const row = await ctx.db
    .selectFrom('survey_requests as r')
    .innerJoin('survey_responses as s', 's.request_id', 'r.id')
    .innerJoin('customers as c', 'c.id', 'r.customer_id')
    .select(['r.id', 'r.customer_id', 'r.kind', 'r.questions', 'c.name', 's.score', 's.comment', 's.churn_reasons'])
    .where('r.id', '=', requestId)
    .where('s.id', '=', responseId)
    .executeTakeFirst();
  if (!row || !isDetractor(row.kind, row.score)) return null; // changed to a better score since
  const request: OpenRequest = {
    id: row.id,
    customerId: row.customer_id,
    kind: row.kind,
    questions: [],
    firstName: firstName(row.name),
    business: (await getWorkspace(ctx.db))?.name ?? '',
    response: null,
  };
  return closeTheLoop(ctx, request, responseId, row.score, row.comment, (row.churn_reasons ?? []) as ChurnReason[]);
}

async function closeTheLoop(ctx: AppContext, request: OpenRequest, responseId: string, score: number | null, comment: string | null, reasons: ChurnReason[]): Promise<string> {
  const customer = await ctx.db.selectFrom('customers').select(['name', 'owner_user_id']).where('id', '=', request.customerId).executeTakeFirstOrThrow();
  const label = kindInfo[request.kind].label;
  const title = request.kind === 'exit' ? `Exit survey from ${customer.name}: follow up` : `Detractor: ${customer.name} gave ${label} ${score ?? ''}: reply personally`;
  const details = [
    `${label}${score !== null ? ` score ${score}` : ''}.`,
    comment ? `Comment: "${comment}"` : 'No comment yet.',
    reasons.length ? `Reasons: ${reasons.map((r) => churnReasonLabels[r]).join(', ')}` : null,
    '',
    'Suggested reply:',
    suggestedReply({ kind: request.kind, score, firstName: request.firstName, business: request.business, reasons, comment }),
  ]
    .filter((l) => l !== null)
    .join('\n');
  const now = ctx.now();
  const endOfDay = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 23, 59, 0));
  const task = await createTask(ctx.db, {
    customerId: request.customerId,
    title: title.trim(),
    details,
    dueAt: endOfDay,
    assigneeUserId: customer.owner_user_id,
    assigneeRole: customer.owner_user_id ? null : 'owner',
    source: `survey:${request.id}`,
    idempotencyKey: `survey-detractor:${request.id}`,
  });
  if (!task.created) {
    // the comment or score arrived after the task: keep its details current while it is open
    await updateOpenTask(ctx.db, task.id, { title: title.trim(), details });
  }
  await ctx.db.updateTable('survey_responses').set({ task_id: task.id }).where('id', '=', responseId).execute();
  return task.id;
}

async function thankYou(ctx: AppContext, request: OpenRequest, responseId: string, promoter: boolean): Promise<void> {
  const customer = await ctx.db.selectFrom('customers').select(['email']).where('id', '=', request.customerId).executeTakeFirst();
  if (!customer?.email) return;
  const settings = await getSurveySettings(ctx.db);
  const hi = request.firstName ? `Hi ${request.firstName},` : 'Hi,';
  const lines = [`${hi}`, '', `Thank you for your feedback – every answer is read by the team at ${request.business || 'our business'}.`];
  const htmlParts = [`<p>${escapeHtml(hi)}</p>`, `<p>Thank you for your feedback – every answer is read by the team at ${escapeHtml(request.business || 'our business')}.</p>`];
  if (promoter && settings.reviewUrl) {
    lines.push('', `If you have a minute, a public review helps us a lot: ${settings.reviewUrl}`);
    htmlParts.push(`<p>If you have a minute, <a href="${escapeHtml(settings.reviewUrl)}">a public review</a> helps us a lot.</p>`);
  }
  if (promoter && settings.referralUrl) {
    lines.push('', `Know someone who'd like us too? ${settings.referralUrl}`);
    htmlParts.push(`<p>Know someone who'd like us too? <a href="${escapeHtml(settings.referralUrl)}">Refer a friend</a>.</p>`);
  }
  try {
    const r = await queueEmail(ctx, {
      to: customer.email,
      subject: 'Thank you for your feedback',
      html: htmlParts.join('\n'),
      text: lines.join('\n'),
      kind: 'transactional',
      customerId: request.customerId,
      idempotencyKey: `survey-thanks:${request.id}`,
      source: `survey:${request.id}`,
    });
    if (r.queued || r.reason === 'duplicate') await ctx.db.updateTable('survey_responses').set({ thanked_at: ctx.now() }).where('id', '=', responseId).execute();
  } catch (err) {
    if (!(err instanceof EmailInputError)) throw err; // a bad address: the page thanked them already
  }
}

/**
 * Erasure on request: removes what a customer wrote (comments, answers to custom questions) and
 * the classifier's tags of it, keeping only the bare scores for the aggregates. For the
 * customers feature's erase-on-request flow.
 */
export async function eraseSurveyComments(ctx: AppContext, customerId: string): Promise<number> {
  const r = await ctx.db
    .updateTable('survey_responses')
    .set({ comment: null, answers: '{}', sentiment: null, sentiment_score: null, churn_reasons: [], chosen_reasons: [], updated_at: ctx.now() })
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows ?? 0);
}
