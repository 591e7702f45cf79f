// Loyalty API: a customer's points (ledger, balance, tier), adjustments and spending, promo
// codes (by hand, in bulk, CSV export, redemption), referrals, settings and the report.
import { randomUUID } from 'node:crypto';
import { stringify } from 'csv-stringify/sync';
import { sql } from 'kysely';
import { z } from 'zod';
import { audit } from '../accounts/index.js';
import type { AppContext } from '../platform/context.js';
import { badRequest, notFound } from '../platform/http/errors.js';
import type { App } from '../platform/http/server.js';
import { getWorkspace } from '../workspace/index.js';
import { codesReport, createCodes, getCode, redeemCode, toCode } from './loyalty.codes.service.js';
import { addEntry, balanceOf, customerLoyalty, listEntries, reverseVoidedOrders } from './loyalty.ledger.js';
import { creditScope } from './loyalty.credits.js';
import { applyOrderCodes } from './loyalty.ordercodes.js';
import { claimReferral, referralCodeFor, referralLeaderboard } from './loyalty.referrals.js';
import { memberResults } from './loyalty.results.js';
import { creditReview } from './loyalty.rewards.js';
import { refreshTiers } from './loyalty.tiers.js';
import { getLoyaltySettings, loyaltySettingsInput, saveLoyaltySettings } from './loyalty.settings.js';

const uuid = (what: string) => z.string().uuid(`must be a ${what} id`);
const customerParams = z.object({ id: uuid('customer') });
const currency = z.string().regex(/^[A-Z]{3}$/, 'must be a three-letter currency code');
const key = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'use printable characters without spaces');
const text = (max: number) => z.string().trim().max(max);

const cell = (v: unknown) => {
  if (v === null || v === undefined) return '';
  const s = v instanceof Date ? v.toISOString() : String(v);
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
};

const codeSpec = z
  .object({
    prefix: z
      .string()
      .regex(/^[A-Z0-9]{1,12}$/, 'use 1–12 capital letters or digits')
      .optional(),
    use: z.enum(['single', 'multi']).default('single'),
    customerId: uuid('customer').nullable().optional(),
    percentOff: z.number().int().min(1, 'must be 1–100').max(100, 'must be 1–100').nullable().optional(),
    amountOffMinor: z.number().int().min(1).max(100_000_000, 'is too large').nullable().optional(),
    currency: currency.optional(),
    minOrderMinor: z.number().int().min(0).max(1_000_000_000).default(0),
    expiresAt: z.coerce
      .date()
      .refine((d) => !Number.isNaN(d.getTime()) && d.getUTCFullYear() < 3000, 'is not a date')
      .nullable()
      .optional(),
    usageLimit: z.number().int().min(1).max(10_000_000).nullable().optional(),
    note: text(500).default(''),
  })
  .superRefine((v, c) => {
    if ((v.percentOff == null) === (v.amountOffMinor == null)) c.addIssue({ code: 'custom', path: ['percentOff'], message: 'give either percentOff or amountOffMinor' });
  });

