// Writes import batches: stage rows in a temporary table (COPY on the embedded database, one
// unnest() insert on a server), then resolve customers and upsert on the external id with
// INSERT … SELECT … ON CONFLICT. Each batch is one transaction, so a crash loses at most the
// batch in flight and a re-run completes it; a dry run rolls each batch back.
import type { PGlite } from '@electric-sql/pglite';
import { sql, type Transaction } from 'kysely';
import type { Database } from '../../platform/db/database.js';
import type { DB } from '../../platform/db/schema.js';
import type { ImportType } from './presets.js';
import type { CustomerPart, CustomerRow, OrderRow, SubscriptionRow } from './rows.js';

type Trx = Transaction<DB>;

export interface BatchResult {
  created: number;
  updated: number;
  unchanged: number;
  customersCreated: number;
  /** keys of the customers created ('x:' external id, 'e:' email, 'p:' phone) */
  createdKeys?: string[];
  notes: { line: number; reason: string }[];
}

export interface WriterHandle {
  write(rows: Array<OrderRow | CustomerRow | SubscriptionRow>): Promise<BatchResult>;
  finish(): Promise<void>;
  abort(): Promise<void>;
}

type ColType = 'int' | 'text' | 'bigint' | 'timestamptz' | 'date' | 'boolean' | 'uuid';
type Col<R> = [name: string, type: ColType, get: (r: R) => string | number | boolean | Date | null];

const customerCols: Col<CustomerPart & { line: number }>[] = [
  ['line', 'int', (r) => r.line],
  ['cust_ext', 'text', (r) => r.customerExt],
  ['name', 'text', (r) => r.name],
  ['email', 'text', (r) => r.email],
  ['email_norm', 'text', (r) => r.emailNorm],
  ['phone', 'text', (r) => r.phone],
  ['phone_norm', 'text', (r) => r.phoneNorm],
  ['address', 'text', (r) => r.address],
  ['city', 'text', (r) => r.city],
  ['postal_code', 'text', (r) => r.postalCode],
  ['country', 'text', (r) => r.country],
];

/** Time-ordered uuids (version 7 layout): new rows append to the primary-key index instead of
 * landing on random pages, which makes bulk inserts markedly faster. */
let v7Last = 0;
let v7Seq = 0;
const v7Rand = Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, '0');
export function uuidv7(): string {
  const now = Date.now();
  if (now > v7Last) {
    v7Last = now;
    v7Seq = 0;
  } else v7Seq++;
  const ts = v7Last.toString(16).padStart(12, '0');
  const seq = v7Seq.toString(16).padStart(11, '0').slice(-11);
  return `${ts.slice(0, 8)}-${ts.slice(8, 12)}-7${seq.slice(0, 3)}-${(8 + (parseInt(seq[3], 16) & 3)).toString(16)}${seq.slice(4, 7)}-${seq.slice(7, 11)}${v7Rand}`;
}

const orderCols: Col<OrderRow>[] = [
  ...(customerCols as Col<OrderRow>[]),
  ['id', 'uuid', () => uuidv7()],
  ['ext', 'text', (r) => r.ext],
  ['amount', 'bigint', (r) => r.amount],
  ['currency', 'text', (r) => r.currency],
  ['at', 'timestamptz', (r) => r.orderedAt],
  ['status', 'text', (r) => r.status],
];

const subscriptionCols: Col<SubscriptionRow>[] = [
  ...(customerCols as Col<SubscriptionRow>[]),
  ['ext', 'text', (r) => r.ext],
  ['plan', 'text', (r) => r.plan],
  ['amount', 'bigint', (r) => r.amount],
  ['currency', 'text', (r) => r.currency],
  ['interval', 'text', (r) => r.interval],
  ['at', 'timestamptz', (r) => r.startedAt],
  ['canceled_at', 'timestamptz', (r) => r.canceledAt],
  ['cancel_reason', 'text', (r) => r.cancelReason],
];

const customerRowCols: Col<CustomerRow>[] = [
  ...(customerCols as Col<CustomerRow>[]),
  ['birthday', 'date', (r) => r.birthday],
  ['tags', 'text', (r) => (r.tags ? r.tags.join('\u001f') : null)],
  ['acquired_at', 'timestamptz', (r) => r.acquiredAt],
  ['consent', 'boolean', (r) => r.consent],
  ['driver', 'text', (r) => r.driver],
];

