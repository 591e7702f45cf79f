// Writes import batches. Customers are resolved once per import (CustomerResolver); orders are
// appended (binary COPY on the embedded database, unnest() on a server) while none of a batch's
// ids exist, else staged and merged (update what changed, insert what is missing); customers and
// subscriptions are staged and merged. Each batch is one transaction, so a crash loses at most the
// batch in flight and a re-run completes it; a dry run rolls each batch back.
import { announceWrites } from '../customers.events.js';
import { emitEvent } from '../../platform/events/events.service.js';
import type { PGliteClient as PGlite } from '../../platform/db/pglite-client.js';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { poolOf, type Database } from '../../platform/db/database.js';
import { pgliteOf } from '../../platform/db/pglite-dialect.js';
import type { DB } from '../../platform/db/schema.js';
import { BinaryCopyWriter, type CopyType, type CopyValue } from './binary-copy.js';
import { uuidBytes, uuidv7 } from './ids.js';
import { customerKeyOf, personOf, type OrderBatch, type OrderValues, type Person, type WriteBatch } from './batch.js';
import type { ImportType } from './presets.js';
import type { CustomerPart, CustomerRow, OrderPart, RefundRow, SubscriptionRow } from './rows.js';
import { matchRefunds, type CandidateOrder } from './refunds.js';
import { deferIndexes, LOOKUP_INDEXES, restoreDeferredIndexes, tablesEmpty, type BulkTable } from './deferred-indexes.js';

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
  write(batch: WriteBatch): Promise<BatchResult>;
  /** applies the import's cancellations and refunds, then tidies up */
  finish(): Promise<RefundOutcome>;
  abort(): Promise<void>;
}

type Col<R> = [name: string, type: CopyType, get: (r: R) => CopyValue];

// The embedded database has one connection and a transaction holds it: every request waits for
// the whole transaction in flight. So in the server (WriterOptions.sliced) a batch is written in
// slices, each its own short transaction, with a turn for waiting requests between them (issue 10
// item 7: p99 of a request under 200 ms during a large import); a command-line import has the
// database to itself and writes a batch in one transaction. A slice's bounds start from these and
// follow the time slices take (SliceSizer), so that one holds the database ~SLICE_MS:
/** orders per slice (COPY of 1,000 orders: ~10–40 ms) */
const ORDER_SLICE = Number(process.env.KEEPWELL_IMPORT_SLICE_ROWS ?? 1000);
/** customers not yet met per slice (each new customer goes into ten indexes, two trigram ones among them) */
const NEW_CUSTOMER_SLICE = Number(process.env.KEEPWELL_IMPORT_SLICE_CUSTOMERS ?? 200);
/** what a slice's transaction should take, in ms */
const SLICE_MS = Number(process.env.KEEPWELL_IMPORT_SLICE_MS ?? 50);

export interface SliceLimits {
  rows: number;
  customers: number;
}

/**
 * Sizes the server's slices by the time they take rather than by fixed counts: the same 1,000
 * orders take 10 ms on an idle machine and 200 ms on a loaded one, or once the tables outgrow the
 * cache. After each slice the bounds are scaled towards SLICE_MS (by at most 2x either way per
 * slice), between 1/20 of the starting bounds and the starting bounds themselves: letting quick
 * slices grow (up to 3,000 orders) gave COPYs of 340 ms when the load rose (200k orders at load
 * 11: p99 402 ms against 305 ms with fixed slices), so the sizer only ever makes slices smaller.
 */
export class SliceSizer {
  private scale = 1;

  constructor(
    private readonly base: SliceLimits = { rows: ORDER_SLICE, customers: NEW_CUSTOMER_SLICE },
    private readonly targetMs = SLICE_MS,
  ) {}

  get limits(): SliceLimits {
    return { rows: Math.max(1, Math.round(this.base.rows * this.scale)), customers: Math.max(1, Math.round(this.base.customers * this.scale)) };
  }

  /** A slice of `rows` orders and `customers` new customers took `ms`. */
  took(ms: number, rows: number, customers: number): void {
    const { rows: maxRows, customers: maxCustomers } = this.limits;
    // how much of a full slice this one was: a short last slice says little about a full one
    const share = Math.max(rows / maxRows, customers / maxCustomers);
    if (share < 0.5 || ms <= 0) return;
    const full = ms / share;
    const factor = Math.min(2, Math.max(0.5, this.targetMs / full));
    this.scale = Math.min(1, Math.max(0.05, this.scale * factor));
  }
}
/** acquisition dates moved per transaction at the end of an import */
const ACQUIRED_SLICE = Number(process.env.KEEPWELL_IMPORT_SLICE_ACQUIRED ?? 500);

/**
 * Lets the event loop run (I/O, timers) and the requests it starts queue for the database ahead
 * of the import's next transaction. A request makes several queries one after another (session,
 * settings, the page's data), each queued anew when the previous one answers: a trivial query
 * queued behind them comes back slowly while requests are waiting, so the import gives them
 * further turns until it goes straight through (at most a few).
 */
export async function yieldToRequests(db?: Database): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  if (!db) return;
  for (let turn = 0; turn < 6; turn++) {
    const t0 = performance.now();
    await sql`select 1`.execute(db);
    if (performance.now() - t0 < 1) return;
  }
}

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

const customerRowCols: Col<CustomerRow>[] = [
  ...(customerCols as Col<CustomerRow>[]),
  ['birthday', 'date', (r) => r.birthday],
  ['tags', 'text', (r) => (r.tags ? r.tags.join('\u001f') : null)],
  ['acquired_at', 'timestamptz', (r) => r.acquiredAt],
  ['consent', 'boolean', (r) => r.consent],
  ['driver', 'text', (r) => r.driver],
];

/** COPY rows into a table on the embedded database, in the binary format. */
async function copyInto<R>(target: PGlite | pg.PoolClient, table: string, names: string, cols: Col<R>[], rows: R[]): Promise<void> {
  const out = new BinaryCopyWriter(cols.map(([, t]) => t));
  const values = new Array<CopyValue>(cols.length);
  for (const r of rows) {
    for (let i = 0; i < cols.length; i++) values[i] = cols[i][2](r);
    out.row(values);
  }
  await copyBlob(target, table, names, out.finish(), true);
}

/** On a server, the connection of each import transaction (see `transact`): COPY goes through it. */
const copyClients = new WeakMap<Trx, pg.PoolClient>();

/** COPY a binary payload through the connection of a server transaction (COPY FROM STDIN). */
async function copyToServer(client: pg.PoolClient, table: string, names: string, data: Uint8Array): Promise<void> {
  const stream = client.query(copyFrom(`copy ${table} (${names}) from stdin with (format binary)`));
  await timed(`COPY ${table}`, () => pipeline(Readable.from([Buffer.from(data.buffer, data.byteOffset, data.byteLength)]), stream));
}

/**
 * Runs `work` in a transaction. On a server it takes a connection of its own from the pool and
 * runs the transaction through a Kysely over just that connection, so COPY FROM STDIN (which
 * Kysely cannot send) goes into the same transaction (copyClients).
 */
