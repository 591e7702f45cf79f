// The points ledger: append-only, one row per occurrence (its idempotency key is unique), and a
// balance that is always the sum of the rows. Nothing here updates or deletes a ledger row:
// a refund is a 'reverse' row, a correction an 'adjust' row, expiry an 'expire' row.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../platform/db/database.js';
import type { DB } from '../platform/db/schema.js';
import { HttpError } from '../platform/http/errors.js';
import { getLoyaltySettings, minorDigits, type LoyaltySettings, type Tier } from './loyalty.settings.js';
import type { LedgerKind } from './loyalty.tables.js';

type Executor = Kysely<DB> | Transaction<DB>;

export interface LedgerEntry {
  id: string;
  customerId: string;
  kind: LedgerKind;
  points: number;
  reason: string;
  idempotencyKey: string;
  orderId: string | null;
  source: string | null;
  occurredAt: Date;
  createdAt: Date;
}

type EntryRow = {
  id: string;
  customer_id: string;
  kind: LedgerKind;
  points: number;
  reason: string;
  idempotency_key: string;
  order_id: string | null;
  source: string | null;
  occurred_at: Date;
  created_at: Date;
};
const toEntry = (r: EntryRow): LedgerEntry => ({
  id: r.id,
  customerId: r.customer_id,
  kind: r.kind,
  points: Number(r.points),
  reason: r.reason,
  idempotencyKey: r.idempotency_key,
  orderId: r.order_id,
  source: r.source,
  occurredAt: new Date(r.occurred_at),
  createdAt: new Date(r.created_at),
});

/** Points an order earns under these rules (the same formula as the SQL of writeCredits in loyalty.credits.ts). */
export function orderPoints(rules: Pick<LoyaltySettings, 'pointsPerUnit' | 'pointsPerOrder'>, loyaltyCurrency: string, amountMinor: number, currency: string): number {
  const perUnit = currency === loyaltyCurrency ? Math.floor((Math.max(0, amountMinor) * rules.pointsPerUnit) / 10 ** minorDigits(currency)) : 0;
  return perUnit + rules.pointsPerOrder;
}

/**
 * Reverses the points of orders that were refunded or cancelled after they earned (one
 * statement, keyed `reverse:order:<id>`): nothing is left behind and nothing reversed twice.
 * Returns the customers whose points were reversed now (one per entry).
 */
export async function reverseVoided(db: Executor, orderIds?: string[]): Promise<string[]> {
  const only = orderIds ? sql`and o.id = any(${orderIds}::uuid[])` : sql``;
  const r = await sql<{ customer_id: string }>`
    insert into loyalty_ledger (customer_id, kind, points, reason, idempotency_key, order_id, source, occurred_at)
    select l.customer_id, 'reverse', -l.points, 'Reversed: order ' || coalesce(o.external_id, left(o.id::text, 8)) || ' ' || o.status, 'reverse:order:' || o.id, o.id, 'order', now()
    from orders o join loyalty_ledger l on l.idempotency_key = 'order:' || o.id
    where o.status in ('refunded', 'cancelled') ${only}
    on conflict (idempotency_key) do nothing
    returning customer_id`.execute(db);
  return r.rows.map((x) => x.customer_id);
}

/** How many orders' points reverseVoided took back now. */
export const reverseVoidedOrders = async (db: Executor, orderIds?: string[]): Promise<number> => (await reverseVoided(db, orderIds)).length;

export interface NewEntry {
  customerId: string;
  kind: LedgerKind;
  points: number;
  reason: string;
  idempotencyKey: string;
  source?: string | null;
  userId?: string | null;
  orderId?: string | null;
  occurredAt?: Date;
}

