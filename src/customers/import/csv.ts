// Streaming CSV reading that never gives up on a file: delimiter sniffing, BOM, quoted fields
// with newlines, mixed line endings. A record that is too large or has a quote that never
// closes is reported with its physical line number and reading resumes on the next line.
import { parse, type CsvError } from 'csv-parse';
import { isAscii, isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import { CsvRecord as RecordView, SCAN_DECLINE, SCAN_NEXT, SCAN_PAUSE, scanCsvRecords } from '../../platform/csv/reader.js';

export { RecordView };

export type Delimiter = ',' | ';' | '\t' | '|' | 'whitespace';

export interface CsvSource {
  /** size in bytes, for progress */
  size: number;
  /** what the source reads, so a worker thread can open it again */
  origin?: { file: string } | { bytes: Buffer };
  /** the bytes from `start` to the end */
  open(start: number): AsyncIterable<Buffer>;
}

export function fileSource(path: string): CsvSource {
  return {
    size: fs.statSync(path).size,
    origin: { file: path },
    open: (start) => fs.createReadStream(path, { start, highWaterMark: 1 << 20 }),
  };
}

export function bufferSource(buf: Buffer): CsvSource {
  return {
    size: buf.length,
    origin: { bytes: buf },
    async *open(start) {
      for (let i = start; i < buf.length; i += 1 << 20) yield buf.subarray(i, Math.min(buf.length, i + (1 << 20)));
    },
  };
}

export async function readHead(source: CsvSource, bytes = 64 * 1024): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of source.open(0)) {
    parts.push(chunk);
    n += chunk.length;
    if (n >= bytes) break;
  }
  return Buffer.concat(parts).subarray(0, bytes);
}

/** Picks the delimiter that splits the first lines into the same number of fields. */
export function sniffDelimiter(head: string): Delimiter {
  const text = head.replace(/^\uFEFF/, '').replace(/"(?:[^"]|"")*"/g, 'Q');
  const lines = text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .slice(0, 30);
  if (lines.length > 1 && !head.endsWith('\n')) lines.pop(); // maybe cut mid-line
  let best: { d: Delimiter; score: number } = { d: ',', score: 0 };
  for (const d of [',', ';', '\t', '|'] as const) {
    const counts = lines.map((l) => l.split(d).length - 1);
    const first = counts[0] ?? 0;
    if (first === 0) continue;
    const consistent = counts.filter((c) => c === first).length / counts.length;
    const score = consistent * 100 + Math.min(first, 50);
    if (score > best.score) best = { d, score };
  }
  if (best.score === 0 && lines.length && lines.every((l) => /\S\s+\S/.test(l.trim()))) return 'whitespace';
  return best.d;
}

export const delimiterName: Record<Delimiter, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe', whitespace: 'whitespace' };

export interface CsvRecord {
  /** physical line where the record starts (1-based) */
  line: number;
  fields: string[];
}

export interface CsvIssue {
  line: number;
  reason: string;
}

export interface ReadOptions {
  delimiter: Delimiter;
  /** a record larger than this is reported and skipped (default 1 MiB) */
  maxRecordBytes?: number;
  batchSize?: number;
  onIssue(issue: CsvIssue): void;
  /** how far into the source the records delivered so far reach, in bytes (from a record that is
   * not plain on, the bytes csv-parse has been given) */
  onProgress?(bytes: number): void;
  /** called once when the file itself holds U+FFFD (the bytes EF BF BD): from then on a
   * replacement character in a field may be the file's own rather than a sign of bytes that are
   * not UTF-8 (which the decoder replaces with it) */
  onGenuineReplacementChar?(): void;
  /** where to start instead of the file's beginning (no byte-order mark there): a byte and its line */
  start?: { offset: number; line: number };
}

const REPLACEMENT_BYTES = Buffer.from([0xef, 0xbf, 0xbd]);

function describe(err: CsvError, maxRecordBytes: number): string {
  switch (err.code) {
    case 'CSV_MAX_RECORD_SIZE':
      return `row is larger than ${Math.round(maxRecordBytes / 1024)} KB (a field too long, or a quote that never closes); skipped`;
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed; skipped this line';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a quote in the middle of a field is not closed properly';
    default:
      return err.message.replace(/ at line \d+.*$/, '');
  }
}

/** Byte offset where physical line `target` starts, scanning from `start` (which is line `startLine`). */
async function offsetOfLine(source: CsvSource, start: number, startLine: number, target: number): Promise<number | null> {
  let line = startLine;
  let pos = start;
  if (line >= target) return start;
  for await (const chunk of source.open(start)) {
    let i = 0;
    for (;;) {
      const nl = chunk.indexOf(10, i);
      if (nl < 0) break;
      line++;
      if (line >= target) return pos + nl + 1;
      i = nl + 1;
    }
    pos += chunk.length;
  }
  return null;
}

