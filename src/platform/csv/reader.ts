// A fast reader for plain delimited files, with csv-parse kept for the awkward ones. Most
// exports are one record per line with at most simple quoted fields ("Smith, J." or "say ""hi"""),
// which a line scan with indexOf reads several times faster than a general parser. The first
// record that is not like that — a quoted field running over a line end, or text after a closing
// quote — hands the rest of the file, from that record on, to csv-parse with the same options
// the callers used before (relaxed quotes and column counts), so every file still reads.
// Records come to a callback, synchronously per chunk: no promise per row.
import { parse } from 'csv-parse';
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export { CsvRecord, type CsvByteReadOptions, readCsvRecords, SCAN_DECLINE, SCAN_NEXT, SCAN_PAUSE, scanCsvRecords, utf8Slice } from './byte-reader.js';

export interface CsvReadResult {
  /** records delivered (blank lines included: they come as ['']) */
  records: number;
  /** the line the slow path took over at (1-based), or null when the fast path read everything */
  fallbackAtLine: number | null;
}

const CHUNK = 1 << 20;
const QUOTE = 34;

/**
 * Splits one line into cells; null when the line needs a general parser (an unclosed quote or
 * text after a closing quote). A quote inside an unquoted field is kept as text (relax_quotes).
 */
export function splitCsvLine(line: string, delimiter: string): string[] | null {
  if (line.indexOf('"') < 0) return line.split(delimiter);
  const cells: string[] = [];
  const d = delimiter.charCodeAt(0);
  let i = 0;
  const n = line.length;
  for (;;) {
    if (line.charCodeAt(i) === QUOTE) {
      let text = '';
      let from = i + 1;
      for (;;) {
        const q = line.indexOf('"', from);
        if (q < 0) return null; // runs over the line end
        if (line.charCodeAt(q + 1) === QUOTE) {
          text += line.slice(from, q + 1);
          from = q + 2;
          continue;
        }
        text += line.slice(from, q);
        i = q + 1;
        break;
      }
      cells.push(text);
      if (i === n) return cells;
      if (line.charCodeAt(i) !== d) return null;
      i++;
    } else {
      const next = line.indexOf(delimiter, i);
      if (next < 0) {
        cells.push(line.slice(i));
        return cells;
      }
      cells.push(line.slice(i, next));
      i = next + 1;
    }
    if (i === n) {
      cells.push('');
      return cells;
    }
  }
}

/**
 * Reads a delimited file and calls `onRecord(cells, line)` for each record, in order (line:
 * the 1-based line the record starts on). A byte-order mark is dropped; CRLF and LF both end lines.
 */
export async function readCsvFile(file: string, delimiter: string, onRecord: (cells: string[], line: number) => void): Promise<CsvReadResult> {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') throw new Error(`unsupported delimiter ${JSON.stringify(delimiter)}`);
  let records = 0;
  let fallbackAtLine: number | null = null;
  let slow: ReturnType<typeof parse> | null = null;
  let slowDone: Promise<void> | null = null;
  let line = 0;
  const onLine = (text: string) => {
    line++;
    const cells = splitCsvLine(text, delimiter);
    if (cells) {
      records++;
      onRecord(cells, line);
      return true;
    }
    return false;
  };
  await forEachChunkOfLines(file, (lines, rest) => {
    if (slow) {
      slow.write(lines);
      return;
    }
    let start = 0;
    for (;;) {
      const nl = lines.indexOf('\n', start);
      if (nl < 0) break;
      const end = nl > start && lines.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      if (!onLine(lines.slice(start, end))) {
        // from here on csv-parse reads the text, this record first
        line--;
        fallbackAtLine = line + 1;
        ({ slow, slowDone } = slowPath(delimiter, line, (cells, at) => {
          records++;
          onRecord(cells, at);
        }));
        slow.write(lines.slice(start));
        return;
      }
      start = nl + 1;
    }
    rest(lines.slice(start));
  });
  if (slow) {
    (slow as ReturnType<typeof parse>).end();
    await slowDone;
  }
  return { records, fallbackAtLine };
}

/** Reads a text file line by line (CRLF or LF), synchronously per chunk; `onLine(text, line)`. */
export async function readLinesOfFile(file: string, onLine: (text: string, line: number) => void): Promise<number> {
  let line = 0;
  await forEachChunkOfLines(file, (lines, rest) => {
    let start = 0;
    for (;;) {
      const nl = lines.indexOf('\n', start);
      if (nl < 0) break;
      const end = nl > start && lines.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      onLine(lines.slice(start, end), ++line);
      start = nl + 1;
    }
    rest(lines.slice(start));
  });
  return line;
}

/**
 * Text of the file in chunks that end at a line end (the last one gets a '\n' added when the
 * file does not end with one). `each(text, rest)`: `rest(tail)` carries an unfinished line over.
 */
async function forEachChunkOfLines(file: string, each: (text: string, rest: (tail: string) => void) => void): Promise<void> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let first = true;
  const rest = (tail: string) => {
    carry = tail;
  };
  for await (const chunk of fs.createReadStream(file, { highWaterMark: CHUNK })) {
    let text = carry + decoder.write(chunk as Buffer);
    carry = '';
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    const last = text.lastIndexOf('\n');
    if (last < 0) {
      carry = text;
      continue;
    }
    each(text.slice(0, last + 1), rest);
    carry += text.slice(last + 1);
  }
  const tail = carry + decoder.end();
  if (tail.length > 0) each(first && tail.charCodeAt(0) === 0xfeff ? `${tail.slice(1)}\n` : `${tail}\n`, () => {});
}

/** csv-parse over the rest of the text, its records numbered from the line it starts after. */
function slowPath(delimiter: string, linesBefore: number, onRecord: (cells: string[], line: number) => void) {
  const parser = parse({ delimiter, relax_column_count: true, relax_quotes: true, info: true });
  const done = new Promise<void>((resolve, reject) => {
    parser.on('readable', () => {
      for (let r = parser.read(); r !== null; r = parser.read()) {
        const { record, info } = r as { record: string[]; info: { lines: number } };
        onRecord(record, linesBefore + info.lines);
      }
    });
    parser.on('error', reject);
    parser.on('end', resolve);
  });
  return { slow: parser, slowDone: done };
}
