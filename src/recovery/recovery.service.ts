// Incidents, their affected customers (by hand or by a saved query), drafts, and sending an
// apology exactly once per customer and incident.
import { sql } from 'kysely';
import type { AppContext } from '../platform/context.js';
import type { Database } from '../platform/db/database.js';
import { badRequest, HttpError, notFound } from '../platform/http/errors.js';
import { customerScores } from '../analytics/index.js';
import { recordTouchpoint } from '../customers/index.js';
import { customersWithConversationTag } from '../inbox/index.js';
import { codeForKey } from '../loyalty/index.js';
import { escapeHtml, queueEmail } from '../mail/index.js';
import { getWorkspace } from '../workspace/index.js';
import {
  checkApology,
  composeApology,
  formatMoney,
  outcomeOf,
  renderTemplate,
  suggestCompensation,
  type Compensation,
  type OutcomeInput,
  type Severity,
  type SurveyScore,
  type Warning,
} from './recovery.core.js';
import { getRecoverySettings } from './recovery.settings.js';
import type { AffectedQuery } from './recovery.tables.js';

export const CODE_PLACEHOLDER = '{{code}}';
const DAY = 86400_000;
const parseJson = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

export async function requireIncident(db: Database, id: string) {
  const i = await db.selectFrom('recovery_incidents').selectAll().where('id', '=', id).executeTakeFirst();
  if (!i) throw notFound('Incident');
  return { ...i, affected_query: parseJson<AffectedQuery | null>(i.affected_query) };
}

const currencyOf = async (db: Database) => (await getWorkspace(db))?.currency ?? 'EUR';

/** Adds customers by hand: what they paid counts from 30 days before the incident to 7 days after. */
export async function addAffectedByHand(ctx: AppContext, incidentId: string, customerIds: string[]): Promise<number> {
  const db = ctx.db;
  const inc = await requireIncident(db, incidentId);
  const currency = await currencyOf(db);
  const from = new Date(new Date(inc.happened_at).getTime() - 30 * DAY);
  const to = new Date(new Date(inc.happened_at).getTime() + 7 * DAY);
  const r = await sql<{ customer_id: string }>`
    insert into recovery_affected (incident_id, customer_id, paid_minor, currency, added_by)
    select ${incidentId}, c.id,
      coalesce((select sum(o.amount_minor) from orders o where o.customer_id = c.id and o.status = 'paid' and o.currency = ${currency} and o.ordered_at between ${from} and ${to}), 0),
      ${currency}, 'hand'
    from customers c where c.id = any(${customerIds}::uuid[]) and c.merged_into is null
    on conflict do nothing
    returning customer_id`.execute(db);
  await snapshotScores(
    ctx,
    incidentId,
    r.rows.map((x) => x.customer_id),
  );
  return r.rows.length;
}

/**
 * Adds everyone the query finds in one statement and saves the query: an order between two
 * dates, a tag, a plan (a subscription running at the incident or started after it), a
 * conversation tagged in the inbox — all the criteria given must hold.
 */
