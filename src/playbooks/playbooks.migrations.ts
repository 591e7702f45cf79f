import { sql } from 'kysely';
import type { MigrationDb, MigrationSet } from '../platform/db/migrations.js';

export const playbookMigrations: MigrationSet = {
  '0301_playbooks': {
    async up(db: MigrationDb) {
      await db.schema
        .createTable('playbooks')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('key', 'text', (c) => c.unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('trigger', 'jsonb', (c) => c.notNull())
        .addColumn('conditions', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
        .addColumn('steps', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();

      await db.schema
        .createTable('playbook_enrollments')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('playbook_id', 'uuid', (c) => c.notNull().references('playbooks.id').onDelete('cascade'))
        .addColumn('customer_id', 'uuid', (c) => c.notNull().references('customers.id'))
        .addColumn('occurrence_key', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('active').check(sql`status in ('active','completed','exited')`))
        .addColumn('next_step', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('data', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('entered_at', 'timestamptz', (c) => c.notNull())
        .addColumn('finished_at', 'timestamptz')
        .execute();
      await sql`create unique index playbook_enrollments_once on playbook_enrollments (playbook_id, customer_id, occurrence_key)`.execute(db);
      await db.schema.createIndex('playbook_enrollments_customer').on('playbook_enrollments').column('customer_id').execute();

      await db.schema
        .createTable('playbook_step_runs')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('enrollment_id', 'uuid', (c) => c.notNull().references('playbook_enrollments.id').onDelete('cascade'))
        .addColumn('playbook_id', 'uuid', (c) => c.notNull())
        .addColumn('customer_id', 'uuid', (c) => c.notNull())
        .addColumn('step_index', 'integer', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('done','skipped','failed')`))
        .addColumn('detail', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('at', 'timestamptz', (c) => c.notNull())
        .execute();
      await sql`create unique index playbook_step_runs_once on playbook_step_runs (enrollment_id, step_index)`.execute(db);
      await sql`create index playbook_step_runs_recent on playbook_step_runs (playbook_id, at desc)`.execute(db);

      await db.schema
        .createTable('playbook_watermarks')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'timestamptz', (c) => c.notNull())
        .execute();
    },
    async down(db: MigrationDb) {
      for (const t of ['playbook_watermarks', 'playbook_step_runs', 'playbook_enrollments', 'playbooks']) await db.schema.dropTable(t).execute();
    },
  },
  '0302_playbook_enrolment_start': {
    // A playbook switched on enrols who crosses its threshold from then on (enabled_at); the
    // owner may include customers already past it, daily_cap a day, most valuable first.
    async up(db: MigrationDb) {
      await db.schema
        .alterTable('playbooks')
        .addColumn('enabled_at', 'timestamptz')
        .addColumn('include_existing', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('daily_cap', 'integer', (c) => c.notNull().defaultTo(25))
        .execute();
      await sql`update playbooks set enabled_at = now() where enabled`.execute(db);
    },
    async down(db: MigrationDb) {
      await db.schema.alterTable('playbooks').dropColumn('enabled_at').dropColumn('include_existing').dropColumn('daily_cap').execute();
    },
  },
  '0303_win_back_call_needs_offer': {
    // The ready-made win-back's call follows up the emailed offer: skipped when the offer never
    // reached the customer (no email address). Installed copies get the same rule.
    async up(db: MigrationDb) {
      await sql`update playbooks set steps = jsonb_set(steps, '{2,skipIf}', (steps #> '{2,skipIf}') || '["not_reached"]'::jsonb)
        where key = 'win_back' and steps #>> '{2,action,type}' = 'task' and not (steps #> '{2,skipIf}') ? 'not_reached'`.execute(db);
    },
    async down(db: MigrationDb) {
      await sql`update playbooks set steps = jsonb_set(steps, '{2,skipIf}', (steps #> '{2,skipIf}') - 'not_reached') where key = 'win_back'`.execute(db);
    },
  },
};
