// Text PostgreSQL cannot store, or that the file did not say (issue 10 item 4): a CSV line
// holding a NUL byte, or bytes that are not UTF-8, is reported by its line and the rest imports.
// Both readers (this thread, and the worker thread large files are read in).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../../platform/db/database.js';
import { createTestDatabase } from '../../app/testing/test-database.js';
import { bufferSource } from './csv.js';
import { countsAddUp, runImport } from './importer.js';

let database: OpenDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.close();
});

const orderIds = async (prefix: string) =>
  (await database.db.selectFrom('orders').select('external_id').where('external_id', 'like', `${prefix}%`).orderBy('external_id').execute()).map((r) => r.external_id);

describe.each(['inline', 'worker'] as const)('hostile text in a CSV (%s reader)', (reader) => {
  const p = reader === 'inline' ? 'N' : 'W';

  it('a line holding a NUL byte is reported by its line and the rest imports', async () => {
    const text = Buffer.concat([
      Buffer.from(`order_id,email,name,date,amount\n${p}1,${p}1@example.com,Ann,2024-01-01,10\n${p}2,${p}2@example.com,B`),
      Buffer.from([0]),
      Buffer.from(`ob,2024-01-02,20\n${p}3,${p}3@example.com,Cy,2024-01-03,30\n`),
    ]);
    const r = await runImport(database.db, bufferSource(text), { type: 'orders', defaultCurrency: 'EUR', reader });
    expect(r.fatal).toBeNull();
    expect(r).toMatchObject({ rows: 3, created: 2, failed: 1 });
    expect(r.errors).toEqual([{ line: 3, reason: expect.stringMatching(/NUL character/) }]);
    expect(countsAddUp(r)).toBe(true);
    expect(await orderIds(`${p}`)).toEqual([`${p}1`, `${p}3`]);
  });

  it('a NUL in a customers file (staged, not COPYed as orders) is reported too', async () => {
    const text = `customer_id,name,email\n${p}c1,Dee\u0000,${p}c1@example.com\n${p}c2,Eve,${p}c2@example.com\n`;
    const r = await runImport(database.db, bufferSource(Buffer.from(text)), { type: 'customers', reader });
    expect(r).toMatchObject({ rows: 2, created: 1, failed: 1 });
    expect(r.errors).toEqual([{ line: 2, reason: expect.stringMatching(/NUL character/) }]);
  });

  it('bytes that are not UTF-8 are reported by their line instead of being replaced silently', async () => {
    const text = Buffer.concat([
      Buffer.from(`order_id,email,name,date,amount\n${p}u1,${p}u1@example.com,Zoë,2024-01-01,10\n${p}u2,${p}u2@example.com,Zo`),
      Buffer.from([0xeb]), // "ë" in Windows-1252: not UTF-8
      Buffer.from(`,2024-01-02,20\n${p}u3,${p}u3@example.com,Al,2024-01-03,30\n`),
    ]);
    const r = await runImport(database.db, bufferSource(text), { type: 'orders', defaultCurrency: 'EUR', reader });
    expect(r).toMatchObject({ rows: 3, created: 2, failed: 1 });
    expect(r.errors).toEqual([{ line: 3, reason: expect.stringMatching(/not valid UTF-8/) }]);
    expect(r.warnings.join(' ')).toMatch(/UTF-8/);
    expect(await orderIds(`${p}u`)).toEqual([`${p}u1`, `${p}u3`]);
  });

  it('a replacement character the file really holds (valid UTF-8) is kept', async () => {
    const text = `order_id,email,name,date,amount\n${p}r1,${p}r1@example.com,Odd \uFFFD name,2024-01-01,10\n`;
    const r = await runImport(database.db, bufferSource(Buffer.from(text)), { type: 'orders', defaultCurrency: 'EUR', reader });
    expect(r).toMatchObject({ rows: 1, created: 1, failed: 0 });
  });
});
