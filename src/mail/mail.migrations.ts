// The outgoing mail table. Migration 0300 was first listed by playbooks; it moved here unchanged
// (same name, same steps) when mail became a feature of its own.
import { sql } from 'kysely';
import type { MigrationDb, MigrationSet } from '../platform/db/migrations.js';

export const mailMigrations: MigrationSet = {
  '0300_mail': {
    async up(db: MigrationDb) {
      await db.schema
        .createTable('emails')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
        .addColumn('customer_id', 'uuid', (c) => c.references('customers.id'))
        .addColumn('to_address', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('html', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('marketing','transactional')`))
        .addColumn('source', 'text')
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('queued').check(sql`status in ('queued','sending','sent','failed','cancelled')`))
        .addColumn('transport', 'text')
        .addColumn('message_id', 'text', (c) => c.notNull())
        .addColumn('headers', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('error', 'text')
        .addColumn('response', 'text')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('sent_at', 'timestamptz')
        .execute();
      await sql`create index emails_customer_recent on emails (customer_id, created_at) where kind = 'marketing'`.execute(db);
      await sql`create index emails_created on emails (created_at desc)`.execute(db);
    },
    async down(db: MigrationDb) {
      await db.schema.dropTable('emails').execute();
    },
  },
};
