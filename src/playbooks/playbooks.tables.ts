// Tables of the playbooks feature (migrations numbered 0300–0399 in playbooks.migrations.ts),
// plus outgoing mail (src/platform/mail), whose table is created by 0300_mail.
import type { ColumnType, Generated } from 'kysely';

type Ts = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTs = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T> = ColumnType<T, string | undefined, string>;

export interface PlaybooksTable {
  id: Generated<string>;
  /** the ready-made playbook it came from ('welcome', 'win_back' …), null for one of the owner's own */
  key: string | null;
  name: string;
  description: ColumnType<string, string | undefined, string>;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  trigger: Json<unknown>;
  conditions: Json<unknown[]>;
  steps: Json<unknown[]>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  /** when last switched on: threshold triggers enrol who crosses from then on */
  enabled_at: NullableTs;
  /** also enrol customers already past the threshold, daily_cap a day, most valuable first */
  include_existing: ColumnType<boolean, boolean | undefined, boolean>;
  daily_cap: ColumnType<number, number | undefined, number>;
}

export interface PlaybookEnrollmentsTable {
  id: Generated<string>;
  playbook_id: string;
  customer_id: string;
  /** one enrollment per playbook, customer and occurrence (a birthday's year, an order id, a lapse) */
  occurrence_key: string;
  status: ColumnType<'active' | 'completed' | 'exited', 'active' | 'completed' | 'exited' | undefined, 'active' | 'completed' | 'exited'>;
  next_step: ColumnType<number, number | undefined, number>;
  data: Json<Record<string, unknown>>;
  entered_at: Ts;
  finished_at: NullableTs;
}

export interface PlaybookStepRunsTable {
  id: Generated<string>;
  enrollment_id: string;
  playbook_id: string;
  customer_id: string;
  step_index: number;
  action: string;
  status: 'done' | 'skipped' | 'failed';
  detail: ColumnType<string, string | undefined, string>;
  at: Ts;
}

export interface PlaybookWatermarksTable {
  name: string;
  value: Ts;
}

export interface PlaybookTables {
  playbooks: PlaybooksTable;
  playbook_enrollments: PlaybookEnrollmentsTable;
  playbook_step_runs: PlaybookStepRunsTable;
  playbook_watermarks: PlaybookWatermarksTable;
}

declare module '../platform/db/schema.js' {
  interface DB extends PlaybookTables {}
}
