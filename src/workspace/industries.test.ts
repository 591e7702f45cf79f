import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { industries } from './industries.js';

const file = new URL('../../../shared/data/benchmarks/retention-by-industry.md', import.meta.url);

describe('industry benchmarks', () => {
  it.skipIf(!fs.existsSync(file))('match the shared benchmark table', () => {
    const rows = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.match(/^\|\s*([a-z_]+)\s*\|\s*(.+?)\s*\|\s*(\d+)%\s*\|$/))
      .filter((m): m is RegExpMatchArray => m !== null)
      .map((m) => ({ key: m[1], name: m[2], annualRetention: Number(m[3]) / 100 }));
    expect(rows.length).toBeGreaterThan(5);
    expect(industries.map((i) => ({ ...i }))).toEqual(rows);
  });
});
