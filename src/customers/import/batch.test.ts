import { describe, expect, it } from 'vitest';
import { createPacker } from './batch.js';
import { orderRow } from './fixtures/order-row.js';
import type { OrderRow } from './rows.js';

const order = (line: number, ext: string, customerExt: string | null, email: string | null, at: string): OrderRow =>
  orderRow({ line, ext, amount: line * 100, orderedAt: new Date(at), customerExt, email, emailNorm: email });

describe('packing orders for the writer', () => {
  it("sends columns, and each customer's details only the first time in a real import", () => {
    const pack = createPacker(false, false);
    const first = pack('orders', [order(2, 'o1', 'c1', 'a@x.com', '2024-01-02'), order(3, 'o2', null, 'b@x.com', '2024-01-03'), order(4, 'o3', 'c1', null, '2024-01-01')]);
    if (first.type !== 'orders') throw new Error('expected orders');
    expect(first.orders.keys).toEqual(['x:c1', 'e:b@x.com', 'x:c1']);
    const values = first.orders.values;
    if (!('exts' in values)) throw new Error('expected values');
    expect(values.exts).toEqual(['o1', 'o2', 'o3']);
    expect([...values.amounts]).toEqual([200, 300, 400]);
    expect(first.orders.times[2]).toBe(Date.parse('2024-01-01'));
    expect(first.orders.people.map((p) => [p.line, p.customerExt, p.email])).toEqual([
      [2, 'c1', 'a@x.com'],
      [3, null, 'b@x.com'],
    ]);
    const second = pack('orders', [order(5, 'o4', 'c1', 'a@x.com', '2024-02-01'), order(6, 'o5', 'c2', null, '2024-02-02')]);
    if (second.type !== 'orders') throw new Error('expected orders');
    expect(second.orders.people.map((p) => p.customerExt)).toEqual(['c2']);
  });

  it('a dry run sends the details again in every batch (its writer forgets what it pretended to create)', () => {
    const pack = createPacker(true, true);
    pack('orders', [order(2, 'o1', 'c1', null, '2024-01-02')]);
    const again = pack('orders', [order(3, 'o2', 'c1', null, '2024-01-03')]);
    if (again.type !== 'orders') throw new Error('expected orders');
    expect(again.orders.people.map((p) => p.customerExt)).toEqual(['c1']);
    // for the embedded database: COPY's binary payload, the customer id left as zeros
    const v = again.orders.values;
    if (!('binary' in v)) throw new Error('expected a binary payload');
    expect(Buffer.from(v.binary.subarray(0, 11)).toString('latin1')).toBe('PGCOPY\n\xff\r\n\0');
    expect([...v.binary.subarray(v.customerAt[0], v.customerAt[0] + 16)].every((x) => x === 0)).toBe(true);
    expect(Buffer.from(v.binary.buffer, v.binary.byteOffset).readInt32BE(v.customerAt[0] - 4)).toBe(16); // its length field
  });
});
