// `keepwell assistant eval`: reads an FAQ file and a messages file, builds the knowledge base
// exactly as the product does (same matcher, same self-calibrated thresholds) and scores it.
import { parse } from 'csv-parse/sync';
import { KnowledgeIndex, type Decision } from './knowledge-index.js';
import type { MatcherEntry } from './matcher.js';

export class EvalInputError extends Error {}

export interface FaqRow {
  entry: string;
  question: string;
  answer: string;
}

export interface MessageRow {
  message: string;
  expected: string | null;
}

/** Rows of a CSV with the given header (extra columns are refused); errors name the line. */
function readCsv(text: string | Buffer, file: string, header: string[], required: string[]): { line: number; row: Record<string, string> }[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, info: true }) as never;
  } catch (err) {
    const e = err as { lines?: number; message: string };
    throw new EvalInputError(`${file}: line ${e.lines ?? '?'}: ${e.message.replace(/^Invalid /, 'invalid ')}`);
  }
  if (!records.length) throw new EvalInputError(`${file}: line 1: the file is empty (expected the header ${header.join(',')})`);
  const head = records[0]!.record.map((h) => h.trim().toLowerCase());
  const missing = header.filter((h) => !head.includes(h));
  if (missing.length) throw new EvalInputError(`${file}: line 1: the header must be ${header.join(',')} (missing ${missing.join(', ')}; found ${head.join(',')})`);
  const col = Object.fromEntries(header.map((h) => [h, head.indexOf(h)]));
  const out: { line: number; row: Record<string, string> }[] = [];
  for (const { record, info } of records.slice(1)) {
    const line = info.lines;
    if (record.length !== head.length) throw new EvalInputError(`${file}: line ${line}: expected ${head.length} fields, found ${record.length}`);
    const row: Record<string, string> = {};
    for (const h of header) row[h] = (record[col[h]!] ?? '').trim();
    for (const r of required) if (!row[r]) throw new EvalInputError(`${file}: line ${line}: "${r}" is empty`);
    for (const h of header) if (/\u0000/.test(row[h]!)) throw new EvalInputError(`${file}: line ${line}: "${h}" holds a NUL byte`);
    out.push({ line, row });
  }
  return out;
}

export function readFaqCsv(text: string | Buffer, file = 'FAQ.csv'): MatcherEntry[] {
  const rows = readCsv(text, file, ['entry', 'question', 'answer'], ['entry', 'question']);
  const byId = new Map<string, MatcherEntry>();
  for (const { row } of rows) {
    const e = byId.get(row.entry!) ?? { id: row.entry!, phrasings: [] };
    e.phrasings.push(row.question!);
    byId.set(e.id, e);
  }
  if (!byId.size) throw new EvalInputError(`${file}: line 2: no entries (one row per phrasing: entry,question,answer)`);
  return [...byId.values()];
}

export function readMessagesCsv(text: string | Buffer, file = 'MESSAGES.csv', knownEntries?: Set<string>): MessageRow[] {
  const rows = readCsv(text, file, ['message', 'expected'], ['message']);
  return rows.map(({ line, row }) => {
    const expected = row.expected || null;
    if (expected !== null && knownEntries && !knownEntries.has(expected)) throw new EvalInputError(`${file}: line ${line}: expected entry "${expected}" is not in the FAQ file`);
    return { message: row.message!, expected };
  });
}

export interface EvalResult {
  entries: number;
  phrasings: number;
  messages: number;
  inScope: { messages: number; accuracy: number; clarified: number; top3: number; dontKnow: number; wronglyAnswered: number };
  outOfScope: { messages: number; recall: number; wronglyAnswered: number; clarified: number };
  latency: { p50_ms: number; p99_ms: number };
  per_s: number;
  build_ms: number;
  /** time to replace one entry in the built knowledge base (an edit in the web app), without recalibrating */
  update_ms: number;
  /** the same in CPU time of this process (on a shared machine, wall-clock time grows with the load) */
  build_cpu_ms: number;
  update_cpu_ms: number;
  calibration: { answerThreshold: number; clarifyThreshold: number; probes: { inScope: number; outOfScope: number } };
}