const csvCell = (v: string | number | boolean | Date | null): string => {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (v instanceof Date) return v.toISOString();
  if (v === '') return '""';
  return /[",\r\n\\]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
};

async function stage<R>(trx: Trx, pglite: PGlite | undefined, table: string, cols: Col<R>[], rows: R[], extra: string): Promise<void> {
  const defs = cols.map(([n, t]) => `${n} ${t}`).join(', ');
  await sql.raw(`create temp table if not exists ${table} (${defs}, ${extra}) on commit drop`).execute(trx);
  await sql.raw(`truncate ${table}`).execute(trx);
  const names = cols.map(([n]) => n).join(', ');
  if (pglite) {
    let text = '';
    const parts: string[] = [];
    for (const r of rows) {
      let line = '';
      for (let i = 0; i < cols.length; i++) line += (i ? ',' : '') + csvCell(cols[i][2](r));
      text += line + '\n';
      if (text.length > 1 << 20) {
        parts.push(text);
        text = '';
      }
    }
    parts.push(text);
    const t0 = performance.now();
    await pglite.query(`copy ${table} (${names}) from '/dev/blob' with (format csv)`, [], { blob: new Blob(parts) });
    if (profile) timings.set('COPY', (timings.get('COPY') ?? 0) + performance.now() - t0);
    // The staging table is new in every batch and has no statistics: without them the planner
    // guesses its size and may hash-join against the whole (growing) target table each batch.
    await q(trx, `analyze ${table}`);
    return;
  }
  const arrays = cols.map(([, t, get]) =>
    rows.map((r) => {
      const v = get(r);
      return v instanceof Date ? v.toISOString() : v;
    }),
  );
  const casts = cols.map(([, t], i) => sql`${arrays[i]}::${sql.raw(t)}[]`);
  await sql`insert into ${sql.raw(table)} (${sql.raw(names)}) select * from unnest(${sql.join(casts)})`.execute(trx);
}

const timings = new Map<string, number>();
const profile = process.env.KEEPWELL_IMPORT_PROFILE === '1';
if (profile) process.on('exit', () => console.error([...timings].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => `${v.toFixed(0)}ms ${k}`).join('\n')));
const q = async <T = Record<string, unknown>>(trx: Trx, text: string): Promise<T[]> => {
  const t0 = profile ? performance.now() : 0;
  const rows = (await sql.raw<T>(text).execute(trx)).rows;
  if (profile) {
    const key = text.replace(/\s+/g, ' ').slice(0, 90);
    timings.set(key, (timings.get(key) ?? 0) + performance.now() - t0);
  }
  return rows;
};
const n = (v: unknown) => Number(v ?? 0);
/** Runs a statement and answers how many rows it changed. */
const qn = async (trx: Trx, text: string): Promise<number> => {
  const t0 = profile ? performance.now() : 0;
  const r = await sql.raw(text).execute(trx);
  if (profile) {
    const key = text.replace(/\s+/g, ' ').slice(0, 90);
    timings.set(key, (timings.get(key) ?? 0) + performance.now() - t0);
  }
  return Number(r.numAffectedRows ?? 0);
};

