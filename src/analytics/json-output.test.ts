import { describe, expect, it } from 'vitest';
import { writeJsonLine } from './analytics.cli.js';

const written = (value: Record<string, unknown>) => {
  const parts: string[] = [];
  writeJsonLine(value, (t) => parts.push(t));
  return parts.join('');
};

describe('the report JSON written in pieces', () => {
  it('is the same text as console.log(JSON.stringify(report))', () => {
    const rows = Array.from({ length: 4501 }, (_, i) => ({
      id: `c${i} "quoted" ×`,
      clv: i / 7,
      skipped: undefined,
      reasons: [`Overdue: ${i} days\n`],
      nested: { customers: [i] },
    }));
    const cases: Record<string, unknown>[] = [
      { source: '/x.csv', skippedRows: 0, type: 'orders', customers: rows, after: { customers: 'not these' } },
      { customers: rows.slice(0, 1) },
      { customers: [] },
      { a: 1 },
      { customers: [undefined, null, 1, 'x'] },
      { customers: rows.slice(0, 3), note: '\u0000keepwell:customers\u0000' },
    ];
    for (const value of cases) expect(written(value)).toBe(`${JSON.stringify(value)}\n`);
  });
});
