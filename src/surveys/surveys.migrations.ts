import { sql } from 'kysely';
import type { MigrationDb, MigrationSet } from '../platform/db/migrations.js';

export const surveyMigrations: MigrationSet = {
  '0400_surveys': {
    async up(db: MigrationDb) {
      await db.schema
        .createTable('survey_requests')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('customer_id', 'uuid', (c) => c.notNull().references('customers.id').onDelete('cascade'))
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('nps','csat','ces','exit')`))
        .addColumn('event_key', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('created').check(sql`status in ('created','sent','answered')`))
        .addColumn('questions', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
        .addColumn('email_id', 'text')
        .addColumn('source', 'text')
        .addColumn('sent_at', 'timestamptz', (c) => c.notNull())
        .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      // Never surveyed twice for the same event.
      await sql`create unique index survey_requests_event_key on survey_requests (customer_id, kind, event_key)`.execute(db);
      await sql`create index survey_requests_sent on survey_requests (sent_at)`.execute(db);

      await db.schema
        .createTable('survey_responses')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('request_id', 'uuid', (c) => c.notNull().unique().references('survey_requests.id').onDelete('cascade'))
        .addColumn('customer_id', 'uuid', (c) => c.notNull().references('customers.id').onDelete('cascade'))
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('nps','csat','ces','exit')`))
        .addColumn('score', 'integer', (c) =>
          c.check(
            sql`score is null or (kind = 'nps' and score between 0 and 10) or (kind = 'csat' and score between 1 and 5) or (kind = 'ces' and score between 1 and 7) or (kind = 'exit' and score between 0 and 10)`,
          ),
        )
        .addColumn('comment', 'text')
        .addColumn('answers', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('chosen_reasons', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
        .addColumn('sentiment', 'text', (c) => c.check(sql`sentiment in ('positive','neutral','negative')`))
        .addColumn('sentiment_score', 'real')
        .addColumn('churn_reasons', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
        .addColumn('task_id', 'uuid')
        .addColumn('answered_at', 'timestamptz', (c) => c.notNull())
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
        .addColumn('thanked_at', 'timestamptz')
        .execute();
      await sql`create index survey_responses_kind_answered on survey_responses (kind, answered_at)`.execute(db);
      await db.schema.createIndex('survey_responses_customer').on('survey_responses').column('customer_id').execute();
    },
    async down(db: MigrationDb) {
      await db.schema.dropTable('survey_responses').execute();
      await db.schema.dropTable('survey_requests').execute();
    },
  },
};
