// Customers REST API: customers, orders, subscriptions, touchpoints, bulk upsert, the signed
// orders webhook, merge, CSV export, data request and erasure. (CSV import: import/import.routes.ts.)
import { isContact } from './contact.js';
import { stringify } from 'csv-stringify/sync';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audit } from '../accounts/index.js';
import type { AppContext } from '../platform/context.js';
import type { Database } from '../platform/db/database.js';
import { purposeKey } from '../platform/secret.js';
import { badRequest, HttpError, notFound } from '../platform/http/errors.js';
import { jsonUtf8Error, type App } from '../platform/http/server.js';
import { currencyDigits, getWorkspace, workspaceMoney } from '../workspace/index.js';
import { retentionDrivers, touchpointChannels, type CustomersTable } from './customers.tables.js';
import { checkCompany, customerExtrasRoutes, customValues } from './customers.extras.js';
import { customerListQuery, listCustomers, needsScores, timeBoundaries, type ListStats } from './customers.list.js';
import { boundaryMargin, listDataVersion, listServing } from './customers.list-cache.js';
import { announceWrites } from './customers.events.js';
import { nameSources, type TimelineSourceName } from './customers.timeline.js';
import { customerColumns, customerRecord, eraseCustomer, mergeCustomers, recordTouchpoint, safeCell, setOrderStatus } from './customers.service.js';
import { writeRows } from './import/importer.js';
import type { CustomerRow, OrderRow } from './import/rows.js';
import { hashId } from './import/rows.js';
import { isCurrencyCode, normalizeEmail, normalizePhone, parseAmount, parseDate } from './import/values.js';

const uuid = (what: string) => z.string().uuid(`must be a ${what} id`);
const idParams = z.object({ id: uuid('customer') });

/** A moment that has happened: more than a day ahead is refused (a typo like 2099, a wrong column), naming the field. */
const pastDate = () => z.coerce.date().refine((d) => d.getTime() <= Date.now() + 86400_000, 'is in the future (more than a day ahead)');

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .nullable()
    .optional()
    .transform((v) => (v === '' ? null : v));
const customerBody = z.object({
  externalId: optionalText(200),
  name: z.string().trim().min(1, 'is required').max(300),
  email: z
    .string()
    .trim()
    .email('is not an email address')
    .max(320)
    .nullable()
    .optional()
    .or(z.literal('').transform(() => null)),
  phone: optionalText(50),
  birthday: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
    .refine((d) => {
      const t = new Date(`${d}T00:00:00Z`);
      return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === d && d >= '1900-01-01' && d <= '2100-12-31';
    }, 'is not a real date')
    .refine((d) => d <= new Date(Date.now() + 86400_000).toISOString().slice(0, 10), 'is in the future')
    .nullable()
    .optional()
    .or(z.literal('').transform(() => null)),
  address: optionalText(500),
  city: optionalText(200),
  postalCode: optionalText(50),
  country: optionalText(100),
  tags: z.array(z.string().trim().min(1).max(60)).max(50).optional(),
  ownerUserId: uuid('user').nullable().optional(),
  acquiredAt: pastDate().optional(),
  marketingConsent: z.boolean().optional(),
  retentionDriver: z.enum(retentionDrivers).nullable().optional(),
  companyId: uuid('company').nullable().optional(),
  custom: z
    .record(z.string().max(40), z.union([z.string().max(500), z.number(), z.boolean(), z.null()]))
    .optional()
    .describe("values of the owner's custom fields, by key"),
});

async function activityWindowDays(db: Database): Promise<number> {
  return (await getWorkspace(db))?.activityWindowDays ?? 365;
}

const statsSelect = (windowStart: Date) =>
  sql<{ orders: number; spent: number; last_order_at: Date | null; last_contact_at: Date | null; currency: string | null; recent: boolean; subscriber: boolean }>`(
    select json_build_object(
      'orders', count(*), 'spent', coalesce(sum(o.amount_minor) filter (where o.status = 'paid'), 0),
      'last_order_at', max(o.ordered_at), 'currency', min(o.currency),
      'recent', coalesce(bool_or(o.ordered_at >= ${windowStart} and o.status <> 'cancelled'), false),
      'last_contact_at', (select max(t.occurred_at) from touchpoints t where t.customer_id = c.id and ${isContact('t')}),
      'subscriber', exists (select 1 from subscriptions s where s.customer_id = c.id and s.canceled_at is null))
    from orders o where o.customer_id = c.id)`;

type Stats = { orders: number; spent: number; last_order_at: string | null; last_contact_at: string | null; currency: string | null; recent: boolean; subscriber: boolean };

