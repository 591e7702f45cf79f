// The plain-CSV reader over bytes: records are found in the file's Buffer and handed over as
// cell offsets, so a caller decodes only the cells it needs (and may parse numbers and dates
// straight from the bytes) — no string per line or per cell. Same records, same line numbers
// and the same csv-parse fallback as readCsvFile: a quoted field running over a line end, or text
// after a closing quote, hands the rest of the file, from that record on, to csv-parse (relaxed
// quotes and column counts), whose records come as text.
import { parse } from 'csv-parse';
import fs from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { CsvReadResult } from './reader.js';

const LF = 10;
const CR = 13;
const QUOTE = 34;
const EMPTY = Buffer.alloc(0);

/** bytes[start, end) as UTF-8: Buffer's own decoder (what toString('utf8', …) calls, as node's
 * buffer.js does), without toString's argument checks, which cost more than the decoding of a
 * short cell. The offsets must be inside the buffer. */
export const utf8Slice = (bytes: Buffer, start: number, end: number): string => (bytes as unknown as { utf8Slice(start: number, end: number): string }).utf8Slice(start, end);

/**
 * One record, reused from record to record: valid only during the callback that receives it.
 * Cell i is bytes[starts[i], ends[i]) (inside its quotes when quoted) when `raw(i)`; `text(i)`
 * is its text in every case ('' past the last cell, as `cells[i] ?? ''` would give).
 */
export class CsvRecord {
  /** number of cells */
  length = 0;
  /** the bytes the offsets point into */
  bytes: Buffer = EMPTY;
  starts = new Int32Array(16);
  ends = new Int32Array(16);
  /** 1 where a quoted cell holds doubled quotes: its text is not its bytes */
  escaped = new Uint8Array(16);
  /** the cells as text when csv-parse read the record (then no offsets) */
  strings: string[] | null = null;
  /** the record's bytes (line end included) when read from bytes */
  start = 0;
  end = 0;

  /** whether cell i's text is exactly the UTF-8 of bytes[starts[i], ends[i]) */
  raw(i: number): boolean {
    return this.strings === null && i < this.length && this.escaped[i] === 0;
  }

  text(i: number): string {
    if (this.strings !== null) return this.strings[i] ?? '';
    if (i >= this.length) return '';
    const t = utf8Slice(this.bytes, this.starts[i], this.ends[i]);
    return this.escaped[i] ? t.replace(/""/g, '"') : t;
  }

  cells(): string[] {
    if (this.strings !== null) return this.strings.slice();
    const out: string[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.text(i));
    return out;
  }

  grow(): void {
    const size = this.starts.length * 2;
    const s = new Int32Array(size);
    s.set(this.starts);
    this.starts = s;
    const e = new Int32Array(size);
    e.set(this.ends);
    this.ends = e;
    const q = new Uint8Array(size);
    q.set(this.escaped);
    this.escaped = q;
  }
}

export interface CsvByteReadOptions {
  /** bytes read at a time (default 1 MiB; tests use tiny chunks to cross boundaries everywhere) */
  chunkBytes?: number;
}

/** What a scanCsvRecords callback answers for a record: go on, stop after it, or leave it (and
 * the rest) to a general parser. */
export const SCAN_NEXT = 0;
export const SCAN_PAUSE = 1;
export const SCAN_DECLINE = 2;

/**
 * Delivers the complete records of buf[from, to) to `each` in `rec` (its `start` and `end`: the
 * record's bytes, line end included). Answers the offset after the last record taken (the rest is
 * an unfinished record, or `each` answered SCAN_PAUSE), or −1 − offset when the record at offset
 * needs csv-parse (a quoted field running over a line end, text after a closing quote) or `each`
 * declined it. D: the delimiter's byte.
 */