async function transact<T>(db: Database, work: (trx: Trx) => Promise<T>): Promise<T> {
  const pool = poolOf(db);
  if (!pool) return db.transaction().execute(work);
  const client = await pool.connect();
  let broken: unknown;
  try {
    // the dialect releases its connection after each use: this one is ours until the end
    const one = { connect: async () => ({ query: client.query.bind(client), release: () => {} }), end: async () => {} } as unknown as pg.Pool;
    const conn = new Kysely<DB>({ dialect: new PostgresDialect({ pool: one }) });
    return await conn.transaction().execute(async (trx) => {
      copyClients.set(trx, client);
      return work(trx);
    });
  } catch (err) {
    broken = err;
    throw err;
  } finally {
    // a failed COPY may leave the connection in an unknown state: drop it rather than reuse it
    client.release(broken instanceof Error && /copy/i.test(broken.message) ? broken : undefined);
  }
}

/**
 * COPY a payload through PGlite's /dev/blob. PGlite only calls the blob's arrayBuffer(), so we
 * hand it our bytes as they are: a real Blob would be copied twice more (into the Blob, then out
 * again), about 200 MB of short-lived buffers per million orders. `data` must stay untouched
 * until this returns; with `lastUse` (the caller will not read it again) its bytes are moved to
 * the database's thread and `data` is left empty.
 */
async function copyBlob(target: PGlite | pg.PoolClient, table: string, names: string, data: Uint8Array<ArrayBuffer>, lastUse: boolean): Promise<void> {
  if (!('dumpDataDir' in target)) return copyToServer(target, table, names, data);
  const pglite = target;
  const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
  const exact = whole ? data.buffer : data.slice().buffer;
  const blob = { size: exact.byteLength, arrayBuffer: async () => exact } as unknown as Blob;
  // a copy made here is ours to hand over whatever the caller does next
  const handOver = lastUse || !whole;
  await timed(`COPY ${table}`, () => pglite.query(`copy ${table} (${names}) from '/dev/blob' with (format binary)`, [], { blob, handOver }));
}

/** Rows into a temporary table of this transaction, for a set-based merge. */
async function stage<R>(trx: Trx, pglite: PGlite | undefined, table: string, cols: Col<R>[], rows: R[], extra: string): Promise<void> {
  const defs = cols.map(([n, t]) => `${n} ${t}`).join(', ');
  await sql.raw(`create temp table if not exists ${table} (${defs}, ${extra}) on commit drop`).execute(trx);
  await sql.raw(`truncate ${table}`).execute(trx);
  await insertRows(trx, pglite, table, cols, rows);
  // The staging table is new in every batch and has no statistics: without them the planner
  // guesses its size and may hash-join against the whole (growing) target table each batch.
  if (pglite) await q(trx, `analyze ${table}`);
}

const timings = new Map<string, number>();
const profile = process.env.KEEPWELL_IMPORT_PROFILE === '1';
if (profile)
  process.on('exit', () =>
    console.error(
      [...timings]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 12)
        .map(([k, v]) => `${v.toFixed(0)}ms ${k}`)
        .join('\n'),
    ),
  );
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
/** With KEEPWELL_IMPORT_PROFILE=1, adds `ms` to the profile under `label`. */
export function noteTime(label: string, ms: number): void {
  if (profile) timings.set(label, (timings.get(label) ?? 0) + ms);
}
/** With KEEPWELL_IMPORT_PROFILE=1, adds the time `work` takes to the profile under `label`. */
export async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  if (!profile) return work();
  const t0 = performance.now();
  try {
    return await work();
  } finally {
    timings.set(label, (timings.get(label) ?? 0) + performance.now() - t0);
  }
}
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

/** A customer the import has met: its id, where its id's bytes are (IdBytes), its acquisition
 * date as the import now knows it, and whether an order of the import predates the stored one. */
type Ref = { id: string; slot: number; acquiredMs: number; moved: boolean };

/** The 16 bytes of every customer id an import has met, side by side (one allocation instead of
 * a small buffer per customer), for filling customer ids into COPY payloads. */
class IdBytes {
  private bytes = new Uint8Array(16 * 4096);
  private count = 0;

  add(id: string): number {
    if ((this.count + 1) * 16 > this.bytes.length) {
      const bigger = new Uint8Array(this.bytes.length * 2);
      bigger.set(this.bytes);
      this.bytes = bigger;
    }
    this.bytes.set(uuidBytes(id), this.count * 16);
    return this.count++;
  }

  copyTo(slot: number, target: Uint8Array, at: number): void {
    const from = slot * 16;
    for (let k = 0; k < 16; k++) target[at + k] = this.bytes[from + k];
  }
}

/** A customer to create: the Person the reader sent, by reference, with the id and acquisition
 * date this import gives it. Not a spread of the Person: a copy per customer, 100k of them held
 * across the COPY's await, grew the main thread's heap (1M orders: 153-167 -> 146 MB at the end
 * of reading once the copy went). */
interface NewCustomer {
  readonly person: Person;
  readonly id: string;
  acquiredAt: Date;
}

const newCustomerCols: Col<NewCustomer>[] = [
  ['id', 'uuid', (r) => r.id],
  ['external_id', 'text', (r) => r.person.customerExt],
  ['name', 'text', (r) => r.person.name ?? r.person.email ?? r.person.phone ?? r.person.customerExt ?? 'Unknown'],
  ['email', 'text', (r) => r.person.email],
  ['email_normalized', 'text', (r) => r.person.emailNorm],
  ['phone', 'text', (r) => r.person.phone],
  ['phone_normalized', 'text', (r) => r.person.phoneNorm],
  ['address', 'text', (r) => r.person.address],
  ['city', 'text', (r) => r.person.city],
  ['postal_code', 'text', (r) => r.person.postalCode],
  ['country', 'text', (r) => r.person.country],
  ['acquired_at', 'timestamptz', (r) => r.acquiredAt],
];

/**
 * Finds the customer of each order or subscription row, creating the ones not yet known, and
 * remembers them for the rest of the import: in an orders file most rows belong to customers
 * met in earlier batches, so the database is asked about each customer once, not once a row.
 * Matching: external id (following merges); rows without one by email, else phone.
 */
class CustomerResolver {
  private readonly known = new Map<string, Ref>();
  /** `known` by the reader's customer numbers (OrderBatch.numbers): found without hashing a key */
  private readonly byNumber: Ref[] = [];
  readonly idBytes = new IdBytes();
  /** customers whose acquisition date an order in this import predates (a flag on the Ref, not
   * a map by id: this is looked at for every row) */
  private earlier: Ref[] = [];

  constructor(private readonly rememberCreated: boolean) {}

  /** Set when the workspace had no customers when this import began (a first import): a key it
   * has not met is a new customer, with nothing to look up. On a server another client may yet
   * create one meanwhile: the unique external id index turns that away (insertNew), and from
   * then on the import looks customers up. */
  ownsAllCustomers = false;
  /** others may write customers meanwhile (a server, not the locked embedded database) */
  shared = false;

