import { sql } from 'kysely';
import type { MigrationDb, MigrationSet } from '../platform/db/migrations.js';

export const accountMigrations: MigrationSet = {
  '0001_accounts': {
    async up(db: MigrationDb) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('owner','agent')`))
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('disabled_at', 'timestamptz')
        .execute();
      await sql`create unique index users_email_key on users (lower(email))`.execute(db);
      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('last_used_at', 'timestamptz')
        .addColumn('revoked_at', 'timestamptz')
        .execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('actor_user_id', 'uuid')
        .addColumn('actor_email', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('ip', 'text')
        .execute();
      await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
      // One row: this installation's signing secret (for signed links and cookies).
      await db.schema
        .createTable('instance')
        .addColumn('id', 'integer', (c) => c.primaryKey().defaultTo(1).check(sql`id = 1`))
        .addColumn('secret', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: MigrationDb) {
      for (const t of ['instance', 'audit_log', 'api_tokens', 'sessions', 'users']) await db.schema.dropTable(t).execute();
    },
  },
  // Failed sign-ins, counted in the database so every server process sees the same count:
  // per account (the email as typed, lower-cased, whether or not it exists) and per address.
  '0003_sign_in_failures': {
    async up(db: MigrationDb) {
      await db.schema
        .createTable('sign_in_failures')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('ip', 'text', (c) => c.notNull())
        .addColumn('at', 'timestamptz', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sign_in_failures_email_at').on('sign_in_failures').columns(['email', 'at']).execute();
      await db.schema.createIndex('sign_in_failures_ip_at').on('sign_in_failures').columns(['ip', 'at']).execute();
      await db.schema.createIndex('sign_in_failures_at').on('sign_in_failures').column('at').execute();
    },
    async down(db: MigrationDb) {
      await db.schema.dropTable('sign_in_failures').execute();
    },
  },
};
