// The server's import slices follow the time they take (writer.ts SliceSizer).
import { describe, expect, it } from 'vitest';
import { SliceSizer } from './writer.js';

describe('SliceSizer', () => {
  it('shrinks the bounds after a slow full slice and grows them after a quick one, at most 2x a step', () => {
    const s = new SliceSizer({ rows: 1000, customers: 200 }, 50);
    s.took(100, 1000, 0); // twice the target
    expect(s.limits).toEqual({ rows: 500, customers: 100 });
    s.took(1000, 500, 0); // twenty times: halved, not more
    expect(s.limits).toEqual({ rows: 250, customers: 50 });
    s.took(25, 250, 0); // half the target
    expect(s.limits).toEqual({ rows: 500, customers: 100 });
    s.took(5, 500, 0); // quick: back up, but never above where it started
    expect(s.limits).toEqual({ rows: 1000, customers: 200 });
  });

  it('judges a slice by the bound it filled (new customers count as well as rows)', () => {
    const s = new SliceSizer({ rows: 1000, customers: 200 }, 50);
    s.took(100, 100, 200); // full of new customers, few rows
    expect(s.limits).toEqual({ rows: 500, customers: 100 });
  });

  it('learns nothing from a short last slice, and stays between 1/20 of the start and the start', () => {
    const s = new SliceSizer({ rows: 1000, customers: 200 }, 50);
    s.took(5000, 10, 1);
    expect(s.limits).toEqual({ rows: 1000, customers: 200 });
    for (let i = 0; i < 20; i++) s.took(1, s.limits.rows, 0);
    expect(s.limits).toEqual({ rows: 1000, customers: 200 });
    for (let i = 0; i < 20; i++) s.took(10_000, s.limits.rows, 0);
    expect(s.limits).toEqual({ rows: 50, customers: 10 });
  });
});
