// One migration set, numbered. Each feature owns a range of numbers and its own file:
//   0001-0099 platform+accounts+workspace, 0100 customers, 0110 tasks, 0200 analytics, 0300 playbooks,
//   0400 surveys. Names sort in the order they apply.
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { accountMigrations } from '../../accounts/accounts.migrations.js';
import { analyticsMigrations } from '../../analytics/analytics.migrations.js';
import { customerMigrations } from '../../customers/customers.migrations.js';
import { jobMigrations } from '../jobs/jobs.migrations.js';
import { playbookMigrations } from '../../playbooks/playbooks.migrations.js';
import { surveyMigrations } from '../../surveys/surveys.migrations.js';
import { taskMigrations } from '../../tasks/tasks.migrations.js';
import { workspaceMigrations } from '../../workspace/workspace.migrations.js';

export type MigrationSet = Record<string, Migration>;

// `Kysely<any>`: migrations run against the schema as it was, not as the types say it is now.
export type MigrationDb = Kysely<any>;

export const allMigrations: MigrationSet = {
  ...accountMigrations,
  ...workspaceMigrations,
  ...jobMigrations,
  ...customerMigrations,
  ...taskMigrations,
  ...analyticsMigrations,
  ...playbookMigrations,
  ...surveyMigrations,
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return allMigrations;
  },
};
