// `keepwell backup FILE` and `keepwell restore FILE`: the whole database in one file.
// Embedded database: PGlite's own dump of its data folder (a gzipped tar), taken while this
// process holds the folder's lock, so nothing writes during the dump (a running server holds the
// lock: stop it first). PostgreSQL server: pg_dump in its custom format, restored by pg_restore.
// A restore over a workspace that holds data is refused unless --force.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { lockDataDir } from './db/data-dir-lock.js';
import { openDatabase, type Database } from './db/database.js';
import { PGliteWorkerClient } from './db/pglite-worker-client.js';

export class BackupError extends Error {}

export type BackupKind = 'embedded' | 'postgres';

export interface Where {
  dataDir: string;
  databaseUrl?: string;
}

/** What a backup file holds, from its first bytes: a PGlite dump (gzip) or a pg_dump archive. */
export function backupKindOf(file: string): BackupKind {
  let head: Buffer;
  try {
    const fd = fs.openSync(file, 'r');
    head = Buffer.alloc(5);
    fs.readSync(fd, head, 0, 5, 0);
    fs.closeSync(fd);
  } catch (err) {
    throw new BackupError(`Cannot read the backup ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  if (head[0] === 0x1f && head[1] === 0x8b) return 'embedded';
  if (head.toString('latin1') === 'PGDMP') return 'postgres';
  throw new BackupError(`${file} is not a Keepwell backup (neither an embedded-database dump nor a pg_dump archive)`);
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', (e) =>
      reject(new BackupError(`${cmd} could not run (${(e as NodeJS.ErrnoException).code === 'ENOENT' ? `${cmd} is not installed: install the PostgreSQL client tools` : e.message})`)),
    );
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new BackupError(`${cmd} failed (exit ${code}): ${err.trim().slice(-1000)}`))));
  });
}

/** Writes the file next to its final name first, so a failed backup never leaves half a file under it. */
async function writeAtomically(file: string, write: (tmp: string) => Promise<void>): Promise<number> {
  const target = path.resolve(file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.partial-${process.pid}`;
  try {
    await write(tmp);
    fs.renameSync(tmp, target);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return fs.statSync(target).size;
}

export async function backup(where: Where, file: string): Promise<{ kind: BackupKind; bytes: number }> {
  if (where.databaseUrl) {
    const bytes = await writeAtomically(file, (tmp) => run('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', '--file', tmp, '--dbname', where.databaseUrl!]));
    return { kind: 'postgres', bytes };
  }
  if (!fs.existsSync(path.join(path.resolve(where.dataDir), 'pg', 'PG_VERSION'))) throw new BackupError(`There is no embedded database in ${path.resolve(where.dataDir)} to back up`);
  const database = await openDatabase({ dataDir: where.dataDir, migrate: false });
  try {
    const dump = await database.pglite!.dumpDataDir('gzip');
    const data = Buffer.from(await dump.arrayBuffer());
    const bytes = await writeAtomically(file, async (tmp) => fs.writeFileSync(tmp, data));
    return { kind: 'embedded', bytes };
  } finally {
    await database.close();
  }
}

/** Why a database must not be overwritten without --force (it holds a workspace or customers), or null. */
export async function holdsData(db: Database): Promise<string | null> {
  const tables = await sql<{ name: string }>`select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_name in ('workspace', 'customers')`.execute(db);
  const names = new Set(tables.rows.map((r) => r.name));
  if (names.has('workspace')) {
    const ws = await sql<{ name: string }>`select name from workspace limit 1`.execute(db);
    if (ws.rows[0]) return `it holds the workspace "${ws.rows[0].name}"`;
  }
  if (names.has('customers')) {
    const n = await sql<{ n: number }>`select count(*)::int as n from customers`.execute(db);
    if ((n.rows[0]?.n ?? 0) > 0) return `it holds ${n.rows[0]!.n} customers`;
  }
  return null;
}

export async function restore(where: Where, file: string, options: { force?: boolean } = {}): Promise<{ kind: BackupKind; replaced: string | null }> {
  const kind = backupKindOf(file);
  const target = where.databaseUrl ? 'postgres' : 'embedded';
  if (kind !== target)
    throw new BackupError(
      kind === 'embedded'
        ? `${file} is a backup of an embedded database, but this Keepwell uses a PostgreSQL server (DATABASE_URL): restore it without DATABASE_URL (--data-dir)`
        : `${file} is a pg_dump of a PostgreSQL server, but this Keepwell uses the embedded database: set DATABASE_URL (or --database-url) to restore it onto a server`,
    );
  if (where.databaseUrl) {
    const database = await openDatabase({ databaseUrl: where.databaseUrl, migrate: false });
    let replaced: string | null;
    try {
      replaced = await holdsData(database.db);
    } finally {
      await database.close();
    }
    if (replaced && !options.force) throw new BackupError(`Refusing to restore over this database: ${replaced}. Add --force to replace it.`);
    await run('pg_restore', ['--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', '--dbname', where.databaseUrl, file]);
    return { kind, replaced };
  }

  const dataDir = path.resolve(where.dataDir);
  const pgDir = path.join(dataDir, 'pg');
  const release = lockDataDir(dataDir);
  try {
    let replaced: string | null = null;
    if (fs.existsSync(path.join(pgDir, 'PG_VERSION'))) {
      const current = await PGliteWorkerClient.open({ dataDir: pgDir });
      try {
        const { kyselyOverPGlite } = await import('./db/pglite-dialect.js');
        const db = kyselyOverPGlite<Record<string, never>>(current) as unknown as Database;
        replaced = await holdsData(db);
      } finally {
        await current.close();
      }
      if (replaced && !options.force) throw new BackupError(`Refusing to restore over the data folder ${dataDir}: ${replaced}. Add --force to replace it.`);
    }
    // Load the dump into a folder beside the live one, check it opens, then swap the two.
    const incoming = `${pgDir}.restoring`;
    const outgoing = `${pgDir}.replaced`;
    fs.rmSync(incoming, { recursive: true, force: true });
    fs.rmSync(outgoing, { recursive: true, force: true });
    const dump = fs.readFileSync(file);
    try {
      const loaded = await PGliteWorkerClient.open({ dataDir: incoming, loadDataDir: dump.buffer.slice(dump.byteOffset, dump.byteOffset + dump.byteLength) });
      await loaded.query('select 1');
      await loaded.close();
    } catch (err) {
      fs.rmSync(incoming, { recursive: true, force: true });
      throw new BackupError(`${file} could not be loaded: ${(err as Error).message}`);
    }
    if (fs.existsSync(pgDir)) fs.renameSync(pgDir, outgoing);
    fs.renameSync(incoming, pgDir);
    fs.rmSync(outgoing, { recursive: true, force: true });
    return { kind, replaced };
  } finally {
    release();
  }
}
