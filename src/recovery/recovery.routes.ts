// Recovery API: incidents (log, search, edit), affected customers (by hand or saved query),
// apology drafts in five parts with the checker's warnings, sending once, the owner's limits.
import { sql } from 'kysely';
import { z } from 'zod';
import { audit } from '../accounts/index.js';
import type { AppContext } from '../platform/context.js';
import type { App } from '../platform/http/server.js';
import { checkApology, incidentKinds, severities } from './recovery.core.js';
import { getTemplate, listTemplates, notFoundPage, outcomes, publicNotePage, publishNote, recoveryResults, saveTemplate, trackRecord } from './recovery.library.js';
import { addAffectedByHand, addAffectedByQuery, affectedList, DEFAULT_OUTCOME_DAYS, draftFor, requireIncident, sendApology } from './recovery.service.js';
import { getRecoverySettings, recoverySettingsInput, saveRecoverySettings } from './recovery.settings.js';

const uuid = (what: string) => z.string().uuid(`must be a ${what} id`);
const idParams = z.object({ id: uuid('incident') });
const text = (max: number) => z.string().trim().max(max);
const date = z.coerce.date().refine((d) => !Number.isNaN(d.getTime()) && d.getUTCFullYear() > 1970 && d.getUTCFullYear() < 3000, 'is not a date');

const incidentBody = z.object({
  title: text(200).min(1, 'is required'),
  what: text(5000).default(''),
  happenedAt: date,
  severity: z.enum(severities),
  kind: z.enum(incidentKinds).default('other'),
  cause: text(5000).default(''),
  fix: text(5000).default(''),
  prevention: text(5000).default(''),
  status: z.enum(['open', 'resolved']).default('open'),
});

const compensation = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('refund'),
    amountMinor: z.number().int().min(1).max(100_000_000, 'is too large'),
    currency: z.string().regex(/^[A-Z]{3}$/),
    sharePercent: z.number().min(0).max(100).default(0),
  }),
  z.object({ kind: z.literal('credit'), amountMinor: z.number().int().min(1).max(100_000_000, 'is too large'), currency: z.string().regex(/^[A-Z]{3}$/) }),
  z.object({ kind: z.literal('promo'), percentOff: z.number().int().min(1).max(100) }),
  z.object({ kind: z.literal('none') }),
]);

const incidentOut = (i: Awaited<ReturnType<typeof requireIncident>>) => ({
  id: i.id,
  title: i.title,
  what: i.what,
  happenedAt: i.happened_at,
  severity: i.severity,
  cause: i.cause,
  fix: i.fix,
  prevention: i.prevention,
  status: i.status,
  affectedQuery: i.affected_query,
  kind: i.kind,
  publicNote: i.public_note,
  publicPath: i.public_slug ? `/p/incidents/${i.public_slug}` : null,
  publishedAt: i.published_at,
  createdAt: i.created_at,
});
const days = z.object({ days: z.coerce.number().int().min(1, 'must be 1–730').max(730, 'must be 1–730').default(DEFAULT_OUTCOME_DAYS) });