export async function loyaltyRoutes(app: App, ctx: AppContext): Promise<void> {
  const requireCustomer = async (id: string) => {
    const c = await ctx.db.selectFrom('customers').select(['id', 'name', 'merged_into']).where('id', '=', id).executeTakeFirst();
    if (!c) throw notFound('Customer');
    return c;
  };

  // ---- settings ----
  app.get('/api/loyalty/settings', { config: { access: 'staff' }, schema: { tags: ['loyalty'], summary: 'Earning rules, expiry, tiers and the referral reward' } }, async () => ({
    settings: await getLoyaltySettings(ctx.db),
  }));

  app.put(
    '/api/loyalty/settings',
    { config: { access: 'owner' }, schema: { body: loyaltySettingsInput, tags: ['loyalty'], summary: 'Change the loyalty rules (owner; only the fields sent; audited)' } },
    async (req) => {
      const s = await saveLoyaltySettings(ctx.db, req.body);
      await audit(ctx.db, req, 'loyalty.settings', null, req.body);
      return { settings: s };
    },
  );

  // ---- a customer's points ----
  app.get(
    '/api/loyalty/customers/:id',
    {
      config: { access: 'staff' },
      schema: {
        params: customerParams,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50), before: uuid('ledger entry').optional() }),
        tags: ['loyalty'],
        summary: "A customer's balance, tier (points over the last 365 days), progress to the next tier, ledger and referral code",
      },
    },
    async (req) => {
      const c = await requireCustomer(req.params.id);
      const status = await customerLoyalty(ctx.db, c.id, ctx.now());
      const entries = await listEntries(ctx.db, c.id, { limit: req.query.limit, before: req.query.before });
      const ref = await ctx.db.selectFrom('loyalty_referral_codes').select('code').where('customer_id', '=', c.id).executeTakeFirst();
      const codes = await ctx.db.selectFrom('loyalty_codes').selectAll().where('customer_id', '=', c.id).orderBy('created_at', 'desc').limit(50).execute();
      return { customer: { id: c.id, name: c.name }, ...status, entries, referralCode: ref?.code ?? null, codes: codes.map(toCode) };
    },
  );

  const entryBody = z.object({
    points: z
      .number()
      .int()
      .min(-1_000_000, 'is out of range (±1,000,000)')
      .max(1_000_000, 'is out of range (±1,000,000)')
      .refine((p) => p !== 0, 'must not be 0'),
    reason: text(500).min(1, 'is required'),
    idempotencyKey: key.optional(),
  });
  app.post(
    '/api/loyalty/customers/:id/adjust',
    {
      config: { access: 'staff' },
      schema: { params: customerParams, body: entryBody, tags: ['loyalty'], summary: 'Add or take points by hand, with a reason (never below 0); the same idempotencyKey writes once' },
    },
    async (req, reply) => {
      const c = await requireCustomer(req.params.id);
      const r = await addEntry(ctx.db, {
        customerId: c.id,
        kind: 'adjust',
        points: req.body.points,
        reason: req.body.reason,
        idempotencyKey: `adjust:${req.body.idempotencyKey ?? randomUUID()}`,
        source: `user:${req.user!.id}`,
        userId: req.user!.id,
        occurredAt: ctx.now(),
      });
      if (r.created) await refreshTiers(ctx, { customerIds: [c.id] });
      return reply.code(r.created ? 201 : 200).send({ entry: r.entry, created: r.created, balance: await balanceOf(ctx.db, c.id) });
    },
  );

  app.post(
    '/api/loyalty/customers/:id/spend',
    {
      config: { access: 'staff' },
      schema: {
        params: customerParams,
        body: entryBody.extend({ points: z.number().int().min(1, 'must be at least 1').max(1_000_000, 'is out of range') }),
        tags: ['loyalty'],
        summary: 'Spend points (refused with 409 insufficient_points past the balance); the same idempotencyKey spends once',
      },
    },
    async (req, reply) => {
      const c = await requireCustomer(req.params.id);
      const r = await addEntry(ctx.db, {
        customerId: c.id,
        kind: 'spend',
        points: -req.body.points,
        reason: req.body.reason,
        idempotencyKey: `spend:${req.body.idempotencyKey ?? randomUUID()}`,
        source: `user:${req.user!.id}`,
        userId: req.user!.id,
        occurredAt: ctx.now(),
      });
      if (r.created) await refreshTiers(ctx, { customerIds: [c.id] });
      return reply.code(r.created ? 201 : 200).send({ entry: r.entry, created: r.created, balance: await balanceOf(ctx.db, c.id) });
    },
  );

  app.post(
    '/api/loyalty/orders/:id/reverse',
    {
      config: { access: 'staff' },
      schema: { params: z.object({ id: uuid('order') }), tags: ['loyalty'], summary: 'Reverse the points of an order marked refunded or cancelled now, instead of at the hourly pass (once)' },
    },
    async (req) => {
      const o = await ctx.db.selectFrom('orders').select(['id', 'status', 'customer_id']).where('id', '=', req.params.id).executeTakeFirst();
      if (!o) throw notFound('Order');
      if (o.status !== 'refunded' && o.status !== 'cancelled') throw badRequest('Only a refunded or cancelled order has its points reversed', [{ field: 'id', message: `the order is ${o.status}` }]);
      const reversed = await reverseVoidedOrders(ctx.db, [o.id]);
      if (reversed) await refreshTiers(ctx, { customerIds: [o.customer_id] });
      return { reversed };
    },
  );

  // ---- referrals ----
  app.post(
    '/api/loyalty/customers/:id/referral-code',
    { config: { access: 'staff' }, schema: { params: customerParams, tags: ['loyalty'], summary: "The customer's referral code (made on first ask, the same afterwards)" } },
    async (req) => {
      await requireCustomer(req.params.id);
      return { code: await referralCodeFor(ctx.db, req.params.id) };
    },
  );

  app.post(
    '/api/loyalty/referrals',
    {
      config: { access: 'staff' },
      schema: {
        body: z.object({ customerId: uuid('customer'), code: text(80).min(1, 'is required') }),
        tags: ['loyalty'],
        summary: 'A new customer brings a referral code: linked once, never to themselves; their first order credits both',
      },
    },
    async (req, reply) => {
      const r = await claimReferral(ctx.db, req.body.customerId, req.body.code);
      return reply.code(r.created ? 201 : 200).send(r);
    },
  );

  // ---- promo codes ----
  const listQuery = z.object({
    batchId: uuid('batch').optional(),
    status: z.enum(['all', 'active', 'used', 'expired', 'disabled']).default('all'),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  });
  app.get('/api/loyalty/codes', { config: { access: 'staff' }, schema: { querystring: listQuery, tags: ['loyalty'], summary: 'Promo codes, newest first' } }, async (req) => {
    let q = ctx.db.selectFrom('loyalty_codes').selectAll().orderBy('created_at', 'desc').orderBy('id').limit(req.query.limit);
    if (req.query.batchId) q = q.where('batch_id', '=', req.query.batchId);
    const now = ctx.now();
    if (req.query.status === 'disabled') q = q.where('disabled_at', 'is not', null);
    if (req.query.status === 'expired') q = q.where('expires_at', '<=', now);
    if (req.query.status === 'used') q = q.where('used_count', '>', 0);
    if (req.query.status === 'active')
      q = q
        .where('disabled_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .where(sql<boolean>`(usage_limit is null or used_count < usage_limit)`);
    return { codes: (await q.execute()).map(toCode), report: await codesReport(ctx.db) };
  });

  const defaultCurrency = async () => (await getWorkspace(ctx.db))?.currency ?? 'EUR';
  app.post(
    '/api/loyalty/codes',
    { config: { access: 'staff' }, schema: { body: codeSpec, tags: ['loyalty'], summary: 'Make one promo code (random, 10 characters from an alphabet without look-alikes)' } },
    async (req, reply) => {
      if (req.body.customerId) await requireCustomer(req.body.customerId);
      const { codes } = await createCodes(ctx.db, { ...req.body, currency: req.body.currency ?? (await defaultCurrency()), source: `user:${req.user!.id}`, createdBy: req.user!.id }, 1);
      return reply.code(201).send({ code: codes[0] });
    },
  );

  app.post(
    '/api/loyalty/codes/bulk',
    {
      config: { access: 'owner' },
      schema: {
        body: z.intersection(codeSpec, z.object({ count: z.number().int().min(1).max(10_000, 'at most 10,000 at a time') })),
        tags: ['loyalty'],
        summary: 'Make up to 10,000 codes in one batch (owner); export them with /api/loyalty/codes/export.csv?batchId=',
      },
    },
    async (req, reply) => {
      if (req.body.customerId) throw badRequest('Bulk codes are not personal', [{ field: 'customerId', message: 'leave it out for bulk codes' }]);
      const { count, ...spec } = req.body;
      const r = await createCodes(ctx.db, { ...spec, currency: spec.currency ?? (await defaultCurrency()), source: `user:${req.user!.id}`, createdBy: req.user!.id }, count);
      await audit(ctx.db, req, 'loyalty.codes.bulk', r.batchId, { count });
      return reply.code(201).send({ batchId: r.batchId, count: r.codes.length, sample: r.codes.slice(0, 5).map((c) => c.code) });
    },
  );

  app.get(
    '/api/loyalty/codes/export.csv',
    {
      config: { access: 'owner' },
      schema: { querystring: z.object({ batchId: uuid('batch').optional() }), tags: ['loyalty'], summary: 'Promo codes (all, or one batch) as CSV for a shop; owner only, audited' },
    },
    async (req, reply) => {
      let q = ctx.db.selectFrom('loyalty_codes').selectAll().orderBy('created_at').orderBy('code');
      if (req.query.batchId) q = q.where('batch_id', '=', req.query.batchId);
      const rows = (await q.execute()).map(toCode);
      await audit(ctx.db, req, 'loyalty.codes.export', req.query.batchId ?? null, { rows: rows.length });
      const header = ['code', 'use', 'percent_off', 'amount_off_minor', 'currency', 'min_order_minor', 'expires_at', 'usage_limit', 'used_count', 'customer_id', 'batch_id', 'note', 'disabled_at'];
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="promo-codes${req.query.batchId ? `-${req.query.batchId.slice(0, 8)}` : ''}.csv"`)
        .send(
          stringify([
            header,
            ...rows.map((c) =>
              [c.code, c.use, c.percentOff, c.amountOffMinor, c.currency, c.minOrderMinor, c.expiresAt, c.usageLimit, c.usedCount, c.customerId, c.batchId, c.note, c.disabledAt].map(cell),
            ),
          ]),
        );
    },
  );

  app.post(
    '/api/loyalty/codes/:id/disable',
    { config: { access: 'staff' }, schema: { params: z.object({ id: uuid('code') }), tags: ['loyalty'], summary: 'Withdraw a code: later redemptions are refused' } },
    async (req) => {
      await getCode(ctx.db, req.params.id);
      await ctx.db.updateTable('loyalty_codes').set({ disabled_at: ctx.now() }).where('id', '=', req.params.id).where('disabled_at', 'is', null).execute();
      return { code: await getCode(ctx.db, req.params.id) };
    },
  );

  app.post(
    '/api/loyalty/redeem',
    {
      config: { access: 'staff' },
      schema: {
        body: z.object({
          code: text(80).min(1, 'is required'),
          customerId: uuid('customer').nullable().optional(),
          orderRef: text(200).nullable().optional(),
          orderAmountMinor: z.number().int().min(0).max(1_000_000_000_000, 'is too large'),
          currency,
          idempotencyKey: key.optional(),
        }),
        tags: ['loyalty'],
        summary: 'Redeem a code for an order: the discount, or a clear refusal (404 code_unknown, 410 code_expired, 409 code_used_up / code_already_used, 403 code_not_yours, 400 below_minimum)',
      },
    },
    async (req) => {
      if (req.body.customerId) await requireCustomer(req.body.customerId);
      return redeemCode(ctx.db, req.body, ctx.now());
    },
  );

  // ---- report ----
  app.get(
    '/api/loyalty/report',
    { config: { access: 'staff' }, schema: { tags: ['loyalty'], summary: 'Members, points outstanding, codes issued vs redeemed with the revenue of redeeming orders, referral leaderboard' } },
    async () => {
      const settings = await getLoyaltySettings(ctx.db);
      const m = await sql<{ members: number; outstanding: string | null }>`select count(distinct customer_id)::int as members, sum(points)::text as outstanding from loyalty_ledger`.execute(ctx.db);
      return {
        members: m.rows[0]?.members ?? 0,
        pointsOutstanding: Number(m.rows[0]?.outstanding ?? 0),
        codes: await codesReport(ctx.db),
        referrals: await referralLeaderboard(ctx.db, settings.effectiveCurrency),
      };
    },
  );
  // ---- codes that come with orders, reviews, results ----
  app.post(
    '/api/loyalty/order-codes',
    {
      config: { access: 'staff' },
      schema: {
        body: z.object({
          orders: z
            .array(z.object({ orderId: text(200).min(1, 'is required'), code: text(80).min(1, 'is required') }))
            .min(1)
            .max(1000, 'at most 1,000 at a time'),
        }),
        tags: ['loyalty'],
        summary:
          "The promo or referral code each order carried, by the shop's order id (before or after the order itself arrives): a promo code is redeemed for the order, a referral code on a first order credits both sides; once per order",
      },
    },
    async (req) => {
      const rows = req.body.orders.map((o) => ({ order_ref: o.orderId, code: o.code }));
      await ctx.db
        .insertInto('loyalty_order_codes')
        .values(rows)
        .onConflict((oc) => oc.column('order_ref').doNothing())
        .execute();
      // orders that arrived already are applied now; the others when they arrive (order.created)
      const refs = [...new Set(rows.map((r) => r.order_ref))];
      const applied = await ctx.db.transaction().execute((trx) => applyOrderCodes(trx, ctx.now(), { orderRefs: refs }));
      if (applied.some((a) => a.result === 'referral')) {
        const owners = await ctx.db.selectFrom('orders').select('customer_id').where('external_id', 'in', refs).execute();
        await creditScope(ctx, { referredIds: owners.map((o) => o.customer_id) });
      }
      const stored = await ctx.db.selectFrom('loyalty_order_codes').select(['order_ref', 'code', 'result', 'applied_at']).where('order_ref', 'in', refs).execute();
      return { orders: stored.map((r) => ({ orderId: r.order_ref, code: r.code, result: r.result ?? 'waiting for the order', appliedAt: r.applied_at })) };
    },
  );

  app.post(
    '/api/loyalty/reviews',
    {
      config: { access: 'staff' },
      schema: {
        body: z.object({ customerId: uuid('customer'), reviewRef: key }),
        tags: ['loyalty'],
        summary: 'A customer wrote a review (the shop or review site reference): the review points of the rules, once per review',
      },
    },
    async (req, reply) => {
      await requireCustomer(req.body.customerId);
      const r = await creditReview(ctx, req.body.customerId, req.body.reviewRef);
      if (!r) throw badRequest('Reviews earn no points: set pointsPerReview in the loyalty rules', [{ field: 'reviewRef', message: 'reviews earn nothing' }]);
      return reply.code(r.created ? 201 : 200).send({ entry: r.entry, created: r.created, balance: await balanceOf(ctx.db, req.body.customerId) });
    },
  );

  app.get(
    '/api/loyalty/results',
    { config: { access: 'staff' }, schema: { tags: ['loyalty'], summary: 'Members vs other buyers and by tier: repeat rate, orders per customer-year, still buying, tenure, with counts' } },
    async () => memberResults(ctx.db, ctx.now()),
  );
}
