import { sql } from 'kysely';
import type { MigrationDb, MigrationSet } from '../platform/db/migrations.js';

export const assistantMigrations: MigrationSet = {
  '0550_assistant': {
    async up(db: MigrationDb) {
      await db.schema
        .createTable('assistant_entries')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('question', 'text', (c) => c.notNull())
        .addColumn('phrasings', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
        .addColumn('answer', 'text', (c) => c.notNull())
        .addColumn('tags', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
        .addColumn('links', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('draft').check(sql`status in ('draft','published')`))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await sql`create index assistant_entries_status on assistant_entries (status, question)`.execute(db);

      await db.schema
        .createTable('assistant_state')
        .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
        .addColumn('kb_version', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await sql`insert into assistant_state (id, kb_version) values (1, 0)`.execute(db);

      await db.schema
        .createTable('assistant_chats')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('tone', 'text', (c) => c.notNull().defaultTo('warm').check(sql`tone in ('warm','terse')`))
        .addColumn('unsure_streak', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('owner', 'text', (c) => c.notNull().defaultTo('bot').check(sql`owner in ('bot','person')`))
        .addColumn('handoff_reason', 'text', (c) => c.check(sql`handoff_reason in ('asked','unsure','upset')`))
        .addColumn('awaiting_email', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('handed_off_at', 'timestamptz')
        .addColumn('inbox_conversation_id', 'uuid')
        .addColumn('inbox_transcript_message_id', 'uuid')
        .addColumn('email', 'text')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('last_message_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await sql`create index assistant_chats_created on assistant_chats (created_at)`.execute(db);

      await db.schema
        .createTable('assistant_exchanges')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('chat_id', 'uuid', (c) => c.notNull().references('assistant_chats.id').onDelete('cascade'))
        .addColumn('seq', 'bigint', (c) => c.notNull().generatedAlwaysAsIdentity())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('answer','clarify','dont_know','handoff','ask_email','offer_person')`))
        .addColumn('confidence', 'real', (c) => c.notNull().defaultTo(0))
        .addColumn('entry_id', 'uuid', (c) => c.references('assistant_entries.id').onDelete('set null'))
        .addColumn('options', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
        .addColumn('reply', 'text', (c) => c.notNull())
        .addColumn('tone', 'text', (c) => c.notNull().defaultTo('warm'))
        .addColumn('chosen', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('via_llm', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('helpful', 'boolean')
        .addColumn('learned_entry_id', 'uuid', (c) => c.references('assistant_entries.id').onDelete('set null'))
        .addColumn('dismissed', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await sql`create index assistant_exchanges_chat on assistant_exchanges (chat_id, seq)`.execute(db);
      await sql`create index assistant_exchanges_unanswered on assistant_exchanges (created_at) where kind in ('clarify','dont_know') and learned_entry_id is null and not dismissed`.execute(db);
    },
    async down(db: MigrationDb) {
      await db.schema.dropTable('assistant_exchanges').ifExists().execute();
      await db.schema.dropTable('assistant_chats').ifExists().execute();
      await db.schema.dropTable('assistant_state').ifExists().execute();
      await db.schema.dropTable('assistant_entries').ifExists().execute();
    },
  },
};
