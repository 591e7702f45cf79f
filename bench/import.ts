// Import benchmark: the command a user types, `keepwell import orders.csv --type orders`, on a
// generated 1,000,000-row orders CSV (100,000 customers, bench/lib/orders-file.ts), against the
// time csv-parse alone takes to read the same file (best of three, in a child process).
// `npm run bench -- import` (BENCH_ROWS=… for a smaller file). The embedded database gets a new
// data folder (made by `keepwell migrate`, not timed); with DATABASE_URL or TEST_DATABASE_URL set
// it also runs against that PostgreSQL server, in a throw-away database it creates and drops.
// The command's peak memory is its VmHWM (peak resident set, worker threads included).
// KEEPWELL_IMPORT_PROFILE=1 makes the command print where the writer's time went.
// On a local PostgreSQL server it also prints the server's CPU seconds (its postmaster's children that
// ended: the import's backends and parallel workers) and the least time command and server together
// could take on this machine's cores.
// BENCH_RUNS=N (default 1) imports N times into each database, each time into a new one: the
// machine is shared and one run's time can be 25% off the next's, so the summary gives the best
// time of the N (as the parse baseline is the best of three) and the highest peak memory.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { openDatabase } from '../src/platform/db/database.js';
import { machineLine } from './lib/machine.js';
import { ordersFile } from './lib/orders-file.js';
import { printBareParse } from './lib/bare-parse.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 1) || 1);
const file = ordersFile(ROWS);
const dir = path.dirname(file);
const keepwell = path.resolve(import.meta.dirname, '../bin/keepwell.js');

if (process.argv.includes('--bare-parse')) {
  await printBareParse(file);
  process.exit(0);
}

console.log(machineLine());
const loadLine = () =>
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
console.log(loadLine());

/** csv-parse alone over the file, in a child process; answers the seconds it took and its CPU seconds. */
function bareParseInChild(): { seconds: number; cpu: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--bare-parse'], { encoding: 'utf8', env: { ...process.env, BENCH_ROWS: String(ROWS) } });
  if (r.status !== 0) throw new Error(`bare parse failed: ${r.stderr}`);
  process.stdout.write(r.stdout);
  return { seconds: Number(/seconds=([\d.]+)/.exec(r.stdout)![1]), cpu: Number(/CPU ([\d.]+) s/.exec(r.stdout)![1]) };
}

/** Runs `keepwell …` and answers its wall time, CPU time (user + system, all its threads) and
 * peak resident memory (MB), the last two sampled from /proc while it runs. */
function runKeepwell(args: string[], env: NodeJS.ProcessEnv): Promise<{ seconds: number; cpuSeconds: number; peakMb: number; output: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [keepwell, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    let peakKb = 0;
    let cpuTicks = 0;
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
        // utime and stime, fields 14 and 15 (after the parenthesised command name), in ticks of 1/100 s
        const stat = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        cpuTicks = Math.max(cpuTicks, Number(f[11]) + Number(f[12]));
      } catch {
        /* exited */
      }
    };
    const timer = setInterval(sample, 25);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      const seconds = (performance.now() - t0) / 1000;
      if (code !== 0) reject(new Error(`keepwell ${args[0]} exited with ${code}:\n${output.slice(-2000)}`));
      else resolve({ seconds, cpuSeconds: cpuTicks / 100, peakMb: peakKb / 1024, output });
    });
  });
}

/** CPU seconds the local PostgreSQL server's processes have used and ended with (the postmaster's
 * children: the import's backends and parallel workers once they exit), or null where the server
 * is not on this machine or its postmaster.pid cannot be read. */
function serverCpuMeter(dataDirectory: string | null): (() => Promise<number>) | null {
  if (!dataDirectory) return null;
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(dataDirectory, 'postmaster.pid'), 'utf8').split('\n')[0]);
    fs.readFileSync(`/proc/${pid}/stat`);
  } catch {
    return null;
  }
  const children = () => {
    // cutime and cstime, fields 16 and 17, in ticks of 1/100 s
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[13]) + Number(f[14])) / 100;
  };
  return async () => {
    // the backends end as the command closes its connections; wait until the sum stops moving
    let last = children();
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const now = children();
      if (now === last && i >= 2) break;
      last = now;
    }
    return last;
  };
}

async function importInto(label: string, target: string[], env: NodeJS.ProcessEnv, parseSeconds: number, serverCpu: (() => Promise<number>) | null = null) {
  console.log(`  ${label}: keepwell migrate (not timed)…`);
  await runKeepwell(['migrate', ...target], env);
  const args = ['import', file, '--type', 'orders', '--currency', 'EUR', '--time-zone', 'UTC', ...target];
  console.log(`  ${label}: keepwell ${args.join(' ').replace(file, path.basename(file))}`);
  const serverBefore = serverCpu ? await serverCpu() : 0;
  const r: Awaited<ReturnType<typeof runKeepwell>> & { floorSeconds?: number } = await runKeepwell(args, env);
  if (serverCpu) {
    // what the whole import costs the machine, and what no schedule of it could beat on these cores
    const server = (await serverCpu()) - serverBefore;
    const both = r.cpuSeconds + server;
    const cores = os.availableParallelism();
    r.floorSeconds = both / cores;
    console.log(
      `  ${label}: server CPU ${server.toFixed(2)} s; command + server ${both.toFixed(2)} CPU-s, so at least ${(both / cores).toFixed(2)} s on ${cores} cores (parse ratio ${(both / cores / parseSeconds).toFixed(2)}) however well it overlaps`,
    );
  }
  const counts = /Rows \d+: created (\d+), updated (\d+), unchanged (\d+)[^\n]*failed (\d+)/.exec(r.output);
  console.log(`  ${label}: ${counts ? counts[0] : r.output.slice(-500)}`);
  // with KEEPWELL_IMPORT_PROFILE=1 the command ends with where the writer's time went
  for (const line of r.output.split('\n').filter((l) => /^\d+ms /.test(l))) console.log(`  ${label}: profile ${line}`);
  console.log(
    `  ${label}: ${r.seconds.toFixed(2)} s (CPU ${r.cpuSeconds.toFixed(2)} s), ${Math.round(ROWS / r.seconds)} rows/s, parse ratio ${(r.seconds / parseSeconds).toFixed(2)} (CPU ${(r.cpuSeconds / parseCpu).toFixed(2)}), peak RSS ${Math.round(r.peakMb)} MB, ${loadLine()}`,
  );
  return r;
}