/** Serialises writes to one customer's balance (spend checks it) until the transaction ends. */
async function lockCustomer(trx: Executor, customerId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`loyalty:${customerId}`}, 0))`.execute(trx);
}

/**
 * Writes one entry, once per idempotency key. A spend is refused (409) when the balance is too
 * small. Returns the entry and whether this call wrote it (false: it was already there).
 */
export async function addEntry(db: Database, e: NewEntry): Promise<{ entry: LedgerEntry; created: boolean }> {
  return db.transaction().execute(async (trx) => {
    await lockCustomer(trx, e.customerId);
    const existing = await trx.selectFrom('loyalty_ledger').selectAll().where('idempotency_key', '=', e.idempotencyKey).executeTakeFirst();
    if (existing) return { entry: toEntry(existing as EntryRow), created: false };
    if (e.points < 0 && (e.kind === 'spend' || e.kind === 'adjust')) {
      const bal = await balanceOf(trx, e.customerId);
      if (bal + e.points < 0) throw new HttpError(409, 'insufficient_points', `Not enough points: the balance is ${bal}, ${-e.points} asked`);
    }
    const row = await trx
      .insertInto('loyalty_ledger')
      .values({
        customer_id: e.customerId,
        kind: e.kind,
        points: e.points,
        reason: e.reason.slice(0, 500),
        idempotency_key: e.idempotencyKey.slice(0, 300),
        source: e.source ?? null,
        user_id: e.userId ?? null,
        order_id: e.orderId ?? null,
        occurred_at: e.occurredAt ?? new Date(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { entry: toEntry(row as EntryRow), created: true };
  });
}

export async function balanceOf(db: Executor, customerId: string): Promise<number> {
  const r = await sql<{ b: string | number | null }>`select coalesce(sum(points), 0) as b from loyalty_ledger where customer_id = ${customerId}`.execute(db);
  return Number(r.rows[0]?.b ?? 0);
}

/** Points earned (less reversals) over the rolling year before `now`: what tiers count. */
export async function yearPointsOf(db: Executor, customerId: string, now: Date): Promise<number> {
  const since = new Date(now.getTime() - 365 * 86400_000);
  const r = await sql<{ p: string | number | null }>`
    select coalesce(sum(points), 0) as p from loyalty_ledger
    where customer_id = ${customerId} and kind in ('earn', 'reverse') and occurred_at > ${since}`.execute(db);
  return Math.max(0, Number(r.rows[0]?.p ?? 0));
}

export interface TierStatus {
  tier: Tier | null;
  next: (Tier & { remaining: number; progress: number }) | null;
}

/** The highest tier whose threshold the points reach, and how far the next one is. */
export function tierFor(tiers: Tier[], yearPoints: number): TierStatus {
  const sorted = [...tiers].sort((a, b) => a.threshold - b.threshold);
  let tier: Tier | null = null;
  let next: Tier | null = null;
  for (const t of sorted) {
    if (yearPoints >= t.threshold) tier = t;
    else {
      next = t;
      break;
    }
  }
  if (!next) return { tier, next: null };
  const from = tier?.threshold ?? 0;
  return { tier, next: { ...next, remaining: next.threshold - yearPoints, progress: Math.max(0, Math.min(1, (yearPoints - from) / Math.max(1, next.threshold - from))) } };
}

export async function listEntries(db: Executor, customerId: string, options: { limit: number; before?: string | null }): Promise<LedgerEntry[]> {
  let q = db.selectFrom('loyalty_ledger').selectAll().where('customer_id', '=', customerId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(options.limit);
  if (options.before) {
    const b = await db.selectFrom('loyalty_ledger').select(['created_at', 'id']).where('id', '=', options.before).executeTakeFirst();
    if (b) q = q.where((eb) => eb.or([eb('created_at', '<', b.created_at), eb.and([eb('created_at', '=', b.created_at), eb('id', '<', b.id)])]));
  }
  return (await q.execute()).map((r) => toEntry(r as EntryRow));
}

export async function customerLoyalty(db: Database, customerId: string, now: Date) {
  const settings = await getLoyaltySettings(db);
  const [balance, yearPoints] = await Promise.all([balanceOf(db, customerId), yearPointsOf(db, customerId, now)]);
  return { balance, yearPoints, ...tierFor(settings.tiers, yearPoints) };
}

/**
 * Expiry: a customer whose last earn or spend is older than `months` loses the balance left
 * (one 'expire' row keyed on that last activity, so a rerun or a second worker adds nothing).
 */
export async function expireInactive(db: Executor, now: Date, months: number): Promise<number> {
  if (months <= 0) return 0;
  const cutoff = new Date(now);
  cutoff.setUTCMonth(cutoff.getUTCMonth() - months);
  const r = await sql`
    insert into loyalty_ledger (customer_id, kind, points, reason, idempotency_key, source, occurred_at)
    select customer_id, 'expire', -balance, ${`Expired after ${months} months without activity`}, 'expire:' || customer_id || ':' || last_id, 'expiry', ${now}
    from (
      select customer_id, sum(points) as balance,
             (array_agg(id order by occurred_at desc, id desc) filter (where kind in ('earn', 'spend')))[1] as last_id,
             max(occurred_at) filter (where kind in ('earn', 'spend')) as last_at
      from loyalty_ledger group by customer_id
    ) b
    where balance > 0 and last_at < ${cutoff}
    on conflict (idempotency_key) do nothing`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}