/** Sets customer_id on staged rows: by external id (following merges), else email, else phone; creates the rest. */
async function resolveCustomers(trx: Trx, table: string, notes: BatchResult['notes'], rows: CustomerPart[], createdKeys: string[]): Promise<number> {
  const withoutId = rows.some((r) => r.customerExt === null);
  const match = async () => {
    await q(trx, `update ${table} s set customer_id = coalesce(c.merged_into, c.id) from customers c
      where s.customer_id is null and s.cust_ext is not null and c.external_id = s.cust_ext`);
    if (!withoutId) return; // every row names its customer by id
    for (const [col, ccol] of [['email_norm', 'email_normalized'], ['phone_norm', 'phone_normalized']]) {
      await q(trx, `update ${table} s set customer_id = m.id from (
          select distinct on (${ccol}) ${ccol} as k, coalesce(merged_into, id) as id from customers
          where ${ccol} in (select ${col} from ${table} where customer_id is null and cust_ext is null and ${col} is not null)
          order by ${ccol}, merged_into nulls first, created_at) m
        where s.customer_id is null and s.cust_ext is null and s.${col} = m.k`);
    }
  };
  await match();
  // New customers that share an email with someone already known, under another id. (The staging
  // table has no statistics; a nested loop here can go quadratic, a hash join cannot.)
  await q(trx, 'set local enable_nestloop = off');
  const dups = await q<{ line: number; cust_ext: string; name: string; external_id: string | null }>(
    trx,
    `select distinct on (s.cust_ext) s.line, s.cust_ext, c.name, c.external_id from ${table} s
       join customers c on c.email_normalized = s.email_norm and c.merged_into is null and c.erased_at is null
     where s.customer_id is null and s.cust_ext is not null and s.email_norm is not null
     order by s.cust_ext, s.line limit 200`,
  );
  await q(trx, 'set local enable_nestloop = on');
  for (const d of dups) {
    notes.push({ line: d.line, reason: `possible duplicate customer: ${d.cust_ext.replace(/^name:/, '')} has the email of existing customer ${d.name}${d.external_id ? ` (${d.external_id})` : ''}; merge them in the web app if they are one person` });
  }
  const created = await q<{ n: number; keys: string[] | null }>(
    trx,
    `with fresh as (
       select distinct on (k) k, cust_ext, name, email, email_norm, phone, phone_norm, address, city, postal_code, country, min(at) over (partition by k) as first_at
       from (select *, coalesce('x:' || cust_ext, 'e:' || email_norm, 'p:' || phone_norm) as k from ${table} where customer_id is null) t
       order by k, line
     ), ins as (
       insert into customers (external_id, name, email, email_normalized, phone, phone_normalized, address, city, postal_code, country, acquired_at)
       select case when cust_ext like 'name:%' then cust_ext else cust_ext end,
              coalesce(name, email, phone, cust_ext, 'Unknown'), email, email_norm, phone, phone_norm, address, city, postal_code, country, first_at
       from fresh
       returning coalesce('x:' || external_id, 'e:' || email_normalized, 'p:' || phone_normalized) as k
     ) select count(*)::int as n, array_agg(k) as keys from ins`,
  );
  if (n(created[0]?.n) > 0) await match();
  createdKeys.push(...((created[0]?.keys as string[] | null) ?? []));
  return n(created[0]?.n);
}

async function writeOrders(trx: Trx, pglite: PGlite | undefined, rows: OrderRow[]): Promise<BatchResult> {
  const notes: BatchResult['notes'] = [];
  const createdKeys: string[] = [];
  await stage(trx, pglite, 'kw_stage_orders', orderCols, rows, 'customer_id uuid');
  const customersCreated = await resolveCustomers(trx, 'kw_stage_orders', notes, rows, createdKeys);
  // Update what exists and changed, then insert what does not exist: cheaper than
  // INSERT … ON CONFLICT DO UPDATE … RETURNING on the embedded database, and it counts exactly.
  const updated = await qn(
    trx,
    `update orders o set amount_minor = s.amount, currency = s.currency, ordered_at = s.at, status = s.status
     from kw_stage_orders s
     where o.external_id = s.ext
       and (o.amount_minor, o.currency, o.ordered_at, o.status) is distinct from (s.amount, s.currency, s.at, s.status)`,
  );
  const created = await qn(
    trx,
    `insert into orders (id, external_id, customer_id, amount_minor, currency, ordered_at, status)
     select id, ext, customer_id, amount, currency, at, status from kw_stage_orders s
     where not exists (select 1 from orders o where o.external_id = s.ext)`,
  );
  await q(trx, `update customers c set acquired_at = f.first_at
     from (select customer_id, min(at) as first_at from kw_stage_orders group by customer_id) f
     where c.id = f.customer_id and c.acquired_at > f.first_at`);
  return { created, updated, unchanged: rows.length - created - updated, customersCreated, createdKeys, notes };
}

