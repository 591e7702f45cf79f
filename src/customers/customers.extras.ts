// Companies (a customer may belong to one; a company's page shows its customers and their value
// together), the owner's custom fields on customers, and saved segments of the customer list.
// Custom-field definitions and segments are customers settings (workspace.extra.customers).
import { sql } from 'kysely';
import { z } from 'zod';
import { audit } from '../accounts/index.js';
import type { AppContext } from '../platform/context.js';
import type { Database } from '../platform/db/database.js';
import { contributions } from '../platform/feature.js';
import { badRequest, HttpError, notFound } from '../platform/http/errors.js';
import type { App } from '../platform/http/server.js';
import { getFeatureSettings, setFeatureSettings } from '../workspace/index.js';
import { customerListQuery } from './customers.list.js';

// ---- custom fields ----
export const customFieldTypes = ['text', 'number', 'date', 'yes_no'] as const;
const fieldDef = z.object({
  key: z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9_]{0,39}$/, 'must be lower-case letters, digits and _ (starting with a letter, at most 40)'),
  label: z.string().trim().min(1, 'is required').max(80),
  type: z.enum(customFieldTypes),
});
export type CustomFieldDef = z.infer<typeof fieldDef>;

// ---- segments: a name and the list's filters ----
const segmentFilters = customerListQuery.omit({ cursor: true, limit: true }).partial();
const segmentDef = z.object({ id: z.string().uuid().optional(), name: z.string().trim().min(1, 'is required').max(80), filters: segmentFilters });
type Segment = { id: string; name: string; filters: z.infer<typeof segmentFilters> };

interface CustomersSettings {
  fields: CustomFieldDef[];
  segments: Segment[];
}
const settings = (db: Database) => getFeatureSettings<CustomersSettings>(db, 'customers', { fields: [], segments: [] });

/** The `custom` body of a customer checked against the owner's field definitions; column value for the update. */
export async function customValues(db: Database, input: Record<string, unknown> | undefined, current: Record<string, unknown> = {}): Promise<string | undefined> {
  if (input === undefined) return undefined;
  const defs = new Map((await settings(db)).fields.map((f) => [f.key, f]));
  const out: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(input)) {
    const def = defs.get(key);
    const field = `body.custom.${key}`;
    if (!def) throw badRequest(`No custom field "${key}"`, [{ field, message: 'is not a custom field (add it in Settings → Customers)' }]);
    if (value === null || value === '') {
      delete out[key];
      continue;
    }
    const bad = (message: string) => badRequest(`custom.${key} ${message}`, [{ field, message }]);
    switch (def.type) {
      case 'text':
        if (typeof value !== 'string' || value.length > 500) throw bad('must be text of at most 500 characters');
        out[key] = value.trim();
        break;
      case 'number': {
        const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
        if (!Number.isFinite(n) || Math.abs(n) > 1e15) throw bad('must be a number');
        out[key] = n;
        break;
      }
      case 'date':
        if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(new Date(`${value}T00:00:00Z`).getTime())) throw bad('must be a date YYYY-MM-DD');
        out[key] = value;
        break;
      case 'yes_no':
        if (typeof value !== 'boolean') throw bad('must be true or false');
        out[key] = value;
        break;
    }
  }
  return JSON.stringify(out);
}

/** A company id sent for a customer: it must exist. */
export async function checkCompany(db: Database, companyId: string | null | undefined): Promise<void> {
  if (!companyId) return;
  const c = await db.selectFrom('companies').select('id').where('id', '=', companyId).executeTakeFirst();
  if (!c) throw badRequest('No such company for companyId', [{ field: 'body.companyId', message: 'is not a company' }]);
}

const companyBody = z.object({
  name: z.string().trim().min(1, 'is required').max(200),
  website: z.string().trim().max(300).nullable().optional(),
  notes: z.string().trim().max(5000).nullable().optional(),
});
const idParams = z.object({ id: z.uuid('must be a company id') });

const companyOut = (c: Record<string, unknown>) => ({ id: c.id, name: c.name, website: c.website, notes: c.notes, createdAt: c.created_at });

