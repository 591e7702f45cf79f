import { describe, expect, it } from 'vitest';
import { bufferSource, CsvRecordStream, readCsv, sniffDelimiter, type CsvIssue, type CsvRecord, type Delimiter } from './csv.js';

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

/** The stream's records, issues and UTF-8/NUL flags, read with pauses every few records. */
async function streamAll(buf: Buffer, delimiter: Delimiter, maxRecordBytes?: number, chunk?: number) {
  const issues: CsvIssue[] = [];
  const records: CsvRecord[] = [];
  const source = bufferSource(buf);
  // small chunks for the byte reader; csv-parse, where it takes over, gets the rest in one piece,
  // as readCsv reading the whole file does (csv-parse itself reads a CR at a chunk's end differently)
  let opened = 0;
  if (chunk)
    source.open = async function* (start) {
      if (opened++ > 0) yield buf.subarray(start);
      else for (let i = start; i < buf.length; i += chunk) yield buf.subarray(i, Math.min(buf.length, i + chunk));
    };
  const stream = new CsvRecordStream(source, { delimiter, maxRecordBytes, onIssue: (i) => issues.push(i), batchSize: 3 });
  let n = 0;
  while (
    !(await stream.read((r, line) => {
      const fields = r.cells();
      // a region said clean holds no NUL and no replacement character it did not have as bytes
      if (stream.clean) for (const f of fields) expect(f.includes('\u0000') || (f.includes('\uFFFD') && !buf.includes(Buffer.from('\uFFFD')))).toBe(false);
      if (stream.ascii) for (const f of fields) expect(/^[\x00-\x7f]*$/.test(f)).toBe(true);
      records.push({ line, fields });
      return ++n % 4 === 0;
    }))
  );
  return { records, issues };
}

describe('CsvRecordStream', () => {
  const expectSame = async (text: string | Buffer, delimiter: Delimiter, maxRecordBytes?: number, chunk?: number) => {
    const buf = typeof text === 'string' ? Buffer.from(text) : text;
    const issues: CsvIssue[] = [];
    const records: CsvRecord[] = [];
    for await (const batch of readCsv(bufferSource(buf), { delimiter, maxRecordBytes, onIssue: (i) => issues.push(i), batchSize: 2 })) records.push(...batch);
    const got = await streamAll(buf, delimiter, maxRecordBytes, chunk);
    const what = `${JSON.stringify(buf.toString('latin1'))} ${delimiter} max ${maxRecordBytes} chunk ${chunk}`;
    expect(got.records, what).toEqual(records);
    expect(got.issues, what).toEqual(issues);
  };

  it('gives readCsv’s records, lines and issues: BOM, quotes, CRLF, blank lines, long records, whitespace', async () => {
    await expectSame('\uFEFFid,note\r\n1,"two\r\nlines"\r\n\r\n2,plain\n3,"x ""q"" y"\n', ',');
    await expectSame('a,b\n1,"2"\r\n"",x\n\n3,4', ',');
    await expectSame('a,b\n1,2\r', ',');
    await expectSame('a;b\n1;"never closed\n2;3\n4;5\n', ';');
    await expectSame(`a,b\n1,${'x'.repeat(300)}\n2,3\n"${'y'.repeat(300)}\n4,5\n`, ',', 100);
    await expectSame(' customer_id  date number_of_cds  dollar_value\r\n 00001 19970101  1   11.77\r\n', 'whitespace');
    await expectSame(Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from([0xff, 0xfe]), Buffer.from('\n2,\u0000\n3,\uFFFD\n')]), ',');
  });

  it('gives readCsv’s records on random files, in any chunking', async () => {
    let seed = 11;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const alphabet = ['a', 'b', '1', ',', ',', '"', '""', '\n', '\n', '\r\n', '\r', 'é', ';', ' ', '\u0000', '\uFFFD'];
    for (let f = 0; f < 300; f++) {
      let text = rand(4) === 0 ? '\uFEFF' : '';
      const length = rand(120);
      for (let k = 0; k < length; k++) text += alphabet[rand(alphabet.length)];
      let buf = Buffer.from(text);
      if (rand(5) === 0) buf = Buffer.concat([buf, Buffer.from([0xc3]), Buffer.from('x,y\n')]); // not UTF-8
      await expectSame(buf, rand(3) === 0 ? ';' : ',', rand(3) === 0 ? 12 : undefined, 1 + rand(16));
    }
  });
});