export async function addAffectedByQuery(ctx: AppContext, incidentId: string, q: AffectedQuery): Promise<number> {
  const db = ctx.db;
  const inc = await requireIncident(db, incidentId);
  if (!q.from && !q.to && !q.tag && !q.plan && !q.conversationTag)
    throw badRequest('Say which customers: orders between two dates, a tag, a plan or a conversation tag', [{ field: 'query', message: 'is empty' }]);
  const currency = await currencyOf(db);
  const from = q.from ? new Date(q.from) : new Date(0);
  const to = q.to ? new Date(q.to) : new Date('9999-12-31T00:00:00Z');
  if (from > to) throw badRequest('The window ends before it starts', [{ field: 'query.to', message: 'must be after from' }]);
  const byOrders = Boolean(q.from || q.to);
  const inConversation = q.conversationTag ? await customersWithConversationTag(db, q.conversationTag) : null;
  const r = await sql<{ customer_id: string }>`
    insert into recovery_affected (incident_id, customer_id, paid_minor, currency, added_by)
    select ${incidentId}, c.id,
      coalesce((select sum(o.amount_minor) from orders o where o.customer_id = c.id and o.status = 'paid' and o.currency = ${currency} and o.ordered_at between ${from} and ${to}), 0),
      ${currency}, 'query'
    from customers c
    where c.merged_into is null and c.erased_at is null
      ${q.tag ? sql`and ${q.tag} = any(c.tags)` : sql``}
      ${byOrders ? sql`and exists (select 1 from orders o where o.customer_id = c.id and o.ordered_at between ${from} and ${to} and o.status in ('paid', 'pending', 'refunded'))` : sql``}
      ${q.plan ? sql`and exists (select 1 from subscriptions s where s.customer_id = c.id and lower(s.plan) = lower(${q.plan}) and (s.canceled_at is null or s.canceled_at >= ${inc.happened_at}))` : sql``}
      ${inConversation ? sql`and c.id = any(${inConversation}::uuid[])` : sql``}
    on conflict do nothing
    returning customer_id`.execute(db);
  await db
    .updateTable('recovery_incidents')
    .set({ affected_query: JSON.stringify(q), updated_at: new Date() })
    .where('id', '=', incidentId)
    .execute();
  await snapshotScores(
    ctx,
    incidentId,
    r.rows.map((x) => x.customer_id),
  );
  return r.rows.length;
}

/** Health and CLV when a customer joins the list: outcomes compare today's health against them. */
async function snapshotScores(ctx: AppContext, incidentId: string, customerIds: string[]): Promise<void> {
  if (!customerIds.length) return;
  const scores = await customerScores(ctx, customerIds);
  if (!scores.size) return;
  const ids = [...scores.keys()];
  await sql`
    update recovery_affected a set health_at_add = s.health, clv_at_add = s.clv
    from unnest(${ids}::uuid[], ${ids.map((id) => Math.round(scores.get(id)!.health))}::int[], ${ids.map((id) => scores.get(id)!.clv)}::numeric[]) as s(customer_id, health, clv)
    where a.incident_id = ${incidentId} and a.customer_id = s.customer_id`.execute(ctx.db);
}

export interface AffectedFacts {
  customer_id: string;
  name: string;
  email: string | null;
  paid_minor: string;
  currency: string;
  added_by: string;
  lifetime: string | null;
  orders: number;
  apology_id: string | null;
  channel: string | null;
  sent_at: Date | null;
  happened_at: Date;
  incident_id: string;
  kind: string;
  health_at_add: number | null;
  next_order_at: Date | null;
  left_at: Date | null;
  survey_after: SurveyScore | string | null;
  survey_before: SurveyScore | string | null;
}

/** What the outcomes need, for one incident's list or for all of them (one statement). */
export async function affectedFacts(db: Database, incidentId: string | null, windowDays: number): Promise<AffectedFacts[]> {
  const currency = await currencyOf(db);
  const rows = await sql<AffectedFacts>`
    select a.customer_id, c.name, c.email, a.paid_minor::text, a.currency, a.added_by, a.health_at_add,
      (select sum(o.amount_minor) from orders o where o.customer_id = a.customer_id and o.status = 'paid' and o.currency = ${currency})::text as lifetime,
      (select count(*)::int from orders o where o.customer_id = a.customer_id and o.status = 'paid') as orders,
      p.id as apology_id, p.channel, p.sent_at, i.happened_at, i.id as incident_id, i.kind,
      (select min(o.ordered_at) from orders o where o.customer_id = a.customer_id and o.status in ('paid', 'pending') and o.ordered_at > i.happened_at) as next_order_at,
      least(
        case when c.unsubscribed_at > i.happened_at then c.unsubscribed_at end,
        case when c.erased_at > i.happened_at then c.erased_at end,
        (select min(s.canceled_at) from subscriptions s where s.customer_id = a.customer_id and s.canceled_at > i.happened_at)
      ) as left_at,
      sa.survey_after,
      (select json_build_object('survey', b.survey, 'score', b.score, 'category', b.category) from recovery_survey_scores b
        where b.customer_id = a.customer_id and b.survey = sa.survey_after->>'survey' and b.answered_at <= i.happened_at
        order by b.answered_at desc limit 1) as survey_before
    from recovery_affected a
    join recovery_incidents i on i.id = a.incident_id
    join customers c on c.id = a.customer_id
    left join recovery_apologies p on p.incident_id = a.incident_id and p.customer_id = a.customer_id
    -- the first answer after the incident, within the outcome window
    left join lateral (
      select json_build_object('survey', s.survey, 'score', s.score, 'category', s.category) as survey_after from recovery_survey_scores s
      where s.customer_id = a.customer_id and s.answered_at > i.happened_at and s.answered_at <= i.happened_at + make_interval(days => ${windowDays}::int)
      order by s.answered_at limit 1) sa on true
    ${incidentId ? sql`where a.incident_id = ${incidentId}` : sql``}
    order by a.paid_minor desc, c.name limit 20000`.execute(db);
  return rows.rows;
}