  /**
   * Answers the customer id of each row: `keys[i]` names it, `times[i]` is the row's date.
   * `people` carries the details of customers this resolver has not met before (the first row
   * of each). Records possible duplicates in `notes`. `numbers`, when the reader numbered the
   * customers, names row i's customer too (-1: not numbered).
   */
  async resolve(
    trx: Trx,
    pglite: PGlite | undefined,
    keys: string[],
    times: Float64Array,
    people: Person[],
    notes: BatchResult['notes'],
    createdKeys: string[],
    numbers?: Int32Array,
  ): Promise<{ refs: Ref[]; created: number }> {
    const refs = new Array<Ref>(keys.length);
    const missing = new Set<string>();
    /** the rows whose customer this resolver had not met (the passes below need only these) */
    const unmet: number[] = [];
    const byNumber = this.byNumber;
    for (let i = 0; i < keys.length; i++) {
      const no = numbers === undefined ? -1 : numbers[i];
      let ref = no >= 0 ? byNumber[no] : undefined;
      if (ref === undefined) {
        ref = this.known.get(keys[i]);
        if (ref !== undefined && no >= 0) byNumber[no] = ref;
      }
      if (ref) refs[i] = ref;
      else {
        missing.add(keys[i]);
        unmet.push(i);
      }
    }
    let created = 0;
    if (missing.size) {
      const found = this.ownsAllCustomers ? new Map<string, Ref>() : await timed('customer lookups', () => this.lookup(trx, [...missing]));
      const batchRefs = new Map<string, Ref>(found);
      for (const [k, ref] of found) {
        this.known.set(k, ref);
        missing.delete(k);
      }
      if (missing.size) {
        // one new customer per key: the details of its first row, acquired at its earliest row
        const fresh = new Map<string, NewCustomer>();
        for (const p of people) {
          const k = customerKeyOf(p);
          if (missing.has(k) && !fresh.has(k)) {
            // acquired at its earliest order: in the whole file when the reader's first pass found
            // it (first-orders.ts), else in this batch (a later batch may still move it back)
            fresh.set(k, { person: p, id: uuidv7(), acquiredAt: new Date(p.firstAt ?? 8.64e15) });
            // each slice carries its whole batch's people: stop once every new customer is found
            if (fresh.size === missing.size) break;
          }
        }
        for (const i of unmet) {
          const f = fresh.get(keys[i]);
          if (f && times[i] < f.acquiredAt.getTime()) f.acquiredAt = new Date(times[i]);
        }
        const unknown = [...missing].filter((k) => !fresh.has(k));
        if (unknown.length) throw new Error(`import writer: no details for new customer ${unknown[0]}`);
        // into a workspace without customers, every customer met is one of this import's, and
        // the reader notes the file's own shared emails: nothing to look up (a first import)
        this.hadCustomers ??= (await sql<{ any: boolean }>`select exists (select 1 from customers) as any`.execute(trx)).rows[0].any;
        const newOnes = [...fresh.values()];
        if (this.hadCustomers)
          await timed('known emails', () =>
            this.noteKnownEmails(
              trx,
              newOnes.map((f) => f.person),
              notes,
            ),
          );
        if (!(await this.insertNew(trx, pglite, newOnes))) {
          // another client created one of these customers since the import began: look them up
          this.ownsAllCustomers = false;
          return this.resolve(trx, pglite, keys, times, people, notes, createdKeys, numbers);
        }
        for (const [k, f] of fresh) {
          const ref = { id: f.id, slot: this.idBytes.add(f.id), acquiredMs: f.acquiredAt.getTime(), moved: false };
          if (this.rememberCreated) this.known.set(k, ref);
          batchRefs.set(k, ref);
          createdKeys.push(k);
        }
        created = fresh.size;
        await this.refreshStatistics(trx, created);
      }
      for (const i of unmet) {
        const ref = batchRefs.get(keys[i])!;
        refs[i] = ref;
        // as `known` remembers it (a dry run forgets the customers it creates)
        const no = numbers === undefined ? -1 : numbers[i];
        if (no >= 0 && byNumber[no] === undefined && this.known.get(keys[i]) === ref) byNumber[no] = ref;
      }
    }
    for (let i = 0; i < keys.length; i++) {
      const ref = refs[i];
      if (times[i] < ref.acquiredMs) {
        ref.acquiredMs = times[i];
        if (!ref.moved) {
          ref.moved = true;
          this.earlier.push(ref);
        }
      }
    }
    return { refs, created };
  }

  /** Inserts new customers. Answers false, inserting none, when one of them exists already: a
   * first import on a server, which looks none up, meets a customer another client created. */
  private async insertNew(trx: Trx, pglite: PGlite | undefined, rows: NewCustomer[]): Promise<boolean> {
    if (!(this.ownsAllCustomers && this.shared)) {
      await insertRows(trx, pglite, 'customers', newCustomerCols, rows);
      return true;
    }
    await q(trx, 'savepoint kw_customers');
    try {
      await insertRows(trx, pglite, 'customers', newCustomerCols, rows);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      await q(trx, 'rollback to savepoint kw_customers');
      return false;
    }
    await q(trx, 'release savepoint kw_customers');
    return true;
  }

  /** whether the workspace had customers when this import first created one */
  private hadCustomers: boolean | null = null;
  private createdSinceAnalyze = 0;
  private createdBeforeAnalyze = 0;

  /** The embedded database never analyzes by itself: as customers pile up, refresh the planner's
   * statistics (at 5k, 10k, 20k… new customers) so lookups keep using the indexes. Only the
   * columns lookups use, from a small sample: a full ANALYZE of a large table blocks the embedded
   * database (and with it every request) for a second or more; the import ends with a full one. */
  private async refreshStatistics(trx: Trx, created: number): Promise<void> {
    if (this.ownsAllCustomers) return; // no lookups to plan
    this.createdSinceAnalyze += created;
    if (this.createdSinceAnalyze < Math.max(5000, this.createdBeforeAnalyze)) return;
    this.createdBeforeAnalyze += this.createdSinceAnalyze;
    this.createdSinceAnalyze = 0;
    await q(trx, 'set local default_statistics_target = 10');
    await q(trx, 'analyze customers (external_id, email_normalized, phone_normalized)');
    await q(trx, 'set local default_statistics_target = 100');
  }

  /** The customer of each key that exists (known to this import or in the database); creates none. */
  async find(trx: Trx, keys: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const missing: string[] = [];
    for (const k of keys) {
      const ref = this.known.get(k);
      if (ref) out.set(k, ref.id);
      else missing.push(k);
    }
    if (missing.length) for (const [k, ref] of await this.lookup(trx, missing)) out.set(k, ref.id);
    return out;
  }

  /** Whether the customer of this key is known to this import already (no lookup, no creation). */
  knows(key: string): boolean {
    return this.known.has(key);
  }

  private async lookup(trx: Trx, keys: string[]): Promise<Map<string, Ref>> {
    const found = new Map<string, Ref>();
    const byKind = (p: string) => keys.filter((k) => k.startsWith(p)).map((k) => k.slice(2));
    const queries: Array<[string, string[], string]> = [
      ['x:', byKind('x:'), 'external_id'],
      ['e:', byKind('e:'), 'email_normalized'],
      ['p:', byKind('p:'), 'phone_normalized'],
    ];
    for (const [prefix, values, col] of queries) {
      if (!values.length) continue;
      // an external id is unique; an email or phone may be shared: take the unmerged, oldest one
      const res = await sql<{ k: string; id: string; acquired_at: Date | string }>`
        select distinct on (c.${sql.raw(col)}) c.${sql.raw(col)} as k, t.id, t.acquired_at
        from customers c join customers t on t.id = coalesce(c.merged_into, c.id)
        where c.${sql.raw(col)} = any(${values}::text[])
        order by c.${sql.raw(col)}, c.merged_into nulls first, c.created_at`.execute(trx);
      for (const r of res.rows) found.set(prefix + r.k, { id: r.id, slot: this.idBytes.add(r.id), acquiredMs: new Date(r.acquired_at).getTime(), moved: false });
    }
    return found;
  }

