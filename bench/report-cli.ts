// `keepwell report FILE --json` timed as a user runs it (a fresh process: start-up, reading,
// the three purchase models, CLV for everyone), on the generated 1,000,000-order file and on
// CDNOW's full file, against the bare csv-parse read of the same 1M file in the same run.
// Goal (issue 15): the whole report in less time than csv-parse alone needs, under 1 GB.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import { machineLine } from './lib/machine.js';
import { ordersFile } from './lib/orders-file.js';

const ORDERS = Number(process.env.BENCH_ORDERS ?? 1_000_000);
const cdnow = path.resolve('../shared/data/cdnow/CDNOW_master.txt');
console.log(machineLine());
const file = ordersFile(ORDERS);

/** the CLI in a fresh process under /usr/bin/time: wall seconds and peak RSS */
function runReport(args: string[]): { seconds: number; peakMb: number; json: { models: { chosen?: { name: string; by: string } | null } } } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, 'bin/keepwell.js', 'report', ...args, '--json', '--no-html'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`keepwell report failed: ${r.stderr}`);
  const kb = Number(r.stderr.trim().split('\n').at(-1));
  return { seconds, peakMb: Math.round(kb / 1024), json: JSON.parse(r.stdout) };
}

async function bareParse(): Promise<number> {
  const t0 = performance.now();
  let rows = 0;
  for await (const _ of fs.createReadStream(file).pipe(parse({ delimiter: ',' }))) rows++;
  if (rows < ORDERS) throw new Error('short read');
  return (performance.now() - t0) / 1000;
}

const parseSeconds = await bareParse();
console.log(`  csv-parse alone      ${parseSeconds.toFixed(2)} s`);
const big = runReport([file]);
console.log(`  keepwell report 1M   ${big.seconds.toFixed(2)} s, peak ${big.peakMb} MB, model ${big.json.models.chosen?.name} (by ${big.json.models.chosen?.by})`);
if (fs.existsSync(cdnow)) {
  const c = runReport([cdnow, '--time-unit', 'week']);
  console.log(`  keepwell report CDNOW_master (69,659 rows) ${c.seconds.toFixed(2)} s, peak ${c.peakMb} MB, model ${c.json.models.chosen?.name} (by ${c.json.models.chosen?.by})`);
}
console.log(`report-cli: orders=${ORDERS} seconds=${big.seconds.toFixed(2)} parse_seconds=${parseSeconds.toFixed(2)} ratio=${(big.seconds / parseSeconds).toFixed(2)} peak_mb=${big.peakMb}`);
