// The reader alone (no database): possible duplicate customers noted across a file, and the
// worker's packing (rows packed as they come, with what the reader remembers of each customer)
// giving the same batches as packing the rows afterwards.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { BatchPacker, createPacker, CustomerNumbers, customerKeyOf, type WriteBatch } from './batch.js';
import { bufferSource } from './csv.js';
import { MAX_LISTED, readImport, type ImportOptions, type ImportRow } from './read.js';

const options: ImportOptions = { type: 'orders', defaultCurrency: 'EUR', timeZone: 'UTC', batchSize: 5000 };

interface Order {
  customer: string | null;
  email: string | null;
  phone: string | null;
}

const csv = (orders: Order[]) =>
  Buffer.from(
    ['order_id,customer_id,email,phone,created_at,total', ...orders.map((o, i) => `o${i + 1},${o.customer ?? ''},${o.email ?? ''},${o.phone ?? ''},2024-01-01T00:00:00Z,${(i % 500) + 1}.00`)].join(
      '\n',
    ),
  );

const notesOf = async (orders: Order[]) => (await readImport(bufferSource(csv(orders)), options, async () => {})).duplicateNotes;

/** The notes of possible duplicate customers as the reader has always made them, row by row:
 * each email and phone remembered with the first customer key it came with (100,000 of each at
 * most), a pair of customers noted once. Lines: the header is line 1. */
function expectedNotes(orders: Order[]): Array<{ line: number; reason: string }> {
  const notes: Array<{ line: number; reason: string }> = [];
  const seen = { email: new Map<string, string>(), phone: new Map<string, string>() };
  const flagged = new Set<string>();
  orders.forEach((o, i) => {
    const key = o.customer ?? `e:${o.email ?? ''}|p:${o.phone ?? ''}`;
    for (const what of ['email', 'phone'] as const) {
      const value = o[what];
      if (!value) continue;
      const other = seen[what].get(value);
      if (other === undefined) {
        if (seen[what].size < 100_000) seen[what].set(value, key);
      } else if (other !== key && o.customer !== null && !other.startsWith('e:') && !flagged.has(`${other}\u0000${key}`)) {
        flagged.add(`${other}\u0000${key}`);
        if (notes.length < MAX_LISTED) notes.push({ line: i + 2, reason: `possible duplicate customer: ${what} ${value} also belongs to customer ${other} earlier in the file` });
      }
    }
  });
  return notes;
}

/** A file of `customers` customers, each first with their own email (every seventh with a phone
 * too), then `more` orders of random customers: some with another customer's email or phone,
 * some with a new email, some without a customer id. Seeded: the same file every time. */
function ordersOf(customers: number, more: number): Order[] {
  let seed = 7;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const own = (k: number): Order => ({ customer: `c${k}`, email: `u${k}@example.com`, phone: k % 7 === 0 ? `4477009${k}` : null });
  const orders: Order[] = [];
  for (let k = 1; k <= customers; k++) orders.push(own(k));
  for (let i = 0; i < more; i++) {
    const o = own(1 + rand(customers));
    const other = 1 + rand(customers);
    const roll = rand(100);
    if (roll < 3) o.email = `u${other}@example.com`;
    else if (roll < 5) o.phone = `4477009${other - (other % 7)}`;
    else if (roll < 7) o.email = `new${i}@example.com`;
    else if (roll < 9) o.customer = null;
    orders.push(o);
  }
  return orders;
}

describe('possible duplicate customers in a file', () => {
  it('are noted when one email comes under two customer ids far apart, and when a customer changes to an email another had', async () => {
    const filler = Array.from({ length: 12_000 }, (_, i): Order => ({ customer: `f${i}`, email: `f${i}@example.com`, phone: null }));
    const orders: Order[] = [
      { customer: 'c2', email: 'b@example.com', phone: null }, // line 2
      { customer: 'c1', email: 'a@example.com', phone: null },
      { customer: 'c1', email: 'a@example.com', phone: null },
      { customer: 'c1', email: 'b@example.com', phone: null }, // line 5: c1 now has c2's email
      { customer: 'c1', email: 'b@example.com', phone: null }, // the same pair: noted once
      { customer: 'c1', email: 'a@example.com', phone: null }, // back to its own
      ...filler, // more than two batches of other customers
      { customer: 'c9', email: 'a@example.com', phone: '447700900123' }, // line 12008
      { customer: 'c9', email: 'c9@example.com', phone: '447700900123' },
      { customer: 'c3', email: 'c9@example.com', phone: '447700900123' }, // line 12010: both c9's
    ];
    const notes = await notesOf(orders);
    expect(notes).toEqual([
      { line: 5, reason: 'possible duplicate customer: email b@example.com also belongs to customer c2 earlier in the file' },
      { line: 12008, reason: 'possible duplicate customer: email a@example.com also belongs to customer c1 earlier in the file' },
      { line: 12010, reason: 'possible duplicate customer: email c9@example.com also belongs to customer c9 earlier in the file' },
    ]);
    expect(notes).toEqual(expectedNotes(orders));
  });

  it('are noted row by row as they always were, past 100,000 customers and emails', async () => {
    const orders = ordersOf(101_000, 60_000);
    const notes = await notesOf(orders);
    expect(notes.length).toBeGreaterThan(100);
    expect(notes).toEqual(expectedNotes(orders));
  }, 60_000);
});

