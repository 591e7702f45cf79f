// Understanding answers: scores, response rate, trends by month and segment, the voice of the
// customer list, and the owner's weekly digest.
import { sql } from 'kysely';
import type { AppContext } from '../platform/context.js';
import { escapeHtml } from '../mail/index.js';
import { queueEmail } from '../mail/index.js';
import { getWorkspace } from '../workspace/index.js';
import { churnReasonLabels, type ChurnReason } from './classifier/classifier.js';
import { kindInfo, type SurveyKind } from './surveys.kinds.js';
import { bySegment, monthlyTrend, scoreAll, type KindScores, type MonthPoint, type SegmentPoint } from './surveys.metrics.js';
import { getSurveySettings } from './surveys.settings.js';

export interface SummaryOptions {
  from?: Date;
  to?: Date;
  /** group segments by customer tag or retention driver */
  segment?: 'tag' | 'driver';
}

export interface SurveySummary {
  from: string | null;
  to: string | null;
  scores: KindScores;
  responseRate: { sent: number; answered: number; rate: number | null; byKind: Record<SurveyKind, { sent: number; answered: number; rate: number | null }> };
  months: MonthPoint[];
  segments: SegmentPoint[];
  sentiments: Record<'positive' | 'neutral' | 'negative', number>;
  reasons: { reason: ChurnReason; label: string; count: number }[];
  openDetractorTasks: number;
}

export async function surveySummary(ctx: AppContext, options: SummaryOptions = {}): Promise<SurveySummary> {
  let q = ctx.db
    .selectFrom('survey_responses as s')
    .innerJoin('customers as c', 'c.id', 's.customer_id')
    .select(['s.kind', 's.score', 's.answered_at', 's.sentiment', 's.churn_reasons', 'c.tags', 'c.retention_driver']);
  if (options.from) q = q.where('s.answered_at', '>=', options.from);
  if (options.to) q = q.where('s.answered_at', '<', options.to);
  const rows = await q.execute();
  const answers = rows.map((r) => ({
    kind: r.kind,
    score: r.score,
    answeredAt: r.answered_at,
    segments: options.segment === 'driver' ? (r.retention_driver ? [r.retention_driver] : []) : (r.tags ?? []),
  }));

  let rq = ctx.db.selectFrom('survey_requests').select(['kind', 'status']);
  if (options.from) rq = rq.where('sent_at', '>=', options.from);
  if (options.to) rq = rq.where('sent_at', '<', options.to);
  const requests = await rq.where('status', '!=', 'created').execute();
  const byKind = {} as SurveySummary['responseRate']['byKind'];
  for (const k of Object.keys(kindInfo) as SurveyKind[]) {
    const sent = requests.filter((r) => r.kind === k).length;
    const answered = requests.filter((r) => r.kind === k && r.status === 'answered').length;
    byKind[k] = { sent, answered, rate: sent ? Math.round((answered / sent) * 1000) / 10 : null };
  }
  const sent = requests.length;
  const answered = requests.filter((r) => r.status === 'answered').length;

  const sentiments = { positive: 0, neutral: 0, negative: 0 };
  const reasonCounts = new Map<ChurnReason, number>();
  for (const r of rows) {
    if (r.sentiment) sentiments[r.sentiment]++;
    for (const reason of r.churn_reasons ?? []) reasonCounts.set(reason as ChurnReason, (reasonCounts.get(reason as ChurnReason) ?? 0) + 1);
  }
  const open = await ctx.db
    .selectFrom('tasks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'open')
    .where('idempotency_key', 'like', 'survey-detractor:%')
    .executeTakeFirstOrThrow();

  return {
    from: options.from?.toISOString() ?? null,
    to: options.to?.toISOString() ?? null,
    scores: scoreAll(answers),
    responseRate: { sent, answered, rate: sent ? Math.round((answered / sent) * 1000) / 10 : null, byKind },
    months: monthlyTrend(answers),
    segments: bySegment(answers).slice(0, 20),
    sentiments,
    reasons: [...reasonCounts.entries()].map(([reason, count]) => ({ reason, label: churnReasonLabels[reason] ?? reason, count })).sort((a, b) => b.count - a.count),
    openDetractorTasks: Number(open.n),
  };
}

export interface VoiceFilter {
  kind?: SurveyKind;
  sentiment?: 'positive' | 'neutral' | 'negative';
  reason?: ChurnReason;
  /** only answers with a comment */
  withComment?: boolean;
  q?: string;
  limit?: number;
  offset?: number;
}

export interface VoiceItem {
  id: string;
  kind: SurveyKind;
  score: number | null;
  comment: string | null;
  answers: Record<string, string>;
  questions: { id: string; text: string }[];
  sentiment: string | null;
  reasons: string[];
  answeredAt: string;
  customer: { id: string; name: string; tags: string[] };
  taskId: string | null;
}

/** The voice of the customer: answers, newest first, with their tags. */
export async function listVoice(ctx: AppContext, f: VoiceFilter = {}): Promise<{ items: VoiceItem[]; total: number }> {
  let q = ctx.db.selectFrom('survey_responses as s').innerJoin('customers as c', 'c.id', 's.customer_id').innerJoin('survey_requests as r', 'r.id', 's.request_id');
  if (f.kind) q = q.where('s.kind', '=', f.kind);
  if (f.sentiment) q = q.where('s.sentiment', '=', f.sentiment);
  if (f.reason) q = q.where(sql<boolean>`${f.reason} = any(s.churn_reasons)`);
  if (f.withComment) q = q.where('s.comment', 'is not', null);
  if (f.q) q = q.where('s.comment', 'ilike', `%${f.q.replace(/[\\%_]/g, (c) => '\\' + c)}%`);
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await q
    .select(['s.id', 's.kind', 's.score', 's.comment', 's.answers', 's.sentiment', 's.churn_reasons', 's.answered_at', 's.task_id', 'c.id as customer_id', 'c.name', 'c.tags', 'r.questions'])
    .orderBy('s.answered_at', 'desc')
    .orderBy('s.id')
    .limit(Math.min(f.limit ?? 50, 200))
    .offset(f.offset ?? 0)
    .execute();
  return {
    total: Number(total.n),
    items: rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      score: r.score,
      comment: r.comment,
      answers: (r.answers as Record<string, string>) ?? {},
      questions: Array.isArray(r.questions) ? r.questions : [],
      sentiment: r.sentiment,
      reasons: r.churn_reasons ?? [],
      answeredAt: r.answered_at.toISOString(),
      customer: { id: r.customer_id, name: r.name, tags: r.tags ?? [] },
      taskId: r.task_id,
    })),
  };
}

