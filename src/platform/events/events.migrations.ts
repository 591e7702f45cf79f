import { sql } from 'kysely';
import type { MigrationDb, MigrationSet } from '../db/migrations.js';

export const eventMigrations: MigrationSet = {
  '0060_events': {
    async up(db: MigrationDb) {
      await db.schema
        .createTable('events')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('payload', 'jsonb', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await sql`create index events_created on events (created_at)`.execute(db);
    },
    async down(db: MigrationDb) {
      await db.schema.dropTable('events').execute();
    },
  },
};
