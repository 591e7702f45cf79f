// Loads what the engine knows about customers (CustomerFacts) in one query, for one customer
// or all of them. Touchpoints made by automation (playbooks, mail) do not count as contact.
import { sql } from 'kysely';
import type { Database } from '../platform/db/database.js';
import type { CustomerFacts } from './playbooks.core.js';

interface FactsRow {
  id: string;
  name: string;
  email: string | null;
  tags: string[] | string;
  retention_driver: string | null;
  marketing_consent: boolean;
  unsubscribed: boolean;
  country: string | null;
  city: string | null;
  owner_user_id: string | null;
  birthday: string | null;
  acquired_at: Date | string;
  orders_count: number | null;
  clv_minor: number | null;
  first_order_at: Date | string | null;
  last_order_at: Date | string | null;
  last_touch_at: Date | string | null;
}

const ms = (v: Date | string | null): number | null => (v === null ? null : new Date(v).getTime());

function toFacts(r: FactsRow): CustomerFacts {
  return {
    id: r.id,
    name: r.name,
    email: r.email,
    tags: Array.isArray(r.tags) ? r.tags : [],
    retentionDriver: r.retention_driver,
    marketingConsent: Boolean(r.marketing_consent),
    unsubscribed: Boolean(r.unsubscribed),
    country: r.country,
    city: r.city,
    ownerUserId: r.owner_user_id,
    birthday: r.birthday,
    acquiredAt: ms(r.acquired_at)!,
    ordersCount: Number(r.orders_count ?? 0),
    clvMinor: Number(r.clv_minor ?? 0),
    firstOrderAt: ms(r.first_order_at),
    lastOrderAt: ms(r.last_order_at),
    lastTouchpointAt: ms(r.last_touch_at),
  };
}

export async function loadFacts(db: Database, customerIds?: string[]): Promise<CustomerFacts[]> {
  if (customerIds && customerIds.length === 0) return [];
  const only = customerIds ? sql`and c.id = any(${customerIds}::uuid[])` : sql``;
  const onlyO = customerIds ? sql`and customer_id = any(${customerIds}::uuid[])` : sql``;
  const r = await sql<FactsRow>`
    select c.id, c.name, c.email, c.tags, c.retention_driver, c.marketing_consent,
           (c.unsubscribed_at is not null) as unsubscribed, c.country, c.city, c.owner_user_id,
           to_char(c.birthday, 'YYYY-MM-DD') as birthday, c.acquired_at,
           o.n as orders_count, o.value as clv_minor, o.first_at as first_order_at, o.last_at as last_order_at,
           t.last_at as last_touch_at
    from customers c
    left join (
      select customer_id, count(*) as n, coalesce(sum(amount_minor) filter (where status = 'paid'), 0) as value,
             min(ordered_at) as first_at, max(ordered_at) as last_at
      from orders where status in ('paid', 'pending') ${onlyO} group by customer_id
    ) o on o.customer_id = c.id
    left join (
      select customer_id, max(occurred_at) as last_at from touchpoints
      where (source is null or (source not like 'playbook:%' and source <> 'mail')) ${onlyO}
      group by customer_id
    ) t on t.customer_id = c.id
    where c.erased_at is null and c.merged_into is null ${only}`.execute(db);
  return r.rows.map(toFacts);
}

export async function loadOneFacts(db: Database, customerId: string): Promise<CustomerFacts | null> {
  return (await loadFacts(db, [customerId]))[0] ?? null;
}
