// Tables of recovery: incidents, the customers each one affected, and the apologies sent.
import type { ColumnType, Generated } from 'kysely';
import type { Severity } from './recovery.core.js';

type Ts = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTs = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T> = ColumnType<T, string, string>;

export interface AffectedQuery {
  /** customers with an order between these instants */
  from?: string | null;
  to?: string | null;
  /** customers carrying this tag */
  tag?: string | null;
}

export interface RecoveryIncidentsTable {
  id: Generated<string>;
  title: string;
  what: string;
  happened_at: Ts;
  severity: Severity;
  cause: string;
  fix: string;
  prevention: string;
  status: ColumnType<'open' | 'resolved', 'open' | 'resolved' | undefined, 'open' | 'resolved'>;
  /** the saved query that found (some of) the affected customers */
  affected_query: Json<AffectedQuery | null> | null;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface RecoveryAffectedTable {
  incident_id: string;
  customer_id: string;
  /** paid for orders in the query's window (all paid orders when picked by hand), workspace currency */
  paid_minor: number;
  currency: string;
  added_by: 'hand' | 'query';
  created_at: Generated<Date>;
}

export interface RecoveryApologiesTable {
  id: Generated<string>;
  incident_id: string;
  customer_id: string;
  channel: 'email' | 'call' | 'letter';
  subject: string;
  body: string;
  compensation: Json<Record<string, unknown>>;
  /** the checker's warnings when it was sent (sent anyway by the owner) */
  warnings: Json<unknown[]>;
  email_id: string | null;
  promo_code: string | null;
  created_by: string | null;
  sent_at: Ts;
}

export interface RecoveryTables {
  recovery_incidents: RecoveryIncidentsTable;
  recovery_affected: RecoveryAffectedTable;
  recovery_apologies: RecoveryApologiesTable;
}

declare module '../platform/db/schema.js' {
  interface DB extends RecoveryTables {}
}
