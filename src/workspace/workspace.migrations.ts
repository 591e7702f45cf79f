import { sql } from 'kysely';
import type { MigrationDb, MigrationSet } from '../platform/db/migrations.js';

export const workspaceMigrations: MigrationSet = {
  '0002_workspace': {
    async up(db: MigrationDb) {
      await db.schema
        .createTable('workspace')
        .addColumn('id', 'integer', (c) => c.primaryKey().defaultTo(1).check(sql`id = 1`))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('industry', 'text', (c) => c.notNull())
        .addColumn('time_zone', 'text', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('activity_window_days', 'integer')
        .addColumn('extra', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
    },
    async down(db: MigrationDb) {
      await db.schema.dropTable('workspace').execute();
    },
  },
  '0010_workspace_locale': {
    // How dates, numbers and money are written (BCP 47, e.g. en-GB); null: derived from the currency and time zone
    async up(db: MigrationDb) {
      await db.schema.alterTable('workspace').addColumn('locale', 'text').execute();
    },
    async down(db: MigrationDb) {
      await db.schema.alterTable('workspace').dropColumn('locale').execute();
    },
  },
};