// ---------------------------------------------------------------- weekly digest

export interface Digest {
  subject: string;
  html: string;
  text: string;
  answers: number;
}

export async function buildDigest(ctx: AppContext, since: Date, until: Date): Promise<Digest> {
  const summary = await surveySummary(ctx, { from: since, to: until });
  const voice = await listVoice(ctx, { withComment: true, limit: 200 });
  const inRange = voice.items.filter((v) => v.answeredAt >= since.toISOString() && v.answeredAt < until.toISOString());
  const negatives = inRange.filter((v) => v.sentiment === 'negative').slice(0, 5);
  const positives = inRange.filter((v) => v.sentiment === 'positive').slice(0, 3);
  const business = (await getWorkspace(ctx.db))?.name ?? 'Keepwell';
  const s = summary.scores;
  const n = s.nps.n + s.csat.n + s.ces.n + s.exit.n;
  const fmt = (v: number | null, suffix = '') => (v === null ? '–' : `${v}${suffix}`);
  const lines = [
    `Survey answers this week for ${business}: ${n}`,
    `NPS ${fmt(s.nps.score)} (${s.nps.n} answers: ${s.nps.promoters} promoters, ${s.nps.detractors} detractors)`,
    `CSAT ${fmt(s.csat.score, '%')} (${s.csat.n} answers)`,
    `CES ${fmt(s.ces.score)} of 7 (${s.ces.n} answers)`,
    `Exit surveys: ${s.exit.n}`,
    `Response rate: ${fmt(summary.responseRate.rate, '%')} (${summary.responseRate.answered} of ${summary.responseRate.sent})`,
    `Open detractor follow-ups: ${summary.openDetractorTasks}`,
  ];
  if (summary.reasons.length)
    lines.push(
      `Top reasons: ${summary.reasons
        .slice(0, 3)
        .map((r) => `${r.label} (${r.count})`)
        .join(', ')}`,
    );
  const quote = (v: VoiceItem) => `${kindInfo[v.kind].label} ${v.score ?? ''} – ${v.customer.name}: "${(v.comment ?? '').slice(0, 300)}"`;
  const text = [
    ...lines,
    '',
    negatives.length ? 'Needs attention:' : '',
    ...negatives.map((v) => `- ${quote(v)}`),
    positives.length ? '\nWhat customers love:' : '',
    ...positives.map((v) => `- ${quote(v)}`),
    '',
    `Read every answer: ${ctx.config.publicUrl.replace(/\/$/, '')}/surveys`,
  ]
    .filter((l) => l !== '')
    .join('\n');
  const li = (v: VoiceItem) => `<li>${escapeHtml(quote(v))}</li>`;
  const html = `<p>${lines.map(escapeHtml).join('<br>')}</p>
${negatives.length ? `<h3>Needs attention</h3><ul>${negatives.map(li).join('')}</ul>` : ''}
${positives.length ? `<h3>What customers love</h3><ul>${positives.map(li).join('')}</ul>` : ''}
<p><a href="${escapeHtml(ctx.config.publicUrl.replace(/\/$/, ''))}/surveys">Read every answer</a></p>`;
  return { subject: `Weekly feedback digest – ${business}: NPS ${fmt(s.nps.score)}, ${n} answers`, html, text, answers: n };
}

/** Queues the digest of the last 7 days to every owner; once per owner per week (idempotent). */
export async function sendWeeklyDigest(ctx: AppContext, options: { force?: boolean } = {}): Promise<{ queued: number; skipped: string | null }> {
  const settings = await getSurveySettings(ctx.db);
  if (!settings.weeklyDigest && !options.force) return { queued: 0, skipped: 'weekly digest is turned off in survey settings' };
  const until = new Date(ctx.now().getTime() + 1); // answers given this very moment count
  const since = new Date(until.getTime() - 7 * 86400_000);
  const digest = await buildDigest(ctx, since, until);
  const owners = await ctx.db.selectFrom('users').select(['id', 'email']).where('role', '=', 'owner').where('disabled_at', 'is', null).execute();
  // one digest per owner per ISO week; "send now" from the web app adds the time so it can repeat
  const week = `${until.getUTCFullYear()}-w${Math.floor((until.getTime() / 86400_000 + 3) / 7)}`;
  let queued = 0;
  for (const o of owners) {
    const r = await queueEmail(ctx, {
      to: o.email,
      subject: digest.subject,
      html: digest.html,
      text: digest.text,
      kind: 'transactional',
      idempotencyKey: options.force ? `survey-digest:${o.id}:${until.toISOString()}` : `survey-digest:${o.id}:${week}`,
      source: 'survey-digest',
    });
    if (r.queued) queued++;
  }
  return { queued, skipped: null };
}
