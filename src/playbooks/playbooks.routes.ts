// Playbooks API: list (ready-made ones installed on first look), edit, switch on/off, preview
// a template, recent runs, holiday settings, and the inbound events (cart abandoned, payment
// failed, or any event) that integrations POST.
import { z } from 'zod';
import type { AppContext } from '../platform/context.js';
import { badRequest, notFound } from '../platform/http/errors.js';
import type { App } from '../platform/http/server.js';
import { getFeatureSettings, getWorkspace, setFeatureSettings, workspaceMoney } from '../workspace/index.js';
import { builtInTriggerFields, builtInTriggerLabels, playbookDefinition, type PlaybookDefinition } from './playbooks.core.js';
import { emitPlaybookEvent, playbookEventType } from './playbooks.events.js';
import { contributedTriggers } from './playbooks.triggers.js';
import { loadOneFacts } from './playbooks.facts.js';
import { installReadyMade } from './playbooks.library.js';
import { defaultPlaybookSettings, previewEnrolment, runPlaybookScan } from './playbooks.scan.js';
import { getPlaybook, listPlaybooks, playbookWebhookKey, savePlaybook, setPlaybookEnabled, templateVariables } from './playbooks.service.js';
import { renderEmail, sampleVariables, TemplateError } from './playbooks.templates.js';

const idParams = z.object({ id: z.string().uuid('must be a playbook id') });

/** Renders every email (and task title) of a playbook with sample data; a 400 names the step and part at fault. */
async function checkTemplates(ctx: AppContext, def: PlaybookDefinition): Promise<void> {
  const vars = sampleVariables((await getWorkspace(ctx.db))?.name ?? 'Your business');
  for (const [i, step] of def.steps.entries()) {
    const a = step.action;
    const t = a.type === 'email' ? a : a.type === 'task' ? { subject: a.title, html: '', text: a.details } : null;
    if (!t) continue;
    try {
      await renderEmail(t, vars);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      const part = a.type === 'task' ? (err.part === 'subject' ? 'title' : 'details') : err.part;
      throw badRequest(`Step ${i + 1} (${step.name ?? a.type}) ${part}: ${err.message.slice(err.part.length + 2)}`, [{ field: `steps.${i}.action.${part}`, message: err.message }]);
    }
  }
}

async function customerByRef(ctx: AppContext, ref: { customerId?: string; email?: string }): Promise<string> {
  if (ref.customerId) {
    const c = await ctx.db.selectFrom('customers').select('id').where('id', '=', ref.customerId).executeTakeFirst();
    if (!c) throw notFound('Customer');
    return c.id;
  }
  const c = await ctx.db.selectFrom('customers').select('id').where('email_normalized', '=', ref.email!.trim().toLowerCase()).orderBy('created_at').executeTakeFirst();
  if (!c) throw badRequest(`No customer with email ${ref.email}`, [{ field: 'email', message: 'no customer has this email' }]);
  return c.id;
}

/** An amount sent with an event, in the workspace's locale (its currency when none is sent); '' without one. */
async function money(ctx: AppContext, minor: number | undefined, currency: string | undefined): Promise<string> {
  if (minor === undefined) return '';
  return (await workspaceMoney(ctx.db)).money(minor, currency);
}

const customerRef = z.object({
  customerId: z.string().uuid().optional(),
  email: z.string().email().optional(),
});
const refRequired = (v: { customerId?: string; email?: string }) => Boolean(v.customerId || v.email);