  /** New customers that share an email with someone already known under another id. */
  private async noteKnownEmails(trx: Trx, fresh: Person[], notes: BatchResult['notes']): Promise<void> {
    const candidates = fresh.filter((f) => f.customerExt !== null && f.emailNorm !== null);
    if (!candidates.length) return;
    const known = await sql<{ email: string; name: string; external_id: string | null }>`
      select distinct on (email_normalized) email_normalized as email, name, external_id from customers
      where email_normalized = any(${candidates.map((c) => c.emailNorm)}::text[]) and merged_into is null and erased_at is null
      order by email_normalized, created_at`.execute(trx);
    const byEmail = new Map(known.rows.map((r) => [r.email, r]));
    let listed = 0;
    for (const f of candidates) {
      const c = byEmail.get(f.emailNorm!);
      if (!c || listed++ >= 200) continue;
      notes.push({
        line: f.line,
        reason: `possible duplicate customer: ${f.customerExt!.replace(/^name:/, '')} has the email of existing customer ${c.name}${c.external_id ? ` (${c.external_id})` : ''}; merge them in the web app if they are one person`,
      });
    }
  }

  /** Moves acquisition dates back to the earliest order the import found: once, at the end,
   * rather than rewriting customers (and their ten indexes) batch after batch. In slices of
   * ACQUIRED_SLICE customers, each its own transaction, with a turn for other requests between
   * them: one statement over every customer would hold the embedded database for seconds. A
   * crash part-way leaves the rest for the re-run, which finds the same earlier orders. Answers
   * how many customers it looked at. */
  async applyEarlierOrders(db: Database, pglite: PGlite | undefined, sharing: boolean): Promise<number> {
    if (!this.earlier.length) return 0;
    // two keys (an id and an email) may have found the same customer: the earliest of its refs
    const byId = new Map<string, number>();
    for (const ref of this.earlier) {
      ref.moved = false;
      byId.set(ref.id, Math.min(ref.acquiredMs, byId.get(ref.id) ?? Infinity));
    }
    this.earlier = [];
    const entries = [...byId];
    const slice = sharing ? ACQUIRED_SLICE : 50_000;
    for (let i = 0; i < entries.length; i += slice) {
      if (sharing) await yieldToRequests(db);
      await transact(db, async (trx) => {
        await stage(trx, pglite, 'kw_stage_acquired', acquiredCols, entries.slice(i, i + slice), 'primary key (id)');
        await q(trx, 'update customers c set acquired_at = s.at from kw_stage_acquired s where c.id = s.id and c.acquired_at > s.at');
      });
    }
    return entries.length;
  }
}

const acquiredCols: Col<[string, number]>[] = [
  ['id', 'uuid', ([id]) => id],
  ['at', 'timestamptz', ([, ms]) => new Date(ms)],
];

/** Appends rows to a table: COPY on the embedded database, one unnest() insert on a server. */
async function insertRows<R>(trx: Trx, pglite: PGlite | undefined, table: string, cols: Col<R>[], rows: R[]): Promise<void> {
  if (!rows.length) return;
  const names = cols.map(([n]) => n).join(', ');
  const target = pglite ?? copyClients.get(trx);
  if (target) {
    await copyInto(target, table, names, cols, rows);
    return;
  }
  const casts = cols.map(
    ([, t, get]) =>
      sql`${rows.map((r) => {
        const v = get(r);
        return v instanceof Date ? v.toISOString() : v;
      })}::${sql.raw(t)}[]`,
  );
  await sql`insert into ${sql.raw(table)} (${sql.raw(names)}) select * from unnest(${sql.join(casts)})`.execute(trx);
}

const isUniqueViolation = (err: unknown) => (err as { code?: string })?.code === '23505';

/** How order batches are written: appended while none of their ids exist yet (a first import),
 * merged through a staging table from the first batch that meets a known order on. */
type OrderMode = {
  append: boolean;
  /** the per-row foreign-key trigger may be skipped: on the embedded database, or a server where
   * the import connects as a superuser (session_replication_role needs one) */
  skipForeignKeyTrigger?: boolean;
  /** the merge ran: amounts may be below zero until the import finishes */
  merged?: boolean;
  /** the orders' unique external id index is deferred (a first import): an append cannot fail
   * on an order id, so it needs no savepoint to fall back to a merge from */
  idIndexDeferred?: boolean;
};

/** Orders given as values (a server), row i with its new id and its customer. */
function orderCols(v: Extract<OrderValues, { exts: string[] }>, times: Float64Array, ids: string[], refs: Ref[], staged: boolean): Col<number>[] {
  return [
    ['id', 'uuid', (i) => ids[i]],
    [staged ? 'ext' : 'external_id', 'text', (i) => v.exts[i]],
    ['customer_id', 'uuid', (i) => refs[i].id],
    [staged ? 'amount' : 'amount_minor', 'bigint', (i) => v.amounts[i]],
    ['currency', 'text', (i) => v.currencies[i]],
    [staged ? 'at' : 'ordered_at', 'timestamptz', (i) => new Date(times[i])],
    ['status', 'text', (i) => v.statuses[i]],
  ];
}

