// The whole database as Kysely sees it. The platform declares its own tables here; each feature
// adds its tables from its `<feature>.tables.ts` by augmenting this interface:
//
//   declare module '../platform/db/schema.js' {
//     interface DB extends CustomerTables {}
//   }
import type { EventTables } from '../events/events.tables.js';
import type { JobTables } from '../jobs/jobs.tables.js';

/** The instance's own row: the secret that signs links (created by migration 0001). */
export interface InstanceTable {
  id: number;
  secret: string;
}

export interface DB extends JobTables, EventTables {
  instance: InstanceTable;
}