describe("the reader's worker packing rows as they come", () => {
  /** a digest of each batch (orders as plain values: no uuids made) */
  const digest = (b: WriteBatch) =>
    createHash('sha1')
      .update(JSON.stringify(b, (_k, v) => (v instanceof Float64Array ? [...v] : v)))
      .digest('hex');

  it.each([false, true])(
    'gives the batches packing the rows afterwards gives, past 100,000 customers (dry run %s)',
    async (dryRun) => {
      const file = csv(ordersOf(101_000, 60_000));
      const asComing: string[] = [];
      const afterwards: string[] = [];
      // as the importer receives them: every row's key restored from the customer numbers
      const numbers = new CustomerNumbers();
      const keyOfNumber = new Map<number, string>();
      let numbered = 0;
      await readImport(
        bufferSource(file),
        { ...options, dryRun },
        async (_t, b: WriteBatch) => {
          if (b.type !== 'orders') throw new Error('expected orders');
          numbers.restoreKeys(b.orders);
          const { numbers: rowNumbers, ...unnumbered } = b.orders;
          // a number always names the same customer
          rowNumbers?.forEach((no, i) => {
            if (no < 0) return;
            numbered++;
            expect(keyOfNumber.get(no) ?? b.orders.keys[i]).toBe(b.orders.keys[i]);
            keyOfNumber.set(no, b.orders.keys[i]);
          });
          const people = unnumbered.people.map(({ no: _, ...p }) => p);
          asComing.push(digest({ type: 'orders', orders: { ...unnumbered, people } }));
        },
        (type) => new BatchPacker(type, dryRun, false),
      );
      // the reader numbers the first 100,000 customers it meets
      expect(keyOfNumber.size).toBe(100_000);
      expect(numbered).toBeGreaterThan(100_000);
      const pack = createPacker(dryRun, false);
      await readImport(bufferSource(file), { ...options, dryRun }, async (type, rows: ImportRow[]) => void afterwards.push(digest(pack(type, rows))));
      expect(asComing.length).toBeGreaterThan(30);
      expect(asComing).toEqual(afterwards);
    },
    60_000,
  );

  it.each([false, true])(
    "sends a customer's details as it always did: once, again after 100,000 others, and in every batch of a dry run (dry run %s)",
    async (dryRun) => {
      const file = csv(ordersOf(101_000, 60_000));
      let sent = new Set<string>();
      let batches = 0;
      const numbers = new CustomerNumbers();
      await readImport(
        bufferSource(file),
        { ...options, dryRun },
        async (_t, b: WriteBatch) => {
          if (b.type !== 'orders') throw new Error('expected orders');
          batches++;
          numbers.restoreKeys(b.orders);
          const expected: string[] = [];
          for (const key of b.orders.keys) {
            if (sent.has(key)) continue;
            if (sent.size >= 100_000) sent = new Set();
            sent.add(key);
            expected.push(key);
          }
          expect(b.orders.people.map(customerKeyOf)).toEqual(expected);
          if (dryRun) sent = new Set();
        },
        (type) => new BatchPacker(type, dryRun, false),
      );
      expect(batches).toBeGreaterThan(30);
    },
    60_000,
  );
});

describe('progress while reading', () => {
  it('counts the bytes of the rows handed on, not the bytes read ahead: a file smaller than a read is not all done before its first batch', async () => {
    const orders = Array.from({ length: 12_000 }, (_, i) => ({ customer: `c${i % 300}`, email: null, phone: null }));
    const file = csv(orders);
    expect(file.length).toBeLessThan(1 << 20); // one read of the source holds it all
    const seen: Array<{ bytes: number; rows: number; batches: number }> = [];
    let batches = 0;
    await readImport(bufferSource(file), { ...options, onProgress: ({ bytes, rows }) => seen.push({ bytes, rows, batches }) }, async () => {
      batches++;
    });
    expect(batches).toBe(3);
    // before the first batch went: about its 5,000 rows, not the whole file
    const beforeFirst = seen.filter((p) => p.batches === 0);
    expect(beforeFirst.length).toBeGreaterThan(0);
    for (const p of beforeFirst) expect(p.bytes).toBeLessThan(file.length * 0.5);
    // it only moves forward, and ends at the file's size with every row counted
    for (let i = 1; i < seen.length; i++) expect(seen[i].bytes).toBeGreaterThanOrEqual(seen[i - 1].bytes);
    expect(seen.at(-1)).toMatchObject({ bytes: file.length, rows: 12_000 });
  });
});
