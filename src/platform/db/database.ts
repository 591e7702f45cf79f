// Opens the database: PGlite in the data folder by default, a PostgreSQL server when a URL
// is given. Migrations are applied on open.
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import path from 'node:path';
import pg from 'pg';
import { lockDataDir } from './data-dir-lock.js';
import { diskSettings, DiskFullError, freeBytes, isDiskFull } from '../disk.js';
import { migrationProvider } from './migrations.js';
import type { PGliteClient } from './pglite-client.js';
import { kyselyOverPGlite } from './pglite-dialect.js';
import { PGliteWorkerClient } from './pglite-worker-client.js';
import type { DB } from './schema.js';

// bigint (int8) and numeric come back as strings from pg; our counts and money fit in a
// double, so parse them to numbers at the edge, the same way PGlite is told to below.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));
// date (1082) is a day without a time: keep it as the text YYYY-MM-DD (both drivers would
// otherwise make a Date at midnight, which travels as 1957-01-27T00:00:00.000Z).
pg.types.setTypeParser(1082, (v) => v);

export type Database = Kysely<DB>;

export interface OpenDatabase {
  db: Database;
  /** 'pglite' or 'postgres' */
  kind: 'pglite' | 'postgres';
  /** The embedded database's PGlite (in its worker thread) for COPY and dumps. */
  pglite?: PGliteClient;
  /** The pg pool when on a server (for COPY streams). */
  pool?: pg.Pool;
  close(): Promise<void>;
}

export interface OpenOptions {
  dataDir?: string;
  databaseUrl?: string;
  /** Postgres schema to use (tests isolate themselves in a schema of their own). */
  schema?: string;
  /** Skip the data-folder lock (only for an in-memory database). */
  inMemory?: boolean;
  migrate?: boolean;
}

export { pgliteParsers } from './pglite-options.js';

export async function openDatabase(options: OpenOptions): Promise<OpenDatabase> {
  // The features' code (whose migrations these are) loads while the database opens: each takes
  // most of a second, and PGlite starts in a thread of its own. A failure is migrate()'s to report.
  if (options.migrate !== false) migrationProvider.getMigrations().catch(() => {});
  let opened: OpenDatabase;
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: 10,
      options: options.schema ? `-c search_path=${options.schema}` : undefined,
    });
    if (options.schema) {
      const client = await pool.connect();
      try {
        await client.query(`create schema if not exists "${options.schema}"`);
      } finally {
        client.release();
      }
    }
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    pools.set(db, pool);
    opened = { db, kind: 'postgres', pool, close: () => db.destroy() };
  } else {
    let release = () => {};
    let pglite: PGliteClient;
    // PGlite runs in a worker thread of its own, so its queries never block this event loop.
    if (options.inMemory) {
      pglite = await PGliteWorkerClient.open({});
    } else {
      const dataDir = path.resolve(options.dataDir ?? './data');
      release = lockDataDir(dataDir); // held by this process, whatever thread runs the database
      try {
        pglite = await PGliteWorkerClient.open({ dataDir: path.join(dataDir, 'pg') });
      } catch (err) {
        release();
        // PGlite says only "failed to initialize" when it cannot write: ask the disk.
        if (isDiskFull(err) || (freeBytes(dataDir) ?? Infinity) < diskSettings.minFreeBytes) throw new DiskFullError({ cause: err });
        throw err;
      }
    }
    const db = kyselyOverPGlite<DB>(pglite);
    opened = {
      db,
      kind: 'pglite',
      pglite,
      close: async () => {
        await db.destroy();
        release();
      },
    };
  }
  if (options.migrate !== false) await migrate(opened.db, options.schema);
  return opened;
}

const pools = new WeakMap<Database, pg.Pool>();

/** The pg pool under a server database (for COPY streams, which Kysely cannot send); undefined on the embedded one. */
export function poolOf(db: Database): pg.Pool | undefined {
  return pools.get(db);
}

/** Applies pending migrations; `schema` names where the bookkeeping tables live (tests on a server). */
export async function migrate(db: Database, schema?: string): Promise<string[]> {
  // Every start and command migrates: when nothing is pending (the usual case), say so from one
  // query instead of the Migrator's catalogue introspection and lock (0.4-0.5 s on PGlite).
  const migrations = await migrationProvider.getMigrations();
  const table = schema ? `"${schema.replaceAll('"', '""')}".kysely_migration` : 'kysely_migration';
  const exists = (await sql<{ t: string | null }>`select to_regclass(${table})::text as t`.execute(db)).rows[0].t !== null;
  if (exists) {
    const applied = new Set((await sql<{ name: string }>`select name from ${sql.raw(table)}`.execute(db)).rows.map((r) => r.name));
    if (Object.keys(migrations).every((name) => applied.has(name))) return [];
  }
  // Kysely looks for its bookkeeping tables in every schema; name ours so a test schema on a
  // shared server never mistakes another schema's tables for its own.
  // Features own number ranges (DEVELOPING.md), so a feature's new migration may sort before
  // another feature's older one: apply any missing migration, in name order.
  const migrator = new Migrator({ db, provider: migrationProvider, migrationTableSchema: schema, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** True when the database answers a trivial query. */
export async function ping(db: Database): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
