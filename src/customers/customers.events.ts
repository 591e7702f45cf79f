// Events the customers feature records in its writing transactions (see platform/events).
//
// Rows written in one transaction share `created_at = now()`, so 'customer.created' and
// 'order.created' carry that instant (with microseconds, as text) instead of a list of ids: one
// small event per transaction however many rows it wrote (an import slice of 1,000 orders, or
// one order from the API), and a subscriber reads exactly those rows by `created_at`
// (indexed, migration 0104). Rows that existed before and were only updated keep their older
// `created_at` and are not announced.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../platform/db/schema.js';
import { emitEvents, type NewEvent } from '../platform/events/events.service.js';

declare module '../platform/events/events.service.js' {
  interface EventMap {
    /** customers created in one transaction: those with `created_at = writtenAt` */
    'customer.created': { writtenAt: string; source: string };
    /** orders created in one transaction: those with `created_at = writtenAt` */
    'order.created': { writtenAt: string; source: string };
    'subscription.cancelled': { subscriptionId: string; customerId: string; plan: string; reason: string };
    /** orders whose status changed (refunded, cancelled, paid again) */
    'order.status_changed': { changes: { orderId: string; customerId: string; from: string; to: string }[]; source: string };
    'customer.merged': { keptId: string; mergedId: string };
    'customer.erased': { customerId: string };
    'import.finished': { type: string; created: number; updated: number };
  }
}

type Executor = Kysely<DB> | Transaction<DB>;

/** The writing transaction's timestamp exactly as PostgreSQL stores it (microseconds kept). */
export async function transactionTime(trx: Executor): Promise<string> {
  const r = await sql<{ at: string }>`select now()::text as at`.execute(trx);
  return r.rows[0].at;
}

/** Announces the customers and/or orders this transaction created (call it inside the transaction). */
export async function announceWrites(trx: Executor, what: { customers?: boolean; orders?: boolean }, source: string): Promise<void> {
  const writtenAt = await transactionTime(trx);
  const events: NewEvent[] = [];
  if (what.customers) events.push({ type: 'customer.created', payload: { writtenAt, source } });
  if (what.orders) events.push({ type: 'order.created', payload: { writtenAt, source } });
  await emitEvents(trx, events);
}