export async function recoveryRoutes(app: App, ctx: AppContext): Promise<void> {
  app.get('/api/recovery/settings', { config: { access: 'staff' }, schema: { tags: ['recovery'], summary: "The owner's limits on compensation" } }, async () => ({
    settings: await getRecoverySettings(ctx.db),
  }));
  app.put(
    '/api/recovery/settings',
    { config: { access: 'owner' }, schema: { body: recoverySettingsInput, tags: ['recovery'], summary: 'Set the limits on compensation (owner; audited)' } },
    async (req) => {
      const s = await saveRecoverySettings(ctx.db, req.body);
      await audit(ctx.db, req, 'recovery.settings', null, req.body);
      return { settings: s };
    },
  );

  app.get(
    '/api/recovery/incidents',
    {
      config: { access: 'staff' },
      schema: {
        querystring: z.object({ q: text(200).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
        tags: ['recovery'],
        summary: 'Incidents, newest first; q searches title, what, cause and fix',
      },
    },
    async (req) => {
      const like = req.query.q ? `%${req.query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
      const rows = await sql<{ id: string; title: string; severity: string; kind: string; status: string; happened_at: Date; affected: number; apologised: number }>`
      select i.id, i.title, i.severity, i.kind, i.status, i.happened_at,
        (select count(*)::int from recovery_affected a where a.incident_id = i.id) as affected,
        (select count(*)::int from recovery_apologies p where p.incident_id = i.id) as apologised
      from recovery_incidents i
      ${like ? sql`where i.title ilike ${like} or i.what ilike ${like} or i.cause ilike ${like} or i.fix ilike ${like} or i.prevention ilike ${like} or i.public_note ilike ${like} or i.kind ilike ${like}` : sql``}
      order by i.happened_at desc, i.id limit ${req.query.limit}`.execute(ctx.db);
      return {
        incidents: rows.rows.map((r) => ({
          id: r.id,
          title: r.title,
          severity: r.severity,
          kind: r.kind,
          status: r.status,
          happenedAt: r.happened_at,
          affected: r.affected,
          apologised: r.apologised,
        })),
      };
    },
  );

  app.post(
    '/api/recovery/incidents',
    { config: { access: 'staff' }, schema: { body: incidentBody, tags: ['recovery'], summary: 'Log an incident: what, when, severity, cause, fix, prevention' } },
    async (req, reply) => {
      const b = req.body;
      const row = await ctx.db
        .insertInto('recovery_incidents')
        .values({
          title: b.title,
          what: b.what,
          happened_at: b.happenedAt,
          severity: b.severity,
          cause: b.cause,
          fix: b.fix,
          prevention: b.prevention,
          status: b.status,
          kind: b.kind,
          affected_query: null,
          created_by: req.user!.id,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return reply.code(201).send({ incident: incidentOut(await requireIncident(ctx.db, row.id)) });
    },
  );

  app.get(
    '/api/recovery/incidents/:id',
    {
      config: { access: 'staff' },
      schema: {
        params: idParams,
        querystring: days,
        tags: ['recovery'],
        summary: 'An incident with its affected customers (paid in the window, lifetime value, CLV, health, apology, outcome after `days`) and its results',
      },
    },
    async (req) => {
      const i = await requireIncident(ctx.db, req.params.id);
      return { incident: incidentOut(i), affected: await affectedList(ctx, i.id, req.query.days), results: await recoveryResults(ctx, req.query.days, i.id) };
    },
  );

  app.patch(
    '/api/recovery/incidents/:id',
    { config: { access: 'staff' }, schema: { params: idParams, body: incidentBody.partial(), tags: ['recovery'], summary: 'Edit an incident (only the fields sent)' } },
    async (req) => {
      await requireIncident(ctx.db, req.params.id);
      const b = req.body;
      const set: Record<string, unknown> = { updated_at: new Date() };
      for (const [k, col] of [
        ['title', 'title'],
        ['what', 'what'],
        ['happenedAt', 'happened_at'],
        ['severity', 'severity'],
        ['cause', 'cause'],
        ['fix', 'fix'],
        ['prevention', 'prevention'],
        ['status', 'status'],
        ['kind', 'kind'],
      ] as const)
        if (b[k] !== undefined) set[col] = b[k];
      await ctx.db.updateTable('recovery_incidents').set(set).where('id', '=', req.params.id).execute();
      return { incident: incidentOut(await requireIncident(ctx.db, req.params.id)) };
    },
  );

  app.post(
    '/api/recovery/incidents/:id/affected',
    {
      config: { access: 'staff' },
      schema: {
        params: idParams,
        body: z.object({
          customerIds: z.array(uuid('customer')).max(1000).optional(),
          query: z
            .object({
              from: date.nullable().optional(),
              to: date.nullable().optional(),
              tag: text(60).min(1).nullable().optional(),
              plan: text(200).min(1).nullable().optional(),
              conversationTag: text(60).min(1).nullable().optional(),
            })
            .optional(),
        }),
        tags: ['recovery'],
        summary: 'Add affected customers by hand (ids) or by a saved query (orders between two dates, a tag, a plan, a conversation tag: all given must hold)',
      },
    },
    async (req) => {
      let added = 0;
      if (req.body.customerIds?.length) added += await addAffectedByHand(ctx, req.params.id, req.body.customerIds);
      const q = req.body.query;
      if (q)
        added += await addAffectedByQuery(ctx, req.params.id, {
          from: q.from?.toISOString() ?? null,
          to: q.to?.toISOString() ?? null,
          tag: q.tag ?? null,
          plan: q.plan ?? null,
          conversationTag: q.conversationTag ?? null,
        });
      return { added, affected: await affectedList(ctx, req.params.id) };
    },
  );

  app.get(
    '/api/recovery/incidents/:id/customers/:customerId/draft',
    {
      config: { access: 'staff' },
      schema: {
        params: idParams.extend({ customerId: uuid('customer') }),
        querystring: z.object({ templateId: uuid('template').optional() }),
        tags: ['recovery'],
        summary:
          'A draft apology in five parts (or from a saved template) with a compensation suggestion scaled to what the customer paid, the checker’s warnings, and how apologies for incidents of this kind turned out',
      },
    },
    async (req) => {
      const template = req.query.templateId ? await getTemplate(ctx.db, req.query.templateId) : undefined;
      const d = await draftFor(ctx, req.params.id, req.params.customerId, req.user!.name, template);
      return { ...d, trackRecord: await trackRecord(ctx, d.kind, DEFAULT_OUTCOME_DAYS) };
    },
  );

  app.post(
    '/api/recovery/check',
    {
      config: { access: 'staff' },
      schema: { body: z.object({ text: z.string().max(50_000) }), tags: ['recovery'], summary: 'Check an apology: blame, excuses, conditional wording, missing or out-of-order parts' },
    },
    async (req) => ({ warnings: checkApology(req.body.text) }),
  );

  app.post(
    '/api/recovery/incidents/:id/apologies',
    {
      config: { access: 'staff' },
      schema: {
        params: idParams,
        body: z.object({
          customerId: uuid('customer'),
          channel: z.enum(['email', 'call', 'letter']),
          subject: text(300).min(1, 'is required'),
          body: z.string().trim().min(1, 'is required').max(20_000),
          compensation,
          sendAnyway: z.boolean().default(false),
        }),
        tags: ['recovery'],
        summary: 'Send the apology by email (once per customer and incident) or log it as a call or letter; 422 apology_warnings unless sendAnyway',
      },
    },
    async (req, reply) => {
      const r = await sendApology(ctx, req.params.id, { ...req.body, userId: req.user!.id });
      return reply.code(r.alreadySent ? 200 : 201).send(r);
    },
  );

  app.get(
    '/api/recovery/apologies',
    {
      config: { access: 'staff' },
      schema: {
        querystring: days.extend({ q: text(200).optional(), customerId: uuid('customer').optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
        tags: ['recovery'],
        summary: 'The library: apologies sent, newest first, each with its outcome after `days`; q searches subject, text and the incident title',
      },
    },
    async (req) => {
      let q = ctx.db
        .selectFrom('recovery_apologies as p')
        .innerJoin('recovery_incidents as i', 'i.id', 'p.incident_id')
        .innerJoin('customers as c', 'c.id', 'p.customer_id')
        .select(['p.id', 'p.incident_id', 'i.title', 'p.customer_id', 'c.name', 'p.channel', 'p.subject', 'p.body', 'p.compensation', 'p.warnings', 'p.promo_code', 'p.sent_at'])
        .orderBy('p.sent_at', 'desc')
        .limit(req.query.limit);
      if (req.query.customerId) q = q.where('p.customer_id', '=', req.query.customerId);
      if (req.query.q) {
        const like = `%${req.query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        q = q.where((eb) => eb.or([eb('p.subject', 'ilike', like), eb('p.body', 'ilike', like), eb('i.title', 'ilike', like)]));
      }
      const rows = await q.execute();
      const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
      const byPair = new Map((await outcomes(ctx, req.query.days)).map((x) => [`${x.row.incident_id}:${x.row.customer_id}`, x.outcome]));
      return {
        windowDays: req.query.days,
        apologies: rows.map((r) => ({
          id: r.id,
          incidentId: r.incident_id,
          incidentTitle: r.title,
          customerId: r.customer_id,
          customerName: r.name,
          channel: r.channel,
          subject: r.subject,
          body: r.body,
          compensation: parse(r.compensation),
          warnings: parse(r.warnings),
          promoCode: r.promo_code,
          sentAt: r.sent_at,
          outcome: byPair.get(`${r.incident_id}:${r.customer_id}`) ?? null,
        })),
      };
    },
  );
  app.get(
    '/api/recovery/results',
    {
      config: { access: 'staff' },
      schema: {
        querystring: days,
        tags: ['recovery'],
        summary: 'Affected customers who got an apology (on time, late) vs those who did not: who ordered again within `days`, who left, health since, time to apology, with counts and ranges',
      },
    },
    async (req) => recoveryResults(ctx, req.query.days),
  );

  // ---- templates ----
  const templateName = text(100).min(1, 'is required');
  app.get(
    '/api/recovery/templates',
    { config: { access: 'staff' }, schema: { querystring: z.object({ kind: z.enum(incidentKinds).optional() }), tags: ['recovery'], summary: 'Saved apology templates (per incident kind)' } },
    async (req) => ({ templates: await listTemplates(ctx.db, req.query.kind) }),
  );
  app.post(
    '/api/recovery/templates',
    {
      config: { access: 'staff' },
      schema: {
        body: z.union([
          z.object({ name: templateName, fromApologyId: uuid('apology'), kind: z.enum(incidentKinds).optional() }),
          z.object({ name: templateName, kind: z.enum(incidentKinds), subject: text(300).min(1, 'is required'), body: z.string().trim().min(1, 'is required').max(20_000) }),
        ]),
        tags: ['recovery'],
        summary: 'Save a template: from a sent apology (the name, amount and code become {{first_name}}, {{amount}}, {{code}}) or written out',
      },
    },
    async (req, reply) => reply.code(201).send({ template: await saveTemplate(ctx.db, req.body, req.user!.id) }),
  );
  app.delete('/api/recovery/templates/:id', { config: { access: 'staff' }, schema: { params: z.object({ id: uuid('template') }), tags: ['recovery'], summary: 'Delete a template' } }, async (req) => {
    await getTemplate(ctx.db, req.params.id);
    await ctx.db.deleteFrom('recovery_templates').where('id', '=', req.params.id).execute();
    return { deleted: true };
  });

  // ---- the public incident note ----
  app.put(
    '/api/recovery/incidents/:id/public-note',
    {
      config: { access: 'staff' },
      schema: {
        params: idParams,
        body: z.object({ note: z.string().trim().max(10_000, 'is too long (10,000 characters at most)'), published: z.boolean() }),
        tags: ['recovery'],
        summary: 'Write the public note on an incident and publish it (or take it down); it is shown at /p/incidents/<random slug>',
      },
    },
    async (req) => {
      const i = await publishNote(ctx.db, req.params.id, req.body.note, req.body.published);
      await audit(ctx.db, req, req.body.published ? 'recovery.note.publish' : 'recovery.note.unpublish', i.id, {});
      return { incident: incidentOut(i) };
    },
  );
  app.get(
    '/p/incidents/:slug',
    { config: { access: 'public', rateLimit: { max: 120, timeWindow: '1 minute' } }, schema: { params: z.object({ slug: z.string().max(200) }), hide: true } },
    async (req, reply) => {
      const page = await publicNotePage(ctx.db, req.params.slug);
      return reply
        .code(page ? 200 : 404)
        .header('content-type', 'text/html; charset=utf-8')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
        .header('cache-control', 'no-store')
        .send(page ?? notFoundPage);
    },
  );
}
