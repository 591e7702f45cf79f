import { sql } from 'kysely';
import type { MigrationDb, MigrationSet } from '../platform/db/migrations.js';

export const loyaltyMigrations: MigrationSet = {
  '0650_loyalty': {
    async up(db: MigrationDb) {
      await db.schema
        .createTable('loyalty_ledger')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('customer_id', 'uuid', (c) => c.notNull().references('customers.id'))
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('earn','spend','expire','adjust','reverse')`))
        .addColumn('points', 'integer', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('idempotency_key', 'text', (c) => c.notNull())
        .addColumn('order_id', 'uuid')
        .addColumn('source', 'text')
        .addColumn('user_id', 'uuid')
        .addColumn('occurred_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addCheckConstraint('loyalty_ledger_sign', sql`(kind = 'earn' and points > 0) or (kind in ('spend','expire') and points < 0) or (kind in ('adjust','reverse') and points <> 0)`)
        .execute();
      await sql`create unique index loyalty_ledger_key on loyalty_ledger (idempotency_key)`.execute(db);
      await sql`create index loyalty_ledger_customer on loyalty_ledger (customer_id, occurred_at)`.execute(db);
      await sql`create index loyalty_ledger_order on loyalty_ledger (order_id) where order_id is not null`.execute(db);

      await db.schema
        .createTable('loyalty_codes')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('code', 'text', (c) => c.notNull().unique())
        .addColumn('use', 'text', (c) => c.notNull().check(sql`use in ('single','multi')`))
        .addColumn('customer_id', 'uuid', (c) => c.references('customers.id'))
        .addColumn('percent_off', 'integer', (c) => c.check(sql`percent_off between 1 and 100`))
        .addColumn('amount_off_minor', 'bigint', (c) => c.check(sql`amount_off_minor > 0`))
        .addColumn('currency', 'text')
        .addColumn('min_order_minor', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('expires_at', 'timestamptz')
        .addColumn('usage_limit', 'integer', (c) => c.check(sql`usage_limit > 0`))
        .addColumn('used_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('batch_id', 'uuid')
        .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('source', 'text')
        .addColumn('source_key', 'text')
        .addColumn('created_by', 'uuid')
        .addColumn('disabled_at', 'timestamptz')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addCheckConstraint('loyalty_codes_one_discount', sql`(percent_off is null) <> (amount_off_minor is null)`)
        .addCheckConstraint('loyalty_codes_within_limit', sql`usage_limit is null or used_count <= usage_limit`)
        .execute();
      await sql`create unique index loyalty_codes_source_key on loyalty_codes (source_key) where source_key is not null`.execute(db);
      await sql`create index loyalty_codes_batch on loyalty_codes (batch_id) where batch_id is not null`.execute(db);
      await sql`create index loyalty_codes_created on loyalty_codes (created_at desc, id)`.execute(db);
      await sql`create index loyalty_codes_customer on loyalty_codes (customer_id) where customer_id is not null`.execute(db);

      await db.schema
        .createTable('loyalty_redemptions')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('code_id', 'uuid', (c) => c.notNull().references('loyalty_codes.id'))
        .addColumn('customer_id', 'uuid', (c) => c.references('customers.id'))
        .addColumn('order_ref', 'text')
        .addColumn('order_amount_minor', 'bigint', (c) => c.notNull())
        .addColumn('discount_minor', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
        .addColumn('single_use', 'boolean', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      // a single-use code once per customer
      await sql`create unique index loyalty_redemptions_single on loyalty_redemptions (code_id, customer_id) where single_use`.execute(db);
      await sql`create index loyalty_redemptions_code on loyalty_redemptions (code_id)`.execute(db);

      await db.schema
        .createTable('loyalty_referral_codes')
        .addColumn('customer_id', 'uuid', (c) => c.primaryKey().references('customers.id'))
        .addColumn('code', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createTable('loyalty_referrals')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('referrer_customer_id', 'uuid', (c) => c.notNull().references('customers.id'))
        .addColumn('referred_customer_id', 'uuid', (c) => c.notNull().unique().references('customers.id'))
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`status in ('pending','credited')`))
        .addColumn('credited_at', 'timestamptz')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addCheckConstraint('loyalty_referrals_not_self', sql`referrer_customer_id <> referred_customer_id`)
        .execute();
      await sql`create index loyalty_referrals_referrer on loyalty_referrals (referrer_customer_id)`.execute(db);
    },
    async down(db: MigrationDb) {
      for (const t of ['loyalty_referrals', 'loyalty_referral_codes', 'loyalty_redemptions', 'loyalty_codes', 'loyalty_ledger']) await db.schema.dropTable(t).execute();
    },
  },
  '0651_loyalty_ledger_lean': {
    // Reversals find an order's entry by its key (order:<id>), so the order index only slowed
    // every credit (one index fewer to write per entry).
    async up(db: MigrationDb) {
      await sql`drop index if exists loyalty_ledger_order`.execute(db);
    },
    async down(db: MigrationDb) {
      await sql`create index loyalty_ledger_order on loyalty_ledger (order_id) where order_id is not null`.execute(db);
    },
  },
  '0652_loyalty_tiers_and_order_codes': {
    // Each customer's current tier (so a change is noticed once and announced), and codes that
    // arrive with orders (a shop's order reference and the promo or referral code it carried).
    async up(db: MigrationDb) {
      await db.schema
        .createTable('loyalty_tiers')
        .addColumn('customer_id', 'uuid', (c) => c.primaryKey().references('customers.id'))
        .addColumn('tier', 'text')
        .addColumn('previous', 'text')
        .addColumn('changed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createTable('loyalty_order_codes')
        .addColumn('order_ref', 'text', (c) => c.primaryKey())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('applied_at', 'timestamptz')
        .addColumn('result', 'text')
        .execute();
    },
    async down(db: MigrationDb) {
      await db.schema.dropTable('loyalty_order_codes').execute();
      await db.schema.dropTable('loyalty_tiers').execute();
    },
  },
  '0653_loyalty_year_points_and_expiry_notices': {
    // Each customer's points of the rolling year kept beside their tier, so crediting an order
    // adds to it instead of summing a year of ledger rows again (the daily pass recomputes it
    // exactly, as points older than a year stop counting); and the notices that a balance is
    // about to expire, one per balance and last activity (the playbook trigger's occurrence).
    async up(db: MigrationDb) {
      await sql`alter table loyalty_tiers add column year_points integer not null default 0`.execute(db);
      await sql`
        update loyalty_tiers t set year_points = greatest(0, coalesce((select sum(l.points) from loyalty_ledger l
          where l.customer_id = t.customer_id and l.kind in ('earn', 'reverse') and l.occurred_at > now() - interval '365 days'), 0))`.execute(db);
      await db.schema
        .createTable('loyalty_expiry_notices')
        .addColumn('customer_id', 'uuid', (c) => c.notNull().references('customers.id'))
        .addColumn('last_activity_id', 'uuid', (c) => c.notNull())
        .addColumn('points', 'integer', (c) => c.notNull())
        .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
        .addColumn('noticed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('loyalty_expiry_notices_pk', ['customer_id', 'last_activity_id'])
        .execute();
    },
    async down(db: MigrationDb) {
      await db.schema.dropTable('loyalty_expiry_notices').execute();
      await sql`alter table loyalty_tiers drop column year_points`.execute(db);
    },
  },
  '0654_loyalty_ledger_without_customer_keys': {
    // The ledger's and the tiers' foreign keys to customers were checked for every order credited
    // (about a third of the crediting statement); customers are never deleted (erasure keeps the
    // row), and a merge's move of these rows is loyalty's own customer.merged subscriber now
    // (loyalty.merge.ts), which the customers feature's move by foreign key no longer does for them.
    async up(db: MigrationDb) {
      await sql`alter table loyalty_ledger drop constraint if exists loyalty_ledger_customer_id_fkey`.execute(db);
      await sql`alter table loyalty_tiers drop constraint if exists loyalty_tiers_customer_id_fkey`.execute(db);
    },
    async down(db: MigrationDb) {
      await sql`alter table loyalty_ledger add constraint loyalty_ledger_customer_id_fkey foreign key (customer_id) references customers (id)`.execute(db);
      await sql`alter table loyalty_tiers add constraint loyalty_tiers_customer_id_fkey foreign key (customer_id) references customers (id)`.execute(db);
    },
  },
  '0655_loyalty_ledger_sequential_ids': {
    // A new entry's id came from gen_random_uuid(): a strong random number per row (costly in the
    // WebAssembly build) landing on a random page of the primary key. Ids are now made in SQL from
    // the statement's time and a sequence, in the uuid version 7 layout (48 bits of Unix ms, '7',
    // variant '8', 60 bits of the sequence): still uuids, unique, never equal to an older random
    // (version 4) id, and an import slice's entries go to the right-hand end of the index.
    // Referrals still pending are found by the customer who was referred (every credited slice asks).
    async up(db: MigrationDb) {
      await sql`create sequence loyalty_ledger_id_seq owned by loyalty_ledger.id`.execute(db);
      await sql`
        alter table loyalty_ledger alter column id set default (
          lpad(to_hex((extract(epoch from now()) * 1000)::bigint), 12, '0') || '7000' || '8' || lpad(to_hex(nextval('loyalty_ledger_id_seq')), 15, '0'))::uuid`.execute(db);
      await sql`create index loyalty_referrals_pending on loyalty_referrals (referred_customer_id) where status = 'pending'`.execute(db);
    },
    async down(db: MigrationDb) {
      await sql`drop index if exists loyalty_referrals_pending`.execute(db);
      await sql`alter table loyalty_ledger alter column id set default gen_random_uuid()`.execute(db);
      await sql`drop sequence if exists loyalty_ledger_id_seq`.execute(db);
    },
  },
};
