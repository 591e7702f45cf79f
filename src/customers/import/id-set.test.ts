import { describe, expect, it } from 'vitest';
import { IdSet } from './id-set.js';

describe('IdSet', () => {
  it('answers the first line of every id it has met, across growth, and 0 for new ones', () => {
    const set = new IdSet(4);
    const n = 200_000;
    for (let i = 1; i <= n; i++) expect(set.firstLine(`ord-${i}`, i)).toBe(0);
    expect(set.size).toBe(n);
    for (let i = 1; i <= n; i += 997) expect(set.firstLine(`ord-${i}`, n + i)).toBe(i);
    expect(set.lineOf('ord-123')).toBe(123);
    expect(set.lineOf('ord-0')).toBe(0);
    expect(set.lineOf('')).toBe(0);
    expect(set.firstLine('', 5)).toBe(0);
    expect(set.lineOf('')).toBe(5);
    expect(set.size).toBe(n + 1);
  });

  it('tells apart ids that differ only in order, case or unicode', () => {
    const set = new IdSet();
    const ids = ['ab', 'ba', 'AB', 'é', 'e\u0301', '☕1', '1☕', 'x'.repeat(10_000), 'x'.repeat(10_001)];
    for (const [i, id] of ids.entries()) expect(set.firstLine(id, i + 1)).toBe(0);
    for (const [i, id] of ids.entries()) expect(set.lineOf(id)).toBe(i + 1);
  });
});
