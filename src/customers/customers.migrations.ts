import { sql } from 'kysely';
import type { MigrationDb, MigrationSet } from '../platform/db/migrations.js';

/** The schema pg_trgm is installed in, installing it when it is missing; null when it cannot be
 * (not shipped with this server, or the role may not create it). Runs inside the migration's
 * transaction, so a failure is undone to a savepoint instead of aborting the transaction. */
async function trigramSchema(db: MigrationDb): Promise<string | null> {
  const installedIn = async () =>
    (await sql<{ schema: string }>`select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm'`.execute(db)).rows[0]?.schema ?? null;
  const found = await installedIn();
  if (found) return found;
  // In public when there is one: a schema that may be dropped (a test's own schema) would take
  // the extension, and every index using it, along.
  const publicExists = (await sql<{ n: number }>`select count(*)::int as n from pg_namespace where nspname = 'public'`.execute(db)).rows[0]?.n === 1;
  await sql`savepoint keepwell_pg_trgm`.execute(db);
  try {
    await sql`create extension if not exists pg_trgm ${publicExists ? sql`schema public` : sql``}`.execute(db);
    await sql`release savepoint keepwell_pg_trgm`.execute(db);
  } catch {
    await sql`rollback to savepoint keepwell_pg_trgm`.execute(db);
    await sql`release savepoint keepwell_pg_trgm`.execute(db);
  }
  return installedIn(); // also finds it when a concurrent migration installed it first
}

/** the tables the customer list reads (0106 versions them) */
const listTables = ['customers', 'orders', 'subscriptions', 'touchpoints'];