function statusOf(c: { erased_at: Date | null; unsubscribed_at: Date | null }, s: Stats): string {
  if (c.erased_at) return 'erased';
  if (s.subscriber) return 'subscriber';
  if (s.recent) return 'active';
  if (Number(s.orders) > 0) return 'lapsed';
  return 'prospect';
}

function customerOut(c: Record<string, any>, s?: Stats) {
  return {
    id: c.id,
    externalId: c.external_id,
    name: c.name,
    email: c.email,
    phone: c.phone,
    birthday: c.birthday,
    address: c.address,
    city: c.city,
    postalCode: c.postal_code,
    country: c.country,
    tags: c.tags,
    ownerUserId: c.owner_user_id,
    acquiredAt: c.acquired_at,
    marketingConsent: c.marketing_consent,
    unsubscribedAt: c.unsubscribed_at,
    retentionDriver: c.retention_driver,
    erasedAt: c.erased_at,
    mergedInto: c.merged_into,
    companyId: c.company_id ?? null,
    custom: c.custom ?? {},
    createdAt: c.created_at,
    updatedAt: c.updated_at,
    ...(s
      ? {
          status: statusOf(c as any, s),
          ordersCount: Number(s.orders),
          totalSpentMinor: Number(s.spent),
          currency: s.currency,
          lastOrderAt: s.last_order_at ? new Date(s.last_order_at).toISOString() : null,
          lastContactAt: s.last_contact_at ? new Date(s.last_contact_at).toISOString() : null,
        }
      : {}),
  };
}

const orderOut = (o: Record<string, any>) => ({
  id: o.id,
  externalId: o.external_id,
  customerId: o.customer_id,
  amountMinor: Number(o.amount_minor),
  currency: o.currency,
  orderedAt: o.ordered_at,
  status: o.status,
});
const subOut = (s: Record<string, any>) => ({
  id: s.id,
  externalId: s.external_id,
  customerId: s.customer_id,
  plan: s.plan,
  amountMinor: Number(s.amount_minor),
  currency: s.currency,
  interval: s.interval,
  startedAt: s.started_at,
  canceledAt: s.canceled_at,
  cancelReason: s.cancel_reason,
});
const touchOut = (t: Record<string, any>, names: Map<string, TimelineSourceName> = new Map()) => ({
  id: t.id,
  customerId: t.customer_id,
  channel: t.channel,
  direction: t.direction,
  occurredAt: t.occurred_at,
  summary: t.summary,
  source: t.source,
  sourceLabel: t.source ? (names.get(t.source)?.label ?? null) : null,
  sourceLink: t.source ? (names.get(t.source)?.link ?? null) : null,
  userId: t.user_id,
  userName: t.user_name ?? null,
});

async function checkOwner(db: Database, ownerUserId: string | null | undefined): Promise<void> {
  if (!ownerUserId) return;
  const u = await db.selectFrom('users').select('id').where('id', '=', ownerUserId).executeTakeFirst();
  if (!u) throw badRequest('No such user for ownerUserId', [{ field: 'body.ownerUserId', message: 'is not a user' }]);
}

async function requireCustomer(db: Database, id: string) {
  const c = await db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
  if (!c) throw notFound('Customer');
  return c;
}

/** Per-workspace secret of the orders webhook: its own key derived from the instance secret. */
export function webhookSecret(ctx: Pick<AppContext, 'secret'>): string {
  return `whsec_${purposeKey(ctx.secret, 'customers.orders-webhook').toString('hex')}`;
}
export function signWebhook(secret: string, body: string | Buffer): string {
  return 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
}

const orderStatus = z.enum(['paid', 'pending', 'refunded', 'cancelled']);
const money = z.union([z.number(), z.string().max(40)]);
const orderInput = z
  .object({
    id: z.string().trim().min(1).max(200).optional().describe('the order id in the shop (upsert key)'),
    customer: z
      .object({
        id: z.string().trim().min(1).max(200).optional(),
        email: z.string().trim().email('is not an email address').max(320).optional(),
        name: z.string().trim().max(300).optional(),
        phone: z.string().trim().max(50).optional(),
      })
      .refine((c) => c.id || c.email || c.phone || c.name, 'needs an id, email, phone or name'),
    amount: money.optional().describe('in major units, e.g. "12.50" or 12.5'),
    amountMinor: z.number().int().min(0).max(1e12).optional(),
    currency: z.string().trim().length(3).refine(isCurrencyCode, 'is not an ISO 4217 currency code').optional(),
    orderedAt: z.string().max(60).optional(),
    status: orderStatus.default('paid'),
  })
  .refine((o) => o.amount !== undefined || o.amountMinor !== undefined, { message: 'amount or amountMinor is required', path: ['amount'] });