export const outcomeInput = (r: AffectedFacts, healthNow: number | null): OutcomeInput => ({
  happenedAt: new Date(r.happened_at).getTime(),
  apologisedAt: r.sent_at ? new Date(r.sent_at).getTime() : null,
  nextOrderAt: r.next_order_at ? new Date(r.next_order_at).getTime() : null,
  leftAt: r.left_at ? new Date(r.left_at).getTime() : null,
  healthAtAdd: r.health_at_add === null ? null : Number(r.health_at_add),
  healthNow,
  surveyAfter: parseScore(r.survey_after),
  surveyBefore: parseScore(r.survey_before),
});

const parseScore = (v: SurveyScore | string | null): SurveyScore | null => {
  if (v === null) return null;
  const s = (typeof v === 'string' ? JSON.parse(v) : v) as SurveyScore;
  return { survey: s.survey, score: s.score === null ? null : Number(s.score), category: s.category };
};

/** The affected list: what each paid, lifetime value, CLV and health (today and when added), the apology and the outcome so far. */
export async function affectedList(ctx: AppContext, incidentId: string, windowDays = DEFAULT_OUTCOME_DAYS) {
  const rows = await affectedFacts(ctx.db, incidentId, windowDays);
  const scores = await customerScores(
    ctx,
    rows.map((r) => r.customer_id),
  );
  const now = ctx.now().getTime();
  return rows.map((r) => {
    const score = scores.get(r.customer_id) ?? null;
    return {
      customerId: r.customer_id,
      name: r.name,
      email: r.email,
      paidMinor: Number(r.paid_minor),
      currency: r.currency,
      addedBy: r.added_by,
      lifetimeValueMinor: Number(r.lifetime ?? 0),
      orders: Number(r.orders),
      clv: score ? Math.round(score.clv * 100) / 100 : null,
      health: score ? Math.round(score.health) : null,
      healthAtAdd: r.health_at_add === null ? null : Number(r.health_at_add),
      apology: r.apology_id ? { id: r.apology_id, channel: r.channel, sentAt: r.sent_at } : null,
      outcome: outcomeOf(outcomeInput(r, score ? score.health : null), windowDays, now),
    };
  });
}

/** Outcomes are counted this many days after the incident unless asked otherwise. */
export const DEFAULT_OUTCOME_DAYS = 90;

async function affectedRow(db: Database, incidentId: string, customerId: string) {
  const a = await db
    .selectFrom('recovery_affected as a')
    .innerJoin('customers as c', 'c.id', 'a.customer_id')
    .select(['a.paid_minor', 'a.currency', 'c.name', 'c.email', 'c.owner_user_id'])
    .where('a.incident_id', '=', incidentId)
    .where('a.customer_id', '=', customerId)
    .executeTakeFirst();
  if (!a) throw new HttpError(400, 'not_affected', 'This customer is not on the incident’s affected list', [{ field: 'customerId', message: 'is not affected by this incident' }]);
  return { ...a, paid_minor: Number(a.paid_minor) };
}

