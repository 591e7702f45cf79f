// The data folder is the database: it survives a restart, and only one process may open it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirLockedError, lockDataDir } from './data-dir-lock.js';
import { openDatabase } from './database.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-datadir-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.skipIf(Boolean(process.env.TEST_DATABASE_URL))('embedded data folder', () => {
  it('keeps accounts and settings across a restart and refuses a second opener', async () => {
    const first = await openDatabase({ dataDir: dir });
    await first.db.insertInto('users').values({ email: 'keep@example.test', name: 'Keep', role: 'owner', password_hash: 'x' }).execute();
    await first.db.insertInto('workspace').values({ id: 1, name: 'Kept Co', industry: 'media', time_zone: 'UTC', currency: 'USD' }).execute();

    // A second opener, in this process or another, is refused while it is open.
    expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
    await expect(openDatabase({ dataDir: dir })).rejects.toThrow(DataDirLockedError);
    await first.close();

    const held = await openDatabase({ dataDir: dir });
    const other = spawnSync(process.execPath, ['--import', 'tsx', '-e', `
      import('${path.resolve('src/platform/db/data-dir-lock.ts')}').then(({ lockDataDir }) => {
        try { lockDataDir(${JSON.stringify(dir)}); console.log('locked'); } catch (e) { console.log(e.constructor.name + ': ' + e.message); }
      });`], { encoding: 'utf8' });
    expect(other.stdout).toContain('DataDirLockedError');
    expect(other.stdout).toContain('in use by another Keepwell process');
    const users = await held.db.selectFrom('users').select('email').execute();
    const ws = await held.db.selectFrom('workspace').select('name').executeTakeFirst();
    expect(users.map((u) => u.email)).toEqual(['keep@example.test']);
    expect(ws?.name).toBe('Kept Co');
    await held.close();
    expect(fs.existsSync(path.join(dir, 'keepwell.lock'))).toBe(false);
  });

  it('takes over a stale lock left by a dead process', () => {
    const staleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-stale-'));
    fs.writeFileSync(path.join(staleDir, 'keepwell.lock'), '999999');
    const release = lockDataDir(staleDir);
    expect(fs.readFileSync(path.join(staleDir, 'keepwell.lock'), 'utf8')).toBe(String(process.pid));
    release();
    fs.rmSync(staleDir, { recursive: true, force: true });
  });

  it('reports a lock held by a live process as DataDirLockedError', () => {
    const liveDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-live-'));
    fs.writeFileSync(path.join(liveDir, 'keepwell.lock'), String(process.ppid));
    expect(() => lockDataDir(liveDir)).toThrow(DataDirLockedError);
    fs.rmSync(liveDir, { recursive: true, force: true });
  });
});
