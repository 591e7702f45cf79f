// Customers as a service to the rest of Keepwell: touchpoints, merges, erasure, the full record.
import type { Insertable } from 'kysely';
import type { CustomersTable, OrderStatus, OrdersTable, SubscriptionsTable, TouchpointsTable } from './customers.tables.js';
import { emitEvent } from '../platform/events/events.service.js';
import { sql } from 'kysely';
import type { Database } from '../platform/db/database.js';
import type { TouchpointChannel } from './customers.tables.js';
import { normalizeEmail, normalizePhone } from './import/values.js';

export interface NewTouchpoint {
  customerId: string;
  channel: TouchpointChannel;
  direction: 'in' | 'out' | 'internal';
  summary: string;
  /** who or what made it: 'user:<id>', 'playbook:<id>', 'import', 'survey:<id>', 'webhook' */
  source?: string | null;
  occurredAt?: Date;
  userId?: string | null;
}

/** The one way to add a contact to a customer's timeline. */
export async function recordTouchpoint(db: Database, t: NewTouchpoint): Promise<{ id: string }> {
  return db
    .insertInto('touchpoints')
    .values({
      customer_id: t.customerId,
      channel: t.channel,
      direction: t.direction,
      summary: t.summary.slice(0, 5000),
      source: t.source ?? null,
      user_id: t.userId ?? null,
      occurred_at: t.occurredAt ?? new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

/** Adds (`present`) or removes a tag; does nothing when it is already so. Other features' way to tag a customer. */
export async function setCustomerTag(db: Database, customerId: string, tag: string, present: boolean): Promise<void> {
  const tags = present ? sql`array_append(tags, ${tag})` : sql`array_remove(tags, ${tag})`;
  const has = sql<boolean>`${tag} = any(tags)`;
  await sql`update customers set tags = ${tags}, updated_at = now() where id = ${customerId} and ${present ? sql`not ${has}` : has}`.execute(db);
}

/**
 * Withdraws marketing consent (an unsubscribe) at `at`, inside the caller's transaction: 'missing'
 * when there is no such customer, 'already' when they had unsubscribed before.
 */
export async function withdrawMarketingConsent(db: Database, customerId: string, at: Date): Promise<'withdrawn' | 'already' | 'missing'> {
  const c = await db.selectFrom('customers').select(['id', 'unsubscribed_at']).where('id', '=', customerId).forUpdate().executeTakeFirst();
  if (!c) return 'missing';
  if (c.unsubscribed_at) return 'already';
  await db.updateTable('customers').set({ unsubscribed_at: at, marketing_consent: false, updated_at: at }).where('id', '=', customerId).execute();
  return 'withdrawn';
}

export interface CustomerInput {
  externalId?: string | null;
  name?: string;
  email?: string | null;
  phone?: string | null;
  birthday?: string | null;
  address?: string | null;
  city?: string | null;
  postalCode?: string | null;
  country?: string | null;
  tags?: string[];
  ownerUserId?: string | null;
  acquiredAt?: Date;
  marketingConsent?: boolean;
  retentionDriver?: string | null;
}

/** Column values for an insert or update from API input (only the fields given). */
export function customerColumns(input: CustomerInput): Record<string, unknown> {
  const v: Record<string, unknown> = {};
  if (input.externalId !== undefined) v.external_id = input.externalId;
  if (input.name !== undefined) v.name = input.name;
  if (input.email !== undefined) {
    v.email = input.email;
    v.email_normalized = normalizeEmail(input.email);
  }
  if (input.phone !== undefined) {
    v.phone = input.phone;
    v.phone_normalized = normalizePhone(input.phone);
  }
  if (input.birthday !== undefined) v.birthday = input.birthday;
  if (input.address !== undefined) v.address = input.address;
  if (input.city !== undefined) v.city = input.city;
  if (input.postalCode !== undefined) v.postal_code = input.postalCode;
  if (input.country !== undefined) v.country = input.country;
  if (input.tags !== undefined) v.tags = [...new Set(input.tags.map((t) => t.trim()).filter(Boolean))];
  if (input.ownerUserId !== undefined) v.owner_user_id = input.ownerUserId;
  if (input.acquiredAt !== undefined) v.acquired_at = input.acquiredAt;
  if (input.marketingConsent !== undefined) v.marketing_consent = input.marketingConsent;
  if (input.retentionDriver !== undefined) v.retention_driver = input.retentionDriver;
  return v;
}

/** Tables (other than customers itself) whose foreign keys point at customers.id. */
async function customerReferences(db: Database): Promise<{ table: string; column: string }[]> {
  const r = await sql<{ table: string; column: string }>`
    select cl.relname as "table", a.attname as "column"
    from pg_constraint co
    join pg_class cl on cl.oid = co.conrelid
    join pg_attribute a on a.attrelid = co.conrelid and a.attnum = any(co.conkey)
    where co.contype = 'f' and co.confrelid = 'customers'::regclass and cl.relname <> 'customers'`.execute(db);
  return r.rows;
}

export interface MergeResult {
  keptId: string;
  mergedId: string;
  moved: Record<string, number>;
}

/**
 * Merges `otherId` into `keepId`: every order, subscription, touchpoint (and any other feature's
 * rows that reference the customer) moves over, empty fields are filled from the other, tags
 * are joined, and the other customer is marked merged_into. Recorded on the timeline.
 */
export async function mergeCustomers(db: Database, keepId: string, otherId: string, by: { userId?: string | null; now: Date }): Promise<MergeResult> {
  return db.transaction().execute(async (trx) => {
    const [keep, other] = await Promise.all([
      trx.selectFrom('customers').selectAll().where('id', '=', keepId).forUpdate().executeTakeFirst(),
      trx.selectFrom('customers').selectAll().where('id', '=', otherId).forUpdate().executeTakeFirst(),
    ]);
    if (!keep || !other) throw new Error('customer not found');
    const moved: Record<string, number> = {};
    for (const ref of await customerReferences(trx as unknown as Database)) {
      // A feature's unique index may refuse a move (the kept customer already has that row): then
      // that row stays with the merged customer, which still points at the kept one.
      await sql.raw('savepoint kw_merge').execute(trx);
      try {
        const r = await sql.raw(`update "${ref.table}" set "${ref.column}" = '${keepId}' where "${ref.column}" = '${otherId}'`).execute(trx);
        moved[ref.table] = (moved[ref.table] ?? 0) + Number(r.numAffectedRows ?? 0);
        await sql.raw('release savepoint kw_merge').execute(trx);
      } catch {
        await sql.raw('rollback to savepoint kw_merge').execute(trx);
        moved[ref.table] = moved[ref.table] ?? 0;
      }
    }
    const fill = <T>(a: T | null, b: T | null) => (a === null || a === undefined || a === '' ? b : a);
    await trx
      .updateTable('customers')
      .set({
        email: fill(keep.email, other.email),
        email_normalized: fill(keep.email_normalized, other.email_normalized),
        phone: fill(keep.phone, other.phone),
        phone_normalized: fill(keep.phone_normalized, other.phone_normalized),
        birthday: fill(keep.birthday, other.birthday),
        address: fill(keep.address, other.address),
        city: fill(keep.city, other.city),
        postal_code: fill(keep.postal_code, other.postal_code),
        country: fill(keep.country, other.country),
        owner_user_id: fill(keep.owner_user_id, other.owner_user_id),
        retention_driver: fill(keep.retention_driver, other.retention_driver),
        tags: [...new Set([...keep.tags, ...other.tags])],
        acquired_at: keep.acquired_at < other.acquired_at ? keep.acquired_at : other.acquired_at,
        marketing_consent: keep.marketing_consent || other.marketing_consent,
        updated_at: by.now,
      })
      .where('id', '=', keepId)
      .execute();
    await trx.updateTable('customers').set({ merged_into: keepId, updated_at: by.now }).where('id', '=', otherId).execute();
    // anything already merged into the other now points at the kept customer
    await trx.updateTable('customers').set({ merged_into: keepId }).where('merged_into', '=', otherId).execute();
    await trx
      .insertInto('touchpoints')
      .values({
        customer_id: keepId,
        channel: 'system',
        direction: 'internal',
        summary: `Merged ${other.name}${other.external_id ? ` (${other.external_id})` : ''} into this customer: ${moved.orders ?? 0} orders, ${moved.touchpoints ?? 0} touchpoints, ${moved.subscriptions ?? 0} subscriptions moved`,
        source: by.userId ? `user:${by.userId}` : 'system',
        user_id: by.userId ?? null,
        occurred_at: by.now,
      })
      .execute();
    await emitEvent(trx, 'customer.merged', { keptId: keepId, mergedId: otherId });
    return { keptId: keepId, mergedId: otherId, moved };
  });
}

/** Replaces a customer's personal data; orders keep their amounts and dates for analytics. */
export async function eraseCustomer(db: Database, id: string, now: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await emitEvent(trx, 'customer.erased', { customerId: id });
    await trx
      .updateTable('customers')
      .set({
        name: 'Erased customer',
        external_id: null,
        email: null,
        email_normalized: null,
        phone: null,
        phone_normalized: null,
        birthday: null,
        address: null,
        city: null,
        postal_code: null,
        tags: [],
        owner_user_id: null,
        marketing_consent: false,
        erased_at: now,
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
    await trx.updateTable('touchpoints').set({ summary: '[erased]' }).where('customer_id', '=', id).execute();
    // external ids of orders and subscriptions can carry personal data (derived ids do not)
    await trx.updateTable('orders').set({ external_id: null }).where('customer_id', '=', id).where('external_id', 'not like', 'h:%').execute();
    await trx.updateTable('subscriptions').set({ external_id: null, cancel_reason: null }).where('customer_id', '=', id).execute();
    await trx
      .updateTable('customers')
      .set({ name: 'Erased customer', email: null, email_normalized: null, phone: null, phone_normalized: null, external_id: null, erased_at: now })
      .where('merged_into', '=', id)
      .execute();
  });
}

/** The whole record of one customer, for their data request. */
export async function customerRecord(db: Database, id: string) {
  const customer = await db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
  if (!customer) return null;
  const [orders, subscriptions, touchpoints, mergedFrom] = await Promise.all([
    db.selectFrom('orders').selectAll().where('customer_id', '=', id).orderBy('ordered_at').execute(),
    db.selectFrom('subscriptions').selectAll().where('customer_id', '=', id).orderBy('started_at').execute(),
    db.selectFrom('touchpoints').selectAll().where('customer_id', '=', id).orderBy('occurred_at').execute(),
    db.selectFrom('customers').select(['id', 'name', 'email', 'external_id']).where('merged_into', '=', id).execute(),
  ]);
  return { exportedAt: new Date().toISOString(), customer, orders, subscriptions, touchpoints, mergedFrom };
}

/** A CSV cell that a spreadsheet will not run as a formula. */
export function safeCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = v instanceof Date ? v.toISOString() : Array.isArray(v) ? v.join(', ') : String(v);
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

/** Tag on customers created from a first contact (inbox): someone should look at them. */
export const NEW_CONTACT_TAG = 'new-contact';

/**
 * The customer with this email (else phone), or a new one tagged NEW_CONTACT_TAG (also when
 * neither is given: an anonymous website visitor). Matches live customers only (not merged or erased). Inside a transaction, concurrent first contacts from
 * one address make one customer (a transaction-scoped lock on the address).
 */
export async function findOrCreateCustomerByContact(
  db: Database,
  contact: { email?: string | null; phone?: string | null; name?: string | null; acquiredAt: Date },
): Promise<{ id: string; created: boolean }> {
  const email = normalizeEmail(contact.email ?? null);
  const phone = normalizePhone(contact.phone ?? null);
  if (email || phone) {
    await sql`select pg_advisory_xact_lock(hashtext(${`customer-contact:${email ?? phone}`}))`.execute(db);
    const live = db.selectFrom('customers').select('id').where('merged_into', 'is', null).where('erased_at', 'is', null).orderBy('created_at').limit(1);
    const found = (email && (await live.where('email_normalized', '=', email).executeTakeFirst())) || (phone && (await live.where('phone_normalized', '=', phone).executeTakeFirst()));
    if (found) return { id: found.id, created: false };
  }
  const name = contact.name?.trim() || (email ? email.split('@')[0] : phone) || 'New contact';
  const row = await db
    .insertInto('customers')
    .values({
      name: name.slice(0, 200),
      email: email ? (contact.email ?? '').trim().slice(0, 320) : null,
      email_normalized: email,
      phone: phone ? (contact.phone ?? '').trim().slice(0, 50) : null,
      phone_normalized: phone,
      tags: [NEW_CONTACT_TAG],
      acquired_at: contact.acquiredAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, created: true };
}

export interface History {
  customers: Insertable<CustomersTable>[];
  orders: Insertable<OrdersTable>[];
  subscriptions: Insertable<SubscriptionsTable>[];
  touchpoints: Insertable<TouchpointsTable>[];
}

/**
 * Inserts a ready-made history (any of its parts) in one transaction — the caller's when it is in
 * one — announcing nothing (the demo's past, not news). Other features' demo seeders add their
 * touchpoints this way.
 */
export async function insertHistory(db: Database, h: Partial<History>): Promise<void> {
  const chunk = <T>(rows: T[] = [], size = 500) => Array.from({ length: Math.ceil(rows.length / size) }, (_, i) => rows.slice(i * size, (i + 1) * size));
  const write = async (trx: Database) => {
    for (const part of chunk(h.customers, 500)) await trx.insertInto('customers').values(part).execute();
    for (const part of chunk(h.orders, 2000)) await trx.insertInto('orders').values(part).execute();
    for (const part of chunk(h.subscriptions, 500)) await trx.insertInto('subscriptions').values(part).execute();
    for (const part of chunk(h.touchpoints, 2000)) await trx.insertInto('touchpoints').values(part).execute();
  };
  await (db.isTransaction ? write(db) : db.transaction().execute(write));
}

/**
 * Changes an order's status (refunded, cancelled, paid again) and records 'order.status_changed'
 * in the same transaction, so loyalty takes back a refunded order's points. Null: no such order.
 */
export async function setOrderStatus(db: Database, orderId: string, status: OrderStatus, source: string) {
  return db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('orders').select(['status', 'customer_id']).where('id', '=', orderId).forUpdate().executeTakeFirst();
    if (!before) return null;
    const row = await trx.updateTable('orders').set({ status }).where('id', '=', orderId).returningAll().executeTakeFirstOrThrow();
    if (before.status !== status) await emitEvent(trx, 'order.status_changed', { changes: [{ orderId, customerId: before.customer_id, from: before.status, to: status }], source });
    return row;
  });
}