type OrderInput = z.infer<typeof orderInput>;

function toOrderRow(o: OrderInput, i: number, defaults: { currency: string; timeZone: string; now: Date }, prefix: string): OrderRow {
  const currency = (o.currency ?? defaults.currency).toUpperCase();
  let amount: number;
  if (o.amountMinor !== undefined) amount = o.amountMinor;
  else {
    const a = parseAmount(String(o.amount), currency);
    if (!a.ok) throw badRequest(`${prefix}amount: ${a.reason}`, [{ field: `${prefix}amount`, message: a.reason }]);
    if (a.value.minor < 0) throw badRequest(`${prefix}amount must not be negative`, [{ field: `${prefix}amount`, message: 'must not be negative' }]);
    amount = a.value.minor;
  }
  let orderedAt = defaults.now;
  if (o.orderedAt) {
    const d = parseDate(o.orderedAt, { order: 'dmy', timeZone: defaults.timeZone });
    if (!d.ok) throw badRequest(`${prefix}orderedAt: ${d.reason}`, [{ field: `${prefix}orderedAt`, message: d.reason }]);
    if (d.value.getTime() > defaults.now.getTime() + 86400_000)
      throw badRequest(`${prefix}orderedAt is in the future (more than a day ahead)`, [{ field: `${prefix}orderedAt`, message: 'is in the future (more than a day ahead)' }]);
    orderedAt = d.value;
  }
  const c = o.customer;
  const emailNorm = normalizeEmail(c.email);
  const phoneNorm = normalizePhone(c.phone);
  const customerExt = c.id ?? (!emailNorm && !phoneNorm && c.name ? `name:${c.name.toLowerCase()}` : null);
  const ext = o.id ?? hashId('h:', `${customerExt ?? emailNorm ?? phoneNorm}|${orderedAt.toISOString()}|${amount}|${currency}|api`);
  return {
    line: i + 1,
    ext,
    extGiven: Boolean(o.id),
    amount,
    currency,
    orderedAt,
    status: o.status,
    customerExt,
    name: c.name ?? null,
    email: c.email ?? null,
    emailNorm,
    phone: c.phone ?? null,
    phoneNorm,
    address: null,
    city: null,
    postalCode: null,
    country: null,
  };
}