export async function playbookRoutes(app: App, ctx: AppContext): Promise<void> {
  app.get('/api/playbooks', { config: { access: 'staff' }, schema: { tags: ['playbooks'], summary: 'Playbooks (ready-made ones included)' } }, async () => {
    await installReadyMade(ctx.db);
    const playbooks = await listPlaybooks(ctx.db);
    const stats = await ctx.db
      .selectFrom('playbook_enrollments')
      .select(['playbook_id', (eb) => eb.fn.countAll<number>().as('total'), (eb) => eb.fn.count<number>('id').filterWhere('status', '=', 'active').as('active')])
      .groupBy('playbook_id')
      .execute();
    const by = new Map(stats.map((s) => [s.playbook_id, s]));
    return { playbooks: playbooks.map((p) => ({ ...p, enrolled: Number(by.get(p.id)?.total ?? 0), active: Number(by.get(p.id)?.active ?? 0) })) };
  });

  app.get(
    '/api/playbooks/triggers',
    { config: { access: 'staff' }, schema: { tags: ['playbooks'], summary: 'The trigger catalogue: the engine’s triggers and those other features contribute, with their fields' } },
    async () => ({
      triggers: [
        ...Object.entries(builtInTriggerLabels).map(([type, label]) => ({ type, label, contributed: false, fields: builtInTriggerFields[type] ?? [] })),
        ...contributedTriggers()
          .filter((d) => !(d.type in builtInTriggerLabels))
          .map((d) => ({ type: d.type, label: d.label, contributed: true, fields: Object.keys(d.fields ?? {}) })),
      ],
    }),
  );

  app.get(
    '/api/playbooks/runs',
    {
      config: { access: 'staff' },
      schema: {
        querystring: z.object({ playbookId: z.string().uuid().optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }),
        tags: ['playbooks'],
        summary: 'Recent steps run, newest first',
      },
    },
    async (req) => {
      let q = ctx.db
        .selectFrom('playbook_step_runs as r')
        .innerJoin('playbooks as p', 'p.id', 'r.playbook_id')
        .innerJoin('customers as c', 'c.id', 'r.customer_id')
        .select(['r.id', 'r.at', 'r.step_index', 'r.action', 'r.status', 'r.detail', 'p.id as playbook_id', 'p.name as playbook', 'c.id as customer_id', 'c.name as customer'])
        .orderBy('r.at', 'desc')
        .limit(req.query.limit);
      if (req.query.playbookId) q = q.where('r.playbook_id', '=', req.query.playbookId);
      return { runs: await q.execute() };
    },
  );

  app.get('/api/playbooks/webhook-key', { config: { access: 'owner' }, schema: { tags: ['playbooks'], summary: 'The key that signs webhook steps, for their receivers' } }, async () => ({
    secret: playbookWebhookKey(ctx.secret),
    header: 'x-keepwell-signature',
    scheme: 'sha256=<hex HMAC-SHA256 of the raw request body with the secret>',
  }));
  app.get('/api/playbooks/settings', { config: { access: 'staff' }, schema: { tags: ['playbooks'] } }, async () => getFeatureSettings(ctx.db, 'playbooks', defaultPlaybookSettings));
  app.put(
    '/api/playbooks/settings',
    {
      config: { access: 'owner' },
      schema: {
        tags: ['playbooks'],
        body: z.object({ holidays: z.array(z.object({ date: z.string().regex(/^(\d{4}-)?\d{2}-\d{2}$/, 'use MM-DD or YYYY-MM-DD'), name: z.string().trim().min(1).max(80) })).max(100) }),
      },
    },
    async (req) => {
      await setFeatureSettings(ctx.db, 'playbooks', req.body);
      return getFeatureSettings(ctx.db, 'playbooks', defaultPlaybookSettings);
    },
  );

  app.post(
    '/api/playbooks/preview',
    {
      config: { access: 'staff' },
      schema: {
        tags: ['playbooks'],
        summary: 'Render an email template with sample data or a real customer',
        body: z.object({
          subject: z.string().max(500),
          html: z.string().max(50_000),
          text: z.string().max(50_000),
          customerId: z.string().uuid().optional(),
          data: z.record(z.string(), z.unknown()).optional(),
        }),
      },
    },
    async (req) => {
      const { customerId, data, ...template } = req.body;
      let vars = sampleVariables((await getWorkspace(ctx.db))?.name ?? 'Your business');
      if (customerId) {
        const facts = await loadOneFacts(ctx.db, customerId);
        if (!facts) throw notFound('Customer');
        vars = { ...vars, ...(await templateVariables(ctx, facts, data ?? {})) };
      }
      try {
        return { ok: true, ...(await renderEmail(template, vars)) };
      } catch (err) {
        if (err instanceof TemplateError) throw badRequest(`Template error in ${err.message}`, [{ field: err.part, message: err.message }]);
        throw err;
      }
    },
  );

  app.post('/api/playbooks/scan', { config: { access: 'owner' }, schema: { tags: ['playbooks'], summary: 'Run the date and inactivity scan now' } }, async () => runPlaybookScan(ctx));

  app.post('/api/playbooks', { config: { access: 'owner' }, schema: { body: playbookDefinition, tags: ['playbooks'], summary: 'Create a playbook' } }, async (req, reply) => {
    await checkTemplates(ctx, req.body);
    return reply.code(201).send(await savePlaybook(ctx.db, req.body));
  });

  app.get('/api/playbooks/:id', { config: { access: 'staff' }, schema: { params: idParams, tags: ['playbooks'] } }, async (req) => getPlaybook(ctx.db, req.params.id));

  app.put(
    '/api/playbooks/:id',
    { config: { access: 'owner' }, schema: { params: idParams, body: playbookDefinition, tags: ['playbooks'], summary: 'Edit a playbook (running enrolments continue with the new steps)' } },
    async (req) => {
      await checkTemplates(ctx, req.body);
      return savePlaybook(ctx.db, req.body, { id: req.params.id });
    },
  );

  const enableBody = z.object({
    enabled: z.boolean(),
    /** also enrol customers already past the threshold (default: only who crosses from now on) */
    includeExisting: z.boolean().optional(),
    /** how many existing customers a day, most valuable first */
    dailyCap: z.number().int().min(1).max(1000).optional(),
  });
  app.post(
    '/api/playbooks/:id/enabled',
    {
      config: { access: 'owner' },
      schema: {
        params: idParams,
        body: enableBody,
        tags: ['playbooks'],
        summary: 'Switch on or off; on, it enrols who crosses its threshold from now on, and existing customers only when includeExisting (dailyCap a day, most valuable first)',
      },
    },
    async (req) =>
      setPlaybookEnabled(ctx.db, req.params.id, req.body.enabled, {
        at: req.body.enabled ? ctx.now() : undefined,
        includeExisting: req.body.includeExisting ?? (req.body.enabled ? false : undefined),
        dailyCap: req.body.dailyCap,
      }),
  );

  app.get(
    '/api/playbooks/:id/preview',
    {
      config: { access: 'staff' },
      schema: {
        params: idParams,
        querystring: z.object({ dailyCap: z.coerce.number().int().min(1).max(1000).optional() }),
        tags: ['playbooks'],
        summary: 'How many existing customers are past its threshold and would enter if included, and how many days at the daily cap',
      },
    },
    async (req) => previewEnrolment(ctx, await getPlaybook(ctx.db, req.params.id), req.query.dailyCap),
  );

  app.delete('/api/playbooks/:id', { config: { access: 'owner' }, schema: { params: idParams, tags: ['playbooks'] } }, async (req, reply) => {
    const p = await getPlaybook(ctx.db, req.params.id);
    if (p.key) throw badRequest('Ready-made playbooks cannot be deleted; switch them off instead');
    await ctx.db.deleteFrom('playbooks').where('id', '=', p.id).execute();
    return reply.code(204).send();
  });

  // ---- events in ----
  app.post(
    '/api/events/cart-abandoned',
    {
      config: { access: 'staff' },
      schema: {
        tags: ['events'],
        summary: 'A cart was left behind (starts the abandoned-cart playbook)',
        body: customerRef
          .extend({
            cartId: z.string().trim().min(1).max(200),
            cartUrl: z
              .string()
              .url()
              .regex(/^https?:\/\//, 'must be http(s)'),
            valueMinor: z.number().int().min(0).optional(),
            currency: z.string().length(3).optional(),
          })
          .refine(refRequired, { message: 'give customerId or email', path: ['customerId'] }),
      },
    },
    async (req, reply) => {
      const customerId = await customerByRef(ctx, req.body);
      const r = await emitPlaybookEvent(ctx, {
        type: 'cart.abandoned',
        customerId,
        occurrenceKey: req.body.cartId,
        data: { cart_url: req.body.cartUrl, value: await money(ctx, req.body.valueMinor, req.body.currency) },
      });
      return reply.code(202).send(r);
    },
  );

  app.post(
    '/api/events/payment-failed',
    {
      config: { access: 'staff' },
      schema: {
        tags: ['events'],
        summary: 'A subscription payment failed (starts the failed-payment playbook)',
        body: customerRef
          .extend({
            paymentId: z.string().trim().min(1).max(200),
            updateCardUrl: z
              .string()
              .url()
              .regex(/^https?:\/\//, 'must be http(s)'),
            amountMinor: z.number().int().min(0).optional(),
            currency: z.string().length(3).optional(),
          })
          .refine(refRequired, { message: 'give customerId or email', path: ['customerId'] }),
      },
    },
    async (req, reply) => {
      const customerId = await customerByRef(ctx, req.body);
      const r = await emitPlaybookEvent(ctx, {
        type: 'payment.failed',
        customerId,
        occurrenceKey: req.body.paymentId,
        data: { update_card_url: req.body.updateCardUrl, amount: (await money(ctx, req.body.amountMinor, req.body.currency)) || 'your subscription' },
      });
      return reply.code(202).send(r);
    },
  );

  app.post(
    '/api/events',
    {
      config: { access: 'staff' },
      schema: {
        tags: ['events'],
        summary: 'Any playbook event (customer created, order, subscription cancelled, survey answered, ticket resolved, health dropped …)',
        body: z.object({ type: playbookEventType, customerId: z.string().uuid(), occurrenceKey: z.string().trim().min(1).max(200), data: z.record(z.string(), z.unknown()).default({}) }),
      },
    },
    async (req, reply) => {
      await customerByRef(ctx, { customerId: req.body.customerId });
      return reply.code(202).send(await emitPlaybookEvent(ctx, req.body));
    },
  );
}
