import { sql } from 'kysely';
import type { MigrationDb, MigrationSet } from '../platform/db/migrations.js';

export const inboxMigrations: MigrationSet = {
  '0500_inbox': {
    async up(db: MigrationDb) {
      await db.schema
        .createTable('conversations')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel in ('email','chat','form','phone')`))
        .addColumn('customer_id', 'uuid', (c) => c.notNull().references('customers.id'))
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('open').check(sql`status in ('open','pending','snoozed','resolved')`))
        .addColumn('snoozed_until', 'timestamptz')
        .addColumn('assignee_user_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
        .addColumn('priority', 'text', (c) => c.notNull().defaultTo('normal').check(sql`priority in ('low','normal','high','urgent')`))
        .addColumn('tags', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('subject_key', 'text', (c) => c.notNull())
        .addColumn('reply_to_address', 'text')
        .addColumn('first_response_due_at', 'timestamptz')
        .addColumn('first_responded_at', 'timestamptz')
        .addColumn('resolution_due_at', 'timestamptz')
        .addColumn('sla_paused_at', 'timestamptz')
        .addColumn('sla_first_left_ms', 'bigint')
        .addColumn('sla_resolution_left_ms', 'bigint')
        .addColumn('resolved_at', 'timestamptz')
        .addColumn('automatic', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('last_message_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('message_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      // The list: by status (and assignee) newest first; breaching soon by due time; a customer's conversations.
      await sql`create index conversations_status_last on conversations (status, last_message_at desc, id)`.execute(db);
      await sql`create index conversations_assignee_last on conversations (assignee_user_id, status, last_message_at desc)`.execute(db);
      await sql`create index conversations_first_due on conversations (first_response_due_at) where first_response_due_at is not null`.execute(db);
      await sql`create index conversations_resolution_due on conversations (resolution_due_at) where resolution_due_at is not null`.execute(db);
      await sql`create index conversations_customer on conversations (customer_id, last_message_at desc)`.execute(db);
      await sql`create index conversations_subject_key on conversations (subject_key, customer_id, last_message_at desc)`.execute(db);
      await sql`create index conversations_snoozed on conversations (snoozed_until) where status = 'snoozed'`.execute(db);

      await db.schema
        .createTable('messages')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('conversation_id', 'uuid', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
        .addColumn('author_kind', 'text', (c) => c.notNull().check(sql`author_kind in ('customer','agent','note','system')`))
        .addColumn('user_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
        .addColumn('body_text', 'text', (c) => c.notNull())
        .addColumn('body_html_sanitised', 'text', (c) => c.notNull())
        .addColumn('quoted_text', 'text')
        .addColumn('email_message_id', 'text')
        .addColumn('in_reply_to', 'text')
        .addColumn('email_references', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
        .addColumn('from_address', 'text')
        .addColumn('automatic', 'text')
        .addColumn('attachments', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
        .addColumn('call', 'jsonb')
        .addColumn('email_id', 'uuid')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await sql`create index messages_conversation on messages (conversation_id, created_at, id)`.execute(db);
      // A message delivered twice (same Message-ID) is stored once.
      await sql`create unique index messages_email_message_id on messages (email_message_id) where email_message_id is not null`.execute(db);
      await sql`create index messages_created on messages (created_at, id)`.execute(db);

      await db.schema
        .createTable('inbox_attachments')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('message_id', 'uuid', (c) => c.notNull().references('messages.id').onDelete('cascade'))
        .addColumn('filename', 'text', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('content', 'bytea', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('inbox_attachments_message').on('inbox_attachments').column('message_id').execute();
    },
    async down(db: MigrationDb) {
      await db.schema.dropTable('inbox_attachments').execute();
      await db.schema.dropTable('messages').execute();
      await db.schema.dropTable('conversations').execute();
    },
  },
  '0501_inbox_message_order': {
    // Messages written in the same millisecond (a note right after a reply, a fixed clock) keep
    // the order they were written in: threads and chat cursors follow seq.
    async up(db: MigrationDb) {
      await sql`alter table messages add column seq bigserial`.execute(db);
      await sql`create index messages_conversation_seq on messages (conversation_id, seq)`.execute(db);
    },
    async down(db: MigrationDb) {
      await sql`alter table messages drop column seq`.execute(db);
    },
  },
  '0502_inbox_reopen_count': {
    // How often a resolved conversation was opened again (the reopen rate of the service metrics).
    async up(db: MigrationDb) {
      await sql`alter table conversations add column reopen_count integer not null default 0`.execute(db);
      await sql`create index conversations_created on conversations (created_at)`.execute(db);
    },
    async down(db: MigrationDb) {
      await sql`alter table conversations drop column reopen_count`.execute(db);
    },
  },
  '0503_inbox_imap_canned_merge': {
    // IMAP: the last UID stored per mailbox (with its UIDVALIDITY), written in the transaction of
    // the message it stands for. Canned replies. A merged conversation points at the one it joined.
    async up(db: MigrationDb) {
      await db.schema
        .createTable('inbox_imap_state')
        .addColumn('account', 'text', (c) => c.primaryKey())
        .addColumn('uid_validity', 'bigint', (c) => c.notNull())
        .addColumn('last_uid', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('last_polled_at', 'timestamptz')
        .addColumn('last_error', 'text')
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createTable('inbox_canned_replies')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('promo_percent_off', 'integer')
        .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await sql`alter table conversations add column merged_into_id uuid references conversations(id) on delete set null`.execute(db);
    },
    async down(db: MigrationDb) {
      await sql`alter table conversations drop column merged_into_id`.execute(db);
      await db.schema.dropTable('inbox_canned_replies').execute();
      await db.schema.dropTable('inbox_imap_state').execute();
    },
  },
  '0504_inbox_list_all_index': {
    // The "all" view (and its pages) reads newest activity first across every status: without this
    // it sorted the whole table (bench/inbox-list).
    async up(db: MigrationDb) {
      await sql`create index conversations_last on conversations (last_message_at desc, id desc)`.execute(db);
    },
    async down(db: MigrationDb) {
      await sql`drop index conversations_last`.execute(db);
    },
  },
  '0505_inbox_search_trigram': {
    // Search (`?q=`) matches a substring of the subject, the customer's name or email. Trigram GIN
    // indexes let each `like '%term%'` (3+ characters) read an index instead of every row: the
    // subject here; the customer's name already has customers_search_name (0102); the customer's
    // email gets one here because only the inbox searches it by substring (customers search it by
    // prefix). pg_trgm is installed by 0102 where the server allows it; without it this creates
    // nothing and search keeps its scan, with the same results.
    async up(db: MigrationDb) {
      const schema = (await sql<{ schema: string }>`select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm'`.execute(db)).rows[0]
        ?.schema;
      if (!schema) return;
      await sql`create index conversations_search_subject on conversations using gin (lower(subject) ${sql.id(schema, 'gin_trgm_ops')})`.execute(db);
      await sql`create index inbox_customers_search_email on customers using gin (email_normalized ${sql.id(schema, 'gin_trgm_ops')}) where email_normalized is not null`.execute(db);
    },
    async down(db: MigrationDb) {
      for (const i of ['conversations_search_subject', 'inbox_customers_search_email']) await sql.raw(`drop index if exists ${i}`).execute(db);
    },
  },
  '0506_inbox_search_gin_no_pending': {
    // A GIN index keeps new entries in a "pending list" that every search reads in full until
    // VACUUM merges it (or it passes gin_pending_list_limit, 4 MB). The embedded database has no
    // autovacuum, so the search indexes carried up to 4 MB of pending entries: each search read
    // ~500 pages and the planner priced the index above a scan of the table (bench/inbox-list at
    // 100,000 conversations: subject index cost 2,233 → 134 once merged). New entries now go
    // straight into the index (a little more work per new conversation or customer email).
    async up(db: MigrationDb) {
      for (const i of ['conversations_search_subject', 'inbox_customers_search_email']) {
        const found = (await sql<{ r: string | null }>`select to_regclass(${i})::text as r`.execute(db)).rows[0].r;
        if (!found) continue; // no pg_trgm on this server (0505 made nothing)
        await sql.raw(`alter index ${i} set (fastupdate = off)`).execute(db);
        await sql.raw(`select gin_clean_pending_list('${i}'::regclass)`).execute(db);
      }
    },
    async down(db: MigrationDb) {
      for (const i of ['conversations_search_subject', 'inbox_customers_search_email']) await sql.raw(`alter index if exists ${i} reset (fastupdate)`).execute(db);
    },
  },
  '0507_inbox_list_view_indexes': {
    // Each saved view reads an index in its own order and stops at the page (keyset), instead of
    // collecting every row of the view and sorting it (bench/inbox-list at 100,000 conversations).
    // The list (inbox.queries.ts) states each view in the form of its index's predicate.
    // conversations_status_last had id ascending under last_message_at descending, so it could not
    // give the list's order (newest first, then id descending): replaced. conversations_updated
    // serves the cross-process live poll (updated_at > a moment ago, every 3 s while a stream is open).
    async up(db: MigrationDb) {
      await sql`create index conversations_open_last on conversations (last_message_at desc, id desc) where status in ('open', 'snoozed')`.execute(db);
      await sql`create index conversations_assignee_unresolved on conversations (assignee_user_id, last_message_at desc, id desc) where status in ('open', 'pending', 'snoozed')`.execute(db);
      await sql`create index conversations_open_due on conversations ((least(first_response_due_at, resolution_due_at)), id) where status = 'open'`.execute(db);
      await sql`create index conversations_status_recent on conversations (status, last_message_at desc, id desc)`.execute(db);
      await sql`drop index conversations_status_last`.execute(db);
      await sql`create index conversations_updated on conversations (updated_at)`.execute(db);
    },
    async down(db: MigrationDb) {
      await sql`create index conversations_status_last on conversations (status, last_message_at desc, id)`.execute(db);
      for (const i of ['conversations_open_last', 'conversations_assignee_unresolved', 'conversations_open_due', 'conversations_status_recent', 'conversations_updated'])
        await sql.raw(`drop index ${i}`).execute(db);
    },
  },
  '0508_inbox_sla_alerted': {
    // Which due time of each target the service-level watch has raised its tasks for (near breach,
    // then breach): the watch reads only what is not handled yet, instead of every due
    // conversation each minute (inbox.sla-job.ts).
    async up(db: MigrationDb) {
      await sql`alter table conversations
        add column sla_first_alerted_due timestamptz,
        add column sla_first_alerted_breach boolean not null default false,
        add column sla_resolution_alerted_due timestamptz,
        add column sla_resolution_alerted_breach boolean not null default false`.execute(db);
    },
    async down(db: MigrationDb) {
      await sql`alter table conversations drop column sla_first_alerted_due, drop column sla_first_alerted_breach,
        drop column sla_resolution_alerted_due, drop column sla_resolution_alerted_breach`.execute(db);
    },
  },
  '0509_inbox_customer_email_gin_small_pending': {
    // 0506 made new customer emails go straight into their search index: an import then paid a
    // full trigram index insert per new customer (half of what writing a customer cost). As the
    // customers' name index does (0120), new emails now wait in a pending list of at most 256 kB,
    // merged in bulk when it fills: a search still reads at most 256 kB of unmerged entries.
    async up(db: MigrationDb) {
      const found = (await sql<{ r: string | null }>`select to_regclass('inbox_customers_search_email')::text as r`.execute(db)).rows[0].r;
      if (!found) return; // no pg_trgm on this server (0505 made nothing)
      await sql`alter index inbox_customers_search_email set (fastupdate = on, gin_pending_list_limit = 256)`.execute(db);
    },
    async down(db: MigrationDb) {
      await sql`alter index if exists inbox_customers_search_email set (fastupdate = off)`.execute(db);
      await sql`alter index if exists inbox_customers_search_email reset (gin_pending_list_limit)`.execute(db);
    },
  },
};
