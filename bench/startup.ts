// Start-up of the `keepwell` command, timed as the user runs it (child processes, wall clock):
// `keepwell --help`, `keepwell report` on the CDNOW sample (2,357 customers, 6,919 orders;
// tables on stdout and the HTML report written), and the same report on its first 30 lines —
// almost nothing to compute, so that figure is the command's start-up. All run from the
// compiled build (built first when out of date) and, for comparison, from the TypeScript
// sources through tsx. Goals on the 2-core machine: --help under 0.5 s, the report under 1 s.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machineLine } from './lib/machine.js';
// @ts-expect-error plain JavaScript build helper without type declarations
import { buildServer, serverBuildIsFresh } from '../scripts/server-build.js';

const root = path.resolve(import.meta.dirname, '..');
const bin = path.join(root, 'bin/keepwell.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const sample = process.env.BENCH_CDNOW ?? path.resolve(root, '../shared/data/cdnow/CDNOW_sample.txt');
if (!fs.existsSync(sample)) {
  console.error(`CDNOW sample not found at ${sample} (set BENCH_CDNOW)`);
  process.exit(2);
}
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-startup-'));

/** CPU seconds of waited-for children so far (Linux /proc; 0 elsewhere). */
function childCpuMs(): number {
  try {
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100; // cutime + cstime, 100 ticks/s
  } catch {
    return 0;
  }
}

function time(label: string, args: string[], env: Record<string, string> = {}): { wall: number; cpu: number } {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const c0 = childCpuMs();
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
    const wall = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${label} failed (${r.status}): ${r.stderr}`);
    walls.push(wall);
    cpus.push(childCpuMs() - c0);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const res = { wall: Math.round(median(walls)), cpu: Math.round(median(cpus)) };
  console.log(`${label.padEnd(24)} median ${res.wall} ms wall, ${res.cpu} ms cpu (min ${Math.round(Math.min(...walls))} ms, ${RUNS} runs)`);
  return res;
}

console.log(machineLine());
console.log(
  `load average before: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (the machine may be shared: cpu ms is the steadier figure)`,
);
if (!serverBuildIsFresh()) {
  const { files, ms } = await buildServer();
  console.log(`compiled ${files} files to dist/server in ${ms} ms`);
}
const tiny = path.join(out, 'cdnow-30.txt');
fs.writeFileSync(tiny, `${fs.readFileSync(sample, 'utf8').split('\n').slice(0, 30).join('\n')}\n`);
const reportOn = (file: string) => ['report', file, '--customer-col', '2', '--date-col', '3', '--amount-col', '5', '--time-unit', 'week', '--html', path.join(out, 'report.html')];
const report = reportOn(sample);
// the build just made, even if someone edits src/ meanwhile (KEEPWELL_FROM_SOURCE=0)
const compiled = { KEEPWELL_FROM_SOURCE: '0' };
const help = time('help (compiled)', ['--help'], compiled);
const rep = time('report (compiled)', report, compiled);
const repTiny = time('report 30 lines (comp.)', reportOn(tiny), compiled);
const helpTsx = time('help (tsx)', ['--help'], { KEEPWELL_FROM_SOURCE: '1' });
const repTsx = time('report (tsx)', report, { KEEPWELL_FROM_SOURCE: '1' });
fs.rmSync(out, { recursive: true, force: true });
console.log(
  `load average after: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(
  `startup: help_ms=${help.wall} report_ms=${rep.wall} report_30_lines_ms=${repTiny.wall} help_cpu_ms=${help.cpu} report_cpu_ms=${rep.cpu} report_30_lines_cpu_ms=${repTiny.cpu} help_tsx_ms=${helpTsx.wall} report_tsx_ms=${repTsx.wall} runs=${RUNS} cores=${os.cpus().length} memory_gb=${(os.totalmem() / 2 ** 30).toFixed(1)} node=${process.version}`,
);
