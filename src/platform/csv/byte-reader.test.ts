import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { type CsvRecord, readCsvFile, readCsvRecords } from './reader.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keepwell-csv-bytes-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let named = 0;
function write(text: string | Buffer): string {
  const file = path.join(dir, `f${named++}.csv`);
  fs.writeFileSync(file, text);
  return file;
}

interface Seen {
  cells: string[];
  line: number;
  raw: boolean[];
}

async function readBytes(file: string, delimiter = ',', chunkBytes?: number) {
  const rows: Seen[] = [];
  const result = await readCsvRecords(
    file,
    delimiter,
    (r: CsvRecord, line) => {
      const cells: string[] = [];
      const raw: boolean[] = [];
      for (let i = 0; i < r.length; i++) {
        cells.push(r.text(i));
        raw.push(r.raw(i));
        // a raw cell's text is exactly its bytes
        if (r.raw(i)) expect(r.bytes.toString('utf8', r.starts[i], r.ends[i])).toBe(cells[i]);
      }
      expect(r.cells()).toEqual(cells);
      expect(r.text(r.length)).toBe('');
      rows.push({ cells, line, raw });
    },
    { chunkBytes },
  );
  return { rows, result };
}

async function readText(file: string, delimiter = ',') {
  const rows: { cells: string[]; line: number }[] = [];
  const result = await readCsvFile(file, delimiter, (cells, line) => rows.push({ cells, line }));
  return { rows, result };
}

/** the byte reader gives the same records, line numbers and fallback line as the text reader, at any chunk size */
async function expectSameAsText(text: string | Buffer, delimiter = ',') {
  const file = write(text);
  const want = await readText(file, delimiter).catch((err: Error) => err);
  if (want instanceof Error) {
    // csv-parse's own refusal (a quote never closed at the end of the file) comes through alike
    for (const chunkBytes of [undefined, 4, 5, 7, 64]) await expect(readBytes(file, delimiter, chunkBytes)).rejects.toThrow(want.message);
    return { rows: [], result: null };
  }
  for (const chunkBytes of [undefined, 4, 5, 7, 64]) {
    const got = await readBytes(file, delimiter, chunkBytes);
    expect(got.rows.map(({ cells, line }) => ({ cells, line }))).toEqual(want.rows);
    expect(got.result).toEqual(want.result);
  }
  return readBytes(file, delimiter);
}

describe('the byte-level CSV reader', () => {
  it('reads plain, quoted and doubled-quote cells as the text reader does, offsets only where text is bytes', async () => {
    const { rows, result } = await expectSameAsText('id,name,amount\n1,"Smith, J.",12.50\n2,"say ""hi""",3\n"",x,\nit"s,fine,""\n');
    expect(rows.map((r) => r.cells)).toEqual([
      ['id', 'name', 'amount'],
      ['1', 'Smith, J.', '12.50'],
      ['2', 'say "hi"', '3'],
      ['', 'x', ''],
      ['it"s', 'fine', ''],
    ]);
    expect(rows[2].raw).toEqual([true, false, true]);
    expect(rows[1].raw).toEqual([true, true, true]);
    expect(result).toEqual({ records: 5, fallbackAtLine: null });
  });

  it('drops a byte-order mark, ends lines at CRLF or LF, keeps blank lines and a last line without a line end', async () => {
    const { rows } = await expectSameAsText('\uFEFFid,amount\r\n1,"2,50"\r\n\r\n3,4\r\n"q"\r\n5,6');
    expect(rows).toEqual([
      { cells: ['id', 'amount'], line: 1, raw: [true, true] },
      { cells: ['1', '2,50'], line: 2, raw: [true, true] },
      { cells: [''], line: 3, raw: [true] },
      { cells: ['3', '4'], line: 4, raw: [true, true] },
      { cells: ['q'], line: 5, raw: [true] },
      { cells: ['5', '6'], line: 6, raw: [true, true] },
    ]);
    // a file of only a byte-order mark has no records; a lone carriage return inside a cell is text
    expect((await expectSameAsText('\uFEFF')).rows).toEqual([]);
    expect((await expectSameAsText('a\rb,c\r\r\n')).rows.map((r) => r.cells)).toEqual([['a\rb', 'c\r']]);
  });

  it('reads semicolon- and tab-separated files', async () => {
    const semi = await expectSameAsText('kunde;datum;betrag\nk1;2024-01-31;"12,50"\nk2;"a;b";3\n', ';');
    expect(semi.rows.map((r) => r.cells)).toEqual([
      ['kunde', 'datum', 'betrag'],
      ['k1', '2024-01-31', '12,50'],
      ['k2', 'a;b', '3'],
    ]);
    const tab = await expectSameAsText('id\tnote\n1\t"x\ty"\n2\t, ;\n', '\t');
    expect(tab.rows.map((r) => r.cells)).toEqual([
      ['id', 'note'],
      ['1', 'x\ty'],
      ['2', ', ;'],
    ]);
  });

  it('hands a record over several lines, or with text after a closing quote, to csv-parse from there on', async () => {
    const body = ['id,note', '1,plain', '2,"two', 'lines"', '3,"after, quoted"', '4,last'].join('\n');
    const { rows, result } = await expectSameAsText(`${body}\n`);
    expect(rows.map((r) => r.cells)).toEqual(parse(body, { relax_quotes: true }));
    expect(result).toEqual({ records: 5, fallbackAtLine: 3 });
    // records csv-parse read come as text only
    expect(rows[2].raw).toEqual([false, false]);
    const after = await expectSameAsText('a,b\n1,"x"y,2\n3,4');
    expect(after.result?.fallbackAtLine).toBe(2);
    expect(after.rows.map((r) => r.cells)).toEqual([
      ['a', 'b'],
      ['1', '"x"y', '2'],
      ['3', '4'],
    ]);
  });

  it('decodes multi-byte characters split across chunks and reads a large file as csv-parse does', async () => {
    await expectSameAsText('name,city\nZoë,"Zürich, CH"\n€,Łódź\n😀,"😀 ""x"""\n');
    const lines = ['customer,amount,city'];
    for (let i = 0; i < 30_000; i++) lines.push(`c${i},${i}.5,${i % 7 === 0 ? '"Zürich, CH"' : 'Łódź'}`);
    const text = `${lines.join('\n')}\n`;
    const { rows } = await readBytes(write(text));
    expect(rows.map((r) => r.cells)).toEqual(parse(text));
  });

  it('gives the text reader’s records on random files of quotes, delimiters and line ends', async () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const alphabet = ['a', 'b', ',', ',', '"', '""', '\n', '\r\n', '\r', 'é', ';', ' '];
    for (let f = 0; f < 200; f++) {
      let text = rand(4) === 0 ? '\uFEFF' : '';
      const length = rand(80);
      for (let k = 0; k < length; k++) text += alphabet[rand(alphabet.length)];
      await expectSameAsText(text, rand(3) === 0 ? ';' : ',');
    }
  });

  it('refuses delimiters it cannot read', async () => {
    const file = write('a,b\n');
    for (const d of ['', ',,', '"', '\n', '\r', 'é']) await expect(readCsvRecords(file, d, () => {})).rejects.toThrow(/unsupported delimiter/);
  });
});
