// The whole database as Kysely sees it: each feature declares its own tables in
// `<feature>.tables.ts`, and this interface joins them.
import type { AccountTables } from '../../accounts/accounts.tables.js';
import type { AnalyticsTables } from '../../analytics/analytics.tables.js';
import type { CustomerTables } from '../../customers/customers.tables.js';
import type { JobTables } from '../jobs/jobs.tables.js';
import type { PlaybookTables } from '../../playbooks/playbooks.tables.js';
import type { TaskTables } from '../../tasks/tasks.tables.js';
import type { SurveyTables } from '../../surveys/surveys.tables.js';
import type { WorkspaceTables } from '../../workspace/workspace.tables.js';

export interface DB
  extends AccountTables,
    WorkspaceTables,
    JobTables,
    CustomerTables,
    TaskTables,
    AnalyticsTables,
    PlaybookTables,
    SurveyTables {}