export function evaluate(entries: MatcherEntry[], messages: MessageRow[]): EvalResult {
  const cpuMs = () => process.cpuUsage().user / 1000;
  let t0 = performance.now();
  let c0 = cpuMs();
  const index = new KnowledgeIndex(entries);
  const buildMs = performance.now() - t0;
  const buildCpuMs = cpuMs() - c0;
  const lat: number[] = [];
  const decisions: Decision[] = [];
  t0 = performance.now();
  for (const m of messages) {
    const s = performance.now();
    decisions.push(index.decide(m.message));
    lat.push(performance.now() - s);
  }
  const total = performance.now() - t0;
  // an edit: the first entry saved again (same phrasings), matched at once
  t0 = performance.now();
  c0 = cpuMs();
  if (entries.length) index.upsert(entries[0]!);
  const updateMs = performance.now() - t0;
  const updateCpuMs = cpuMs() - c0;
  const ins = { messages: 0, right: 0, clarified: 0, top3: 0, dontKnow: 0, wrong: 0 };
  const oos = { messages: 0, dontKnow: 0, wrong: 0, clarified: 0 };
  messages.forEach((m, i) => {
    const d = decisions[i]!;
    if (m.expected !== null) {
      ins.messages++;
      if (d.ranked.slice(0, 3).some((r) => r.entryId === m.expected)) ins.top3++;
      if (d.kind === 'answer') d.entryIds[0] === m.expected ? ins.right++ : ins.wrong++;
      else if (d.kind === 'clarify') ins.clarified++;
      else ins.dontKnow++;
    } else {
      oos.messages++;
      if (d.kind === 'dont_know') oos.dontKnow++;
      else if (d.kind === 'answer') oos.wrong++;
      else oos.clarified++;
    }
  });
  lat.sort((a, b) => a - b);
  const q = (p: number) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]! : 0);
  const r = (x: number) => Math.round(x * 1000) / 1000;
  const div = (a: number, b: number) => (b ? a / b : 0);
  return {
    entries: entries.length,
    phrasings: entries.reduce((a, e) => a + e.phrasings.length, 0),
    messages: messages.length,
    inScope: {
      messages: ins.messages,
      accuracy: r(div(ins.right, ins.messages)),
      clarified: r(div(ins.clarified, ins.messages)),
      top3: r(div(ins.top3, ins.messages)),
      dontKnow: r(div(ins.dontKnow, ins.messages)),
      wronglyAnswered: r(div(ins.wrong, ins.messages)),
    },
    outOfScope: {
      messages: oos.messages,
      recall: r(div(oos.dontKnow, oos.messages)),
      wronglyAnswered: r(div(oos.wrong, oos.messages)),
      clarified: r(div(oos.clarified, oos.messages)),
    },
    latency: { p50_ms: r(q(0.5)), p99_ms: r(q(0.99)) },
    per_s: Math.round(div(messages.length, total / 1000)),
    build_ms: Math.round(buildMs),
    update_ms: Math.round(updateMs),
    build_cpu_ms: Math.round(buildCpuMs),
    update_cpu_ms: Math.round(updateCpuMs),
    calibration: {
      answerThreshold: index.calibration.answerThreshold,
      clarifyThreshold: index.calibration.clarifyThreshold,
      probes: index.calibration.probes,
    },
  };
}

export function renderTable(r: EvalResult): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const rows: [string, string][] = [
    ['entries', `${r.entries} (${r.phrasings} phrasings)`],
    ['messages', `${r.messages} (${r.inScope.messages} in scope, ${r.outOfScope.messages} out of scope)`],
    ['in scope: answered right', pct(r.inScope.accuracy)],
    ['in scope: right entry in top 3', pct(r.inScope.top3)],
    ['in scope: clarified', pct(r.inScope.clarified)],
    ['in scope: answered wrong', pct(r.inScope.wronglyAnswered)],
    ['out of scope: "don\'t know"', pct(r.outOfScope.recall)],
    ['out of scope: answered', pct(r.outOfScope.wronglyAnswered)],
    ['latency p50 / p99', `${r.latency.p50_ms} ms / ${r.latency.p99_ms} ms`],
    ['messages per second', String(r.per_s)],
    ['build + calibration', `${r.build_ms} ms (CPU ${r.build_cpu_ms} ms)`],
    ['replace one entry', `${r.update_ms} ms (CPU ${r.update_cpu_ms} ms)`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}
