import { describe, expect, it } from 'vitest';
import { uuidBytes, uuidv7, uuidv7Into } from './ids.js';

describe('time-ordered uuids', () => {
  it('are valid version-7 uuids, unique and increasing within a process', () => {
    const ids = Array.from({ length: 50_000 }, uuidv7);
    for (const id of ids.slice(0, 100)) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    const ms = parseInt(ids[0].replace(/-/g, '').slice(0, 12), 16);
    expect(Math.abs(ms - Date.now())).toBeLessThan(60_000);
  });

  it('bytes and text agree', () => {
    const b = new Uint8Array(20);
    uuidv7Into(b, 2);
    const next = uuidv7();
    const written = Buffer.from(b.subarray(2, 18)).toString('hex');
    expect(written).toMatch(/^[0-9a-f]{12}7[0-9a-f]{3}[89ab]/); // version 7, RFC variant
    // time-ordered: the later id's 48-bit millisecond field is never smaller
    expect(Buffer.from(uuidBytes(next)).toString('hex').slice(0, 12) >= written.slice(0, 12)).toBe(true);
    expect(Buffer.from(uuidBytes('0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b')).toString('hex')).toBe('0190a1b2c3d47e5f8a9b0c1d2e3f4a5b');
  });

  it('increase across both forms, many to a millisecond', () => {
    const b = new Uint8Array(16);
    const hex: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      if (i % 2) hex.push(uuidv7().replace(/-/g, ''));
      else {
        uuidv7Into(b, 0);
        hex.push(Buffer.from(b).toString('hex'));
      }
    }
    // a boolean and the first offender, not the arrays: a failing toEqual on 20k ids draws for minutes
    const firstOutOfOrder = hex.findIndex((h, i) => i > 0 && h <= hex[i - 1]);
    expect(firstOutOfOrder).toBe(-1);
    const perMs = hex.length / new Set(hex.map((h) => h.slice(0, 12))).size;
    expect(perMs).toBeGreaterThan(1); // the sequence, not the clock, kept them apart
  });
});
