import { sql } from 'kysely';
import type { MigrationDb, MigrationSet } from '../platform/db/migrations.js';

export const analyticsMigrations: MigrationSet = {
  // the owner's exchange rates into the workspace currency: 1 unit of `currency` is worth `rate`
  // of it from `valid_from` on (until that currency's next rate)
  '0200_analytics_exchange_rates': {
    async up(db: MigrationDb) {
      await db.schema
        .createTable('analytics_exchange_rates')
        .addColumn('currency', 'text', (c) => c.notNull().check(sql`currency ~ '^[A-Z]{3}$'`))
        .addColumn('valid_from', 'date', (c) => c.notNull())
        .addColumn('rate', 'double precision', (c) => c.notNull().check(sql`rate > 0`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('analytics_exchange_rates_pk', ['currency', 'valid_from'])
        .execute();
    },
    async down(db: MigrationDb) {
      await db.schema.dropTable('analytics_exchange_rates').execute();
    },
  },
};
