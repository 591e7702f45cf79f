import { sql } from 'kysely';
import type { MigrationDb, MigrationSet } from '../platform/db/migrations.js';

export const recoveryMigrations: MigrationSet = {
  '0600_recovery': {
    async up(db: MigrationDb) {
      await db.schema
        .createTable('recovery_incidents')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('what', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('happened_at', 'timestamptz', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull().check(sql`severity in ('low','medium','high','critical')`))
        .addColumn('cause', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('fix', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('prevention', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('open').check(sql`status in ('open','resolved')`))
        .addColumn('affected_query', 'jsonb')
        .addColumn('created_by', 'uuid')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await sql`create index recovery_incidents_happened on recovery_incidents (happened_at desc, id)`.execute(db);

      await db.schema
        .createTable('recovery_affected')
        .addColumn('incident_id', 'uuid', (c) => c.notNull().references('recovery_incidents.id').onDelete('cascade'))
        .addColumn('customer_id', 'uuid', (c) => c.notNull().references('customers.id'))
        .addColumn('paid_minor', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('added_by', 'text', (c) => c.notNull().check(sql`added_by in ('hand','query')`))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('recovery_affected_pk', ['incident_id', 'customer_id'])
        .execute();
      await sql`create index recovery_affected_customer on recovery_affected (customer_id)`.execute(db);

      await db.schema
        .createTable('recovery_apologies')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('incident_id', 'uuid', (c) => c.notNull().references('recovery_incidents.id').onDelete('cascade'))
        .addColumn('customer_id', 'uuid', (c) => c.notNull().references('customers.id'))
        .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel in ('email','call','letter')`))
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('compensation', 'jsonb', (c) => c.notNull())
        .addColumn('warnings', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
        .addColumn('email_id', 'uuid')
        .addColumn('promo_code', 'text')
        .addColumn('created_by', 'uuid')
        .addColumn('sent_at', 'timestamptz', (c) => c.notNull())
        .execute();
      // one apology per customer and incident
      await sql`create unique index recovery_apologies_once on recovery_apologies (incident_id, customer_id)`.execute(db);
      await sql`create index recovery_apologies_customer on recovery_apologies (customer_id, sent_at desc)`.execute(db);
    },
    async down(db: MigrationDb) {
      for (const t of ['recovery_apologies', 'recovery_affected', 'recovery_incidents']) await db.schema.dropTable(t).execute();
    },
  },
  '0601_recovery_library': {
    // Incident types (templates are per type), the public incident note, snapshots of each
    // affected customer's health and value when added (outcomes compare against them), templates.
    async up(db: MigrationDb) {
      await sql`alter table recovery_incidents add column kind text not null default 'other'`.execute(db);
      await sql`alter table recovery_incidents add column public_note text not null default ''`.execute(db);
      await sql`alter table recovery_incidents add column public_slug text`.execute(db);
      await sql`alter table recovery_incidents add column published_at timestamptz`.execute(db);
      await sql`create unique index recovery_incidents_slug on recovery_incidents (public_slug) where public_slug is not null`.execute(db);
      await sql`alter table recovery_affected add column health_at_add integer`.execute(db);
      await sql`alter table recovery_affected add column clv_at_add numeric`.execute(db);
      await db.schema
        .createTable('recovery_templates')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('from_apology_id', 'uuid')
        .addColumn('created_by', 'uuid')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await sql`create unique index recovery_templates_name on recovery_templates (lower(name))`.execute(db);
    },
    async down(db: MigrationDb) {
      await db.schema.dropTable('recovery_templates').execute();
      for (const c of ['health_at_add', 'clv_at_add']) await sql.raw(`alter table recovery_affected drop column ${c}`).execute(db);
      for (const c of ['kind', 'public_note', 'public_slug', 'published_at']) await sql.raw(`alter table recovery_incidents drop column ${c}`).execute(db);
    },
  },
  '0602_recovery_survey_scores': {
    // Survey answers as the surveys feature announces them ('survey.answered'), so an outcome can
    // compare a customer's next score after an incident with their last one before it.
    async up(db: MigrationDb) {
      await db.schema
        .createTable('recovery_survey_scores')
        .addColumn('response_id', 'uuid', (c) => c.primaryKey())
        .addColumn('customer_id', 'uuid', (c) => c.notNull())
        .addColumn('survey', 'text', (c) => c.notNull())
        .addColumn('score', 'real')
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('answered_at', 'timestamptz', (c) => c.notNull())
        .execute();
      await sql`create index recovery_survey_scores_customer on recovery_survey_scores (customer_id, answered_at)`.execute(db);
    },
    async down(db: MigrationDb) {
      await db.schema.dropTable('recovery_survey_scores').execute();
    },
  },
};