export function scanCsvRecords(buf: Buffer, from: number, to: number, D: number, rec: CsvRecord, each: (rec: CsvRecord) => number | undefined): number {
  rec.bytes = buf;
  let p = from;
  while (p < to) {
    const recordStart = p;
    let n = 0;
    let starts = rec.starts;
    let ends = rec.ends;
    let escaped = rec.escaped;
    for (;;) {
      if (n === starts.length) {
        rec.grow();
        starts = rec.starts;
        ends = rec.ends;
        escaped = rec.escaped;
      }
      if (p >= to) return recordStart;
      if (buf[p] === QUOTE) {
        let q = p + 1;
        let doubled = 0;
        for (;;) {
          while (q < to) {
            const c = buf[q];
            if (c === QUOTE || c === LF) break;
            q++;
          }
          if (q >= to) return recordStart;
          if (buf[q] === LF) return -1 - recordStart; // runs over the line end
          if (q + 1 >= to) return recordStart;
          if (buf[q + 1] === QUOTE) {
            doubled = 1;
            q += 2;
            continue;
          }
          break;
        }
        starts[n] = p + 1;
        ends[n] = q;
        escaped[n] = doubled;
        n++;
        const c = buf[q + 1];
        if (c === D) {
          p = q + 2;
          continue;
        }
        if (c === LF) {
          p = q + 2;
          break;
        }
        if (c === CR) {
          if (q + 2 >= to) return recordStart;
          if (buf[q + 2] === LF) {
            p = q + 3;
            break;
          }
        }
        return -1 - recordStart; // text after the closing quote
      }
      let q = p;
      while (q < to) {
        const c = buf[q];
        if (c === D || c === LF) break;
        q++;
      }
      if (q >= to) return recordStart;
      starts[n] = p;
      escaped[n] = 0;
      if (buf[q] === D) {
        ends[n] = q;
        n++;
        p = q + 1;
        continue;
      }
      ends[n] = q > p && buf[q - 1] === CR ? q - 1 : q;
      n++;
      p = q + 1;
      break;
    }
    rec.length = n;
    rec.start = recordStart;
    rec.end = p;
    const verdict = each(rec);
    if (verdict === SCAN_PAUSE) return p;
    if (verdict === SCAN_DECLINE) return -1 - recordStart;
  }
  return p;
}

/**
 * Reads a delimited file and calls `onRecord(record, line)` for each record, in order, with the
 * same records and 1-based line numbers as readCsvFile (a byte-order mark dropped, CRLF and LF
 * both ending lines, a blank line a record of one empty cell).
 */
export async function readCsvRecords(file: string, delimiter: string, onRecord: (record: CsvRecord, line: number) => void, options: CsvByteReadOptions = {}): Promise<CsvReadResult> {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r' || delimiter.charCodeAt(0) > 127) throw new Error(`unsupported delimiter ${JSON.stringify(delimiter)}`);
  const D = delimiter.charCodeAt(0);
  const chunk = Math.max(4, options.chunkBytes ?? 1 << 20);
  const rec = new CsvRecord();
  let records = 0;
  let line = 0;
  let fallbackAtLine: number | null = null;
  let slow: ReturnType<typeof parse> | null = null;
  let slowDone: Promise<void> | null = null;
  let decoder: StringDecoder | null = null;

  const deliver = (r: CsvRecord): undefined => {
    records++;
    onRecord(r, ++line);
  };
  const scan = (buf: Buffer, from: number, to: number): number => scanCsvRecords(buf, from, to, D, rec, deliver);

  const startSlow = () => {
    fallbackAtLine = line + 1;
    const linesBefore = line;
    const textRecord = new CsvRecord();
    const parser = parse({ delimiter, relax_column_count: true, relax_quotes: true, info: true });
    slowDone = new Promise<void>((resolve, reject) => {
      parser.on('readable', () => {
        for (let r = parser.read(); r !== null; r = parser.read()) {
          const { record, info } = r as { record: string[]; info: { lines: number } };
          textRecord.strings = record;
          textRecord.length = record.length;
          records++;
          onRecord(textRecord, linesBefore + info.lines);
        }
      });
      parser.on('error', reject);
      parser.on('end', resolve);
    });
    slow = parser;
  };

  const fh = await fs.open(file, 'r');
  try {
    let buf = Buffer.allocUnsafe(2 * chunk + 1);
    let filled = 0;
    let pos = 0;
    let first = true;
    for (;;) {
      if (pos > 0) {
        buf.copyWithin(0, pos, filled);
        filled -= pos;
        pos = 0;
      }
      // room for a chunk and the newline added at the end of a file without one
      if (buf.length - filled < chunk + 1) {
        const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, filled + chunk + 1));
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      const { bytesRead } = await fh.read(buf, filled, chunk, null);
      const eof = bytesRead === 0;
      filled += bytesRead;
      if (first && (filled >= 3 || eof)) {
        first = false;
        if (filled >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) pos = 3;
      }
      if (first) continue;
      if (eof && filled > pos && buf[filled - 1] !== LF) buf[filled++] = LF;
      if (!slow) {
        const end = scan(buf, pos, filled);
        if (end >= 0) pos = end;
        else {
          decoder = new StringDecoder('utf8');
          pos = -1 - end;
          startSlow();
        }
      }
      if (slow) {
        // whole lines at a time, as readCsvFile writes them (csv-parse guesses its line end from what it has)
        const last = filled > pos ? buf.lastIndexOf(LF, filled - 1) : -1;
        if (last >= pos) {
          (slow as ReturnType<typeof parse>).write(decoder!.write(buf.subarray(pos, last + 1)));
          pos = last + 1;
        }
      }
      if (eof) break;
    }
    rec.bytes = EMPTY;
  } finally {
    await fh.close();
  }
  if (slow) {
    const tail = decoder!.end();
    if (tail) (slow as ReturnType<typeof parse>).write(tail);
    (slow as ReturnType<typeof parse>).end();
    await slowDone;
  }
  return { records, fallbackAtLine };
}
