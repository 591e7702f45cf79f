// The data folder is the database: it survives a restart, and only one process may open it.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createUser } from '../../accounts/index.js';
import { saveWorkspace } from '../../workspace/index.js';
import { DataDirLockedError, lockDataDir } from './data-dir-lock.js';
import { openDatabase } from './database.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-datadir-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.skipIf(Boolean(process.env.TEST_DATABASE_URL))('embedded data folder', () => {
  it('keeps accounts and settings across a restart and refuses a second opener', async () => {
    const first = await openDatabase({ dataDir: dir });
    await createUser(first.db, { email: 'keep@example.test', name: 'Keep', role: 'owner', passwordHash: 'x' });
    await saveWorkspace(first.db, { name: 'Kept Co', industry: 'media', timeZone: 'UTC', currency: 'USD' });

    // A second opener, in this process or another, is refused while it is open.
    expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
    await expect(openDatabase({ dataDir: dir })).rejects.toThrow(DataDirLockedError);
    await first.close();

    const held = await openDatabase({ dataDir: dir });
    const other = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `
      import('${path.resolve('src/platform/db/data-dir-lock.ts')}').then(({ lockDataDir }) => {
        try { lockDataDir(${JSON.stringify(dir)}); console.log('locked'); } catch (e) { console.log(e.constructor.name + ': ' + e.message); }
      });`,
      ],
      { encoding: 'utf8' },
    );
    expect(other.stdout).toContain('DataDirLockedError');
    expect(other.stdout).toContain('in use by another Keepwell process');
    const users = await held.db.selectFrom('users').select('email').execute();
    const ws = await held.db.selectFrom('workspace').select('name').executeTakeFirst();
    expect(users.map((u) => u.email)).toEqual(['keep@example.test']);
    expect(ws?.name).toBe('Kept Co');
    await held.close();
    expect(fs.existsSync(path.join(dir, 'keepwell.lock'))).toBe(false);
  });

  it('takes over a lock file whose pid is a live, unrelated process (pids are never trusted)', async () => {
    const staleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-stale-'));
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      // A crash left the file; the pid in it now belongs to some other live process.
      fs.writeFileSync(path.join(staleDir, 'keepwell.lock'), String(sleeper.pid));
      const release = lockDataDir(staleDir);
      expect(fs.readFileSync(path.join(staleDir, 'keepwell.lock'), 'utf8')).toBe(String(process.pid));
      release();
    } finally {
      sleeper.kill('SIGKILL');
      fs.rmSync(staleDir, { recursive: true, force: true });
    }
  });

  it('takes over a lock file holding our own pid (a container restarted after kill -9: pid 1 again)', () => {
    const ownDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-own-'));
    fs.writeFileSync(path.join(ownDir, 'keepwell.lock'), String(process.pid));
    const release = lockDataDir(ownDir);
    release();
    fs.rmSync(ownDir, { recursive: true, force: true });
  });

  it('takes over a lock file left by a dead process', () => {
    const deadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-dead-'));
    fs.writeFileSync(path.join(deadDir, 'keepwell.lock'), '999999');
    const release = lockDataDir(deadDir);
    release();
    fs.rmSync(deadDir, { recursive: true, force: true });
  });

  it('refuses while another live process holds the lock, and frees it the moment that process is killed', async () => {
    const liveDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-live-'));
    const holder = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `
      import('${path.resolve('src/platform/db/data-dir-lock.ts')}').then(({ lockDataDir }) => {
        lockDataDir(${JSON.stringify(liveDir)});
        console.log('locked');
        setInterval(() => {}, 1000);
      });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        holder.stdout!.on('data', (d) => {
          out += String(d);
          if (out.includes('locked')) resolve();
        });
        holder.once('exit', (code) => reject(new Error(`lock holder exited (${code}) before locking`)));
      });
      let refused: unknown;
      try {
        lockDataDir(liveDir);
      } catch (err) {
        refused = err;
      }
      expect(refused).toBeInstanceOf(DataDirLockedError);
      expect((refused as Error).message).toContain('is in use by another Keepwell process');
      expect((refused as Error).message).toContain(`(pid ${holder.pid})`);
      // A refused opener leaves the holder's file as it was.
      expect(fs.readFileSync(path.join(liveDir, 'keepwell.lock'), 'utf8')).toBe(String(holder.pid));

      // kill -9: no clean-up runs, the file stays, but the operating system drops the lock.
      const exited = new Promise((resolve) => holder.once('exit', resolve));
      holder.kill('SIGKILL');
      await exited;
      expect(fs.existsSync(path.join(liveDir, 'keepwell.lock'))).toBe(true);
      const release = lockDataDir(liveDir);
      release();
    } finally {
      holder.kill('SIGKILL');
      fs.rmSync(liveDir, { recursive: true, force: true });
    }
  });
});