export const customerMigrations: MigrationSet = {
  '0100_customers': {
    async up(db: MigrationDb) {
      await db.schema
        .createTable('customers')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('external_id', 'text')
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('email', 'text')
        .addColumn('email_normalized', 'text')
        .addColumn('phone', 'text')
        .addColumn('phone_normalized', 'text')
        .addColumn('birthday', 'date')
        .addColumn('address', 'text')
        .addColumn('city', 'text')
        .addColumn('postal_code', 'text')
        .addColumn('country', 'text')
        .addColumn('tags', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
        .addColumn('owner_user_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
        .addColumn('acquired_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('marketing_consent', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('unsubscribed_at', 'timestamptz')
        .addColumn('retention_driver', 'text')
        .addColumn('erased_at', 'timestamptz')
        .addColumn('merged_into', 'uuid')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await sql`create unique index customers_external_id_key on customers (external_id) where external_id is not null`.execute(db);
      await sql`create index customers_email_norm on customers (email_normalized) where email_normalized is not null`.execute(db);
      await sql`create index customers_phone_norm on customers (phone_normalized) where phone_normalized is not null`.execute(db);
      await sql`create index customers_name_lower on customers (lower(name))`.execute(db);
      await sql`create index customers_tags on customers using gin (tags)`.execute(db);

      await db.schema
        .createTable('orders')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('external_id', 'text')
        .addColumn('customer_id', 'uuid', (c) => c.notNull().references('customers.id'))
        .addColumn('amount_minor', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('ordered_at', 'timestamptz', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('paid').check(sql`status in ('paid','pending','refunded','cancelled')`))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await sql`create unique index orders_external_id_key on orders (external_id) where external_id is not null`.execute(db);
      await db.schema.createIndex('orders_customer').on('orders').columns(['customer_id', 'ordered_at']).execute();

      await db.schema
        .createTable('subscriptions')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('external_id', 'text')
        .addColumn('customer_id', 'uuid', (c) => c.notNull().references('customers.id'))
        .addColumn('plan', 'text', (c) => c.notNull())
        .addColumn('amount_minor', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('interval', 'text', (c) => c.notNull().check(sql`interval in ('week','month','quarter','year')`))
        .addColumn('started_at', 'timestamptz', (c) => c.notNull())
        .addColumn('canceled_at', 'timestamptz')
        .addColumn('cancel_reason', 'text')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await sql`create unique index subscriptions_external_id_key on subscriptions (external_id) where external_id is not null`.execute(db);
      await db.schema.createIndex('subscriptions_customer').on('subscriptions').column('customer_id').execute();

      await db.schema
        .createTable('touchpoints')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('customer_id', 'uuid', (c) => c.notNull().references('customers.id'))
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('direction', 'text', (c) => c.notNull().check(sql`direction in ('in','out','internal')`))
        .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('source', 'text')
        .addColumn('user_id', 'uuid')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('touchpoints_customer').on('touchpoints').columns(['customer_id', 'occurred_at']).execute();
    },
    async down(db: MigrationDb) {
      for (const t of ['touchpoints', 'subscriptions', 'orders', 'customers']) await db.schema.dropTable(t).execute();
    },
  },
  '0101_customers_list_indexes': {
    // Keyset pagination of the customer list: each sort order with its id tie-breaker.
    async up(db: MigrationDb) {
      await sql`create index customers_list_name on customers (lower(name), id) where merged_into is null`.execute(db);
      await sql`create index customers_list_acquired on customers (acquired_at, id) where merged_into is null`.execute(db);
      await sql`create index customers_list_updated on customers (updated_at, id) where merged_into is null`.execute(db);
      await sql`create index customers_merged_into on customers (merged_into) where merged_into is not null`.execute(db);
      await sql`create index touchpoints_customer_recent on touchpoints (customer_id, occurred_at desc)`.execute(db);
    },
    async down(db: MigrationDb) {
      for (const i of ['customers_list_name', 'customers_list_acquired', 'customers_list_updated', 'customers_merged_into', 'touchpoints_customer_recent']) {
        await sql.raw(`drop index if exists ${i}`).execute(db);
      }
    },
  },
  '0102_customers_search_trigram': {
    // Search (GET /api/customers?search=) matches a substring of the lowercased name, a prefix of
    // the email, or the exact external id or phone. A trigram GIN index lets `lower(name) like
    // '%term%'` (terms of 3+ characters) use an index, so the whole OR becomes a BitmapOr instead
    // of a scan of every customer. The email prefix uses customers_email_norm where the database
    // collation is C (PGlite); under another collation a btree only serves `like 'x%'` with
    // text_pattern_ops, so that index is added there.
    // Without pg_trgm (a server that lacks it or a role that may not create it) the migration
    // still succeeds and creates nothing: the query is unchanged and falls back to the scan it
    // always did, with the same results. Once the extension is available, create the index by hand:
    //   create index customers_search_name on customers using gin (lower(name) gin_trgm_ops);
    async up(db: MigrationDb) {
      const schema = await trigramSchema(db);
      if (!schema) return;
      await sql`create index customers_search_name on customers using gin (lower(name) ${sql.id(schema, 'gin_trgm_ops')})`.execute(db);
      const collation = (await sql<{ c: string }>`select datcollate as c from pg_database where datname = current_database()`.execute(db)).rows[0]?.c;
      if (collation !== 'C' && collation !== 'POSIX') {
        await sql`create index customers_search_email on customers (email_normalized text_pattern_ops) where email_normalized is not null`.execute(db);
      }
    },
    async down(db: MigrationDb) {
      // pg_trgm stays: other schemas in the database may use it.
      for (const i of ['customers_search_name', 'customers_search_email']) await sql.raw(`drop index if exists ${i}`).execute(db);
    },
  },
  '0103_customers_drop_name_lower': {
    // customers_list_name (lower(name), id) serves the name-sorted list and the trigram index
    // serves search; customers_name_lower served neither any more, and every customer written
    // (100,000 at a time in an import) paid for it.
    async up(db: MigrationDb) {
      await sql`drop index if exists customers_name_lower`.execute(db);
    },
    async down(db: MigrationDb) {
      await sql`create index if not exists customers_name_lower on customers (lower(name))`.execute(db);
    },
  },
  '0104_created_at_indexes': {
    // 'customer.created' and 'order.created' events name a transaction's timestamp; their
    // subscribers read the rows written at that instant (customers.events.ts).
    async up(db: MigrationDb) {
      await sql`create index if not exists customers_created_at on customers (created_at)`.execute(db);
      await sql`create index if not exists orders_created_at on orders (created_at)`.execute(db);
    },
    async down(db: MigrationDb) {
      for (const i of ['customers_created_at', 'orders_created_at']) await sql.raw(`drop index if exists ${i}`).execute(db);
    },
  },
  '0105_companies_custom_fields': {
    // A customer may belong to one company; custom fields are the owner's own (definitions kept
    // in the customers settings, values in customers.custom by field key). Subscriptions are
    // looked up per customer by the list and the customer page.
    async up(db: MigrationDb) {
      await db.schema
        .createTable('companies')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('website', 'text')
        .addColumn('notes', 'text')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await sql`create unique index companies_name on companies (lower(name))`.execute(db);
      await db.schema
        .alterTable('customers')
        .addColumn('company_id', 'uuid', (c) => c.references('companies.id').onDelete('set null'))
        .addColumn('custom', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .execute();
      await sql`create index customers_company on customers (company_id) where company_id is not null`.execute(db);
      await sql`create index if not exists subscriptions_customer on subscriptions (customer_id)`.execute(db);
    },
    async down(db: MigrationDb) {
      await sql`drop index if exists subscriptions_customer`.execute(db);
      await db.schema.alterTable('customers').dropColumn('company_id').dropColumn('custom').execute();
      await db.schema.dropTable('companies').execute();
    },
  },
  '0106_customers_list_version': {
    // The customer list's data version: every statement that writes customers, orders,
    // subscriptions or touchpoints (COPY and TRUNCATE too) takes the next number of a sequence.
    // The list keeps pages it answered, keyed by this number, on the embedded database
    // (customers.list-cache.ts). A statement-level trigger costs once per statement however
    // many rows it writes; `enable always` keeps it firing while an import runs as a replica
    // (session_replication_role, which silences ordinary triggers). A sequence takes no lock.
    async up(db: MigrationDb) {
      await sql`create sequence customers_list_version`.execute(db);
      await sql`create function customers_list_changed() returns trigger language plpgsql as $$
        begin
          perform nextval('customers_list_version');
          return null;
        end $$`.execute(db);
      for (const t of listTables) {
        await sql`create trigger customers_list_changed after insert or update or delete or truncate on ${sql.table(t)} for each statement execute function customers_list_changed()`.execute(db);
        await sql`alter table ${sql.table(t)} enable always trigger customers_list_changed`.execute(db);
      }
    },
    async down(db: MigrationDb) {
      for (const t of listTables) await sql`drop trigger if exists customers_list_changed on ${sql.table(t)}`.execute(db);
      await sql`drop function if exists customers_list_changed()`.execute(db);
      await sql`drop sequence if exists customers_list_version`.execute(db);
    },
  },
  '0120_customers_search_small_gin_pending': {
    // A GIN index keeps new entries in a pending list that every search reads in full, and the
    // insert that takes it past gin_pending_list_limit (4 MB by default) merges all of it into the
    // index while the database waits. The embedded database has no autovacuum to merge it sooner,
    // so after an import a search by name read up to 4 MB, and during one an insert now and then
    // held the only connection for the whole merge. A 256 kB list keeps both short while still
    // batching new names (fastupdate off, as the inbox's indexes have, would make every
    // imported customer pay a full index insert).
    async up(db: MigrationDb) {
      const found = (await sql<{ r: string | null }>`select to_regclass('customers_search_name')::text as r`.execute(db)).rows[0].r;
      if (!found) return; // no pg_trgm on this server (0102 made nothing)
      await sql`alter index customers_search_name set (gin_pending_list_limit = 256)`.execute(db);
      await sql`select gin_clean_pending_list('customers_search_name'::regclass)`.execute(db);
    },
    async down(db: MigrationDb) {
      await sql`alter index if exists customers_search_name reset (gin_pending_list_limit)`.execute(db);
    },
  },
};
