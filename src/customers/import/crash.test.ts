// Kill -9 an import part-way, run it again: every order arrives once, amounts add up.
import { lockDataDir } from '../../platform/db/data-dir-lock.js';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../platform/db/database.js';

const root = new URL('../../../', import.meta.url).pathname;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-crash-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function runCli(args: string[], killWhen?: (out: string) => boolean, env: Record<string, string> = {}): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/keepwell.js'), ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: '', KEEPWELL_DATA_DIR: '', KEEPWELL_IMPORT_STALL_AT_BATCH: '', ...env },
    });
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      if (killWhen?.(out) && !child.killed) child.kill('SIGKILL');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, signal) => resolve({ code, signal, out }));
  });
}

describe('crash safety', () => {
  it('an import killed part-way completes on the next run with no duplicate and no loss', async () => {
    const rows = 30_000;
    const file = path.join(tmp, 'orders.csv');
    let text = 'customer,email,date,amount\n'; // no order id: ids are derived from the rows
    let sum = 0;
    for (let i = 0; i < rows; i++) {
      const c = i % 3000;
      const cents = 100 + ((i * 7919) % 50000);
      sum += cents;
      text += `cust-${c},c${c}@example.com,2024-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')},${(cents / 100).toFixed(2)}\n`;
    }
    fs.writeFileSync(file, text);
    const dataDir = path.join(tmp, 'data');
    const args = ['import', file, '--type', 'orders', '--data-dir', dataDir, '--currency', 'EUR', '--batch-size', '1000'];
    // Kill it in the middle of batch 6: five batches committed, the sixth written but not committed.
    // The importer stops there (a test hook) and waits, so the kill cannot race with the import
    // finishing on a slow, loaded machine.
    const first = await runCli(args, (out) => out.includes('keepwell-import-stalled batch=6'), { KEEPWELL_IMPORT_STALL_AT_BATCH: '6' });
    expect(first.signal).toBe('SIGKILL');
    const counted = async () => {
      const db = await openDatabase({ dataDir });
      try {
        const r = await sql<{
          n: number;
          s: number;
          c: number;
        }>`select count(*)::int as n, coalesce(sum(amount_minor), 0)::bigint as s, (select count(*)::int from customers) as c from orders`.execute(db.db);
        // a first import builds its secondary indexes at the end (deferred-indexes.ts): the ones
        // still listed, and whether the orders' unique index is there
        const deferred = await sql<{ n: number; unique: boolean; roomy: boolean }>`
          select (select count(*)::int from import_deferred_indexes) as n, to_regclass('orders_external_id_key') is not null as unique,
            (select reloptions from pg_class where oid = to_regclass('customers')) is not null as roomy`.execute(db.db);
        indexState = deferred.rows[0];
        return r.rows[0];
      } finally {
        await db.close();
      }
    };
    let indexState = { n: 0, unique: false, roomy: false };
    const partial = await counted();
    expect(partial.n).toBe(5 * 1000); // the uncommitted sixth batch left nothing behind
    // killed in a first import: its deferred indexes are still to be built
    expect(indexState.n).toBeGreaterThan(0);
    expect(indexState.unique).toBe(false);
    expect(indexState.roomy).toBe(true); // customers still half-fill their pages (deferred-indexes.ts)
    const second = await runCli(args);
    expect(second.code).toBe(0);
    const m = /created (\d+), updated (\d+), unchanged (\d+), skipped as duplicates (\d+), failed (\d+)/.exec(second.out);
    expect(m).not.toBeNull();
    expect(Number(m![1]) + Number(m![3])).toBe(rows);
    expect(Number(m![3])).toBe(partial.n);
    expect(Number(m![5])).toBe(0);
    expect(await counted()).toEqual({ n: rows, s: sum, c: 3000 });
    // the second run built them before writing (and so found the orders it had)
    expect(indexState).toEqual({ n: 0, unique: true, roomy: false });
  }, 120_000);

  it('refuses to open a data folder held by a running server and says where to upload instead', async () => {
    const dataDir = path.join(tmp, 'locked');
    fs.mkdirSync(dataDir, { recursive: true });
    const release = lockDataDir(dataDir); // this test process holds the folder, as a running server would
    const file = path.join(tmp, 'small.csv');
    fs.writeFileSync(file, 'order_id,email,date,amount\n1,a@example.com,2024-01-01,1\n');
    const r = await runCli(['import', file, '--data-dir', dataDir]).finally(release);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/web app.*\/api\/customers\/import/s);
    expect(fs.existsSync(path.join(dataDir, 'pg'))).toBe(false);
  });
});