async function writeSubscriptions(trx: Trx, pglite: PGlite | undefined, rows: SubscriptionRow[]): Promise<BatchResult> {
  const notes: BatchResult['notes'] = [];
  const createdKeys: string[] = [];
  await stage(trx, pglite, 'kw_stage_subs', subscriptionCols, rows, 'customer_id uuid');
  const customersCreated = await resolveCustomers(trx, 'kw_stage_subs', notes, rows, createdKeys);
  const updated = await qn(
    trx,
    `update subscriptions x set plan = s.plan, amount_minor = s.amount, currency = s.currency, interval = s.interval,
         started_at = s.at, canceled_at = s.canceled_at, cancel_reason = s.cancel_reason
     from kw_stage_subs s
     where x.external_id = s.ext
       and (x.plan, x.amount_minor, x.currency, x.interval, x.started_at, x.canceled_at, x.cancel_reason)
         is distinct from (s.plan, s.amount, s.currency, s.interval, s.at, s.canceled_at, s.cancel_reason)`,
  );
  const created = await qn(
    trx,
    `insert into subscriptions (external_id, customer_id, plan, amount_minor, currency, interval, started_at, canceled_at, cancel_reason)
     select ext, customer_id, plan, amount, currency, interval, at, canceled_at, cancel_reason from kw_stage_subs s
     where not exists (select 1 from subscriptions x where x.external_id = s.ext)`,
  );
  return { created, updated, unchanged: rows.length - created - updated, customersCreated, createdKeys, notes };
}

async function writeCustomers(trx: Trx, pglite: PGlite | undefined, rows: CustomerRow[]): Promise<BatchResult> {
  const notes: BatchResult['notes'] = [];
  const t = 'kw_stage_customers';
  await stage(trx, pglite, t, customerRowCols, rows, 'target_id uuid');
  await q(trx, `update ${t} s set target_id = coalesce(c.merged_into, c.id) from customers c where s.cust_ext is not null and c.external_id = s.cust_ext`);
  // No id, or an id we have never seen: the same email or phone finds the customer (adopting the id
  // when the known customer has none, e.g. one created from an order).
  for (const [col, ccol] of [['email_norm', 'email_normalized'], ['phone_norm', 'phone_normalized']]) {
    await q(trx, `update ${t} s set target_id = m.id from (
        select distinct on (s2.line) s2.line, c.id from ${t} s2
          join customers c on c.${ccol} = s2.${col} and c.merged_into is null
          where s2.target_id is null and s2.${col} is not null and (s2.cust_ext is null or c.external_id is null)
          order by s2.line, c.created_at) m
      where s.line = m.line`);
  }
  // one staged row per customer: later rows that found the same customer insert anew and are flagged
  const clash = await q<{ line: number; cust_ext: string | null }>(trx, `with ranked as (
      select line, cust_ext, row_number() over (partition by target_id order by (cust_ext is not null and exists (select 1 from customers c where c.id = target_id and c.external_id = cust_ext)) desc, line) as rn
      from ${t} where target_id is not null)
    update ${t} s set target_id = null from ranked r where s.line = r.line and r.rn > 1 returning s.line, s.cust_ext`);
  for (const c of clash) notes.push({ line: c.line, reason: 'possible duplicate customer: same email or phone as another customer in this file' });
  const dups = await q<{ line: number; name: string; external_id: string | null }>(
    trx,
    `select distinct on (s.line) s.line, c.name, c.external_id from ${t} s
       join customers c on (c.email_normalized = s.email_norm or c.phone_normalized = s.phone_norm) and c.merged_into is null and c.erased_at is null
     where s.target_id is null and s.cust_ext is not null and c.external_id is not null and c.external_id <> s.cust_ext
     order by s.line limit 200`,
  );
  for (const d of dups) notes.push({ line: d.line, reason: `possible duplicate customer: same email or phone as existing customer ${d.name} (${d.external_id}); merge them in the web app if they are one person` });
  const newValues = `coalesce(s.name, c.name), coalesce(s.email, c.email), coalesce(s.email_norm, c.email_normalized), coalesce(s.phone, c.phone),
    coalesce(s.phone_norm, c.phone_normalized), coalesce(s.birthday, c.birthday), coalesce(s.address, c.address), coalesce(s.city, c.city),
    coalesce(s.postal_code, c.postal_code), coalesce(s.country, c.country), coalesce(string_to_array(s.tags, chr(31)), c.tags),
    coalesce(s.acquired_at, c.acquired_at), coalesce(s.consent, c.marketing_consent), coalesce(s.driver, c.retention_driver), coalesce(c.external_id, s.cust_ext)`;
  const [u] = await q<{ n: number }>(
    trx,
    `with up as (
       update customers c set (name, email, email_normalized, phone, phone_normalized, birthday, address, city, postal_code, country, tags, acquired_at, marketing_consent, retention_driver, external_id)
         = (${newValues}), updated_at = now()
       from ${t} s
       where c.id = s.target_id and c.erased_at is null
         and (${newValues}) is distinct from (c.name, c.email, c.email_normalized, c.phone, c.phone_normalized, c.birthday, c.address, c.city,
              c.postal_code, c.country, c.tags, c.acquired_at, c.marketing_consent, c.retention_driver, c.external_id)
       returning 1
     ) select count(*)::int as n from up`,
  );
  const [i] = await q<{ n: number }>(
    trx,
    `with ins as (
       insert into customers (external_id, name, email, email_normalized, phone, phone_normalized, birthday, address, city, postal_code, country, tags, acquired_at, marketing_consent, retention_driver)
       select cust_ext, coalesce(name, email, phone, cust_ext), email, email_norm, phone, phone_norm, birthday, address, city, postal_code, country,
              coalesce(string_to_array(tags, chr(31)), '{}'), coalesce(acquired_at, now()), coalesce(consent, false), driver
       from ${t} where target_id is null
       returning 1
     ) select count(*)::int as n from ins`,
  );
  const created = n(i.n);
  const updated = n(u.n);
  return { created, updated, unchanged: rows.length - created - updated, customersCreated: 0, notes };
}

