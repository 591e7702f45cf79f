import { describe, expect, it } from 'vitest';
import { CsvRecord } from '../../platform/csv/reader.js';
import { bufferSource, CsvRecordStream } from './csv.js';
import { presets, resolveMapping } from './presets.js';
import { createMapper, type MappedRow } from './rows.js';

/** Maps every record of `text` twice, from its bytes and from its text; answers both. */
async function mapBoth(text: string, type: 'orders' | 'customers' | 'subscriptions', preset: string | null = null, timeZone = 'UTC') {
  const stream = new CsvRecordStream(bufferSource(Buffer.from(text)), { delimiter: ',', onIssue: () => {} });
  let headers: string[] | null = null;
  let fromBytes: ((r: CsvRecord) => MappedRow) | null = null;
  let fromText: ((r: CsvRecord) => MappedRow) | null = null;
  const textRecord = new CsvRecord();
  const out: Array<[MappedRow, MappedRow]> = [];
  await stream.read((r) => {
    if (!headers) {
      headers = r.cells();
      const p = presets.find((x) => x.key === preset) ?? null;
      const opts = { type, headers, mapping: resolveMapping(headers, type, p), preset: p, defaultCurrency: 'EUR', timeZone, dateOrders: {}, notAfter: Date.UTC(2025, 0, 1) };
      fromBytes = createMapper(opts);
      fromText = createMapper(opts);
      return false;
    }
    expect(r.strings).toBe(null);
    const a = fromBytes!(r);
    textRecord.strings = r.cells();
    textRecord.length = textRecord.strings.length;
    out.push([a, fromText!(textRecord)]);
    return false;
  });
  return out;
}

describe('createMapper', () => {
  it('maps a record read from bytes exactly as the same record as text', async () => {
    const cells = {
      order_id: ['A1', ' A2 ', "'0042", '17850.0', '', 'C536379', '"q""uoted"'],
      customer_id: ['c1', ' c2', '0', '', '12.0'],
      email: ['a@b.co', 'A@B.CO ', 'not-an-email', '', ' ü@ex.de'],
      created_at: ['2024-01-05', '2024-01-05T13:00:00.123Z', '2024-01-05 13:00', '05/01/2024', '2024-02-30', '2031-01-01', ' 2024-01-05 ', '2024-03-31T02:30:00', '1700000000', ''],
      total: ['12.34', '12', '0.5', '1,234.56', '-5', '(5.00)', '€12', ' 7.5', '12.345', '', 'abc', '1234567890123'],
      currency: ['EUR', 'usd', 'JPY', ' EUR', 'XXQ', '', 'BHD'],
      status: ['paid', 'PAID', 'refunded', 'wc-completed', 'failed', 'weird', '', ' paid'],
    };
    const names = Object.keys(cells) as Array<keyof typeof cells>;
    let seed = 5;
    const pick = <T>(xs: T[]) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return xs[(seed >>> 8) % xs.length];
    };
    const lines = [names.join(',')];
    for (let i = 0; i < 3000; i++)
      lines.push(
        names
          .map((n) => {
            const v = pick(cells[n]);
            return /[,"]/.test(v) && !v.startsWith('"') ? `"${v.replace(/"/g, '""')}"` : v;
          })
          .join(','),
      );
    for (const zone of ['UTC', 'Europe/Amsterdam']) {
      const pairs = await mapBoth(`${lines.join('\n')}\n`, 'orders', null, zone);
      expect(pairs.length).toBe(3000);
      for (const [a, b] of pairs) expect(a).toEqual(b);
      const kinds = new Set(pairs.map(([a]) => a.kind));
      expect([...kinds].sort()).toEqual(['error', 'order', 'skip']);
    }
  });
});
