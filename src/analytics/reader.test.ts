import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readOrdersFile } from './reader.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keepwell-orders-reader-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let seed = 11;
const rand = (n: number) => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return (seed >>> 8) % n;
};
const pick = <T>(list: T[]) => list[rand(list.length)];

/** a row of every kind a file may hold: ids, dates, amounts, statuses and currencies the byte path reads and those it leaves to the text path */
function row(d: string): string {
  const n = rand(40);
  const id = pick([`c${n}`, `c${n}`, ` c${n} `, `"c${n}"`, `"c""${n}"`, `Zoë${n}`, `\u00a0c${n}`, '', '  ']);
  const day = 1 + rand(28);
  const date = pick([
    `2024-03-${String(day).padStart(2, '0')}T${String(rand(24)).padStart(2, '0')}:15:00Z`,
    `2024-03-${String(day).padStart(2, '0')}T23:59:59.123Z`,
    `2024-02-30T10:00:00Z`,
    `2024-03-${String(day).padStart(2, '0')}T01:00:00+02:00`,
    `2024-03-${String(day).padStart(2, '0')}`,
    ` 2024-03-05T10:00:00Z`,
    `3/${day}/2024 10:30`,
    'soon',
  ]);
  const amount = pick(['12.50', '-3.5', '7', '0.005', '-0.00', '1234567890123456.5', '"1,234.50"', '€ 12,50', '12.', '.5', '+4', 'n/a', '']);
  const status = pick(['paid', 'paid', 'refunded', ' Cancelled ', 'void', '']);
  const currency = pick(['EUR', 'EUR', 'usd', ' JPY', '']);
  return [id, date, amount, status, currency].join(d);
}

async function both(lines: string[], d: string, timeZone: string) {
  const header = ['customer_id', 'created_at', 'total', 'status', 'currency'].join(d);
  const plain = path.join(dir, `plain-${rand(1e9)}.csv`);
  fs.writeFileSync(plain, `\uFEFF${[header, ...lines].join('\r\n')}\r\n`);
  // the same rows after a record over two lines: csv-parse reads them all, as text
  const slow = path.join(dir, `slow-${rand(1e9)}.csv`);
  fs.writeFileSync(slow, `\uFEFF${[header, `"two${d}\nlines"${d}2024-01-01${d}1${d}paid${d}EUR`, ...lines].join('\r\n')}\r\n`);
  const a = await readOrdersFile(plain, { timeZone });
  const b = await readOrdersFile(slow, { timeZone });
  return { a, b };
}

describe('reading orders from the bytes of a CSV file', () => {
  it('gives the same table, errors and counts as reading every cell as text', async () => {
    for (const [d, timeZone] of [
      [',', 'UTC'],
      [';', 'Europe/Amsterdam'],
      ['\t', 'America/New_York'],
    ]) {
      const lines = Array.from({ length: 3000 }, () => row(d));
      const { a, b } = await both(lines, d, timeZone);
      // the slow file has one more row first (a customer "two\nlines" with one order)
      expect(b.table.customerIds[0]).toBe(`two${d}\nlines`);
      expect(a.table.customerIds).toEqual(b.table.customerIds.slice(1));
      expect(Array.from(a.table.customer)).toEqual(Array.from(b.table.customer.slice(1), (c) => c - 1));
      expect(Array.from(a.table.day)).toEqual(Array.from(b.table.day.slice(1)));
      expect(Array.from(a.table.amount)).toEqual(Array.from(b.table.amount.slice(1)));
      expect(Array.from(a.table.void)).toEqual(Array.from(b.table.void.slice(1)));
      expect(a.table.currencies).toEqual(b.table.currencies);
      expect(Array.from(a.table.currency ?? [])).toEqual(Array.from(b.table.currency?.slice(1) ?? []));
      // the slow file's rows are a line further down
      expect(a.errors).toEqual(b.errors.map((e) => ({ ...e, line: e.line - 2 })));
      expect(a.rows).toBe(b.rows - 1);
      expect(a.errors.length).toBeGreaterThan(100);
      expect(a.table.length).toBeGreaterThan(1000);
    }
  });

  it('reads plain decimals exactly as Number() does, to the minor unit', async () => {
    const amounts = ['0.1', '0.29', '1.005', '2.675', '-1.005', '999999999999.99', '123456789012345', '0.000000000000001', '-0'];
    const file = path.join(dir, 'amounts.csv');
    fs.writeFileSync(file, `customer_id,date,amount\n${amounts.map((a, i) => `c${i},2024-01-01T00:00:00Z,${a}`).join('\n')}\n`);
    const { table } = await readOrdersFile(file, { currencyDigits: 2 });
    expect(Array.from(table.amount)).toEqual(amounts.map((a) => Math.round(Number(a) * 100)));
  });
});