console.log(`file: ${file}, ${(fs.statSync(file).size / 2 ** 20).toFixed(1)} MB`);
// the machine is shared: take the best of three parses as the baseline (wall and CPU apart); on a
// loaded machine the CPU ratio (the command's CPU seconds over the parse's) is the steadier figure
const parses = [bareParseInChild(), bareParseInChild(), bareParseInChild()];
let parseSeconds = Math.min(...parses.map((p) => p.seconds));
let parseCpu = Math.min(...parses.map((p) => p.cpu));
console.log(`bare parse baseline: ${parseSeconds.toFixed(2)} s (CPU ${parseCpu.toFixed(2)} s)`);

type Run = Awaited<ReturnType<typeof importInto>>;
/** The summary of N runs: the best time (and its CPU), the highest peak; against the parse
 * baseline as it stands at the end. */
function summary(prefix: string, runs: Run[]): string {
  const best = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const peak = Math.max(...runs.map((r) => r.peakMb));
  const all = runs.length > 1 ? ` ${prefix}runs=${runs.map((r) => r.seconds.toFixed(2)).join(',')}` : '';
  const floor = best.floorSeconds !== undefined ? ` ${prefix}floor_ratio=${(best.floorSeconds / parseSeconds).toFixed(2)}` : '';
  return `${prefix}seconds=${best.seconds.toFixed(2)} ${prefix}cpu_seconds=${best.cpuSeconds.toFixed(2)} ${prefix}parse_ratio=${(best.seconds / parseSeconds).toFixed(2)} ${prefix}cpu_ratio=${(best.cpuSeconds / parseCpu).toFixed(2)}${floor} ${prefix}peak_mb=${Math.round(peak)}${all}`;
}

/** each database's runs, summed up at the end */
const results: { prefix: string; runs: Run[] }[] = [];
if (process.env.BENCH_SKIP_EMBEDDED !== '1') {
  const runs: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    const dataDir = fs.mkdtempSync(path.join(dir, 'pglite-'));
    try {
      runs.push(await importInto('embedded', ['--data-dir', dataDir], { DATABASE_URL: '' }, parseSeconds));
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
  results.push({ prefix: '', runs });
}

const pgUrl = process.env.DATABASE_URL || process.env.TEST_DATABASE_URL;
if (pgUrl) {
  const admin = await openDatabase({ databaseUrl: pgUrl, migrate: false }); // only to create and drop the bench's databases
  const runs: Run[] = [];
  try {
    const dataDirectory = await sql<{ d: string }>`select current_setting('data_directory', true) as d`.execute(admin.db).then(
      (r) => r.rows[0]?.d ?? null,
      () => null, // not a superuser: the setting is hidden
    );
    const serverCpu = serverCpuMeter(dataDirectory);
    for (let i = 0; i < RUNS; i++) {
      const name = `keepwell_bench_import_${process.pid}_${i}`;
      await sql.raw(`create database ${name}`).execute(admin.db);
      const url = new URL(pgUrl);
      url.pathname = `/${name}`;
      try {
        runs.push(await importInto('postgresql', ['--database-url', url.toString()], {}, parseSeconds, serverCpu));
      } finally {
        await sql.raw(`drop database if exists ${name} with (force)`).execute(admin.db);
      }
    }
  } finally {
    await admin.close();
  }
  results.push({ prefix: 'pg_', runs });
} else {
  console.log('(set DATABASE_URL or TEST_DATABASE_URL to also run against PostgreSQL)');
}

// several runs take minutes, in which the machine's speed changes: three more parses after
// them, and the best of all six is the baseline of the summary
if (RUNS > 1) {
  const after = [bareParseInChild(), bareParseInChild(), bareParseInChild()];
  parseSeconds = Math.min(parseSeconds, ...after.map((p) => p.seconds));
  parseCpu = Math.min(parseCpu, ...after.map((p) => p.cpu));
  console.log(`bare parse baseline, best of six: ${parseSeconds.toFixed(2)} s (CPU ${parseCpu.toFixed(2)} s)`);
}
console.log(
  `import: rows=${ROWS} parse_seconds=${parseSeconds.toFixed(2)} parse_cpu_seconds=${parseCpu.toFixed(2)} ${results.map((r) => summary(r.prefix, r.runs)).join(' ')} load=${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(',')}`,
);
