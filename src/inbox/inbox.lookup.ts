// What other features may ask the inbox about customers: who had a conversation tagged so
// (recovery finds the customers an incident affected this way).
import { sql } from 'kysely';
import type { Database } from '../platform/db/database.js';

/** Customers with a conversation carrying this tag (case-insensitive), optionally started within [from, to]. */
export async function customersWithConversationTag(db: Database, tag: string, window: { from?: Date | null; to?: Date | null } = {}): Promise<string[]> {
  const r = await sql<{ customer_id: string }>`
    select distinct customer_id from conversations
    where exists (select 1 from unnest(tags) t where lower(t) = lower(${tag}))
      ${window.from ? sql`and created_at >= ${window.from}` : sql``}
      ${window.to ? sql`and created_at <= ${window.to}` : sql``}`.execute(db);
  return r.rows.map((x) => x.customer_id);
}