async function writeOrders(trx: Trx, pglite: PGlite | undefined, b: OrderBatch, resolver: CustomerResolver, mode: OrderMode): Promise<BatchResult> {
  const notes: BatchResult['notes'] = [];
  const createdKeys: string[] = [];
  const n = b.keys.length;
  // While orders are appended, the per-row foreign-key triggers can only agree: every customer
  // id was just read or written in this transaction (and customers are never deleted), and new
  // customers name no company or owner. On the embedded database, where we are the superuser
  // (and on a server where we are one), skip them for the new customers and the orders alike:
  // they are a third of the orders' insert time, and 100k new customers' took 0.3-0.5 s.
  const skipTrigger = mode.append && (pglite !== undefined || mode.skipForeignKeyTrigger === true);
  if (skipTrigger) await q(trx, 'set local session_replication_role = replica');
  const { refs, created: customersCreated } = await resolver.resolve(trx, pglite, b.keys, b.times, b.people, notes, createdKeys, b.numbers);
  const v = b.values;
  const targetColumns = 'id, external_id, customer_id, amount_minor, currency, ordered_at, status';
  const stagedColumns = 'id, ext, customer_id, amount, currency, at, status';
  /** into `table` (orders or the staging table, same column types in the same order) */
  let put: (table: 'orders' | 'kw_stage_orders') => Promise<void>;
  if ('binary' in v) {
    const target = pglite ?? copyClients.get(trx);
    if (!target) throw new Error('import writer: a binary batch needs the embedded database or a COPY connection');
    for (let i = 0; i < n; i++) resolver.idBytes.copyTo(refs[i].slot, v.binary, v.customerAt[i]);
    const payload = v.binary as Uint8Array<ArrayBuffer>;
    // the payload is read again only by the merge after an append that failed at its savepoint
    put = (table) => copyBlob(target, table, table === 'orders' ? targetColumns : stagedColumns, payload, table !== 'orders' || mode.idIndexDeferred === true);
  } else {
    const ids = Array.from({ length: n }, uuidv7);
    const rows = Array.from({ length: n }, (_, i) => i);
    put = (table) => insertRows(trx, pglite, table, orderCols(v, b.times, ids, refs, table !== 'orders'), rows);
  }
  if (mode.append) {
    // a savepoint to fall back to a merge from, unless no order id can clash (idIndexDeferred)
    const savepoint = !mode.idIndexDeferred;
    if (savepoint) await q(trx, 'savepoint kw_append');
    try {
      await put('orders');
      if (savepoint) await q(trx, 'release savepoint kw_append');
      if (skipTrigger) await q(trx, 'set local session_replication_role = origin');
      return { created: n, updated: 0, unchanged: 0, customersCreated, createdKeys, notes };
    } catch (err) {
      if (!savepoint || !isUniqueViolation(err)) throw err;
      await q(trx, 'rollback to savepoint kw_append');
      if (skipTrigger) await q(trx, 'set local session_replication_role = origin');
      mode.append = false; // the file holds orders we already have: merge from now on
    }
  }
  await q(trx, 'create temp table if not exists kw_stage_orders (id uuid, ext text primary key, customer_id uuid, amount bigint, currency text, at timestamptz, status text) on commit drop');
  await q(trx, 'truncate kw_stage_orders');
  await put('kw_stage_orders');
  if (pglite) await q(trx, 'analyze kw_stage_orders');
  // An order a refund has undone keeps that: the file's amount is the total as sold
  // (amount_minor + refunded_minor), and its 'paid' does not undo a cancellation (0107).
  // The amount is not clamped at zero here: more lines of the order may follow in a later batch
  // (a line-item file, OrderPart); the import clamps what is left below zero at the end.
  const status = `case when o.refunded_minor > 0 and o.refunded_minor >= s.amount and s.status = 'paid' then o.status else s.status end`;
  const changed = await q<{ id: string; customer_id: string; before: string; after: string }>(
    trx,
    `update orders o set amount_minor = s.amount - o.refunded_minor, currency = s.currency, ordered_at = s.at, status = ${status}
     from kw_stage_orders s, orders prev
     where o.external_id = s.ext and prev.id = o.id
       and (o.amount_minor + o.refunded_minor, o.currency, o.ordered_at, o.status) is distinct from (s.amount, s.currency, s.at, ${status})
     returning o.id, o.customer_id, prev.status as before, o.status as after`,
  );
  const updated = changed.length;
  mode.merged = true;
  // an order that a later export shows refunded or cancelled (or paid again) is announced as a
  // status changed by hand is (customers.service.ts setOrderStatus), in this transaction
  const changes = changed.filter((c) => c.before !== c.after).map((c) => ({ orderId: c.id, customerId: c.customer_id, from: c.before, to: c.after }));
  if (changes.length) await emitEvent(trx, 'order.status_changed', { changes, source: 'import' });
  const created = await qn(
    trx,
    `insert into orders (id, external_id, customer_id, amount_minor, currency, ordered_at, status)
     select id, ext, customer_id, amount, currency, at, status from kw_stage_orders s
     where not exists (select 1 from orders o where o.external_id = s.ext)`,
  );
  return { created, updated, unchanged: n - created - updated, customersCreated, createdKeys, notes };
}

const stagedSubscriptionCols: Col<SubscriptionRow & { customerId: string }>[] = [
  ['ext', 'text', (r) => r.ext],
  ['customer_id', 'uuid', (r) => r.customerId],
  ['plan', 'text', (r) => r.plan],
  ['amount', 'bigint', (r) => r.amount],
  ['currency', 'text', (r) => r.currency],
  ['interval', 'text', (r) => r.interval],
  ['at', 'timestamptz', (r) => r.startedAt],
  ['canceled_at', 'timestamptz', (r) => r.canceledAt],
  ['cancel_reason', 'text', (r) => r.cancelReason],
];

