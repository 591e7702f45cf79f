import { sql } from 'kysely';
import type { MigrationDb, MigrationSet } from '../db/migrations.js';

export const jobMigrations: MigrationSet = {
  '0050_jobs': {
    async up(db: MigrationDb) {
      await db.schema
        .createTable('jobs')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
        .addColumn('payload', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`status in ('pending','running','done','failed')`))
        .addColumn('run_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('max_attempts', 'integer', (c) => c.notNull().defaultTo(8))
        .addColumn('locked_until', 'timestamptz')
        .addColumn('locked_by', 'text')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('finished_at', 'timestamptz')
        .execute();
      await sql`create index jobs_due on jobs (run_at) where status = 'pending'`.execute(db);
      await sql`create index jobs_leased on jobs (locked_until) where status = 'running'`.execute(db);
    },
    async down(db: MigrationDb) {
      await db.schema.dropTable('jobs').execute();
    },
  },
  '0051_jobs_fillfactor': {
    // Every job row is updated two or three times (claimed, leased, done). Room left in each page
    // lets those updates stay in the page (HOT), so the queue does not grow new pages as it works,
    // and a job can still record why it failed when the disk has just filled up.
    async up(db: MigrationDb) {
      await sql`alter table jobs set (fillfactor = 50)`.execute(db);
    },
    async down(db: MigrationDb) {
      await sql`alter table jobs reset (fillfactor)`.execute(db);
    },
  },
};
