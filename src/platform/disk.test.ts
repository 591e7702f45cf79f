// A full disk is told plainly everywhere (507 disk_full, health degraded, a job's or import's
// recorded error, one line at start-up) and nothing already saved is lost.
//
// Where this machine lets us (root, tmpfs), the disk is really full: a small tmpfs is mounted,
// the embedded database lives on it and a filler file takes the rest. Elsewhere those tests are
// skipped and only the parts that need no mount run: a genuine ENOSPC from writing to /dev/full,
// and health's free-space check with a raised threshold.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createSession, createUser } from '../accounts/index.js';
import { createTestApp, type TestApp } from '../app/testing/test-app.js';
import { saveWorkspace } from '../workspace/index.js';
import { openDatabase, type OpenDatabase } from './db/database.js';
import { checkDiskFull, DISK_FULL_MESSAGE, DISK_FULL_PROBLEM, diskProblems, diskSettings, isDiskFull, resetDiskState } from './disk.js';
import { SESSION_COOKIE } from './http/access.js';
import { drainJobs, enqueueJob, registerJobHandler } from './jobs/jobs.service.js';

function devFullError(): NodeJS.ErrnoException {
  try {
    fs.writeFileSync('/dev/full', 'x');
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
  throw new Error('a write to /dev/full succeeded');
}

/** A small real disk (tmpfs), or null where this machine cannot mount one. */
function mountSmallDisk(mb: number): string | null {
  if (process.platform !== 'linux') return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-small-disk-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${mb}m`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    fs.rmdirSync(dir);
    return null;
  }
  return dir;
}

/** Takes every free byte of the disk holding `dir`; returns the filler's path. */
function fillDisk(dir: string): string {
  const filler = path.join(dir, 'filler');
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    fs.closeSync(fd);
  }
  // A last partial block, so nothing is left at all.
  const fd2 = fs.openSync(filler, 'a');
  try {
    for (;;) fs.writeSync(fd2, Buffer.alloc(512, 1));
  } catch {
    /* full */
  } finally {
    fs.closeSync(fd2);
  }
  return filler;
}

afterEach(() => {
  resetDiskState();
});

describe('recognising a full disk', () => {
  it('knows a genuine ENOSPC (a write to /dev/full), wrapped or not, and PostgreSQL/PGlite disk_full', () => {
    const enospc = devFullError();
    expect(enospc.code).toBe('ENOSPC');
    expect(isDiskFull(enospc)).toBe(true);
    expect(isDiskFull(new Error('import failed', { cause: enospc }))).toBe(true);
    // The shape PGlite and PostgreSQL give (as seen on a full tmpfs): SQLSTATE 53100.
    expect(isDiskFull(Object.assign(new Error('could not extend file "base/5/16401": No space left on device'), { code: '53100' }))).toBe(true);
    // PGlite's file layer (emscripten) throws ErrnoError with its own errno for ENOSPC.
    expect(isDiskFull(Object.assign(new Error(), { name: 'ErrnoError', errno: 51 }))).toBe(true);

    let eacces: unknown;
    try {
      fs.writeFileSync('/proc/version', 'x');
    } catch (err) {
      eacces = err;
    }
    expect(eacces).toBeTruthy();
    expect(isDiskFull(eacces)).toBe(false);
    expect(isDiskFull(new Error('duplicate key value violates unique constraint'))).toBe(false);
    expect(isDiskFull(null)).toBe(false);
  });
});

describe('/api/health and the disk', () => {
  let t: TestApp;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-health-'));
  afterAll(async () => {
    await t?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('is degraded while the data folder has less free space than the threshold, ok otherwise', async () => {
    t = await createTestApp();
    (t.ctx.config as { dataDir: string }).dataDir = dataDir;
    (t.ctx.config as { databaseUrl?: string }).databaseUrl = undefined;
    const saved = diskSettings.minFreeBytes;
    try {
      const ok = await t.app.inject({ method: 'GET', url: '/api/health' });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ status: 'ok', database: 'ok', problems: [] });

      diskSettings.minFreeBytes = Number.MAX_SAFE_INTEGER; // no real disk has that much free
      const low = await t.app.inject({ method: 'GET', url: '/api/health' });
      expect(low.statusCode).toBe(503);
      expect(low.json()).toEqual({ status: 'degraded', database: 'ok', problems: [DISK_FULL_PROBLEM] });
    } finally {
      diskSettings.minFreeBytes = saved;
    }
    expect((await t.app.inject({ method: 'GET', url: '/api/health' })).json().status).toBe('ok');
  });

  it('stays degraded for a while after a write failed for lack of space, then recovers', () => {
    expect(diskProblems()).toEqual([]);
    expect(isDiskFull(devFullError())).toBe(true); // recognising alone remembers nothing
    expect(diskProblems()).toEqual([]);
    expect(checkDiskFull(devFullError())).toBe(true); // what the error handler, jobs and imports call
    expect(diskProblems()).toEqual([DISK_FULL_PROBLEM]);
    expect(diskProblems({ now: Date.now() + diskSettings.recentMs + 1 })).toEqual([]);
  });
});

const smallDisk = process.env.TEST_DATABASE_URL ? null : mountSmallDisk(96);

describe.skipIf(!smallDisk)('a really full disk (a 96 MB tmpfs)', () => {
  let t: TestApp;
  let database: OpenDatabase;
  let filler: string | null = null;
  const dataDir = smallDisk ? path.join(smallDisk, 'data') : '';

  afterAll(async () => {
    if (filler) fs.rmSync(filler, { force: true });
    await t?.close();
    await database?.close();
    spawnSync('umount', [smallDisk!]);
    fs.rmdirSync(smallDisk!);
  });

  it('refuses writes with 507 disk_full, says so in health, a job and an import, loses nothing, and writes again once space returns', async () => {
    t = await createTestApp();
    database = await openDatabase({ dataDir });
    // The test server now works on the database on the small disk.
    (t.ctx as { db: typeof database.db }).db = database.db;
    (t.ctx.config as { dataDir: string }).dataDir = dataDir;
    const owner = await createUser(database.db, { email: 'owner@example.test', name: 'Owner', role: 'owner', password: 'correct horse battery' });
    const session = await createSession(database.db, owner.id, new Date());
    const headers = { cookie: `${SESSION_COOKIE}=${session.token}`, 'x-csrf-token': session.csrfToken };
    await saveWorkspace(database.db, { name: 'Full Co', industry: 'media', timeZone: 'UTC', currency: 'USD' });

    for (let i = 0; i < 20; i++) {
      expect((await t.app.inject({ method: 'POST', url: '/api/customers', headers, payload: { name: `Before ${i}` } })).statusCode).toBe(201);
    }
    let wrote = 0;
    // A background job during which the disk fills up records why it failed (and stays to be retried).
    registerJobHandler('test.disk_full', async (ctx) => {
      filler = fillDisk(smallDisk!);
      await sql`insert into customers (name, address, acquired_at) select 'job ' || g, repeat('j', 2000), now() from generate_series(1, 5000) g`.execute(ctx.db);
    });
    await enqueueJob(database.db, { kind: 'test.disk_full', key: 'disk-full-test', runAt: new Date(0), maxAttempts: 3 });
    await drainJobs(t.ctx, { kinds: ['test.disk_full'], maxBatches: 1 });
    expect(filler).not.toBeNull();
    const job = await database.db.selectFrom('jobs').select(['status', 'last_error']).where('kind', '=', 'test.disk_full').executeTakeFirstOrThrow();
    expect(job).toEqual({ status: 'pending', last_error: DISK_FULL_MESSAGE });

    // Write until the disk refuses: a clean 507 naming the full disk, never a 500.
    let refused: { statusCode: number; json(): { error: { code: string; message: string } } } | null = null;
    for (let i = 0; i < 5000 && !refused; i++) {
      const r = await t.app.inject({ method: 'POST', url: '/api/customers', headers, payload: { name: `Customer ${i} ${'n'.repeat(280)}` } });
      if (r.statusCode === 201) wrote++;
      else refused = r;
    }
    expect(refused?.statusCode).toBe(507);
    expect(refused?.json().error).toMatchObject({ code: 'disk_full', message: DISK_FULL_MESSAGE });
    expect(DISK_FULL_MESSAGE.toLowerCase()).toContain(DISK_FULL_PROBLEM);

    // It keeps refusing cleanly while the disk stays full.
    const again = await t.app.inject({ method: 'POST', url: '/api/customers', headers, payload: { name: `Again ${'n'.repeat(280)}` } });
    expect(again.statusCode).toBe(507);

    const health = await t.app.inject({ method: 'GET', url: '/api/health' });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toMatchObject({ status: 'degraded', problems: [DISK_FULL_PROBLEM] });

    // A large import (run as a job) that cannot write says the disk is full.
    let csv = 'email,name,notes\n';
    for (let i = 0; csv.length < 1.2 * 1024 * 1024; i++) csv += `imp${i}@example.com,Imported ${i},${'i'.repeat(100)}\n`;
    const boundary = '----keepwelldisk';
    const payload = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="customers.csv"\r\nContent-Type: text/csv\r\n\r\n`),
      Buffer.from(csv),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const started = await t.app.inject({ method: 'POST', url: '/api/customers/import?type=customers', headers: { ...headers, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload });
    let importJob: { status: string; error: string | null } | undefined;
    if (started.statusCode === 202) {
      for (let i = 0; i < 600; i++) {
        importJob = (await t.app.inject({ method: 'GET', url: `/api/customers/import/jobs/${started.json().jobId}`, headers })).json();
        if (importJob!.status !== 'running') break;
        await new Promise((res) => setTimeout(res, 100));
      }
      expect(importJob).toMatchObject({ status: 'failed', error: DISK_FULL_MESSAGE });
    } else {
      expect(started.statusCode).toBe(507); // refused before the job started (e.g. the session could not be touched)
    }

    // Nothing saved before the disk filled was lost.
    const saved = await database.db.selectFrom('customers').select(sql<number>`count(*)::int`.as('n')).where('name', 'like', 'Customer %').executeTakeFirstOrThrow();
    expect(saved.n).toBe(wrote);
    const before = await database.db.selectFrom('customers').select(sql<number>`count(*)::int`.as('n')).where('name', 'like', 'Before %').executeTakeFirstOrThrow();
    expect(before.n).toBe(20);
    const halfJob = await database.db.selectFrom('customers').select(sql<number>`count(*)::int`.as('n')).where('name', 'like', 'job %').executeTakeFirstOrThrow();
    expect(halfJob.n).toBe(0); // the job's write was refused whole

    // Space returns: writes work again.
    fs.rmSync(filler!);
    filler = null;
    const after = await t.app.inject({ method: 'POST', url: '/api/customers', headers, payload: { name: 'After the clean-up' } });
    expect(after.statusCode).toBe(201);
    expect(diskProblems({ dataDir, now: Date.now() + diskSettings.recentMs + 1 })).toEqual([]);
  }, 120_000);

  it('start-up on a full disk prints one clear line, no stack trace', () => {
    const filled = fillDisk(smallDisk!);
    try {
      const r = spawnSync(process.execPath, [path.resolve('bin/keepwell.js'), 'migrate', '--data-dir', path.join(smallDisk!, 'fresh')], {
        encoding: 'utf8',
        env: { ...process.env, LOG_LEVEL: 'silent' },
      });
      expect(r.status).not.toBe(0);
      expect(r.stderr.trim()).toBe(`keepwell: ${DISK_FULL_MESSAGE}`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      fs.rmSync(filled);
    }
  }, 120_000);
});