export async function draftFor(ctx: AppContext, incidentId: string, customerId: string, signer: string, template?: { subject: string; body: string }) {
  const inc = await requireIncident(ctx.db, incidentId);
  const a = await affectedRow(ctx.db, incidentId, customerId);
  const limits = await getRecoverySettings(ctx.db);
  const compensation = suggestCompensation(a.paid_minor, a.currency, inc.severity as Severity, limits);
  const ws = await getWorkspace(ctx.db);
  const businessName = ws?.name ?? 'our business';
  const firstName = a.name.split(/\s+/)[0] || a.name;
  let draft = composeApology({
    customerName: a.name,
    businessName,
    signer,
    what: inc.what || inc.title,
    cause: inc.cause,
    fix: inc.fix,
    prevention: inc.prevention,
    compensation,
    code: CODE_PLACEHOLDER,
  });
  if (template) {
    const vars = {
      first_name: firstName,
      business: businessName,
      signer,
      amount: compensation.kind === 'refund' || compensation.kind === 'credit' ? formatMoney(compensation.amountMinor, compensation.currency) : undefined,
      percent: compensation.kind === 'promo' ? String(compensation.percentOff) : undefined,
    };
    draft = { ...draft, subject: renderTemplate(template.subject, vars), text: renderTemplate(template.body, vars) };
  }
  return { draft, compensation, paidMinor: a.paid_minor, currency: a.currency, warnings: checkApology(draft.text), limits, kind: inc.kind };
}

export interface SendApology {
  customerId: string;
  channel: 'email' | 'call' | 'letter';
  subject: string;
  body: string;
  compensation: Compensation;
  sendAnyway: boolean;
  userId: string;
}

/** Within the owner's limits: a share of what they paid, a cap, a percentage for codes. */
async function checkCompensation(db: Database, c: Compensation, paidMinor: number, currency: string): Promise<void> {
  const limits = await getRecoverySettings(db);
  if (c.kind === 'refund' || c.kind === 'credit') {
    if (c.currency !== currency) throw badRequest(`Compensation is in ${currency}`, [{ field: 'compensation.currency', message: `must be ${currency}` }]);
    const cap = Math.min(limits.maxAmountMinor, Math.floor((paidMinor * limits.maxSharePercent) / 100));
    if (c.amountMinor > cap)
      throw badRequest(`Compensation above the owner's limit (${cap} minor units for this customer)`, [{ field: 'compensation.amountMinor', message: `must be at most ${cap}` }]);
  }
  if (c.kind === 'promo' && c.percentOff > Math.max(limits.promoPercent, limits.maxSharePercent)) {
    throw badRequest('Promo code above the owner’s limit', [{ field: 'compensation.percentOff', message: `must be at most ${Math.max(limits.promoPercent, limits.maxSharePercent)}` }]);
  }
}

const paragraphsHtml = (text: string) =>
  text
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('\n');

/**
 * Sends (or logs) the apology once per customer and incident: the email is queued under the key
 * `apology:<incident>:<customer>` (the mail feature sends a key once), then the apology row and
 * its timeline entry are written together — a second call, a double click or a retry after a
 * crash finds the row and answers with it.
 */
