import type { ColumnType, Generated } from 'kysely';

type NullableTs = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface TasksTable {
  id: Generated<string>;
  customer_id: string | null;
  title: string;
  details: string | null;
  due_at: ColumnType<Date, Date | string, Date | string>;
  /** a person, or else a role whose members all see it */
  assignee_user_id: string | null;
  assignee_role: 'owner' | 'agent' | null;
  status: ColumnType<'open' | 'done', 'open' | 'done' | undefined, 'open' | 'done'>;
  snoozed_until: NullableTs;
  /** what made it: 'manual', 'playbook:<id>', 'survey:<id>' … */
  source: string;
  /** one task per source event: a second create with the same key returns the first */
  idempotency_key: string | null;
  created_at: Generated<Date>;
  done_at: NullableTs;
}

export interface TaskTables {
  tasks: TasksTable;
}

declare module '../platform/db/schema.js' {
  interface DB extends TaskTables {}
}