async function writeSubscriptions(trx: Trx, pglite: PGlite | undefined, rows: SubscriptionRow[], resolver: CustomerResolver): Promise<BatchResult> {
  const notes: BatchResult['notes'] = [];
  const createdKeys: string[] = [];
  const keys = rows.map(customerKeyOf);
  const firstOfKey = new Map<string, Person>();
  for (const [i, r] of rows.entries()) if (!firstOfKey.has(keys[i])) firstOfKey.set(keys[i], personOf(r));
  const times = Float64Array.from(rows, (r) => r.startedAt.getTime());
  const { refs, created: customersCreated } = await resolver.resolve(trx, pglite, keys, times, [...firstOfKey.values()], notes, createdKeys);
  await stage(
    trx,
    pglite,
    'kw_stage_subs',
    stagedSubscriptionCols,
    rows.map((r, i) => Object.assign(r, { customerId: refs[i].id })),
    'primary key (ext)',
  );
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
  for (const [col, ccol] of [
    ['email_norm', 'email_normalized'],
    ['phone_norm', 'phone_normalized'],
  ]) {
    await q(
      trx,
      `update ${t} s set target_id = m.id from (
        select distinct on (s2.line) s2.line, c.id from ${t} s2
          join customers c on c.${ccol} = s2.${col} and c.merged_into is null
          where s2.target_id is null and s2.${col} is not null and (s2.cust_ext is null or c.external_id is null)
          order by s2.line, c.created_at) m
      where s.line = m.line`,
    );
  }
  // one staged row per customer: later rows that found the same customer insert anew and are flagged
  const clash = await q<{ line: number; cust_ext: string | null }>(
    trx,
    `with ranked as (
      select line, cust_ext, row_number() over (partition by target_id order by (cust_ext is not null and exists (select 1 from customers c where c.id = target_id and c.external_id = cust_ext)) desc, line) as rn
      from ${t} where target_id is not null)
    update ${t} s set target_id = null from ranked r where s.line = r.line and r.rn > 1 returning s.line, s.cust_ext`,
  );
  for (const c of clash) notes.push({ line: c.line, reason: 'possible duplicate customer: same email or phone as another customer in this file' });
  const dups = await q<{ line: number; name: string; external_id: string | null }>(
    trx,
    `select distinct on (s.line) s.line, c.name, c.external_id from ${t} s
       join customers c on (c.email_normalized = s.email_norm or c.phone_normalized = s.phone_norm) and c.merged_into is null and c.erased_at is null
     where s.target_id is null and s.cust_ext is not null and c.external_id is not null and c.external_id <> s.cust_ext
     order by s.line limit 200`,
  );
  for (const d of dups)
    notes.push({ line: d.line, reason: `possible duplicate customer: same email or phone as existing customer ${d.name} (${d.external_id}); merge them in the web app if they are one person` });
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

/** One import's writer state: the customers met so far and how orders are written. */
function writerFor(type: ImportType, dryRun: boolean) {
  const resolver = new CustomerResolver(!dryRun);
  const mode: OrderMode = { append: true };
  return {
    resolver,
    mode,
    write: (trx: Trx, pglite: PGlite | undefined, batch: WriteBatch): Promise<BatchResult> => {
      if (batch.type !== type) throw new Error(`import writer for ${type} got a batch of ${batch.type}`);
      return batch.type === 'orders'
        ? writeOrders(trx, pglite, batch.orders, resolver, mode)
        : batch.type === 'customers'
          ? writeCustomers(trx, pglite, batch.rows)
          : writeSubscriptions(trx, pglite, batch.rows, resolver);
    },
  };
}

/**
 * Cuts an order batch into slices of at most ORDER_SLICE rows and NEW_CUSTOMER_SLICE customers
 * the import has not met yet. Each slice carries the batch's people (the writer takes the details
 * of the customers it creates from there) and, on the embedded database, its own COPY payload.
 */
export function sliceOrders(b: OrderBatch, isKnown: (key: string) => boolean, limits: SliceLimits = { rows: ORDER_SLICE, customers: NEW_CUSTOMER_SLICE }): OrderBatch[] {
  const n = b.keys.length;
  const cuts = [0];
  const fresh = new Set<string>();
  for (let i = 0, rows = 0; i < n; i++) {
    const k = b.keys[i];
    const isNew = !isKnown(k) && !fresh.has(k);
    if (rows >= limits.rows || (isNew && fresh.size >= limits.customers)) {
      cuts.push(i);
      rows = 0;
      fresh.clear();
    }
    rows++;
    if (isNew) fresh.add(k);
  }
  if (cuts.length === 1) return [b];
  cuts.push(n);
  const v = b.values;
  // where each row of the binary payload starts (a row: int16 field count, then per field an
  // int32 length, -1 for null, and the bytes)
  let starts: Int32Array | null = null;
  if ('binary' in v) {
    const view = new DataView(v.binary.buffer, v.binary.byteOffset, v.binary.byteLength);
    starts = new Int32Array(n + 1);
    let o = 19;
    for (let i = 0; i < n; i++) {
      starts[i] = o;
      const fields = view.getInt16(o);
      o += 2;
      for (let f = 0; f < fields; f++) {
        const len = view.getInt32(o);
        o += 4 + Math.max(len, 0);
      }
    }
    starts[n] = o;
  }
  const out: OrderBatch[] = [];
  for (let c = 0; c + 1 < cuts.length; c++) {
    const [from, to] = [cuts[c], cuts[c + 1]];
    let values: OrderValues;
    if ('binary' in v) {
      const [a, z] = [starts![from], starts![to]];
      const payload = new Uint8Array(19 + (z - a) + 2);
      payload.set(v.binary.subarray(0, 19), 0);
      payload.set(v.binary.subarray(a, z), 19);
      payload[payload.length - 2] = 0xff;
      payload[payload.length - 1] = 0xff;
      values = { binary: payload, customerAt: v.customerAt.slice(from, to).map((at) => at - a + 19) };
    } else {
      values = { exts: v.exts.slice(from, to), amounts: v.amounts.slice(from, to), currencies: v.currencies.slice(from, to), statuses: v.statuses.slice(from, to) };
    }
    out.push({ keys: b.keys.slice(from, to), times: b.times.slice(from, to), people: b.people, values, ...(b.numbers ? { numbers: b.numbers.slice(from, to) } : {}) });
  }
  return out;
}

/** The parts of a batch to write one after another, each in its own transaction. */
function slicesOf(batch: WriteBatch, pglite: PGlite | undefined, resolver: CustomerResolver, sliced: boolean, limits?: SliceLimits): WriteBatch[] {
  if (!pglite || !sliced || batch.type !== 'orders') return [batch];
  return sliceOrders(batch.orders, (k) => resolver.knows(k), limits).map((orders) => ({ type: 'orders', orders }));
}

const addUp = (total: BatchResult, r: BatchResult): BatchResult => ({
  created: total.created + r.created,
  updated: total.updated + r.updated,
  unchanged: total.unchanged + r.unchanged,
  customersCreated: total.customersCreated + r.customersCreated,
  createdKeys: [...(total.createdKeys ?? []), ...(r.createdKeys ?? [])],
  notes: [...total.notes, ...r.notes],
});
const noResult = (): BatchResult => ({ created: 0, updated: 0, unchanged: 0, customersCreated: 0, createdKeys: [], notes: [] });

/** What became of the import's cancellation and refund rows. */
export interface RefundOutcome {
  /** rows applied to an order (counted in the report's `refunds`) */
  applied: number;
  /** of those: undid one order in full / came off orders in part */
  whole: number;
  partial: number;
  /** applied by an earlier import (counted unchanged) */
  already: number;
  /** found no order to undo (counted failed), with their lines */
  unmatched: { line: number; reason: string }[];
  /** refunds larger than what their orders held */
  notes: { line: number; reason: string }[];
}

const noRefunds = (): RefundOutcome => ({ applied: 0, whole: 0, partial: 0, already: 0, unmatched: [], notes: [] });

type FileOrders = Map<string, CandidateOrder[]>;
/** a dry run remembers this many of the file's orders to match its refunds to (its writes are rolled back) */
const DRY_RUN_ORDERS = 2_000_000;

const refundStageCols: Col<{ ext: string; orderId: string; amount: number; at: Date; kind: string }>[] = [
  ['refund_ext', 'text', (r) => r.ext],
  ['order_id', 'uuid', (r) => r.orderId],
  ['amount', 'bigint', (r) => r.amount],
  ['refunded_at', 'timestamptz', (r) => r.at],
  ['kind', 'text', (r) => r.kind],
];

const money = (minor: number, currency: string) => `${(minor / 100).toFixed(2)} ${currency}`;

/**
 * Applies cancellations and refunds to the orders they undo (refunds.ts decides which), after
 * every order of the import is written. A refund already stored (by its own id) is skipped, so a
 * re-run applies nothing twice; each slice of customers is one transaction. A dry run matches
 * against the database and the file's own orders and writes nothing.
 */
async function applyRefunds(db: Database, pglite: PGlite | undefined, scattered: RefundRow[], resolver: CustomerResolver, fileOrders: FileOrders | null, sharing: boolean): Promise<RefundOutcome> {
  const out = noRefunds();
  if (!scattered.length) return out;
  const refunds = joinRefundParts(scattered);
  const exts = [...new Set(refunds.map((r) => r.ext))];
  const done = new Set<string>();
  for (let i = 0; i < exts.length; i += 10_000) {
    const rows = await sql<{ refund_ext: string }>`select distinct refund_ext from order_refunds where refund_ext = any(${exts.slice(i, i + 10_000)}::text[])`.execute(db);
    for (const r of rows.rows) done.add(r.refund_ext);
  }
  const byKey = new Map<string, RefundRow[]>();
  for (const r of refunds) {
    if (done.has(r.ext)) {
      out.already++;
      continue;
    }
    const k = customerKeyOf(r);
    const list = byKey.get(k);
    if (list) list.push(r);
    else byKey.set(k, [r]);
  }
  const keys = [...byKey.keys()];
  const slice = sharing ? 200 : 2000;
  for (let i = 0; i < keys.length; i += slice) {
    if (sharing) await yieldToRequests(db);
    const part = keys.slice(i, i + slice);
    const work = async (trx: Trx) => {
      const ids = await resolver.find(trx, part);
      const customerIds = [...new Set(ids.values())];
      const stored = customerIds.length
        ? (
            await sql<{ id: string; external_id: string | null; customer_id: string; amount_minor: string | number; currency: string; ordered_at: Date | string; status: string }>`
              select id, external_id, customer_id, amount_minor, currency, ordered_at, status from orders
              where customer_id = any(${customerIds}::uuid[])`.execute(trx)
          ).rows
        : [];
      const ofCustomer = new Map<string, typeof stored>();
      for (const o of stored) {
        const list = ofCustomer.get(o.customer_id);
        if (list) list.push(o);
        else ofCustomer.set(o.customer_id, [o]);
      }
      const writes: { ext: string; orderId: string; amount: number; at: Date; kind: string }[] = [];
      for (const key of part) {
        const customerId = ids.get(key);
        const rows = customerId ? (ofCustomer.get(customerId) ?? []) : [];
        const candidates: (CandidateOrder & { id: string | null })[] = rows.map((o) => ({
          id: o.id,
          ext: o.external_id,
          at: new Date(o.ordered_at).getTime(),
          amount: Number(o.amount_minor),
          currency: o.currency,
          standing: o.status === 'paid',
        }));
        const inFile = fileOrders?.get(key);
        if (inFile) {
          const storedExts = new Set(rows.map((o) => o.external_id));
          for (const o of inFile) if (!storedExts.has(o.ext)) candidates.push({ ...o, id: null });
        }
        const list = byKey.get(key)!;
        const matches = matchRefunds(
          candidates,
          list.map((r) => ({ at: r.refundedAt.getTime(), amount: r.amount, currency: r.currency, cancels: r.cancels })),
        );
        for (const [j, m] of matches.entries()) {
          const r = list[j];
          if (!m.parts.length) {
            out.unmatched.push({
              line: r.line,
              reason: `${r.kind === 'cancelled' ? 'cancellation' : 'refund'} ${r.ext.startsWith('r:') ? '' : `${r.ext} `}of ${money(r.amount, r.currency)}: no ${r.cancels ? `order ${r.cancels}` : 'order'} of this customer in ${r.currency} on or before ${r.refundedAt.toISOString().slice(0, 10)} to apply it to; not applied`,
            });
            continue;
          }
          out.applied++;
          if (m.whole) out.whole++;
          else out.partial++;
          if (m.left > 0)
            out.notes.push({
              line: r.line,
              reason: `refund ${r.ext.startsWith('r:') ? '' : `${r.ext} `}is ${money(m.left, r.currency)} more than its customer's orders held; the rest is not applied`,
            });
          for (const p of m.parts) {
            const id = candidates[p.order].id;
            if (id) writes.push({ ext: r.ext, orderId: id, amount: p.amount, at: r.refundedAt, kind: r.kind });
          }
        }
      }
      if (!writes.length) return;
      await stage(trx, pglite, 'kw_stage_refunds', refundStageCols, writes, 'primary key (refund_ext, order_id)');
      await q(trx, 'insert into order_refunds (refund_ext, order_id, amount_minor, refunded_at, kind) select refund_ext, order_id, amount, refunded_at, kind from kw_stage_refunds');
      const changed = await q<{ id: string; customer_id: string; before: string; after: string }>(
        trx,
        `with r as (select order_id, sum(amount)::bigint as amount, max(kind) as kind from kw_stage_refunds group by order_id)
         update orders o set amount_minor = o.amount_minor - r.amount, refunded_minor = o.refunded_minor + r.amount,
           status = case when o.amount_minor - r.amount <= 0 then r.kind else o.status end
         from r, orders prev where o.id = r.order_id and prev.id = o.id
         returning o.id, o.customer_id, prev.status as before, o.status as after`,
      );
      // loyalty reverses points, analytics forgets its figures: as for a status changed by hand
      const changes = changed.filter((c) => c.before !== c.after).map((c) => ({ orderId: c.id, customerId: c.customer_id, from: c.before, to: c.after }));
      if (changes.length) await emitEvent(trx, 'order.status_changed', { changes, source: 'import' });
    };
    if (fileOrders) {
      // a dry run: look, write nothing
      await db
        .transaction()
        .execute(async (trx) => {
          await work(trx);
          throw new Rollback();
        })
        .catch((err) => {
          if (!(err instanceof Rollback)) throw err;
        });
    } else await transact(db, work);
  }
  return out;
}

class Rollback extends Error {}

/** One refund per id: the lines of a cancellation that came in several batches (a line-item file
 * whose lines are not next to each other) summed into the first of them. */
export function joinRefundParts(refunds: RefundRow[]): RefundRow[] {
  const byExt = new Map<string, RefundRow>();
  const out: RefundRow[] = [];
  for (const r of refunds) {
    const first = byExt.get(r.ext);
    if (!first) {
      const own = { ...r };
      byExt.set(r.ext, own);
      out.push(own);
    } else first.amount += r.amount;
  }
  return out.filter((r) => r.amount > 0);
}

const partCols: Col<OrderPart>[] = [
  ['ext', 'text', (r) => r.ext],
  ['amount', 'bigint', (r) => r.amount],
];

/** Adds more lines of orders written by earlier batches of this import to those orders. */
async function addOrderParts(trx: Trx, pglite: PGlite | undefined, parts: OrderPart[]): Promise<void> {
  await stage(trx, pglite, 'kw_stage_parts', partCols, parts, 'line serial');
  await q(
    trx,
    `update orders o set amount_minor = o.amount_minor + s.amount
     from (select ext, sum(amount)::bigint as amount from kw_stage_parts group by ext) s
     where o.external_id = s.ext`,
  );
}

/** Test hook for the crash test: KEEPWELL_IMPORT_STALL_AT_BATCH=N makes batch N stop after its rows
 * are written but before it commits, say so on stderr, and wait to be killed. */
const stallAt = Number(process.env.KEEPWELL_IMPORT_STALL_AT_BATCH ?? 0);

export interface WriterOptions {
  type: ImportType;
  dryRun: boolean;
  /**
   * Requests may be waiting for the embedded database (the server): write each batch in slices,
   * each a short transaction, with a turn for requests between them. Without it (a command-line
   * import, which has the database to itself) a batch is one transaction: fewer commits, and
   * whole batches after a crash all the same.
   */
  sliced?: boolean;
}

export async function createWriter(db: Database, opts: WriterOptions): Promise<WriterHandle> {
  const { write, resolver, mode } = writerFor(opts.type, opts.dryRun);
  const pglite = pgliteOf(db);
  // indexes an import stopped part-way left unbuilt (deferred-indexes.ts); the server builds them
  // when it starts (customers' background), and a request's write (sliced) does not wait for them:
  // on a server they may be a command-line import's, deferred while it runs
  if (!opts.sliced) await timed('build deferred indexes', () => restoreDeferredIndexes(db));
  // A command-line import into tables that are empty builds their secondary indexes at the end.
  // Not in the server (sliced): requests would meanwhile search customers without their indexes.
  const bulkTables: BulkTable[] = opts.type === 'orders' ? ['customers', 'orders'] : opts.type === 'customers' ? ['customers'] : [];
  // Into a workspace without customers, an import of orders need look none up. The embedded
  // database's import has the database to itself (the data folder is locked), and its customers
  // need no lookup index meanwhile either. On a server another client may create a customer
  // meanwhile: the unique external id index stays, to turn a second one away (insertNew).
  const bulk = !opts.sliced && !opts.dryRun && bulkTables.length > 0;
  resolver.shared = pglite === undefined;
  if (bulk && (pglite !== undefined || opts.type === 'orders')) resolver.ownsAllCustomers = await tablesEmpty(db, ['customers']);
  const keep = !resolver.ownsAllCustomers ? LOOKUP_INDEXES : resolver.shared ? new Set(['customers_external_id_key']) : new Set<string>();
  const deferred = bulk ? await timed('defer indexes', () => deferIndexes(db, bulkTables, keep, { roomForUpdates: opts.type === 'orders' })) : [];
  mode.idIndexDeferred = deferred.includes('orders_external_id_key');
  if (!pglite && opts.type === 'orders') mode.skipForeignKeyTrigger = (await sql<{ on: string }>`select current_setting('is_superuser') as on`.execute(db)).rows[0].on === 'on';
  /** requests may wait for the embedded database: short transactions, turns between them */
  const sharing = pglite !== undefined && opts.sliced === true;
  const yieldTurn = async () => {
    if (sharing) await yieldToRequests(db);
  };
  let batches = 0;
  let rowsWritten = 0;
  const sizer = new SliceSizer();
  // cancellations and refunds wait for every order of the import (the order they undo may come later)
  const refunds: RefundRow[] = [];
  const keepRefunds = (batch: WriteBatch) => {
    if (batch.type === 'orders' && batch.orders.refunds) for (const r of batch.orders.refunds) refunds.push(r);
  };
  if (!opts.dryRun) {
    return {
      write: async (batch) => {
        batches++;
        keepRefunds(batch);
        let total = noResult();
        const slices = slicesOf(batch, pglite, resolver, sharing, sizer.limits);
        for (let s = 0; s < slices.length; s++) {
          await yieldTurn();
          const t0 = performance.now();
          const result = await transact(db, async (trx) => {
            const result = await write(trx, pglite, slices[s]);
            // subscribers (playbook triggers, analytics) hear of what this transaction created
            const orders = opts.type === 'orders' && result.created > 0;
            const customers = result.customersCreated > 0 || (opts.type === 'customers' && result.created > 0);
            if (orders || customers) await announceWrites(trx, { orders, customers }, 'import');
            // the crash test's stall: in the batch's first transaction, so none of it is committed
            if (stallAt > 0 && batches === stallAt && s === 0) {
              process.stderr.write(`keepwell-import-stalled batch=${batches}\n`);
              await new Promise(() => setInterval(() => {}, 1 << 30));
            }
            return result;
          });
          const slice = slices[s];
          if (sharing && slice.type === 'orders') sizer.took(performance.now() - t0, slice.orders.keys.length, result.customersCreated);
          rowsWritten += result.created + result.updated;
          total = addUp(total, result);
        }
        const parts = batch.type === 'orders' ? batch.orders.parts : undefined;
        if (parts?.length) {
          // parts find their orders by external id: build its deferred index first
          if (deferred.length) await timed('build deferred indexes', () => restoreDeferredIndexes(db, ['orders']));
          mode.idIndexDeferred = false;
          await yieldTurn();
          await transact(db, (trx) => addOrderParts(trx, pglite, parts));
          mode.merged = true;
        }
        return total;
      },
      finish: async () => {
        // the merge and order parts leave an amount below zero when what the file says an order
        // was sold for is less than what was refunded off it
        // On a server the orders' indexes build on a connection of their own meanwhile: a build
        // keeps one of its cores busy, and the steps below are the customers' alone.
        const ordersBuilt = deferred.length && !pglite ? timed('build deferred indexes (orders)', () => restoreDeferredIndexes(db, ['orders'])) : undefined;
        const customersDone = (async () => {
          // acquisition dates first: while the customers' indexes are deferred, the update is cheap
          const moved = await timed('acquisition dates', () => resolver.applyEarlierOrders(db, pglite, sharing));
          // the update left a dead row per customer it moved, and the embedded database has no
          // autovacuum: clear them while the customers have only their primary key to clean
          if (deferred.length && pglite && moved > 0) await timed('vacuum customers', () => sql`vacuum customers`.execute(db));
          if (deferred.length) await timed('build deferred indexes', () => restoreDeferredIndexes(db, ordersBuilt ? ['customers'] : undefined));
        })();
        // both sides end before a failure of either is reported, so that abort() starts no build twice
        for (const side of await Promise.allSettled([customersDone, ordersBuilt])) if (side.status === 'rejected') throw side.reason;
        if (mode.merged) await timed('clamp amounts', () => sql`update orders set amount_minor = 0 where amount_minor < 0`.execute(db));
        const outcome = await timed('refunds', () => applyRefunds(db, pglite, refunds, resolver, null, sharing));
        // The embedded database has no autovacuum to refresh the planner's statistics: after a
        // large import, queries would be planned for the empty tables it started from.
        // One table at a time, with a turn for requests between them. On the embedded database
        // ANALYZE blocks every request while it samples: a sample of 9,000 rows (statistics
        // target 30) instead of 30,000 keeps a 1M-order table's under a second.
        if (rowsWritten >= 10_000) {
          const tables = ['customers', 'orders', 'subscriptions'];
          // a server samples the tables at once, each on a connection of its own
          if (!pglite) {
            await Promise.all(tables.map((table) => timed(`analyze ${table}`, () => sql.raw(`analyze ${table}`).execute(db))));
          } else {
            for (const table of tables) {
              await yieldTurn();
              await timed(`analyze ${table}`, () =>
                db.transaction().execute(async (trx) => {
                  await q(trx, 'set local default_statistics_target = 30');
                  await q(trx, `analyze ${table}`);
                }),
              );
            }
          }
        }
        return outcome;
      },
      abort: async () => {
        // a failed import still leaves its tables with every index (if the database answers:
        // else the next import or server start builds them)
        if (deferred.length) await restoreDeferredIndexes(db).catch(() => {});
      },
    };
  }
  // Dry run: each batch in a transaction that is rolled back, so other work on the database goes
  // on between batches. A customer a rolled-back batch created would be created again by a
  // later batch: count each new customer once, by key.
  const seen = new Set<string>();
  // the file's orders, for matching its refunds (the batches that wrote them were rolled back)
  const fileOrders: FileOrders = new Map();
  const fileOrderByExt = new Map<string, CandidateOrder>();
  let remembered = 0;
  const rememberOrders = (batch: WriteBatch) => {
    if (batch.type !== 'orders') return;
    const b = batch.orders;
    const v = b.values;
    if (!('exts' in v)) return; // a dry run's batches carry values (importer.ts)
    for (const p of b.parts ?? []) {
      const o = fileOrderByExt.get(p.ext);
      if (o) o.amount += p.amount;
    }
    for (let i = 0; i < b.keys.length && remembered < DRY_RUN_ORDERS; i++, remembered++) {
      const o: CandidateOrder = { ext: v.exts[i], at: b.times[i], amount: v.amounts[i], currency: v.currencies[i], standing: v.statuses[i] === 'paid' };
      fileOrderByExt.set(v.exts[i], o);
      const list = fileOrders.get(b.keys[i]);
      if (list) list.push(o);
      else fileOrders.set(b.keys[i], [o]);
    }
  };
  return {
    write: async (batch) => {
      keepRefunds(batch);
      rememberOrders(batch);
      let r = noResult();
      for (const part of slicesOf(batch, pglite, resolver, sharing)) {
        await yieldTurn();
        let result: BatchResult | null = null;
        try {
          await db.transaction().execute(async (trx) => {
            result = await write(trx, pglite, part);
            throw new Rollback();
          });
        } catch (err) {
          if (!(err instanceof Rollback)) throw err;
        }
        r = addUp(r, result as unknown as BatchResult);
      }
      let fresh = 0;
      for (const k of r.createdKeys ?? []) {
        if (!seen.has(k)) {
          seen.add(k);
          fresh++;
        }
      }
      return { ...r, customersCreated: r.createdKeys ? fresh : r.customersCreated };
    },
    finish: () => applyRefunds(db, pglite, refunds, resolver, fileOrders, sharing),
    abort: async () => {},
  };
}
