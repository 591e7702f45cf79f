// The customer API under load, as a user meets it: `keepwell demo` (the demo business on the
// embedded database, its background jobs running) in its own process, then 50 connections at once
// on the customer list (first pages, sorted by spend, a search, a filter) and customer pages.
// `npm run bench -- customers-api` (BENCH_CONNECTIONS, BENCH_SECONDS to change; goal: p99 < 100 ms
// and no request over 1 s at 50 connections). Prints the server's CPU time and the load average.
//
// 2026-12-01, 2 cores shared with other test runs (load average 12–16), so far from the goal:
// PGlite on the main thread (2ba36c3): 299 requests, 15/s, p50 854 ms, p99 7,152 ms, 136 errors,
// server CPU 7.4 s (load 14.9). PGlite in a worker, requests first (cd4fc1c): 100 requests, 5/s,
// p99 7,450 ms, 18 errors, CPU 3.6 s (load 16.0); again: 502 requests, 25/s, p50 884 ms,
// p99 6,192 ms, no errors, CPU 12.6 s (load 11.8). Runs this noisy do not compare. Both side by
// side at load 2.9 (each server about one core): main thread 642 requests, 32/s, p50 1,051 ms,
// p99 3,886 ms, CPU 18.6 s; worker thread 604 requests, 30/s, p50 1,067 ms, p99 3,999 ms,
// CPU 19.6 s. The same: here the requests' own queries (~30 ms of CPU each) are the limit.
// Identical requests sharing one run, list answers kept by data version (0106), spend/last-order
// figures grouped in one pass (febd00d, 0d180ec), before/after one after the other, 20:53-21:00:
// before (load 18.7) 147 requests, 7/s, p50 1,485 ms, p99 9,955 ms, max 9,966 ms, 137 over 1 s,
// 12 timed out, server CPU 6.2 s (42 ms a request); after (load 20.5 -> 17.9) 5,580 requests,
// 279/s, p50 97 ms, p99 918 ms, max 1,850 ms, 51 over 1 s, none failed, server CPU 8.6 s (1.5 ms
// a request, the demo's background jobs included). Goal not met on a machine this loaded.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { machineLine } from './lib/machine.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const STALL_MS = 1000;
console.log(machineLine());

/** CPU seconds (user + system, all threads) a process has used so far, from /proc. */
const cpuSeconds = (pid: number) => {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keepwell-bench-api-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
console.log(`starting \`keepwell demo --data-dir ${dataDir} --port ${port}\` (seeds the demo business)…`);
const t0 = performance.now();
const server = spawn(process.execPath, [path.resolve(import.meta.dirname, '../bin/keepwell.js'), 'demo', '--data-dir', dataDir, '--port', String(port)], {
  env: { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
try {
  await new Promise<void>((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (/is running at/.test(out)) resolve();
    });
    server.on('exit', (code) => reject(new Error(`keepwell demo exited (${code}):\n${out.slice(-2000)}`)));
  });
  console.log(`  demo running after ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'owner@demo.keepwell.test', password: 'keepwell-demo' }),
  });
  if (!login.ok) throw new Error(`sign-in failed: HTTP ${login.status} ${await login.text()}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  const headers = { cookie };
  const get = async <T>(url: string): Promise<T> => {
    const r = await fetch(base + url, { headers });
    if (!r.ok) throw new Error(`${url}: HTTP ${r.status} ${(await r.text()).slice(0, 300)}`);
    return (await r.json()) as T;
  };
  const first = await get<{ customers: { id: string; name: string }[]; nextCursor: string | null; total?: number }>('/api/customers?limit=50');
  const ids = first.customers.map((c) => c.id);
  const paths = [
    '/api/customers?limit=50',
    `/api/customers?limit=50&cursor=${encodeURIComponent(first.nextCursor ?? '')}`,
    '/api/customers?limit=50&sort=spent',
    '/api/customers?limit=50&sort=lastOrder',
    '/api/customers?limit=50&search=an',
    '/api/customers?limit=50&status=active&sort=newest',
    ...ids.slice(0, 4).map((id) => `/api/customers/${id}`),
  ];
  for (const p of paths) await get(p); // each works before it is timed

  let stalls = 0;
  let failures = 0;
  const statuses = new Map<number, number>();
  console.log(`${CONNECTIONS} connections for ${SECONDS} s over ${paths.length} URLs (list pages, sorts, search, filter, customer pages)…`);
  const cpuAtStart = cpuSeconds(server.pid!);
  const loadAtStart = os.loadavg()[0];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ url: base, connections: CONNECTIONS, duration: SECONDS, headers, requests: paths.map((p) => ({ method: 'GET', path: p })) }, (err, res) =>
      err ? reject(err) : resolve(res),
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (ms > STALL_MS) stalls++;
      if (status !== 200) failures++;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    });
  });
  const l = result.latency;
  const serverCpu = cpuSeconds(server.pid!) - cpuAtStart;
  console.log(`  server CPU ${serverCpu.toFixed(1)} s in ${SECONDS} s; load average ${loadAtStart.toFixed(2)} at start, ${os.loadavg()[0].toFixed(2)} at end`);
  console.log(`  answers by status: ${[...statuses].map(([k, v]) => `${k}×${v}`).join(', ')}`);
  console.log(
    `  requests ${result.requests.total}, ${result.requests.average.toFixed(0)}/s; latency p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms, max ${l.max} ms; over ${STALL_MS} ms: ${stalls}; non-200: ${failures + result.errors + result.timeouts}`,
  );
  console.log(
    `customers-api: connections=${CONNECTIONS} seconds=${SECONDS} requests=${result.requests.total} req_per_s=${result.requests.average.toFixed(0)} p50_ms=${l.p50} p99_ms=${l.p99} max_ms=${l.max} stalls_over_1s=${stalls} errors=${failures + result.errors + result.timeouts} server_cpu_s=${serverCpu.toFixed(1)} server_cpu_ms_per_req=${((serverCpu * 1000) / Math.max(1, result.requests.total)).toFixed(1)} load1=${os.loadavg()[0].toFixed(1)}`,
  );
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  fs.rmSync(dataDir, { recursive: true, force: true });
}
