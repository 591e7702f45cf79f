// `keepwell report FILE --json` timed as a user runs it (a fresh process: start-up, reading,
// the three purchase models, CLV for everyone), on the generated 1,000,000-order file and on
// CDNOW's full file, against the bare csv-parse read of the same 1M file in the same run.
// Goal (issue 15): the whole report in less time than csv-parse alone needs, under 1 GB.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse';
import { machineLine } from './lib/machine.js';
import { ordersFile } from './lib/orders-file.js';
// @ts-expect-error plain JavaScript build helper without type declarations
import { buildServer, serverBuildIsFresh } from '../scripts/server-build.js';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 1_000_000);
const cdnow = path.resolve('../shared/data/cdnow/CDNOW_master.txt');
console.log(machineLine());
const file = ordersFile(ORDERS);

// the compiled CLI, as a user runs it: in a checkout others are editing, bin/keepwell.js would
// otherwise fall back to the TypeScript sources through tsx (seconds of start-up)
if (!serverBuildIsFresh()) {
  const { files, ms } = await buildServer();
  console.log(`  compiled ${files} server files first (${ms} ms, not counted)`);
}

/** the CLI in a fresh process under /usr/bin/time: wall seconds, CPU seconds (user + system) and peak RSS */
function runReport(args: string[]): { seconds: number; cpuSeconds: number; peakMb: number; json: { models: { chosen?: { name: string; by: string } | null } } } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', process.execPath, 'bin/keepwell.js', 'report', ...args, '--json', '--no-html'], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, KEEPWELL_FROM_SOURCE: '0' },
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`keepwell report failed: ${r.stderr}`);
  const [kb, user, sys] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { seconds, cpuSeconds: user + sys, peakMb: Math.round(kb / 1024), json: JSON.parse(r.stdout) };
}

const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function bareParse(): Promise<{ seconds: number; cpuSeconds: number }> {
  const t0 = performance.now();
  const c0 = cpuNow();
  let rows = 0;
  for await (const _ of fs.createReadStream(file).pipe(parse({ delimiter: ',' }))) rows++;
  if (rows < ORDERS) throw new Error('short read');
  return { seconds: (performance.now() - t0) / 1000, cpuSeconds: cpuNow() - c0 };
}

const bare = await bareParse();
console.log(
  `  csv-parse alone      ${bare.seconds.toFixed(2)} s (cpu ${bare.cpuSeconds.toFixed(2)} s); load ${os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')}`,
);
const big = runReport([file]);
console.log(`  keepwell report 1M   ${big.seconds.toFixed(2)} s (cpu ${big.cpuSeconds.toFixed(2)} s), peak ${big.peakMb} MB, model ${big.json.models.chosen?.name} (by ${big.json.models.chosen?.by})`);
if (fs.existsSync(cdnow)) {
  const c = runReport([cdnow, '--time-unit', 'week']);
  console.log(
    `  keepwell report CDNOW_master (69,659 rows) ${c.seconds.toFixed(2)} s (cpu ${c.cpuSeconds.toFixed(2)} s), peak ${c.peakMb} MB, model ${c.json.models.chosen?.name} (by ${c.json.models.chosen?.by})`,
  );
}
console.log(
  `  load average after: ${os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')}`,
);
console.log(
  `report-cli: orders=${ORDERS} seconds=${big.seconds.toFixed(2)} parse_seconds=${bare.seconds.toFixed(2)} ratio=${(big.seconds / bare.seconds).toFixed(2)} cpu_seconds=${big.cpuSeconds.toFixed(2)} parse_cpu_seconds=${bare.cpuSeconds.toFixed(2)} cpu_ratio=${(big.cpuSeconds / bare.cpuSeconds).toFixed(2)} peak_mb=${big.peakMb}`,
);