export async function customerExtrasRoutes(app: App, ctx: AppContext): Promise<void> {
  // ---- custom fields ----
  app.get('/api/customers/custom-fields', { config: { access: 'staff' }, schema: { tags: ['customers'], summary: 'Custom fields on customers' } }, async () => ({
    fields: (await settings(ctx.db)).fields,
  }));
  app.put(
    '/api/customers/custom-fields',
    { config: { access: 'owner' }, schema: { tags: ['customers'], summary: 'Set the custom fields on customers (owner)', body: z.object({ fields: z.array(fieldDef).max(30) }) } },
    async (req) => {
      const keys = req.body.fields.map((f) => f.key);
      const dup = keys.find((k, i) => keys.indexOf(k) !== i);
      if (dup) throw badRequest(`Two custom fields have the key ${dup}`, [{ field: 'body.fields', message: `key ${dup} is used twice` }]);
      await setFeatureSettings(ctx.db, 'customers', { fields: req.body.fields });
      await audit(ctx.db, req, 'settings.update', 'customers.custom_fields', { keys });
      return { fields: req.body.fields };
    },
  );

  // ---- segments ----
  app.get('/api/customers/segments', { config: { access: 'staff' }, schema: { tags: ['customers'], summary: 'Saved segments of the customer list' } }, async () => ({
    segments: (await settings(ctx.db)).segments,
  }));
  app.post('/api/customers/segments', { config: { access: 'staff' }, schema: { tags: ['customers'], summary: 'Save a segment (a name and list filters)', body: segmentDef } }, async (req, reply) => {
    const { segments } = await settings(ctx.db);
    if (segments.length >= 100) throw new HttpError(409, 'too_many', 'At most 100 saved segments: delete one first');
    const segment: Segment = { id: crypto.randomUUID(), name: req.body.name, filters: req.body.filters };
    await setFeatureSettings(ctx.db, 'customers', { segments: [...segments.filter((s) => s.name !== segment.name), segment] });
    return reply.code(201).send(segment);
  });
  app.delete(
    '/api/customers/segments/:id',
    { config: { access: 'staff' }, schema: { tags: ['customers'], summary: 'Delete a saved segment', params: z.object({ id: z.uuid('must be a segment id') }) } },
    async (req) => {
      const { segments } = await settings(ctx.db);
      if (!segments.some((s) => s.id === req.params.id)) throw notFound('Segment');
      await setFeatureSettings(ctx.db, 'customers', { segments: segments.filter((s) => s.id !== req.params.id) });
      return { ok: true };
    },
  );

  // ---- companies ----
  app.get(
    '/api/companies',
    { config: { access: 'staff' }, schema: { tags: ['customers'], summary: 'Companies with their customers and spend', querystring: z.object({ search: z.string().trim().max(200).optional() }) } },
    async (req) => {
      const s = req.query.search?.toLowerCase().replace(/[\\%_]/g, (m) => `\\${m}`);
      const r = await sql<Record<string, unknown>>`
        select co.*, (select count(*)::int from customers c where c.company_id = co.id and c.merged_into is null) as customers,
          (select coalesce(sum(o.amount_minor), 0)::bigint from orders o join customers c on c.id = o.customer_id where c.company_id = co.id and o.status = 'paid') as spent
        from companies co ${s ? sql`where lower(co.name) like ${`%${s}%`}` : sql``} order by lower(co.name) limit 500`.execute(ctx.db);
      return { companies: r.rows.map((c) => ({ ...companyOut(c), customers: Number(c.customers), spentMinor: Number(c.spent) })) };
    },
  );
  app.post('/api/companies', { config: { access: 'staff' }, schema: { tags: ['customers'], summary: 'Create a company', body: companyBody } }, async (req, reply) => {
    const taken = await ctx.db.selectFrom('companies').select('id').where(sql<boolean>`lower(name) = ${req.body.name.toLowerCase()}`).executeTakeFirst();
    if (taken) throw new HttpError(409, 'conflict', `A company named ${req.body.name} exists`, [{ field: 'body.name', message: 'is taken' }]);
    const row = await ctx.db
      .insertInto('companies')
      .values({ name: req.body.name, website: req.body.website ?? null, notes: req.body.notes ?? null })
      .returningAll()
      .executeTakeFirstOrThrow();
    return reply.code(201).send(companyOut(row));
  });
  app.patch('/api/companies/:id', { config: { access: 'staff' }, schema: { tags: ['customers'], summary: 'Change a company', params: idParams, body: companyBody.partial() } }, async (req) => {
    const row = await ctx.db
      .updateTable('companies')
      .set({ ...req.body, updated_at: ctx.now() })
      .where('id', '=', req.params.id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw notFound('Company');
    return companyOut(row);
  });
  app.get(
    '/api/companies/:id',
    { config: { access: 'staff' }, schema: { tags: ['customers'], summary: 'A company: its customers, their orders, spend and lifetime value together', params: idParams } },
    async (req) => {
      const co = await ctx.db.selectFrom('companies').selectAll().where('id', '=', req.params.id).executeTakeFirst();
      if (!co) throw notFound('Company');
      const r = await sql<{ id: string; name: string; email: string | null; orders: number; spent: number; currency: string | null; last_order_at: Date | null }>`
        select c.id, c.name, c.email, a.orders, a.spent, a.currency, a.last_order_at
        from customers c left join lateral (select count(*)::int as orders, coalesce(sum(o.amount_minor) filter (where o.status = 'paid'), 0)::bigint as spent,
          min(o.currency) as currency, max(o.ordered_at) as last_order_at from orders o where o.customer_id = c.id) a on true
        where c.company_id = ${co.id} and c.merged_into is null order by a.spent desc, c.name limit 1000`.execute(ctx.db);
      const [source] = contributions('customerScores');
      const scores = source ? await source(ctx).catch(() => new Map<string, { health: number; value: number }>()) : new Map<string, { health: number; value: number }>();
      const customers = r.rows.map((c) => ({
        id: c.id,
        name: c.name,
        email: c.email,
        ordersCount: Number(c.orders),
        totalSpentMinor: Number(c.spent),
        currency: c.currency,
        lastOrderAt: c.last_order_at ? new Date(c.last_order_at).toISOString() : null,
        health: scores.get(c.id)?.health ?? null,
        lifetimeValue: scores.get(c.id)?.value ?? null,
      }));
      const valued = customers.filter((c) => c.lifetimeValue !== null);
      return {
        company: companyOut(co),
        customers,
        totals: {
          customers: customers.length,
          orders: customers.reduce((s, c) => s + c.ordersCount, 0),
          spentMinor: customers.reduce((s, c) => s + c.totalSpentMinor, 0),
          // null when analytics has no figure for any of them yet
          lifetimeValue: valued.length ? valued.reduce((s, c) => s + (c.lifetimeValue ?? 0), 0) : null,
        },
      };
    },
  );
}
