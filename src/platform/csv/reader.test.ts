import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { readCsvFile, readLinesOfFile, splitCsvLine } from './reader.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keepwell-csv-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

async function read(file: string, delimiter = ',') {
  const rows: { cells: string[]; line: number }[] = [];
  const result = await readCsvFile(file, delimiter, (cells, line) => rows.push({ cells, line }));
  return { rows, result };
}

describe('the plain-CSV reader', () => {
  it('splits plain lines, simple quoted fields, doubled quotes and empty cells as csv-parse does', () => {
    for (const line of ['a,b,c', 'a,,c,', '"Smith, J.",12.50,"say ""hi"""', '"",x', 'x,""', 'it"s,fine']) {
      expect(splitCsvLine(line, ',')).toEqual(parse(line, { relax_quotes: true })[0]);
    }
    expect(splitCsvLine('a;"b;c";d', ';')).toEqual(['a', 'b;c', 'd']);
    // a quote running over the line end, or text after a closing quote, needs the general parser
    expect(splitCsvLine('a,"b', ',')).toBeNull();
    expect(splitCsvLine('a,"b"c,d', ',')).toBeNull();
  });

  it('reads a file with a byte-order mark, CRLF line ends and no final line end, numbering lines', async () => {
    const { rows, result } = await read(write('crlf.csv', '\uFEFFid,amount\r\n1,"2,50"\r\n\r\n3,4'));
    expect(rows).toEqual([
      { cells: ['id', 'amount'], line: 1 },
      { cells: ['1', '2,50'], line: 2 },
      { cells: [''], line: 3 },
      { cells: ['3', '4'], line: 4 },
    ]);
    expect(result).toEqual({ records: 4, fallbackAtLine: null });
  });

  it('hands a file with a field over several lines to csv-parse from that record on, losing no record', async () => {
    const body = ['id,note', '1,plain', '2,"two', 'lines"', '3,"after, quoted"', '4,last'].join('\n');
    const { rows, result } = await read(write('multi.csv', `${body}\n`));
    expect(rows.map((r) => r.cells)).toEqual(parse(body, { relax_quotes: true }));
    expect(rows.map((r) => r.line).slice(0, 2)).toEqual([1, 2]);
    expect(result.fallbackAtLine).toBe(3);
  });

  it('reads records across chunk boundaries and multi-byte characters the same as csv-parse', async () => {
    const lines = ['customer,amount,city'];
    for (let i = 0; i < 60_000; i++) lines.push(`c${i},${i}.5,${i % 7 === 0 ? '"Zürich, CH"' : 'Łódź'}`);
    const text = `${lines.join('\n')}\n`;
    const { rows } = await read(write('big.csv', text));
    expect(rows.length).toBe(60_001);
    expect(rows.map((r) => r.cells)).toEqual(parse(text));
    const seen: string[] = [];
    await readLinesOfFile(write('lines.txt', 'a b\r\nc d'), (t) => seen.push(t));
    expect(seen).toEqual(['a b', 'c d']);
  });
});
