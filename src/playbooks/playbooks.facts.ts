// Loads what the engine knows about customers (CustomerFacts) in one query, for one customer
// or all of them. Touchpoints made by automation (playbooks, mail) do not count as contact.
import { isContact } from '../customers/index.js';
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
      where ${isContact()} ${onlyO}
      group by customer_id
    ) t on t.customer_id = c.id
    where c.erased_at is null and c.merged_into is null ${only}`.execute(db);
  return r.rows.map(toFacts);
}

export async function loadOneFacts(db: Database, customerId: string): Promise<CustomerFacts | null> {
  return (await loadFacts(db, [customerId]))[0] ?? null;
}

// ---- all customers, fast ----
// Materialising 100,000 rows is the slow part on the embedded database (~1 s per 100k rows),
// while aggregating is quick; so the scan asks for each chunk of customers as ONE text value
// (fields split by \x1f, records by \x1e, tags by \x1d) and parses it here.
const FS = '\x1f';
const RS = '\x1e';
const TS = '\x1d';

export async function loadAllFacts(db: Database, chunk = 200_000): Promise<CustomerFacts[]> {
  const out: CustomerFacts[] = [];
  const total = Number((await sql<{ n: number }>`select count(*)::int as n from customers`.execute(db)).rows[0]?.n ?? 0);
  const parts = Math.max(1, Math.ceil(total / chunk));
  const clean = (expr: ReturnType<typeof sql>) => sql`coalesce(translate(${expr}, ${FS + RS + TS}, '   '), '')`;
  for (let part = 0; part < parts; part++) {
    const r = await sql<{ blob: string | null }>`
      with c as (
        select id, tags, retention_driver, marketing_consent, unsubscribed_at, country, city, owner_user_id, email, birthday, acquired_at
        from customers where erased_at is null and merged_into is null
          and (${parts} = 1 or abs(hashtext(id::text)) % ${parts} = ${part})),
      o as (
        select customer_id, count(*) as n, coalesce(sum(amount_minor) filter (where status = 'paid'), 0) as value,
               min(ordered_at) as first_at, max(ordered_at) as last_at
        from orders where status in ('paid', 'pending') group by customer_id),
      t as (
        select customer_id, max(occurred_at) as last_at from touchpoints
        where ${isContact()}
        group by customer_id)
      select string_agg(concat_ws(${FS},
          c.id::text,
          coalesce(translate(array_to_string(c.tags, ${TS}), ${FS + RS}, '  '), ''),
          ${clean(sql`c.retention_driver`)},
          c.marketing_consent::int::text,
          (c.unsubscribed_at is not null)::int::text,
          ${clean(sql`c.country`)},
          ${clean(sql`c.city`)},
          coalesce(c.owner_user_id::text, ''),
          (c.email is not null and c.email <> '')::int::text,
          coalesce(c.birthday::text, ''),
          (extract(epoch from c.acquired_at) * 1000)::bigint::text,
          coalesce(o.n, 0)::text,
          coalesce(o.value, 0)::text,
          coalesce((extract(epoch from o.first_at) * 1000)::bigint::text, ''),
          coalesce((extract(epoch from o.last_at) * 1000)::bigint::text, ''),
          coalesce((extract(epoch from t.last_at) * 1000)::bigint::text, '')
        ), ${RS}) as blob
      from c left join o on o.customer_id = c.id left join t on t.customer_id = c.id`.execute(db);
    const row = r.rows[0];
    if (!row?.blob) continue;
    for (const rec of row.blob.split(RS)) {
      const f = rec.split(FS);
      const num = (s: string) => (s === '' ? null : Number(s));
      out.push({
        id: f[0],
        name: '',
        email: f[8] === '1' ? 'present' : null,
        tags: f[1] === '' ? [] : f[1].split(TS),
        retentionDriver: f[2] || null,
        marketingConsent: f[3] === '1',
        unsubscribed: f[4] === '1',
        country: f[5] || null,
        city: f[6] || null,
        ownerUserId: f[7] || null,
        birthday: f[9] || null,
        acquiredAt: Number(f[10]),
        ordersCount: Number(f[11]),
        clvMinor: Number(f[12]),
        firstOrderAt: num(f[13]),
        lastOrderAt: num(f[14]),
        lastTouchpointAt: num(f[15]),
      });
    }
  }
  return out;
}