/** Yields records in batches. The first record is the header line. */
export async function* readCsv(source: CsvSource, opts: ReadOptions): AsyncGenerator<CsvRecord[]> {
  const maxRecordBytes = opts.maxRecordBytes ?? 1 << 20;
  const batchSize = opts.batchSize ?? 5000;
  const whitespace = opts.delimiter === 'whitespace';
  let offset = opts.start?.offset ?? 0; // byte where the current segment starts
  let firstLine = opts.start?.line ?? 1; // physical line number at that byte
  let first = !opts.start;
  let genuineReplacement = false;
  for (;;) {
    let fatal: string | null = null;
    const parser = parse({
      bom: first,
      delimiter: whitespace ? ' ' : opts.delimiter,
      record_delimiter: ['\r\n', '\n'],
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: false,
      skip_records_with_error: true,
      max_record_size: maxRecordBytes,
      on_skip: (err: CsvError | undefined) => {
        if (!err || fatal) return;
        if (err.code === 'CSV_MAX_RECORD_SIZE' || err.code === 'CSV_QUOTE_NOT_CLOSED') fatal = describe(err, maxRecordBytes);
        else pending.push(describe(err, maxRecordBytes));
      },
    } as unknown as Parameters<typeof parse>[0]);
    // non-fatal skipped records: csv-parse does not say which line; report them at the next record
    const pending: string[] = [];
    const segmentOffset = offset;
    const pump = (async () => {
      try {
        let read = segmentOffset;
        for await (const chunk of source.open(segmentOffset)) {
          if (fatal || parser.destroyed) break;
          read += chunk.length;
          opts.onProgress?.(read);
          if (!genuineReplacement && chunk.indexOf(REPLACEMENT_BYTES) !== -1) {
            genuineReplacement = true;
            opts.onGenuineReplacementChar?.();
          }
          if (!parser.write(chunk)) {
            await new Promise<void>((resolve) => {
              const done = () => {
                parser.off('drain', done);
                parser.off('close', done);
                resolve();
              };
              parser.on('drain', done);
              parser.on('close', done);
            });
          }
        }
      } finally {
        if (!parser.destroyed) parser.end();
      }
    })();
    let line = firstLine;
    let batch: CsvRecord[] = [];
    try {
      for await (const record of parser as AsyncIterable<string[]>) {
        const start = line;
        line++;
        for (let i = 0; i < record.length; i++) {
          const f = record[i];
          if (f.length && f.indexOf('\n') !== -1) for (let j = f.indexOf('\n'); j !== -1; j = f.indexOf('\n', j + 1)) line++;
        }
        if (pending.length) for (const reason of pending.splice(0)) opts.onIssue({ line: start, reason });
        if (record.length === 1 && record[0] === '') continue; // blank line
        batch.push({ line: start, fields: whitespace ? record.filter((f) => f !== '') : record });
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
    } catch (err) {
      opts.onIssue({ line, reason: `the file could not be read further: ${(err as Error).message}` });
    } finally {
      if (!parser.destroyed) parser.destroy();
      await pump.catch(() => {});
    }
    if (batch.length) yield batch;
    if (!fatal) return;
    // The bad record starts at `line`: report it and resume on the next physical line.
    opts.onIssue({ line, reason: fatal });
    const next = await offsetOfLine(source, segmentOffset, firstLine, line + 1);
    if (next === null || next >= source.size) return;
    offset = next;
    firstLine = line + 1;
    first = false;
  }
}

const LF = 10;
const CR = 13;
const CHUNK = 1 << 20;

/**
 * The records of a source, read from its bytes: a plain record (one line, simply quoted fields)
 * comes as cell offsets into the bytes (platform/csv/byte-reader.ts), so the mapper decodes only
 * the cells it needs and reads numbers and dates straight from the bytes. From the first record
 * that is not plain — a quoted field running over a line end, text after a closing quote, a
 * record over maxRecordBytes, a line ending in a lone CR at the end of the file — csv-parse reads
 * the rest (readCsv, with its issues and resumption), its records as text. Same records, same
 * lines and the same issues as readCsv; blank lines are skipped. The whitespace delimiter is
 * csv-parse's from the start.
 */
export class CsvRecordStream {
  /** the bytes of the records being delivered: all ASCII / valid UTF-8, and no NUL byte (records
   * read by csv-parse: false) — a caller checks a record's text only where these do not say */
  ascii = false;
  clean = false;
  private readonly opts: ReadOptions;
  private readonly maxRecordBytes: number;
  private readonly D: number;
  private buf = Buffer.allocUnsafe(2 * CHUNK + 1);
  /** file offset of buf[0] */
  private base = 0;
  private pos = 0;
  private filled = 0;
  /** end of the complete lines in buf */
  private scanTo = 0;
  private line = 0;
  private first = true;
  private eof = false;
  private genuine = false;
  private chunks: AsyncIterator<Buffer> | null = null;
  private readonly rec = new RecordView();
  private each: ((rec: RecordView, line: number) => boolean) | null = null;
  private paused = false;
  private slow: { records: AsyncGenerator<CsvRecord[]>; batch: CsvRecord[]; i: number } | null = null;
  private readonly textRec = new RecordView();

  constructor(
    private readonly source: CsvSource,
    opts: ReadOptions,
  ) {
    this.opts = opts;
    this.maxRecordBytes = opts.maxRecordBytes ?? 1 << 20;
    this.D = opts.delimiter === 'whitespace' ? -1 : opts.delimiter.charCodeAt(0);
    if (this.D < 0) this.slow = { records: readCsv(source, opts), batch: [], i: 0 };
  }

  /** Delivers records to `each` (valid during the call) until it answers true (then resolves
   * false: call again for more) or the file ends (resolves true). */
  async read(each: (rec: RecordView, line: number) => boolean): Promise<boolean> {
    this.each = each;
    for (;;) {
      if (this.slow) return this.readSlow(each);
      if (this.pos < this.scanTo) {
        const end = scanCsvRecords(this.buf, this.pos, this.scanTo, this.D, this.rec, this.onScanned);
        if (end < 0) {
          this.startSlow(-1 - end);
          continue;
        }
        this.pos = end;
        if (this.paused) {
          this.paused = false;
          // the records delivered, not the bytes buffered: a file under a chunk is read at once,
          // and would show as all done before its first batch is written
          this.opts.onProgress?.(this.base + this.pos);
          return false;
        }
        // a complete line left unscanned can only be a record scanCsvRecords returned for csv-parse
        if (this.pos < this.scanTo) {
          this.startSlow(this.pos);
          continue;
        }
      }
      if (this.eof) {
        if (this.pos < this.filled)
          this.startSlow(this.pos); // a last line ending in a lone CR
        else {
          this.opts.onProgress?.(this.source.size);
          return true;
        }
        continue;
      }
      if (this.filled - this.pos > this.maxRecordBytes) {
        // a line longer than any record allowed: csv-parse reports it
        this.startSlow(this.pos);
        continue;
      }
      await this.fill();
    }
  }

  private readonly onScanned = (r: RecordView): number => {
    if (r.end - r.start > this.maxRecordBytes) return SCAN_DECLINE; // csv-parse decides
    this.line++;
    if (r.length === 1 && r.starts[0] === r.ends[0]) return SCAN_NEXT; // a blank line
    if (this.each!(r, this.line)) {
      this.paused = true;
      return SCAN_PAUSE;
    }
    return SCAN_NEXT;
  };

  private async fill(): Promise<void> {
    if (this.pos > 0) {
      this.buf.copyWithin(0, this.pos, this.filled);
      this.base += this.pos;
      this.filled -= this.pos;
      this.scanTo -= this.pos;
      this.pos = 0;
    }
    this.chunks ??= this.source.open(0)[Symbol.asyncIterator]();
    const next = await this.chunks.next();
    const from = this.filled;
    if (next.done) {
      this.eof = true;
      // a last line without a line end gets one; one ending in a lone CR is left to csv-parse
      if (this.filled > this.pos && this.buf[this.filled - 1] !== LF && this.buf[this.filled - 1] !== CR) this.buf[this.filled++] = LF;
    } else {
      const chunk = next.value;
      if (this.buf.length < this.filled + chunk.length + 1) {
        const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.filled + chunk.length + 1));
        this.buf.copy(bigger, 0, 0, this.filled);
        this.buf = bigger;
      }
      chunk.copy(this.buf, this.filled);
      this.filled += chunk.length;
      if (!this.genuine && this.buf.subarray(Math.max(0, from - 2), this.filled).indexOf(REPLACEMENT_BYTES) !== -1) {
        this.genuine = true;
        this.opts.onGenuineReplacementChar?.();
      }
    }
    if (this.first) {
      if (this.filled < 3 && !this.eof) return;
      this.first = false;
      if (this.filled >= 3 && this.buf[0] === 0xef && this.buf[1] === 0xbb && this.buf[2] === 0xbf) this.pos = 3;
    }
    const last = this.filled > this.pos ? this.buf.lastIndexOf(LF, this.filled - 1) : -1;
    const scanTo = last >= this.pos ? last + 1 : this.pos;
    if (scanTo > this.pos) {
      const region = this.buf.subarray(this.pos, scanTo);
      this.ascii = isAscii(region);
      this.clean = region.indexOf(0) === -1 && (this.ascii || isUtf8(region));
      this.ascii &&= this.clean;
    }
    this.scanTo = scanTo;
  }

  private startSlow(at: number): void {
    void this.chunks?.return?.();
    this.chunks = null;
    this.ascii = false;
    this.clean = false;
    this.slow = { records: readCsv(this.source, { ...this.opts, start: { offset: this.base + at, line: this.line + 1 } }), batch: [], i: 0 };
  }

  private async readSlow(each: (rec: RecordView, line: number) => boolean): Promise<boolean> {
    const slow = this.slow!;
    const rec = this.textRec;
    for (;;) {
      while (slow.i < slow.batch.length) {
        const r = slow.batch[slow.i++];
        rec.strings = r.fields;
        rec.length = r.fields.length;
        if (each(rec, r.line)) return false;
      }
      const next = await slow.records.next();
      if (next.done) return true;
      slow.batch = next.value;
      slow.i = 0;
    }
  }
}
