// Assistant benchmark: runs the real `keepwell assistant eval --json` (what the team's checks run)
// on BANKING77 (10-shot and full FAQ, with and without held-out intents as out-of-scope messages)
// and on a 1,000-entry knowledge base for latency and throughput.
// `npm run bench -- assistant`
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { machineLine } from './lib/machine.js';

console.log(machineLine());
console.log(
  `load average at start: ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} (the machine is shared; wall-clock figures scale with it)`,
);
const root = path.resolve(import.meta.dirname, '..');
const data = path.resolve(root, '../shared/data/banking77');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-bench-assistant-'));
type Row = { text: string; category: string };
const read = (f: string) => parse(fs.readFileSync(path.join(data, f)), { columns: true }) as Row[];
const train = read('train.csv');
const test = read('test.csv');
const cats = [...new Set(train.map((r) => r.category))];
// every fifth intent is left out of the FAQ for the out-of-scope test (15 of 77)
const heldOut = new Set(cats.filter((_, i) => i % 5 === 4));

function writeFaq(name: string, shots: number, exclude: Set<string>, group = (r: Row, _n: number) => r.category): string {
  const seen = new Map<string, number>();
  const rows: string[][] = [];
  train.forEach((r) => {
    if (exclude.has(r.category)) return;
    const n = seen.get(r.category) ?? 0;
    if (n >= shots) return;
    seen.set(r.category, n + 1);
    rows.push([group(r, n), r.text, `Answer for ${r.category}`]);
  });
  const p = path.join(tmp, name);
  fs.writeFileSync(p, stringify(rows, { header: true, columns: ['entry', 'question', 'answer'] }));
  return p;
}
function writeMessages(name: string, oos: Set<string>, expected = (r: Row) => r.category): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(
    p,
    stringify(
      test.map((r) => [r.text, oos.has(r.category) ? '' : expected(r)]),
      { header: true, columns: ['message', 'expected'] },
    ),
  );
  return p;
}
function evalCli(faq: string, messages: string) {
  const out = execFileSync(process.execPath, [path.join(root, 'bin/keepwell.js'), 'assistant', 'eval', '--faq', faq, '--messages', messages, '--json'], {
    cwd: root,
    maxBuffer: 1 << 26,
    env: { ...process.env, KEEPWELL_FROM_SOURCE: '1' },
  });
  return JSON.parse(out.toString());
}

const lines: string[] = [];
for (const [label, shots] of [
  ['10-shot', 10],
  ['full', 1e9],
] as const) {
  for (const oos of [false, true]) {
    const faq = writeFaq(`faq-${shots}-${oos}.csv`, shots, oos ? heldOut : new Set());
    const msgs = writeMessages(`msg-${oos}.csv`, oos ? heldOut : new Set());
    const t0 = Date.now();
    const r = evalCli(faq, msgs);
    const line = `banking77 ${label}${oos ? ` with ${heldOut.size} intents held out` : ''}: entries=${r.entries} phrasings=${r.phrasings} accuracy=${r.inScope.accuracy} top3=${r.inScope.top3} clarified=${r.inScope.clarified} wrong=${r.inScope.wronglyAnswered}${oos ? ` oos_recall=${r.outOfScope.recall} oos_answered=${r.outOfScope.wronglyAnswered}` : ''}  p99_ms=${r.latency.p99_ms} per_s=${r.per_s} build_ms=${r.build_ms} build_cpu_ms=${r.build_cpu_ms} (${((Date.now() - t0) / 1000).toFixed(0)} s)`;
    console.log(line);
    lines.push(line);
  }
}

// a typical FAQ: 500 entries of 3 phrasings (BANKING77's training phrasings in groups of 3), built
// and calibrated, then one entry replaced (an edit in the web app)
const typical = writeFaq('faq-500.csv', 1e9, new Set(), (r, n) => `${r.category}-${Math.floor(n / 3)}`);
{
  const rows = parse(fs.readFileSync(typical), { columns: true }) as { entry: string }[];
  const keep = new Set([...new Set(rows.map((r) => r.entry))].filter((_, i) => i % 6 === 0).slice(0, 500));
  const kept = rows.filter((r) => keep.has(r.entry));
  fs.writeFileSync(typical, stringify(kept, { header: true, columns: ['entry', 'question', 'answer'] }));
  const few = path.join(tmp, 'msg-few.csv');
  fs.writeFileSync(
    few,
    stringify(
      test.slice(0, 300).map((r) => [r.text, '']),
      { header: true, columns: ['message', 'expected'] },
    ),
  );
  const r = evalCli(typical, few);
  console.log(`typical FAQ: entries=${r.entries} phrasings=${r.phrasings} build_ms=${r.build_ms} update_ms=${r.update_ms} build_cpu_ms=${r.build_cpu_ms} update_cpu_ms=${r.update_cpu_ms}`);
}

// 1,000 entries: BANKING77's training phrasings in groups of 10 (same intent → several entries)
const big = writeFaq('faq-1000.csv', 1e9, new Set(), (r, n) => `${r.category}-${Math.floor(n / 10)}`);
const bigMsgs = writeMessages('msg-1000.csv', new Set(cats));
const r = evalCli(big, bigMsgs);
console.log(
  `1,000-entry knowledge base built and calibrated in ${r.build_ms} ms (CPU ${r.build_cpu_ms} ms), one entry replaced in ${r.update_ms} ms (CPU ${r.update_cpu_ms} ms); ${r.messages} messages`,
);
fs.rmSync(tmp, { recursive: true, force: true });
console.log(`assistant: entries=${r.entries} messages=${r.messages} p99_ms=${r.latency.p99_ms} per_s=${r.per_s}`);
