// How soon an order's playbook trigger fires right after a large import (issue 10: within 60 s
// of the order's commit, even right after a 1,000,000-row import). On a fresh embedded data
// folder: `keepwell serve` once to switch on the ready-made "Thank-you after a sale" playbook,
// then `keepwell import` of the generated orders file (bench/lib/orders-file.ts) through the CLI,
// then `keepwell serve` again — its worker now has the import's event deliveries to work off —
// and at once a new customer and order through the REST API; the clock runs from the order's
// 201 until GET /api/playbooks counts its enrolment.
// `npm run bench -- trigger-latency` (BENCH_ROWS=… for a smaller file).
// Ends with `trigger_latency: seconds=… import_seconds=… rows=…`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machineLine } from './lib/machine.js';
import { ordersFile } from './lib/orders-file.js';
import { freePort } from './lib/serve.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const GIVE_UP_S = Number(process.env.BENCH_GIVE_UP_S ?? 1800);
const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'bin/keepwell.js');
const env = { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'warn' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

console.log(machineLine());
const file = ordersFile(ROWS);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keepwell-bench-trigger-'));

async function serve(): Promise<{ base: string; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [bin, 'serve', '--data-dir', dataDir, '--port', String(port)], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  };
  // right after an import the worker has a backlog on the one embedded connection: health may wait
  const t0 = performance.now();
  const healthy = () =>
    fetch(`${base}/api/health`, { signal: AbortSignal.timeout(GIVE_UP_S * 1000) }).then(
      (r) => r.ok,
      () => false,
    );
  while (!(await healthy())) {
    if (child.exitCode !== null || performance.now() - t0 > GIVE_UP_S * 1000) {
      await stop();
      throw new Error('keepwell serve did not come up');
    }
    await sleep(200);
  }
  console.log(`server answered /api/health ${((performance.now() - t0) / 1000).toFixed(1)} s after it was started`);
  return { base, child, stop };
}

async function call<T>(base: string, method: string, url: string, headers: Record<string, string>, body?: unknown): Promise<{ res: Response; json: T }> {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return { res, json: (text ? JSON.parse(text) : null) as T };
}

interface PlaybookRow {
  id: string;
  key?: string | null;
  name: string;
  enabled?: boolean;
  enrolled: number;
}

let server: Awaited<ReturnType<typeof serve>> | undefined;
try {
  // 1. set up the business and switch on the thank-you playbook
  server = await serve();
  const setup = await call<{ csrfToken: string }>(
    server.base,
    'POST',
    '/api/setup',
    {},
    {
      workspace: { name: 'Bench Co', industry: 'consumer_services', timeZone: 'Europe/Amsterdam', currency: 'EUR' },
      owner: { name: 'Bench Owner', email: 'owner@bench.test', password: 'correct horse battery' },
    },
  );
  const cookie = (setup.res.headers.get('set-cookie') ?? '').split(';')[0];
  const token = await call<{ token: string }>(server.base, 'POST', '/api/tokens', { cookie, 'x-csrf-token': setup.json.csrfToken }, { name: 'bench' });
  const auth = { authorization: `Bearer ${token.json.token}` };
  const thankYou = (pbs: PlaybookRow[]) => pbs.find((p) => p.key === 'thank_you' || p.name === 'Thank-you after a sale');
  const listed = await call<{ playbooks: PlaybookRow[] }>(server.base, 'GET', '/api/playbooks', auth);
  const playbook = thankYou(listed.json.playbooks);
  if (!playbook) throw new Error('no thank-you playbook among the ready-made ones');
  await call(server.base, 'POST', `/api/playbooks/${playbook.id}/enabled`, auth, { enabled: true });
  await server.stop();

  // 2. the import, as a user runs it (the server is stopped: the CLI holds the data folder)
  console.log(`importing ${ROWS} orders through the CLI…`);
  const t0 = performance.now();
  const imported = spawnSync(process.execPath, [bin, 'import', file, '--type', 'orders', '--data-dir', dataDir], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const importSeconds = (performance.now() - t0) / 1000;
  if (imported.status !== 0) throw new Error(`keepwell import failed (${imported.status})`);
  console.log(`imported in ${importSeconds.toFixed(1)} s`);

  // 3. the server again, with the import's deliveries still to do, and at once a new order
  server = await serve();
  const started = performance.now();
  const customer = await call<{ id: string }>(server.base, 'POST', '/api/customers', auth, { name: 'Fresh Buyer', email: 'fresh@bench.test' });
  const before = thankYou((await call<{ playbooks: PlaybookRow[] }>(server.base, 'GET', '/api/playbooks', auth)).json.playbooks)?.enrolled ?? 0;
  await call(server.base, 'POST', `/api/customers/${customer.json.id}/orders`, auth, { amountMinor: 4200, currency: 'EUR' });
  const committed = performance.now();
  console.log(`order committed ${((committed - started) / 1000).toFixed(1)} s after the server came up; waiting for its enrolment…`);
  let seconds = Number.NaN;
  for (;;) {
    const now = thankYou((await call<{ playbooks: PlaybookRow[] }>(server.base, 'GET', '/api/playbooks', auth)).json.playbooks)?.enrolled ?? 0;
    const waited = (performance.now() - committed) / 1000;
    if (now > before) {
      seconds = waited;
      break;
    }
    if (waited > GIVE_UP_S) break;
    if (Math.floor(waited) % 10 === 0) process.stdout.write(`  ${Math.floor(waited)} s…\r`);
    await sleep(250);
  }
  await server.stop();
  console.log(Number.isNaN(seconds) ? `no enrolment after ${GIVE_UP_S} s` : `enrolled ${seconds.toFixed(1)} s after the order's commit`);
  console.log(`trigger_latency: seconds=${Number.isNaN(seconds) ? `>${GIVE_UP_S}` : seconds.toFixed(1)} import_seconds=${importSeconds.toFixed(1)} rows=${ROWS} cores=${os.cpus().length}`);
} finally {
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
