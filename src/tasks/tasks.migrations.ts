import { sql } from 'kysely';
import type { MigrationDb, MigrationSet } from '../platform/db/migrations.js';

export const taskMigrations: MigrationSet = {
  '0110_tasks': {
    async up(db: MigrationDb) {
      await db.schema
        .createTable('tasks')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('customer_id', 'uuid', (c) => c.references('customers.id'))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('details', 'text')
        .addColumn('due_at', 'timestamptz', (c) => c.notNull())
        .addColumn('assignee_user_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
        .addColumn('assignee_role', 'text')
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('open').check(sql`status in ('open','done')`))
        .addColumn('snoozed_until', 'timestamptz')
        .addColumn('source', 'text', (c) => c.notNull().defaultTo('manual'))
        .addColumn('idempotency_key', 'text', (c) => c.unique())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('done_at', 'timestamptz')
        .execute();
      await sql`create index tasks_open_due on tasks (due_at) where status = 'open'`.execute(db);
      await db.schema.createIndex('tasks_customer').on('tasks').column('customer_id').execute();
    },
    async down(db: MigrationDb) {
      await db.schema.dropTable('tasks').execute();
    },
  },
};