function writerFor(type: ImportType) {
  return (trx: Trx, pglite: PGlite | undefined, rows: Array<OrderRow | CustomerRow | SubscriptionRow>): Promise<BatchResult> =>
    type === 'orders'
      ? writeOrders(trx, pglite, rows as OrderRow[])
      : type === 'customers'
        ? writeCustomers(trx, pglite, rows as CustomerRow[])
        : writeSubscriptions(trx, pglite, rows as SubscriptionRow[]);
}

class Rollback extends Error {}

/** Test hook for the crash test: KEEPWELL_IMPORT_STALL_AT_BATCH=N makes batch N stop after its rows
 * are written but before it commits, say so on stderr, and wait to be killed. */
const stallAt = Number(process.env.KEEPWELL_IMPORT_STALL_AT_BATCH ?? 0);

export async function createWriter(db: Database, opts: { type: ImportType; dryRun: boolean; pglite?: PGlite }): Promise<WriterHandle> {
  const write = writerFor(opts.type);
  let batches = 0;
  if (!opts.dryRun) {
    return {
      write: (rows) =>
        db.transaction().execute(async (trx) => {
          const result = await write(trx, opts.pglite, rows);
          if (stallAt > 0 && ++batches === stallAt) {
            process.stderr.write(`keepwell-import-stalled batch=${batches}\n`);
            await new Promise(() => setInterval(() => {}, 1 << 30));
          }
          return result;
        }),
      finish: async () => {},
      abort: async () => {},
    };
  }
  // Dry run: each batch in a transaction that is rolled back, so other work on the database goes
  // on between batches. A customer a rolled-back batch created would be created again by a
  // later batch: count each new customer once, by key.
  const seen = new Set<string>();
  return {
    write: async (rows) => {
      let result: BatchResult | null = null;
      try {
        await db.transaction().execute(async (trx) => {
          result = await write(trx, opts.pglite, rows);
          throw new Rollback();
        });
      } catch (err) {
        if (!(err instanceof Rollback)) throw err;
      }
      const r = result as unknown as BatchResult;
      let fresh = 0;
      for (const k of r.createdKeys ?? []) {
        if (!seen.has(k)) {
          seen.add(k);
          fresh++;
        }
      }
      return { ...r, customersCreated: r.createdKeys ? fresh : r.customersCreated };
    },
    finish: async () => {},
    abort: async () => {},
  };
}