export async function customerRoutes(app: App, ctx: AppContext): Promise<void> {
  await customerExtrasRoutes(app, ctx);
  const windowStart = async (db: Database) => new Date(ctx.now().getTime() - (await activityWindowDays(db)) * 86400_000);

  // ---- customers ----
  app.get(
    '/api/customers',
    {
      config: { access: 'staff' },
      schema: {
        querystring: customerListQuery,
        tags: ['customers'],
        summary: 'List customers: search, filter (tag, status, driver, company, spend, last order, health, lifetime value), sort, cursor pages; total on the first page',
      },
    },
    async (req, reply) => {
      const answer = async (db: Database) => {
        const ws = await getWorkspace(db);
        const now = ctx.now();
        const windowStart = new Date(now.getTime() - (ws?.activityWindowDays ?? 365) * 86400_000);
        const { rows, nextCursor, total } = await listCustomers(ctx, req.query, { windowStart, currencyDigits: currencyDigits(ws?.currency ?? 'EUR'), db });
        return { body: { customers: rows.map((c) => customerOut(c, c.stats as unknown as Stats)), nextCursor, total }, settings: `${ws?.activityWindowDays}|${ws?.currency}`, windowStart, now };
      };
      // health and value come from analytics' report, which its own queries compute: not shared
      if (needsScores(req.query)) return (await answer(ctx.db)).body;
      const serving = listServing(ctx);
      const key = JSON.stringify(req.query);
      const body = await serving.lists.run(ctx.db, key, async (conn) => {
        const version = await listDataVersion(conn, ctx.db);
        if (version !== null) {
          const ws = await getWorkspace(conn);
          const hit = serving.cache.get(key, version, `${ws?.activityWindowDays}|${ws?.currency}`, ctx.now().getTime());
          if (hit !== undefined) return hit;
        }
        const a = await answer(conn);
        const text = JSON.stringify(a.body);
        if (version !== null) {
          const margin = await boundaryMargin(conn, timeBoundaries(req.query, a.windowStart, a.now));
          serving.cache.set(key, version, a.settings, a.now.getTime(), margin, text);
        }
        return text;
      });
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );

  app.get('/api/customers/tags', { config: { access: 'staff' }, schema: { tags: ['customers'], summary: 'Tags in use, most used first' } }, async () => {
    const r = await sql<{ tag: string; n: number }>`select t as tag, count(*)::int as n from customers, unnest(tags) t where merged_into is null group by t order by n desc, t limit 200`.execute(
      ctx.db,
    );
    return { tags: r.rows };
  });

  app.get(
    '/api/customers/duplicates',
    { config: { access: 'staff' }, schema: { tags: ['customers'], summary: 'Customers that share a normalised email or phone (candidates to merge)' } },
    async () => {
      const r = await sql<{ kind: string; value: string; ids: string[]; names: string[] }>`
      select 'email' as kind, email_normalized as value, array_agg(id order by created_at) as ids, array_agg(name order by created_at) as names
        from customers where email_normalized is not null and merged_into is null and erased_at is null group by email_normalized having count(*) > 1
      union all
      select 'phone', phone_normalized, array_agg(id order by created_at), array_agg(name order by created_at)
        from customers where phone_normalized is not null and merged_into is null and erased_at is null group by phone_normalized having count(*) > 1
      limit 200`.execute(ctx.db);
      return { duplicates: r.rows };
    },
  );

  app.post('/api/customers', { config: { access: 'staff' }, schema: { body: customerBody, tags: ['customers'], summary: 'Create a customer' } }, async (req, reply) => {
    const values = customerColumns(req.body);
    await checkOwner(ctx.db, req.body.ownerUserId);
    await checkCompany(ctx.db, req.body.companyId);
    if (req.body.companyId !== undefined) values.company_id = req.body.companyId;
    const custom = await customValues(ctx.db, req.body.custom);
    if (custom !== undefined) values.custom = custom;
    if (req.body.externalId) {
      const exists = await ctx.db.selectFrom('customers').select('id').where('external_id', '=', req.body.externalId).executeTakeFirst();
      if (exists) throw new HttpError(409, 'conflict', `A customer with external id ${req.body.externalId} exists`, [{ field: 'body.externalId', message: 'is taken' }]);
    }
    const c = await ctx.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('customers')
        .values({ name: req.body.name, ...values, acquired_at: req.body.acquiredAt ?? ctx.now() } as never)
        .returningAll()
        .executeTakeFirstOrThrow();
      await announceWrites(trx, { customers: true }, 'api');
      return row;
    });
    return reply.code(201).send(customerOut(c));
  });

  app.get(
    '/api/customers/:id',
    { config: { access: 'staff' }, schema: { params: idParams, tags: ['customers'], summary: 'A customer with stats, orders, subscriptions and the timeline' } },
    async (req) => {
      // identical requests waiting for the database share one run (customers.list-cache.ts)
      return listServing(ctx).pages.run(ctx.db, req.params.id, async (db) => {
        const ws = await windowStart(db);
        const c = await db.selectFrom('customers as c').selectAll('c').select(statsSelect(ws).as('stats')).where('c.id', '=', req.params.id).executeTakeFirst();
        if (!c) throw notFound('Customer');
        const [orders, subscriptions, touchpoints, owner] = await Promise.all([
          db.selectFrom('orders').selectAll().where('customer_id', '=', c.id).orderBy('ordered_at', 'desc').limit(200).execute(),
          db.selectFrom('subscriptions').selectAll().where('customer_id', '=', c.id).orderBy('started_at', 'desc').execute(),
          db
            .selectFrom('touchpoints as t')
            .leftJoin('users as u', 'u.id', 't.user_id')
            .selectAll('t')
            .select('u.name as user_name')
            .where('t.customer_id', '=', c.id)
            .orderBy('t.occurred_at', 'desc')
            .limit(200)
            .execute(),
          c.owner_user_id ? db.selectFrom('users').select(['id', 'name']).where('id', '=', c.owner_user_id).executeTakeFirst() : null,
        ]);
        const names = await nameSources(
          db,
          touchpoints.map((t) => t.source),
        );
        return {
          customer: { ...customerOut(c, c.stats as unknown as Stats), owner: owner ?? null },
          orders: orders.map(orderOut),
          subscriptions: subscriptions.map(subOut),
          touchpoints: touchpoints.map((t) => touchOut(t, names)),
        };
      });
    },
  );

  app.patch(
    '/api/customers/:id',
    { config: { access: 'staff' }, schema: { params: idParams, body: customerBody.partial(), tags: ['customers'], summary: 'Update a customer (only the fields sent)' } },
    async (req) => {
      const c = await requireCustomer(ctx.db, req.params.id);
      if (c.erased_at) throw new HttpError(409, 'erased', 'This customer was erased');
      if (c.merged_into) throw new HttpError(409, 'merged', `This customer was merged into ${c.merged_into}`);
      const values = customerColumns(req.body);
      await checkOwner(ctx.db, req.body.ownerUserId);
      await checkCompany(ctx.db, req.body.companyId);
      if (req.body.companyId !== undefined) values.company_id = req.body.companyId;
      const custom = await customValues(ctx.db, req.body.custom, c.custom ?? {});
      if (custom !== undefined) values.custom = custom;
      if (req.body.externalId) {
        const other = await ctx.db.selectFrom('customers').select('id').where('external_id', '=', req.body.externalId).where('id', '<>', c.id).executeTakeFirst();
        if (other) throw new HttpError(409, 'conflict', `Another customer has external id ${req.body.externalId}`, [{ field: 'body.externalId', message: 'is taken' }]);
      }
      if (!Object.keys(values).length) return customerOut(c);
      const updated = await ctx.db
        .updateTable('customers')
        .set({ ...values, updated_at: ctx.now() } as never)
        .where('id', '=', c.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return customerOut(updated);
    },
  );

  const bulkBody = z.object({
    customers: z
      .array(customerBody.extend({ externalId: z.string().trim().min(1).max(200).optional() }))
      .min(1)
      .max(1000),
  });
  app.post(
    '/api/customers/bulk',
    { config: { access: 'staff' }, schema: { body: bulkBody, tags: ['customers'], summary: 'Upsert up to 1000 customers by externalId (else email/phone); counts created, updated, unchanged' } },
    async (req) => {
      const rows: CustomerRow[] = req.body.customers.map((c, i) => {
        const emailNorm = normalizeEmail(c.email ?? null);
        const phoneNorm = normalizePhone(c.phone ?? null);
        if (!c.externalId && !emailNorm && !phoneNorm)
          throw badRequest(`customers.${i}: needs an externalId, email or phone`, [{ field: `body.customers.${i}.externalId`, message: 'needs an externalId, email or phone' }]);
        return {
          line: i + 1,
          customerExt: c.externalId ?? null,
          name: c.name,
          email: c.email ?? null,
          emailNorm,
          phone: c.phone ?? null,
          phoneNorm,
          address: c.address ?? null,
          city: c.city ?? null,
          postalCode: c.postalCode ?? null,
          country: c.country ?? null,
          birthday: c.birthday ?? null,
          tags: c.tags ?? null,
          acquiredAt: c.acquiredAt ?? null,
          consent: c.marketingConsent ?? null,
          driver: c.retentionDriver ?? null,
        };
      });
      const seen = new Set<string>();
      for (const r of rows) {
        const k = r.customerExt ?? `e:${r.emailNorm}|p:${r.phoneNorm}`;
        if (seen.has(k)) throw badRequest(`customers.${r.line - 1}: the same customer appears twice`, [{ field: `body.customers.${r.line - 1}`, message: 'appears twice' }]);
        seen.add(k);
      }
      const res = await writeRows(ctx.db, 'customers', rows);
      return { created: res.created, updated: res.updated, unchanged: res.unchanged, notes: res.notes.map((n) => ({ index: n.line - 1, reason: n.reason })) };
    },
  );

  // ---- orders, subscriptions, touchpoints of one customer ----
  const newOrder = z.object({
    externalId: z.string().trim().min(1).max(200).optional(),
    amountMinor: z.number().int().min(0).max(1e12),
    currency: z
      .string()
      .trim()
      .length(3)
      .refine(isCurrencyCode, 'is not an ISO 4217 currency code')
      .transform((c) => c.toUpperCase()),
    orderedAt: pastDate().optional(),
    status: orderStatus.default('paid'),
  });
  app.post('/api/customers/:id/orders', { config: { access: 'staff' }, schema: { params: idParams, body: newOrder, tags: ['customers'], summary: 'Record an order' } }, async (req, reply) => {
    const c = await requireCustomer(ctx.db, req.params.id);
    if (req.body.externalId) {
      const exists = await ctx.db.selectFrom('orders').select('id').where('external_id', '=', req.body.externalId).executeTakeFirst();
      if (exists) throw new HttpError(409, 'conflict', `An order with external id ${req.body.externalId} exists`, [{ field: 'body.externalId', message: 'is taken' }]);
    }
    const o = await ctx.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('orders')
        .values({
          customer_id: c.merged_into ?? c.id,
          external_id: req.body.externalId ?? null,
          amount_minor: req.body.amountMinor,
          currency: req.body.currency,
          ordered_at: req.body.orderedAt ?? ctx.now(),
          status: req.body.status,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await announceWrites(trx, { orders: true }, 'api');
      return row;
    });
    return reply.code(201).send(orderOut(o));
  });

  app.post(
    '/api/orders/:id/status',
    {
      config: { access: 'staff' },
      schema: {
        params: z.object({ id: uuid('order') }),
        body: z.object({ status: orderStatus }),
        tags: ['customers'],
        summary: "Change an order's status (a refund, a cancellation); announced as order.status_changed",
      },
    },
    async (req) => {
      const o = await setOrderStatus(ctx.db, req.params.id, req.body.status, `user:${req.user!.id}`);
      if (!o) throw notFound('Order');
      return orderOut(o);
    },
  );

  app.get('/api/customers/:id/orders', { config: { access: 'staff' }, schema: { params: idParams, tags: ['customers'], summary: "All of a customer's orders" } }, async (req) => {
    await requireCustomer(ctx.db, req.params.id);
    return { orders: (await ctx.db.selectFrom('orders').selectAll().where('customer_id', '=', req.params.id).orderBy('ordered_at', 'desc').execute()).map(orderOut) };
  });

  const newSub = z.object({
    externalId: z.string().trim().min(1).max(200).optional(),
    plan: z.string().trim().min(1, 'is required').max(200),
    amountMinor: z.number().int().min(0).max(1e12),
    currency: z
      .string()
      .trim()
      .length(3)
      .refine(isCurrencyCode, 'is not an ISO 4217 currency code')
      .transform((c) => c.toUpperCase()),
    interval: z.enum(['week', 'month', 'quarter', 'year']),
    startedAt: pastDate().optional(),
  });
  app.post(
    '/api/customers/:id/subscriptions',
    { config: { access: 'staff' }, schema: { params: idParams, body: newSub, tags: ['customers'], summary: 'Start a subscription' } },
    async (req, reply) => {
      const c = await requireCustomer(ctx.db, req.params.id);
      if (req.body.externalId) {
        const exists = await ctx.db.selectFrom('subscriptions').select('id').where('external_id', '=', req.body.externalId).executeTakeFirst();
        if (exists) throw new HttpError(409, 'conflict', `A subscription with external id ${req.body.externalId} exists`, [{ field: 'body.externalId', message: 'is taken' }]);
      }
      const s = await ctx.db
        .insertInto('subscriptions')
        .values({
          customer_id: c.merged_into ?? c.id,
          external_id: req.body.externalId ?? null,
          plan: req.body.plan,
          amount_minor: req.body.amountMinor,
          currency: req.body.currency,
          interval: req.body.interval,
          started_at: req.body.startedAt ?? ctx.now(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return reply.code(201).send(subOut(s));
    },
  );

  const cancelSub = z.object({ canceledAt: pastDate().optional(), reason: z.string().trim().max(1000).optional() });
  app.post(
    '/api/subscriptions/:id/cancel',
    { config: { access: 'staff' }, schema: { params: z.object({ id: uuid('subscription') }), body: cancelSub, tags: ['customers'], summary: 'Cancel a subscription, with the reason' } },
    async (req) => {
      const s = await ctx.db.transaction().execute(async (trx) => {
        const before = await trx.selectFrom('subscriptions').select('canceled_at').where('id', '=', req.params.id).executeTakeFirst();
        const row = await trx
          .updateTable('subscriptions')
          .set({ canceled_at: req.body.canceledAt ?? ctx.now(), cancel_reason: req.body.reason ?? null })
          .where('id', '=', req.params.id)
          .returningAll()
          .executeTakeFirst();
        if (row && !before?.canceled_at) {
          await ctx.events.emit(trx, 'subscription.cancelled', { subscriptionId: row.id, customerId: row.customer_id, plan: row.plan, reason: row.cancel_reason ?? '' });
        }
        return row;
      });
      if (!s) throw notFound('Subscription');
      return subOut(s);
    },
  );

  const newTouch = z.object({
    channel: z.enum(touchpointChannels),
    direction: z.enum(['in', 'out', 'internal']).default('out'),
    summary: z.string().trim().min(1, 'is required').max(5000),
    occurredAt: pastDate().optional(),
  });
  app.post(
    '/api/customers/:id/touchpoints',
    { config: { access: 'staff' }, schema: { params: idParams, body: newTouch, tags: ['customers'], summary: 'Log a call, meeting, note or other contact' } },
    async (req, reply) => {
      const c = await requireCustomer(ctx.db, req.params.id);
      if (c.erased_at) throw new HttpError(409, 'erased', 'This customer was erased');
      const t = await recordTouchpoint(ctx.db, {
        customerId: c.merged_into ?? c.id,
        channel: req.body.channel,
        direction: req.body.channel === 'note' ? 'internal' : req.body.direction,
        summary: req.body.summary,
        source: `user:${req.user!.id}`,
        userId: req.user!.id,
        occurredAt: req.body.occurredAt ?? ctx.now(),
      });
      return reply.code(201).send({ id: t.id });
    },
  );

  // ---- merge, data request, erase ----
  app.post(
    '/api/customers/:id/merge',
    {
      config: { access: 'staff' },
      schema: { params: idParams, body: z.object({ otherId: uuid('customer') }), tags: ['customers'], summary: 'Merge another customer into this one (keeps every order and touchpoint of both)' },
    },
    async (req) => {
      if (req.params.id === req.body.otherId) throw badRequest('Cannot merge a customer into itself', [{ field: 'body.otherId', message: 'is the same customer' }]);
      const [keep, other] = await Promise.all([requireCustomer(ctx.db, req.params.id), requireCustomer(ctx.db, req.body.otherId)]);
      for (const c of [keep, other]) {
        if (c.merged_into) throw new HttpError(409, 'merged', `${c.name} was already merged into another customer`);
        if (c.erased_at) throw new HttpError(409, 'erased', `${c.name} was erased`);
      }
      const result = await mergeCustomers(ctx.db, keep.id, other.id, { userId: req.user!.id, now: ctx.now() });
      await audit(ctx.db, req, 'customer.merge', keep.id, { mergedId: other.id, moved: result.moved });
      return result;
    },
  );

  app.get(
    '/api/customers/:id/export',
    { config: { access: 'staff' }, schema: { params: idParams, tags: ['customers'], summary: "A customer's full record as JSON (their data request); audited" } },
    async (req, reply) => {
      const record = await customerRecord(ctx.db, req.params.id);
      if (!record) throw notFound('Customer');
      await audit(ctx.db, req, 'customer.export', req.params.id, {});
      return reply.header('content-disposition', `attachment; filename="customer-${req.params.id}.json"`).send(record);
    },
  );

  app.post(
    '/api/customers/:id/erase',
    { config: { access: 'owner' }, schema: { params: idParams, tags: ['customers'], summary: "Erase a customer's personal data (orders stay as anonymous totals); audited" } },
    async (req) => {
      const c = await requireCustomer(ctx.db, req.params.id);
      if (c.erased_at) return { erased: true, already: true };
      await eraseCustomer(ctx.db, c.id, ctx.now());
      await audit(ctx.db, req, 'customer.erase', c.id, {});
      return { erased: true, already: false };
    },
  );

  // ---- CSV export of lists ----
  // the list as the owner sees it: the same filters, search and order (customers.list.ts), every page
  const exportQuery = customerListQuery.omit({ cursor: true, limit: true });
  app.get(
    '/api/customers/export.csv',
    {
      config: { access: 'owner' },
      schema: { querystring: exportQuery, tags: ['customers'], summary: 'The customer list as CSV with the list’s filters, search and sort, safe for spreadsheets; owner only, audited' },
    },
    async (req, reply) => {
      const ws = await getWorkspace(ctx.db);
      const digits = currencyDigits(ws?.currency ?? 'EUR');
      const windowStart = new Date(ctx.now().getTime() - (ws?.activityWindowDays ?? 365) * 86400_000);
      const { rows: listed } = await listCustomers(ctx, { ...req.query, limit: Number.MAX_SAFE_INTEGER - 1 }, { windowStart, currencyDigits: digits });
      const rows = listed as (Selectable<CustomersTable> & { stats: ListStats })[];
      const header = [
        'id',
        'external_id',
        'name',
        'email',
        'phone',
        'birthday',
        'address',
        'city',
        'postal_code',
        'country',
        'tags',
        'retention_driver',
        'acquired_at',
        'marketing_consent',
        'orders',
        'total_spent',
        'last_order_at',
      ];
      const body = rows.map((c) =>
        [
          c.id,
          c.external_id,
          c.name,
          c.email,
          c.phone,
          c.birthday,
          c.address,
          c.city,
          c.postal_code,
          c.country,
          c.tags,
          c.retention_driver,
          c.acquired_at,
          c.marketing_consent,
          Number(c.stats.orders ?? 0),
          (Number(c.stats.spent ?? 0) / 10 ** digits).toFixed(digits),
          c.stats.last_order_at ? new Date(c.stats.last_order_at) : null,
        ].map(safeCell),
      );
      await audit(ctx.db, req, 'customers.export', null, { rows: rows.length, filters: req.query });
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="customers.csv"')
        .send(stringify([header, ...body]));
    },
  );

  app.get(
    '/api/orders/export.csv',
    {
      config: { access: 'owner' },
      schema: { querystring: z.object({ customerId: uuid('customer').optional() }), tags: ['customers'], summary: 'Orders (all, or one customer’s) as CSV; owner only, audited' },
    },
    async (req, reply) => {
      let q = ctx.db
        .selectFrom('orders as o')
        .innerJoin('customers as c', 'c.id', 'o.customer_id')
        .select(['o.id', 'o.external_id', 'o.customer_id', 'c.name', 'o.amount_minor', 'o.currency', 'o.ordered_at', 'o.status'])
        .orderBy('o.ordered_at');
      if (req.query.customerId) q = q.where('o.customer_id', '=', req.query.customerId);
      const rows = await q.execute();
      await audit(ctx.db, req, 'orders.export', req.query.customerId ?? null, { rows: rows.length });
      const header = ['id', 'external_id', 'customer_id', 'customer_name', 'amount_minor', 'currency', 'ordered_at', 'status'];
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="orders.csv"')
        .send(stringify([header, ...rows.map((o) => [o.id, o.external_id, o.customer_id, o.name, o.amount_minor, o.currency, o.ordered_at, o.status].map(safeCell))]));
    },
  );

  // ---- orders webhook ----
  app.get('/api/customers/webhook', { config: { access: 'owner' }, schema: { tags: ['customers'], summary: 'URL, secret and signature scheme of the orders webhook' } }, async () => ({
    url: `${ctx.config.publicUrl}/api/webhooks/orders`,
    secret: webhookSecret(ctx),
    header: 'x-keepwell-signature',
    scheme: 'sha256=<hex HMAC-SHA256 of the raw request body with the secret>',
  }));

  await app.register(async (plain) => {
    const scope = plain.withTypeProvider<ZodTypeProvider>();
    // The signature covers the raw bytes: keep them (the server's own JSON parser is replaced here).
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: 256 * 1024 }, (req, body, done) => {
      (req as unknown as { rawBody: Buffer }).rawBody = body as Buffer;
      const notUtf8 = jsonUtf8Error(body as Buffer);
      if (notUtf8) return done(notUtf8, undefined);
      try {
        done(null, JSON.parse((body as Buffer).toString('utf8')));
      } catch {
        done(new HttpError(400, 'bad_json', 'The body is not valid JSON'), undefined);
      }
    });
    const webhookBody = z.union([orderInput, z.object({ orders: z.array(orderInput).min(1).max(500) })]);
    scope.post(
      '/api/webhooks/orders',
      {
        config: { access: 'public' },
        schema: { body: webhookBody, tags: ['customers'], summary: 'Orders pushed by a shop, one or {orders:[…]}, signed with x-keepwell-signature: sha256=HMAC(secret, raw body)', security: [] },
        preValidation: async (req) => {
          const raw = (req as unknown as { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0);
          // Compare bytes of equal length: a header with non-ASCII characters has more bytes than characters.
          const given = Buffer.from(String(req.headers['x-keepwell-signature'] ?? ''), 'utf8');
          const expected = Buffer.from(signWebhook(webhookSecret(ctx), raw), 'utf8');
          const ok = given.length === expected.length && timingSafeEqual(given, expected);
          if (!ok) throw new HttpError(401, 'bad_signature', 'Missing or wrong x-keepwell-signature');
        },
      },
      async (req) => {
        const ws = await getWorkspace(ctx.db);
        const list = 'orders' in req.body ? req.body.orders : [req.body];
        const defaults = { currency: ws?.currency ?? 'USD', timeZone: ws?.timeZone ?? 'UTC', now: ctx.now() };
        const rows = list.map((o, i) => toOrderRow(o, i, defaults, 'orders' in req.body ? `orders.${i}.` : ''));
        const unique = new Map(rows.map((r) => [r.ext, r]));
        const existing = new Set(
          (
            await ctx.db
              .selectFrom('orders')
              .select('external_id')
              .where('external_id', 'in', [...unique.keys()])
              .execute()
          ).map((o) => o.external_id),
        );
        const res = await writeRows(ctx.db, 'orders', [...unique.values()]);
        const created = [...unique.values()].filter((r) => !existing.has(r.ext));
        if (created.length) {
          const saved = await ctx.db
            .selectFrom('orders')
            .select(['customer_id', 'external_id', 'amount_minor', 'currency', 'ordered_at'])
            .where(
              'external_id',
              'in',
              created.map((r) => r.ext),
            )
            .execute();
          const { money } = await workspaceMoney(ctx.db);
          for (const o of saved) {
            await recordTouchpoint(ctx.db, {
              customerId: o.customer_id,
              channel: 'order',
              direction: 'in',
              summary: `Order ${o.external_id?.startsWith('h:') ? '' : `${o.external_id} `}placed: ${money(Number(o.amount_minor), o.currency)}`,
              source: 'webhook',
              occurredAt: o.ordered_at,
            });
          }
        }
        return { created: res.created, updated: res.updated, unchanged: res.unchanged + (rows.length - unique.size), customersCreated: res.customersCreated };
      },
    );
  });
}
