// The event outbox (migration 0060 in events.migrations.ts): one row per event, written in the
// transaction that made the change; delivery to each subscriber is a job (see events.service.ts).
import type { ColumnType, Generated } from 'kysely';

export interface EventsTable {
  id: Generated<string>;
  type: string;
  payload: ColumnType<Record<string, unknown>, string, string>;
  created_at: Generated<Date>;
}

export interface EventTables {
  events: EventsTable;
}
