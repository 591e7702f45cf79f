// Tables of the import (import.migrations.ts), joined to the database type.
import type { ColumnType, Generated } from 'kysely';

type Ts = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTs = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Big = ColumnType<string | number, number | undefined, number>;

/** A cancellation or refund applied to an order (one row per order it came off). */
export interface OrderRefundsTable {
  refund_ext: string;
  order_id: string;
  amount_minor: Big;
  refunded_at: Ts;
  kind: 'cancelled' | 'refunded';
  created_at: Generated<Date>;
}

export interface ImportJobsTable {
  id: string;
  file_name: string;
  size_bytes: Big;
  /** the import's options (type, preset, mapping, currency, time zone) as JSON */
  options: ColumnType<unknown, string, string>;
  /** 'uploading' while the request stores the upload's parts (listed nowhere) */
  status: 'uploading' | 'queued' | 'running' | 'done' | 'failed';
  progress_bytes: Big;
  progress_rows: Big;
  attempts: Generated<number>;
  report: ColumnType<unknown, string | null | undefined, string | null>;
  error: string | null;
  started_by: string | null;
  created_at: Generated<Date>;
  updated_at: Ts;
  finished_at: NullableTs;
}

export interface ImportUploadsTable {
  job_id: string;
  part: number;
  bytes: Buffer;
}

/** A secondary index a first import dropped, to be built again when it ends (deferred-indexes.ts). */
export interface ImportDeferredIndexesTable {
  index_name: string;
  table_name: string;
  /** the CREATE INDEX statement, as pg_indexes gave it */
  definition: string;
  deferred_at: Generated<Date>;
}

export interface ImportTables {
  import_deferred_indexes: ImportDeferredIndexesTable;
  order_refunds: OrderRefundsTable;
  import_jobs: ImportJobsTable;
  import_uploads: ImportUploadsTable;
}

declare module '../../platform/db/schema.js' {
  interface DB extends ImportTables {}
}
