// Tables of the job queue (migrations numbered 0050–0099 in jobs.migrations.ts).
import type { ColumnType, Generated } from 'kysely';

type Ts = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTs = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export type JobStatus = 'pending' | 'running' | 'done' | 'failed';

export interface JobsTable {
  id: Generated<string>;
  /** which handler runs it, e.g. 'email.send', 'playbook.step' */
  kind: string;
  /** one job per intent: enqueueing the same key again is a no-op */
  idempotency_key: string;
  payload: ColumnType<Record<string, unknown>, string | undefined, string>;
  status: ColumnType<JobStatus, JobStatus | undefined, JobStatus>;
  run_at: Ts;
  attempts: ColumnType<number, number | undefined, number>;
  max_attempts: ColumnType<number, number | undefined, number>;
  /** the lease: a running job whose lease has passed is taken over by another worker */
  locked_until: NullableTs;
  locked_by: string | null;
  last_error: string | null;
  created_at: Generated<Date>;
  finished_at: NullableTs;
}

export interface JobTables {
  jobs: JobsTable;
}
