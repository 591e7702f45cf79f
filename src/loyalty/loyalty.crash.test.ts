// kill -9 in the middle of crediting a large import, restart, run again: every balance equals
// the sum its orders earn, nothing doubled (PGlite data folder, or PostgreSQL with TEST_DATABASE_URL).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../platform/db/database.js';

const SLICES = 24;

describe('loyalty crediting across crashes', () => {
  it('killed twice while crediting 12,000 imported orders, then run to the end: each order earned once, balances = what their orders earn', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keepwell-loyalty-crash-'));
    const url = process.env.TEST_DATABASE_URL || undefined;
    const schema = url ? `loyalty_crash_${process.pid}_${Date.now()}` : '';
    const env = { ...process.env, KEEPWELL_DATA_DIR: dataDir, DATABASE_URL: url ?? '', KEEPWELL_DB_SCHEMA: schema, KEEPWELL_JOB_LEASE_SECONDS: '1', SLICES: String(SLICES) };
    const child = (extra: Record<string, string>) =>
      spawnSync(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'testing/crash-child.ts')], {
        cwd: path.resolve(import.meta.dirname, '../..'),
        env: { ...env, ...extra },
        encoding: 'utf8',
        timeout: 120_000,
      });

    const imported = child({ MODE: 'import' });
    expect(imported.status, imported.stderr).toBe(0);
    const first = child({ MODE: 'credit', KILL_AT: '7' });
    expect(first.signal, first.stderr).toBe('SIGKILL');
    // killed in the middle: some slices credited, not all
    const mid = url ? await openDatabase({ databaseUrl: url, schema, migrate: false }) : await openDatabase({ dataDir, migrate: false });
    const partial = Number((await sql<{ n: number }>`select count(*)::int as n from loyalty_ledger`.execute(mid.db)).rows[0].n);
    await mid.close();
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(SLICES * 500);
    const second = child({ MODE: 'credit', KILL_AT: '5' });
    expect(second.signal, second.stderr).toBe('SIGKILL');
    const last = child({ MODE: 'credit' });
    expect(last.status, last.stderr).toBe(0);

    const database = url ? await openDatabase({ databaseUrl: url, schema, migrate: false }) : await openDatabase({ dataDir, migrate: false });
    try {
      const db = database.db;
      const entries = await sql<{ n: number; orders: number }>`select count(*)::int as n, count(distinct order_id)::int as orders from loyalty_ledger where kind = 'earn'`.execute(db);
      expect(entries.rows[0]).toEqual({ n: SLICES * 500, orders: SLICES * 500 });
      const mismatched = await sql<{ n: number }>`
        select count(*)::int as n from customers c
        where coalesce((select sum(amount_minor / 100) from orders o where o.customer_id = c.id), 0)
           <> coalesce((select sum(points) from loyalty_ledger l where l.customer_id = c.id), 0)`.execute(db);
      expect(mismatched.rows[0].n).toBe(0);
      const open = await sql<{ n: number }>`select count(*)::int as n from jobs where kind = 'event.deliver' and status <> 'done'`.execute(db);
      expect(open.rows[0].n).toBe(0);
    } finally {
      if (url) await sql.raw(`drop schema if exists "${schema}" cascade`).execute(database.db);
      await database.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 300_000);
});
