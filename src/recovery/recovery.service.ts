// Incidents, their affected customers (by hand or by a saved query), drafts, and sending an
// apology exactly once per customer and incident.
import { sql } from 'kysely';
import type { AppContext } from '../platform/context.js';
import type { Database } from '../platform/db/database.js';
import { badRequest, HttpError, notFound } from '../platform/http/errors.js';
import { recordTouchpoint } from '../customers/index.js';
import { codeForKey } from '../loyalty/index.js';
import { escapeHtml, queueEmail } from '../mail/index.js';
import { getWorkspace } from '../workspace/index.js';
import { checkApology, composeApology, suggestCompensation, type Compensation, type Severity, type Warning } from './recovery.core.js';
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
export async function addAffectedByHand(db: Database, incidentId: string, customerIds: string[]): Promise<number> {
  const inc = await requireIncident(db, incidentId);
  const currency = await currencyOf(db);
  const from = new Date(new Date(inc.happened_at).getTime() - 30 * DAY);
  const to = new Date(new Date(inc.happened_at).getTime() + 7 * DAY);
  const r = await sql`
    insert into recovery_affected (incident_id, customer_id, paid_minor, currency, added_by)
    select ${incidentId}, c.id,
      coalesce((select sum(o.amount_minor) from orders o where o.customer_id = c.id and o.status = 'paid' and o.currency = ${currency} and o.ordered_at between ${from} and ${to}), 0),
      ${currency}, 'hand'
    from customers c where c.id = any(${customerIds}::uuid[]) and c.merged_into is null
    on conflict do nothing`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/** Adds everyone the query finds (orders between two dates and/or a tag) in one statement; saves the query. */
export async function addAffectedByQuery(db: Database, incidentId: string, q: AffectedQuery): Promise<number> {
  await requireIncident(db, incidentId);
  if (!q.from && !q.to && !q.tag) throw badRequest('Say which customers: orders between two dates, a tag, or both', [{ field: 'query', message: 'is empty' }]);
  const currency = await currencyOf(db);
  const from = q.from ? new Date(q.from) : new Date(0);
  const to = q.to ? new Date(q.to) : new Date('9999-12-31T00:00:00Z');
  const byOrders = Boolean(q.from || q.to);
  const r = await sql`
    insert into recovery_affected (incident_id, customer_id, paid_minor, currency, added_by)
    select ${incidentId}, c.id,
      coalesce((select sum(o.amount_minor) from orders o where o.customer_id = c.id and o.status = 'paid' and o.currency = ${currency} and o.ordered_at between ${from} and ${to}), 0),
      ${currency}, 'query'
    from customers c
    where c.merged_into is null and c.erased_at is null
      ${q.tag ? sql`and ${q.tag} = any(c.tags)` : sql``}
      ${byOrders ? sql`and exists (select 1 from orders o where o.customer_id = c.id and o.ordered_at between ${from} and ${to} and o.status in ('paid', 'pending', 'refunded'))` : sql``}
    on conflict do nothing`.execute(db);
  await db
    .updateTable('recovery_incidents')
    .set({ affected_query: JSON.stringify(q), updated_at: new Date() })
    .where('id', '=', incidentId)
    .execute();
  return Number(r.numAffectedRows ?? 0);
}

export async function affectedList(db: Database, incidentId: string) {
  const currency = await currencyOf(db);
  const rows = await sql<{
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
  }>`
    select a.customer_id, c.name, c.email, a.paid_minor::text, a.currency, a.added_by,
      (select sum(o.amount_minor) from orders o where o.customer_id = a.customer_id and o.status = 'paid' and o.currency = ${currency})::text as lifetime,
      (select count(*)::int from orders o where o.customer_id = a.customer_id and o.status = 'paid') as orders,
      p.id as apology_id, p.channel, p.sent_at
    from recovery_affected a join customers c on c.id = a.customer_id
    left join recovery_apologies p on p.incident_id = a.incident_id and p.customer_id = a.customer_id
    where a.incident_id = ${incidentId}
    order by a.paid_minor desc, c.name limit 5000`.execute(db);
  return rows.rows.map((r) => ({
    customerId: r.customer_id,
    name: r.name,
    email: r.email,
    paidMinor: Number(r.paid_minor),
    currency: r.currency,
    addedBy: r.added_by,
    lifetimeValueMinor: Number(r.lifetime ?? 0),
    orders: Number(r.orders),
    apology: r.apology_id ? { id: r.apology_id, channel: r.channel, sentAt: r.sent_at } : null,
  }));
}

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

export async function draftFor(ctx: AppContext, incidentId: string, customerId: string, signer: string) {
  const inc = await requireIncident(ctx.db, incidentId);
  const a = await affectedRow(ctx.db, incidentId, customerId);
  const limits = await getRecoverySettings(ctx.db);
  const compensation = suggestCompensation(a.paid_minor, a.currency, inc.severity as Severity, limits);
  const ws = await getWorkspace(ctx.db);
  const draft = composeApology({
    customerName: a.name,
    businessName: ws?.name ?? 'our business',
    signer,
    what: inc.what || inc.title,
    cause: inc.cause,
    fix: inc.fix,
    prevention: inc.prevention,
    compensation,
    code: CODE_PLACEHOLDER,
  });
  return { draft, compensation, paidMinor: a.paid_minor, currency: a.currency, warnings: checkApology(draft.text), limits };
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
