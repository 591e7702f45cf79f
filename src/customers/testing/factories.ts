// Test factories: customers, orders and subscriptions with sensible defaults, written the way the
// customers feature stores them (normalised email, amounts in minor units). For tests only
// (other features' tests may import this folder; production code may not — checked).
// These write history directly and announce nothing; to exercise triggers, go through the API.
import type { Insertable, Selectable } from 'kysely';
import type { Database } from '../../platform/db/database.js';
import type { CustomersTable, OrdersTable, SubscriptionsTable } from '../customers.tables.js';

let made = 0;

export async function makeCustomer(db: Database, fields: Partial<Insertable<CustomersTable>> = {}): Promise<Selectable<CustomersTable>> {
  const email = fields.email ?? null;
  return db
    .insertInto('customers')
    .values({ name: `Customer ${++made}`, email_normalized: email ? email.trim().toLowerCase() : null, ...fields })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function makeOrder(db: Database, customerId: string, fields: Partial<Insertable<OrdersTable>> = {}): Promise<Selectable<OrdersTable>> {
  return db
    .insertInto('orders')
    .values({ customer_id: customerId, amount_minor: 1000, currency: 'EUR', ordered_at: new Date(), status: 'paid', ...fields })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function makeSubscription(db: Database, customerId: string, fields: Partial<Insertable<SubscriptionsTable>> = {}): Promise<Selectable<SubscriptionsTable>> {
  return db
    .insertInto('subscriptions')
    .values({ customer_id: customerId, plan: 'Monthly', amount_minor: 2500, currency: 'EUR', interval: 'month', started_at: new Date(), ...fields })
    .returningAll()
    .executeTakeFirstOrThrow();
}
