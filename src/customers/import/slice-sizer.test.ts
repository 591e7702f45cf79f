// The server's import slices follow the time they take (writer.ts SliceSizer), and carry their
// rows' customers along (sliceOrders).
import { describe, expect, it } from 'vitest';
import { BatchPacker, CustomerNumbers, type KnownCustomer } from './batch.js';
import { orderRow } from './fixtures/order-row.js';
import { SliceSizer, sliceOrders } from './writer.js';

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

describe('sliceOrders', () => {
  it("cuts a batch whose customers the reader numbered into slices that keep each row's customer", () => {
    // three numbered customers and one the reader did not number (past its 100,000)
    const known: KnownCustomer[] = ['x:a', 'x:b', 'x:c'].map((key, no) => ({ key, no, emailNorm: null, phoneNorm: null, sentIn: null }));
    const order = (i: number, customer: string) => orderRow({ line: i + 2, ext: `o${i}`, amount: 100 + i, orderedAt: new Date(Date.UTC(2024, 0, 1 + i)), customerExt: customer });
    const packer = new BatchPacker('orders', false, true);
    const owners = ['a', 'b', 'z', 'a', 'c', 'z', 'b', 'c', 'a'];
    owners.forEach((c, i) => {
      const k = known.find((x) => x.key === `x:${c}`);
      packer.push(order(i, c), `x:${c}`, k);
    });
    const batch = packer.take();
    if (batch.type !== 'orders') throw new Error('expected orders');
    expect(batch.orders.numbers).toEqual(Int32Array.from([0, 1, -1, 0, 2, -1, 1, 2, 0]));
    expect(batch.orders.keys).toEqual(['x:z', 'x:z']); // only the unnumbered rows' keys travel
    new CustomerNumbers().restoreKeys(batch.orders);
    expect(batch.orders.keys).toEqual(owners.map((c) => `x:${c}`));

    const slices = sliceOrders(batch.orders, () => false, { rows: 2, customers: 2 });
    expect(slices.length).toBeGreaterThan(3);
    for (const s of slices) {
      expect(s.numbers?.length).toBe(s.keys.length);
      expect(s.times.length).toBe(s.keys.length);
    }
    expect(slices.flatMap((s) => s.keys)).toEqual(batch.orders.keys);
    expect(slices.flatMap((s) => [...s.numbers!])).toEqual([0, 1, -1, 0, 2, -1, 1, 2, 0]);
  });
});
