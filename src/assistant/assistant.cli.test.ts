// Runs the real `keepwell assistant eval` as a child process on small fixture files.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const fixtures = path.join(import.meta.dirname, 'fixtures');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-assistant-eval-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function keepwell(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [path.join(root, 'bin/keepwell.js'), ...args], { cwd: root, env: { ...process.env, KEEPWELL_FROM_SOURCE: '1' }, timeout: 120_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function file(name: string, text: string): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
}

const faq = path.join(fixtures, 'shop-faq.csv');
const messages = path.join(fixtures, 'shop-messages.csv');

describe('keepwell assistant eval', () => {
  it('--json prints the fields the issue names, scored from the files', async () => {
    const r = await keepwell('assistant', 'eval', '--faq', faq, '--messages', messages, '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.entries).toBe(6);
    expect(out.messages).toBe(10);
    expect(out.inScope.messages).toBe(8);
    expect(out.outOfScope.messages).toBe(2);
    for (const k of ['accuracy', 'clarified', 'top3']) expect(out.inScope[k]).toBeGreaterThanOrEqual(0);
    expect(out.inScope.accuracy).toBeGreaterThanOrEqual(0.75);
    expect(out.inScope.top3).toBe(1);
    expect(out.outOfScope.recall).toBe(1);
    expect(out.outOfScope.wronglyAnswered).toBe(0);
    expect(out.latency.p50_ms).toBeGreaterThan(0);
    expect(out.latency.p99_ms).toBeGreaterThanOrEqual(out.latency.p50_ms);
    expect(out.per_s).toBeGreaterThan(0);
  });

  it('prints a short table without --json', async () => {
    const r = await keepwell('assistant', 'eval', '--faq', faq, '--messages', messages);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/in scope: answered right\s+\d+\.\d%/);
    expect(r.stdout).toMatch(/out of scope: "don't know"\s+100\.0%/);
  });

  const badCases: [string, string, RegExp][] = [
    ['faq', 'question,answer\nhi,there\n', /line 1: the header must be entry,question,answer/],
    ['faq', 'entry,question,answer\na,hello,x\nb,,y\n', /line 3: "question" is empty/],
    ['messages', 'message,expected\nhello,hours\n"unclosed,\n', /line 3/],
    ['messages', 'message,expected\nhello,hours\nbye,nosuch\n', /line 3: expected entry "nosuch" is not in the FAQ file/],
    ['messages', 'message,expected\nhello,hours,extra\n', /line 2: expected 2 fields, found 3/],
  ];
  it.each(badCases.map(([which, text, want], i) => ({ which, text, want, i })))('a bad $which file gets a clear error naming the line (case $i)', async ({ which, text, want, i }) => {
    const bad = file(`${which}-${i}.csv`, text);
    const r = await keepwell('assistant', 'eval', '--faq', which === 'faq' ? bad : faq, '--messages', which === 'messages' ? bad : messages, '--json');
    expect(r.code, text).toBe(2);
    expect(r.stderr, text).toMatch(want);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });

  it('a missing file is named', async () => {
    const missing = await keepwell('assistant', 'eval', '--faq', path.join(tmp, 'nope.csv'), '--messages', messages);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.csv: no such file/);
  });
});