export async function sendApology(ctx: AppContext, incidentId: string, s: SendApology): Promise<{ apologyId: string; alreadySent: boolean; warnings: Warning[]; promoCode: string | null }> {
  const inc = await requireIncident(ctx.db, incidentId);
  const existing = await ctx.db.selectFrom('recovery_apologies').select(['id', 'promo_code']).where('incident_id', '=', incidentId).where('customer_id', '=', s.customerId).executeTakeFirst();
  if (existing) return { apologyId: existing.id, alreadySent: true, warnings: [], promoCode: existing.promo_code };
  const a = await affectedRow(ctx.db, incidentId, s.customerId);
  await checkCompensation(ctx.db, s.compensation, a.paid_minor, a.currency);
  let body = s.body;
  let promo: string | null = null;
  if (s.compensation.kind === 'promo') {
    const { code } = await codeForKey(ctx.db, `recovery:${incidentId}:${s.customerId}`, {
      prefix: 'SORRY',
      use: 'single',
      customerId: s.customerId,
      percentOff: s.compensation.percentOff,
      currency: a.currency,
      usageLimit: 1,
      expiresAt: new Date(ctx.now().getTime() + 180 * DAY),
      note: `Apology: ${inc.title}`,
      source: `recovery:${incidentId}`,
    });
    promo = code.code;
    body = body.split(CODE_PLACEHOLDER).join(promo);
  } else if (body.includes(CODE_PLACEHOLDER)) {
    throw badRequest('The text mentions a code but the compensation is not a promo code', [{ field: 'body', message: `remove ${CODE_PLACEHOLDER} or choose a promo code` }]);
  }
  const warnings = checkApology(body);
  if (warnings.length && !s.sendAnyway) {
    throw new HttpError(
      422,
      'apology_warnings',
      `The apology has ${warnings.length} warning${warnings.length > 1 ? 's' : ''}: ${warnings[0].message}. Edit it, or send anyway.`,
      warnings.map((w) => ({ field: 'body', message: w.message })),
    );
  }
  const key = `apology:${incidentId}:${s.customerId}`;
  let emailId: string | null = null;
  if (s.channel === 'email') {
    if (!a.email) throw badRequest('The customer has no email address: log a call or a letter instead', [{ field: 'channel', message: 'the customer has no email address' }]);
    const q = await queueEmail(ctx, {
      to: a.email,
      subject: s.subject,
      html: paragraphsHtml(body),
      text: body,
      kind: 'transactional',
      customerId: s.customerId,
      idempotencyKey: key,
      source: `recovery:${incidentId}`,
    });
    // 'duplicate': queued under this key already (a retry, or a second request at the same moment)
    const id = q.id ?? (q.reason === 'duplicate' ? ((await ctx.db.selectFrom('emails').select('id').where('idempotency_key', '=', key).executeTakeFirst())?.id ?? null) : null);
    if (!id) throw new HttpError(409, 'not_sent', `The email could not be queued: ${q.reason ?? 'unknown reason'}`);
    emailId = id;
  }
  const now = ctx.now();
  const row = await ctx.db.transaction().execute(async (trx) => {
    const ins = await trx
      .insertInto('recovery_apologies')
      .values({
        incident_id: incidentId,
        customer_id: s.customerId,
        channel: s.channel,
        subject: s.subject,
        body,
        compensation: JSON.stringify(s.compensation),
        warnings: JSON.stringify(warnings),
        email_id: emailId,
        promo_code: promo,
        created_by: s.userId,
        sent_at: now,
      })
      .onConflict((oc) => oc.columns(['incident_id', 'customer_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!ins) return null;
    const how = s.channel === 'email' ? 'sent by email' : s.channel === 'call' ? 'made by phone' : 'sent as a letter';
    await recordTouchpoint(trx as unknown as Database, {
      customerId: s.customerId,
      channel: s.channel === 'email' ? 'email' : s.channel === 'call' ? 'call' : 'note',
      direction: 'out',
      summary: `Apology for "${inc.title}" ${how}${promo ? ` with the code ${promo}` : s.compensation.kind === 'refund' || s.compensation.kind === 'credit' ? ` with a ${s.compensation.kind} of ${s.compensation.amountMinor / 100} ${s.compensation.currency}` : ''}`,
      source: `recovery:${incidentId}`,
      userId: s.userId,
      occurredAt: now,
    });
    return ins;
  });
  if (!row) {
    const again = await ctx.db.selectFrom('recovery_apologies').select(['id', 'promo_code']).where('incident_id', '=', incidentId).where('customer_id', '=', s.customerId).executeTakeFirstOrThrow();
    return { apologyId: again.id, alreadySent: true, warnings: [], promoCode: again.promo_code };
  }
  return { apologyId: row.id, alreadySent: false, warnings, promoCode: promo };
}
