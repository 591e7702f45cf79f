// Import reader benchmark: the reading half of `keepwell import orders.csv --type orders
// --currency EUR --time-zone UTC` alone — readImport with the options the command passes, each
// batch packed for the embedded database (createPacker(false, true)) as the reader's worker thread
// does, no database — on the generated orders file (bench/lib/orders-file.ts), against csv-parse
// alone over the same file. Both run in child processes, best of three each; the reader runs in a
// worker thread with the heap limits the import gives it (importer.ts), so its garbage collector
// works as in the command. `npm run bench -- import-reader` (BENCH_ROWS=… for a smaller file,
// BENCH_RUNS=… for more runs, BENCH_FIRST_PASS=1 for the first pass the worker may read first).
// `--cpu-prof` after the script's path profiles one reader run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { isMainThread, Worker, workerData, parentPort } from 'node:worker_threads';
import { machineLine } from './lib/machine.js';
import { ordersFile } from './lib/orders-file.js';
import { printBareParse } from './lib/bare-parse.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
/** BENCH_FIRST_PASS=1: time read-worker.ts's first pass (earliest order per customer) instead */
const FIRST_PASS = process.env.BENCH_FIRST_PASS === '1';
const mode = process.argv.find((a) => a === '--bare-parse' || a === '--reader' || a === '--reader-worker');

/** The reader's work, in the worker thread: answers the rows read and the batches packed. */
async function readerWork(file: string): Promise<{ rows: number; batches: number; bytes: number; seconds: number; cpu: number }> {
  const { readImport } = await import('../src/customers/import/read.js');
  const { fileSource } = await import('../src/customers/import/csv.js');
  const { BatchPacker, transferable } = await import('../src/customers/import/batch.js');
  type WriteBatch = import('../src/customers/import/batch.js').WriteBatch;
  let batches = 0;
  let bytes = 0;
  // timed from here, as the bare parse is timed after its imports (CPU: the whole process, the
  // garbage collector's helper threads included, as for the bare parse)
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  // the options customers.cli.ts passes for `--type orders --currency EUR --time-zone UTC`, each
  // row packed as it comes for the embedded database, as read-worker.ts does
  // batchSize: customers.cli.ts CLI_BATCH_ROWS
  const options = { type: 'orders' as const, dryRun: false, defaultCurrency: 'EUR', timeZone: 'UTC', batchSize: 5000, onProgress: () => {} };
  let report: Awaited<ReturnType<typeof readImport>>;
  if (FIRST_PASS) {
    // read-worker.ts's first pass: each order's customer and time noted as it comes, nothing kept
    const { FirstOrders } = await import('../src/customers/import/first-orders.js');
    const { customerKeyOf } = await import('../src/customers/import/batch.js');
    const firsts = new FirstOrders();
    let length = 0;
    report = await readImport<null>(
      fileSource(file),
      { ...options, onProgress: undefined, customerNotes: false },
      async () => {
        batches++;
      },
      () => ({
        get length() {
          return length;
        },
        push(r) {
          length++;
          if ('refund' in r || 'part' in r) return;
          const o = r as import('../src/customers/import/rows.js').OrderRow;
          firsts.note(customerKeyOf(o), o.orderedAt.getTime());
        },
        take: () => {
          length = 0;
          return null;
        },
      }),
    );
  } else {
    report = await readImport<WriteBatch>(
      fileSource(file),
      options,
      async (_type, b) => {
        batches++;
        for (const buf of transferable(b)) bytes += buf.byteLength;
      },
      (type) => new BatchPacker(type, false, true),
    );
  }
  if (report.fatal) throw new Error(report.fatal);
  const cpu = process.cpuUsage(cpu0);
  return { rows: report.rows, batches, bytes, seconds: (performance.now() - t0) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
}

if (mode === '--reader-worker' || (!isMainThread && (workerData as { bench?: string })?.bench === 'import-reader')) {
  const r = await readerWork((workerData as { file: string }).file);
  parentPort!.postMessage(r);
} else if (mode === '--bare-parse') {
  await printBareParse(ordersFile(ROWS));
} else if (mode === '--reader') {
  const file = ordersFile(ROWS);
  // a worker thread as in importer.ts readInWorker (tsx registered first: a worker does not inherit it)
  const tsx = import.meta.resolve('tsx/esm/api');
  const self = import.meta.url;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const r = await new Promise<{ rows: number; batches: number; bytes: number; seconds: number; cpu: number }>((resolve, reject) => {
    const w = new Worker(`import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(self)}); })`, {
      eval: true,
      workerData: { bench: 'import-reader', file },
      resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 },
    });
    w.once('message', resolve);
    w.once('error', reject);
    w.once('exit', (code) => code !== 0 && reject(new Error(`reader worker exited with ${code}`)));
  });
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `reader: ${r.rows} rows, ${r.batches} batches (${(r.bytes / 2 ** 20).toFixed(1)} MB) in ${r.seconds.toFixed(2)} s, CPU ${r.cpu.toFixed(2)} s; with the worker's start ${s.toFixed(2)} s, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s (seconds=${r.seconds.toFixed(3)} cpu=${r.cpu.toFixed(3)} rows=${r.rows})`,
  );
} else {
  console.log(machineLine());
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(',');
  console.log(`load average ${load()}`);
  const file = ordersFile(ROWS);
  console.log(`file: ${file}, ${(fs.statSync(file).size / 2 ** 20).toFixed(1)} MB`);
  const extra = process.argv.filter((a) => a.startsWith('--cpu-prof'));
  const child = (flag: string, nodeArgs: string[] = []) => {
    const r = spawnSync(process.execPath, [...nodeArgs, '--import', 'tsx', import.meta.filename, flag], { encoding: 'utf8', env: { ...process.env, BENCH_ROWS: String(ROWS) } });
    if (r.status !== 0) throw new Error(`${flag} failed: ${r.stderr}`);
    process.stdout.write(r.stdout);
    return { seconds: Number(/seconds=([\d.]+)/.exec(r.stdout)![1]), cpu: Number(/cpu=([\d.]+)/.exec(r.stdout)![1]), rows: Number(/rows=(\d+)/.exec(r.stdout)?.[1] ?? 0) };
  };
  // alternate the two so a change in the machine's load falls on both
  const parses: Array<ReturnType<typeof child>> = [];
  const reads: Array<ReturnType<typeof child>> = [];
  for (let i = 0; i < RUNS; i++) {
    parses.push(child('--bare-parse'));
    reads.push(child('--reader'));
  }
  if (extra.length)
    child(
      '--reader',
      extra.map((a) => (a === '--cpu-prof' ? '--cpu-prof' : a)),
    );
  const best = (xs: Array<{ seconds: number; cpu: number }>) => ({ seconds: Math.min(...xs.map((x) => x.seconds)), cpu: Math.min(...xs.map((x) => x.cpu)) });
  const p = best(parses);
  const r = best(reads);
  console.log(
    `import-reader${FIRST_PASS ? '-first-pass' : ''}: rows=${reads[0].rows} seconds=${r.seconds.toFixed(2)} parse_seconds=${p.seconds.toFixed(2)} ratio=${(r.seconds / p.seconds).toFixed(2)} cpu_seconds=${r.cpu.toFixed(2)} parse_cpu_seconds=${p.cpu.toFixed(2)} cpu_ratio=${(r.cpu / p.cpu).toFixed(2)} load=${load()}`,
  );
}
