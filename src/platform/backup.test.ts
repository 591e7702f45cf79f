// `keepwell backup FILE` / `keepwell restore FILE` as a user types them: the embedded database
// (always) and a PostgreSQL server (when TEST_DATABASE_URL names one: a database of its own is
// made and dropped). A restore over a workspace with data is refused without --force. Each
// command starts a process and opens the database: minutes on a busy machine, hence the limits.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabaseUrl } from '../app/testing/test-database.js';
import { makeCustomer } from '../customers/testing/factories.js';
import { saveWorkspace } from '../workspace/index.js';
import { openDatabase } from './db/database.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'keepwell-backup-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function keepwell(...args: string[]) {
  const r = spawnSync(process.execPath, [path.resolve('bin/keepwell.js'), ...args], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'silent' }, timeout: 240_000 });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

async function names(where: { dataDir?: string; databaseUrl?: string }): Promise<string[]> {
  const database = await openDatabase({ ...where, migrate: false });
  try {
    return (await sql<{ name: string }>`select name from customers order by name`.execute(database.db)).rows.map((r) => r.name);
  } finally {
    await database.close();
  }
}

async function seed(where: { dataDir?: string; databaseUrl?: string }, customers: string[], workspace = 'Fern & Finch'): Promise<void> {
  const database = await openDatabase(where);
  try {
    await saveWorkspace(database.db, { name: workspace, industry: 'consumer_services', timeZone: 'Europe/London', currency: 'GBP' });
    for (const name of customers) await makeCustomer(database.db, { name });
  } finally {
    await database.close();
  }
}

describe('backup and restore of the embedded database', () => {
  const dataDir = path.join(tmp, 'data');
  const file = path.join(tmp, 'fern.backup');

  it('backs up, refuses to restore over data without --force, restores with it, and into an empty folder', async () => {
    await seed({ dataDir }, ['Ada Lovelace', 'Bob Stone']);
    const b = keepwell('backup', file, '--data-dir', dataDir);
    expect(b.err).toBe('');
    expect(b.status).toBe(0);
    expect(b.out).toMatch(/Backed up the embedded database .* to .*fern\.backup/);
    expect(fs.statSync(file).size).toBeGreaterThan(1000);

    await seed({ dataDir }, ['Cyd After-Backup']);
    const refused = keepwell('restore', file, '--data-dir', dataDir);
    expect(refused.status).toBe(2);
    expect(refused.err).toContain('Refusing to restore');
    expect(refused.err).toContain('"Fern & Finch"');
    expect(refused.err).toContain('--force');
    expect(await names({ dataDir })).toEqual(['Ada Lovelace', 'Bob Stone', 'Cyd After-Backup']);

    const forced = keepwell('restore', file, '--data-dir', dataDir, '--force');
    expect(forced.status).toBe(0);
    expect(forced.out).toContain('replacing what was there');
    expect(await names({ dataDir })).toEqual(['Ada Lovelace', 'Bob Stone']);
    expect(fs.readdirSync(dataDir).filter((n) => n.startsWith('pg.'))).toEqual([]); // nothing left over beside it

    const fresh = path.join(tmp, 'fresh');
    const into = keepwell('restore', file, '--data-dir', fresh);
    expect(into.status).toBe(0);
    expect(await names({ dataDir: fresh })).toEqual(['Ada Lovelace', 'Bob Stone']);
  }, 600_000);

  it('says why it cannot: the folder in use by a running Keepwell, a file that is no backup, a missing file', async () => {
    const running = await openDatabase({ dataDir, migrate: false });
    try {
      const r = keepwell('backup', path.join(tmp, 'other.backup'), '--data-dir', dataDir);
      expect(r.status).toBe(2);
      expect(r.err).toContain('in use by another Keepwell process');
      expect(fs.existsSync(path.join(tmp, 'other.backup'))).toBe(false);
    } finally {
      await running.close();
    }
    const junk = path.join(tmp, 'junk.csv');
    fs.writeFileSync(junk, 'id,name\n1,Ada\n');
    const notBackup = keepwell('restore', junk, '--data-dir', path.join(tmp, 'x'));
    expect(notBackup.status).toBe(2);
    expect(notBackup.err).toContain('is not a Keepwell backup');
    const missing = keepwell('restore', path.join(tmp, 'nope.backup'), '--data-dir', path.join(tmp, 'x'));
    expect(missing.status).toBe(2);
    expect(missing.err).toContain('no such file');
  }, 600_000);
});

describe.skipIf(!testDatabaseUrl)('backup and restore on a PostgreSQL server', () => {
  const dbName = `keepwell_backup_${process.pid}`;
  const url = (() => {
    const u = new URL(testDatabaseUrl ?? 'postgres://localhost/x');
    u.pathname = `/${dbName}`;
    return u.toString();
  })();
  const admin = async (query: string) => {
    const client = new pg.Client({ connectionString: testDatabaseUrl });
    await client.connect();
    try {
      await client.query(query);
    } finally {
      await client.end();
    }
  };
  afterAll(() => admin(`drop database if exists ${dbName} with (force)`));

  it('pg_dump and pg_restore through the same commands, refusing over data without --force', async () => {
    await admin(`drop database if exists ${dbName} with (force)`);
    await admin(`create database ${dbName}`);
    await seed({ databaseUrl: url }, ['Ada Lovelace', 'Bob Stone']);
    const file = path.join(tmp, 'server.backup');
    const b = keepwell('backup', file, '--database-url', url);
    expect(b.err).toBe('');
    expect(b.status).toBe(0);
    expect(b.out).toContain('PostgreSQL database');
    await seed({ databaseUrl: url }, ['Cyd After-Backup']);
    const refused = keepwell('restore', file, '--database-url', url);
    expect(refused.status).toBe(2);
    expect(refused.err).toContain('--force');
    const forced = keepwell('restore', file, '--database-url', url, '--force');
    expect(forced.err).toBe('');
    expect(forced.status).toBe(0);
    expect(await names({ databaseUrl: url })).toEqual(['Ada Lovelace', 'Bob Stone']);
    // an embedded backup is not put onto a server
    const embedded = keepwell('restore', path.join(tmp, 'fern.backup'), '--database-url', url);
    expect(embedded.status).toBe(2);
    expect(embedded.err).toContain('backup of an embedded database');
  }, 600_000);
});
