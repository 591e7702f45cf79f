import type { ColumnType, Generated } from 'kysely';

/** Settings other features add live in `extra`, under a key named after the feature. */
export interface WorkspaceTable {
  id: Generated<number>;
  name: string;
  industry: string;
  time_zone: string;
  currency: string;
  /** BCP 47 tag dates, numbers and money are written in (en-GB); null: derived (see defaultLocale) */
  locale: ColumnType<string | null, string | null | undefined, string | null>;
  /** days a one-off customer stays "active" after an order; null = derived from purchase cycle */
  activity_window_days: number | null;
  extra: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface WorkspaceTables {
  workspace: WorkspaceTable;
}

declare module '../platform/db/schema.js' {
  interface DB extends WorkspaceTables {}
}
