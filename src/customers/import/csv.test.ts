import { describe, expect, it } from 'vitest';
import { bufferSource, readCsv, sniffDelimiter, type CsvIssue, type CsvRecord, type Delimiter } from './csv.js';

async function readAll(text: string | Buffer, delimiter?: Delimiter) {
  const buf = typeof text === 'string' ? Buffer.from(text) : text;
  const issues: CsvIssue[] = [];
  const records: CsvRecord[] = [];
  const d = delimiter ?? sniffDelimiter(buf.subarray(0, 65536).toString('utf8'));
  for await (const batch of readCsv(bufferSource(buf), { delimiter: d, onIssue: (i) => issues.push(i), batchSize: 2 })) records.push(...batch);
  return { records, issues, d };
}

describe('sniffDelimiter', () => {
  it('finds comma, semicolon, tab, pipe and whitespace layouts', () => {
    expect(sniffDelimiter('a,b,c\n1,2,3\n')).toBe(',');
    expect(sniffDelimiter('a;b;c\n1,5;2,5;3\n')).toBe(';');
    expect(sniffDelimiter('a\tb\tc\n1\t2\t3\n')).toBe('\t');
    expect(sniffDelimiter('a|b\n1|2\n')).toBe('|');
    expect(sniffDelimiter(' id  date value\r\n 001 19970101  11.77\r\n')).toBe('whitespace');
    expect(sniffDelimiter('"a;b",c\n"1;2",3\n')).toBe(',');
  });
});

describe('readCsv', () => {
  it('strips the BOM, keeps quoted newlines and numbers records by their physical first line', async () => {
    const { records } = await readAll('\uFEFFid,note\r\n1,"two\r\nlines"\r\n\r\n2,plain\n3,"x ""q"" y"\n');
    expect(records.map((r) => [r.line, r.fields])).toEqual([
      [1, ['id', 'note']],
      [2, ['1', 'two\r\nlines']],
      [5, ['2', 'plain']],
      [6, ['3', 'x "q" y']],
    ]);
  });

  it('reads whitespace-separated files', async () => {
    const { records } = await readAll(' customer_id  date number_of_cds  dollar_value\r\n 00001 19970101  1   11.77\r\n', 'whitespace');
    expect(records[1].fields).toEqual(['00001', '19970101', '1', '11.77']);
  });

  it('survives a quote that never closes and a 10 MB field, reporting their lines and keeping the rest', async () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const text = `id,v\n1,a\n2,"never closed\n3,c\n4,${big}\n5,e\n6,"also "bad" quoting"\n7,g\n`;
    const { records, issues } = await readAll(text);
    expect(issues).toEqual([
      { line: 3, reason: expect.stringMatching(/never closed|larger than/) },
      { line: 5, reason: expect.stringMatching(/larger than/) },
    ]);
    expect(records.map((r) => r.fields[0])).toEqual(['id', '1', '3', '5', '6', '7']);
    expect(records.find((r) => r.fields[0] === '5')!.line).toBe(6);
    expect(records.find((r) => r.fields[0] === '7')!.line).toBe(8);
  });

  it('reports an unclosed quote at the end of the file', async () => {
    const { records, issues } = await readAll('id,v\n1,a\n2,"oops\n');
    expect(records.map((r) => r.fields[0])).toEqual(['id', '1']);
    expect(issues).toEqual([{ line: 3, reason: expect.stringMatching(/never closed/) }]);
  });
});
