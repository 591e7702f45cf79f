// Tables of the import (numbers 0107–0109 and 0121 of the customers range).
import { sql } from 'kysely';
import type { MigrationDb, MigrationSet } from '../../platform/db/migrations.js';

export const importMigrations: MigrationSet = {
  '0107_order_refunds': {
    // A cancellation or refund is applied to the order it undoes: the order's amount_minor is
    // what it is worth now (every reader that sums amounts stays right), refunded_minor what was
    // refunded (the total as sold is their sum), and its status becomes 'cancelled' or 'refunded'
    // once nothing is left. Each refund is kept once by its own id, so importing the same file
    // again applies nothing twice.
    async up(db: MigrationDb) {
      await sql`alter table orders add column if not exists refunded_minor bigint not null default 0`.execute(db);
      await db.schema
        .createTable('order_refunds')
        .ifNotExists()
        .addColumn('refund_ext', 'text', (c) => c.notNull())
        .addColumn('order_id', 'uuid', (c) => c.notNull().references('orders.id').onDelete('cascade'))
        .addColumn('amount_minor', 'bigint', (c) => c.notNull())
        .addColumn('refunded_at', 'timestamptz', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('cancelled', 'refunded')`))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('order_refunds_pkey', ['refund_ext', 'order_id'])
        .execute();
      await sql`create index if not exists order_refunds_order on order_refunds (order_id)`.execute(db);
    },
    async down(db: MigrationDb) {
      await db.schema.dropTable('order_refunds').ifExists().execute();
      await sql`alter table orders drop column if exists refunded_minor`.execute(db);
    },
  },
  '0108_import_jobs': {
    // An import started over HTTP: the uploaded file is kept here until the import finishes, so a
    // job interrupted by a restart starts again from it (an import is idempotent). Progress is
    // written as the job goes, for every staff member to see.
    async up(db: MigrationDb) {
      await db.schema
        .createTable('import_jobs')
        .ifNotExists()
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('file_name', 'text', (c) => c.notNull())
        .addColumn('size_bytes', 'bigint', (c) => c.notNull())
        .addColumn('options', 'jsonb', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('queued', 'running', 'done', 'failed')`))
        .addColumn('progress_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('progress_rows', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('report', 'jsonb')
        .addColumn('error', 'text')
        .addColumn('started_by', 'uuid')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('finished_at', 'timestamptz')
        .execute();
      await sql`create index if not exists import_jobs_created on import_jobs (created_at desc)`.execute(db);
      // the upload, in parts of up to 8 MB (a bytea value is read whole: parts keep memory small)
      await db.schema
        .createTable('import_uploads')
        .ifNotExists()
        .addColumn('job_id', 'uuid', (c) => c.notNull().references('import_jobs.id').onDelete('cascade'))
        .addColumn('part', 'integer', (c) => c.notNull())
        .addColumn('bytes', 'bytea', (c) => c.notNull())
        .addPrimaryKeyConstraint('import_uploads_pkey', ['job_id', 'part'])
        .execute();
    },
    async down(db: MigrationDb) {
      await db.schema.dropTable('import_uploads').ifExists().execute();
      await db.schema.dropTable('import_jobs').ifExists().execute();
    },
  },
  '0109_import_uploading': {
    // An upload is stored part by part, each part a statement of its own (one insert of the whole
    // file held the embedded database for seconds); meanwhile its job is 'uploading', then queued.
    async up(db: MigrationDb) {
      await sql`alter table import_jobs drop constraint if exists import_jobs_status_check`.execute(db);
      await sql`alter table import_jobs add constraint import_jobs_status_check check (status in ('uploading', 'queued', 'running', 'done', 'failed'))`.execute(db);
    },
    async down(db: MigrationDb) {
      await sql`delete from import_jobs where status = 'uploading'`.execute(db);
      await sql`alter table import_jobs drop constraint if exists import_jobs_status_check`.execute(db);
      await sql`alter table import_jobs add constraint import_jobs_status_check check (status in ('queued', 'running', 'done', 'failed'))`.execute(db);
    },
  },
  '0121_import_deferred_indexes': {
    // A first import into an empty workspace loads its rows without the tables' secondary indexes
    // and builds them once at the end (deferred-indexes.ts). Each dropped index is written here,
    // with the statement that makes it again, in the transaction that drops it: an import stopped
    // part-way leaves the list for the next import or server start to build them.
    async up(db: MigrationDb) {
      await db.schema
        .createTable('import_deferred_indexes')
        .ifNotExists()
        .addColumn('index_name', 'text', (c) => c.primaryKey())
        .addColumn('table_name', 'text', (c) => c.notNull())
        .addColumn('definition', 'text', (c) => c.notNull())
        .addColumn('deferred_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
    },
    async down(db: MigrationDb) {
      await db.schema.dropTable('import_deferred_indexes').ifExists().execute();
    },
  },
};
