// A real `keepwell serve` for HTTP benchmarks: a fresh embedded database in a temp folder,
// migrated by the CLI, the workspace and an owner with an API token, then the server as a child
// process on a free port. `prepare` may fill the database before the server starts.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createApiToken, createUser, ensureInstanceSecret } from '../../src/accounts/accounts.service.js';
import { openDatabase, type OpenDatabase } from '../../src/platform/db/database.js';
import { saveWorkspace } from '../../src/workspace/workspace.service.js';

export interface BenchServer {
  base: string;
  /** Authorization header of the owner's API token */
  auth: Record<string, string>;
  ownerId: string;
  stop(): Promise<void>;
}

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });

export async function startBenchServer(name: string, prepare?: (database: OpenDatabase, ownerId: string) => Promise<void>, env: Record<string, string> = {}): Promise<BenchServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `keepwell-bench-${name}-`));
  const bin = path.resolve(import.meta.dirname, '../../bin/keepwell.js');
  console.log('creating a fresh embedded database…');
  const init = spawnSync(process.execPath, [bin, 'migrate', '--data-dir', dataDir], { stdio: 'inherit', env: { ...process.env, DATABASE_URL: '' } });
  if (init.status !== 0) throw new Error('keepwell migrate failed');
  const database = await openDatabase({ dataDir });
  await saveWorkspace(database.db, { name: 'Bench Co', industry: 'consumer_services', timeZone: 'Europe/Amsterdam', currency: 'EUR' });
  await ensureInstanceSecret(database.db);
  const owner = await createUser(database.db, { email: 'owner@bench.test', name: 'Bench Owner', role: 'owner', password: 'correct horse battery' });
  const token = (await createApiToken(database.db, owner.id, 'bench')).token;
  if (prepare) await prepare(database, owner.id);
  await database.close();

  const port = await freePort();
  const child = spawn(process.execPath, [bin, 'serve', '--data-dir', dataDir, '--port', String(port)], {
    env: { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; ; i++) {
      const up = await fetch(`${base}/api/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (i > 600) throw new Error('keepwell serve did not come up');
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  console.log(`server up on ${base}`);
  return { base, auth: { authorization: `Bearer ${token}` }, ownerId: owner.id, stop };
}

/** p-th percentile (0–1) of sorted numbers. */
export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
