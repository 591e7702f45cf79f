// Streaming CSV reading that never gives up on a file: delimiter sniffing, BOM, quoted fields
// with newlines, mixed line endings. A record that is too large or has a quote that never
// closes is reported with its physical line number and reading resumes on the next line.
import { parse, type CsvError } from 'csv-parse';
import fs from 'node:fs';

export type Delimiter = ',' | ';' | '\t' | '|' | 'whitespace';

export interface CsvSource {
  /** size in bytes, for progress */
  size: number;
  /** the bytes from `start` to the end */
  open(start: number): AsyncIterable<Buffer>;
}

export function fileSource(path: string): CsvSource {
  return {
    size: fs.statSync(path).size,
    open: (start) => fs.createReadStream(path, { start, highWaterMark: 1 << 20 }),
  };
}

export function bufferSource(buf: Buffer): CsvSource {
  return {
    size: buf.length,
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
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '').slice(0, 30);
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
  /** bytes read so far */
  onProgress?(bytes: number): void;
}

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

/** Yields records in batches. The first record is the header line. */
export async function* readCsv(source: CsvSource, opts: ReadOptions): AsyncGenerator<CsvRecord[]> {
  const maxRecordBytes = opts.maxRecordBytes ?? 1 << 20;
  const batchSize = opts.batchSize ?? 5000;
  let offset = 0; // byte where the current segment starts
  let lineBase = 0; // physical lines before the current segment
  let first = true;
  for (;;) {
    let restart: { byte: number; line: number } | null = null;
    let prevEnd = 0;
    let prevEmpty = 0;
    let prevBytes = 0;
    const segmentOffset = offset;
    const segmentLineBase = lineBase;
    // Physical line numbers come from counting newlines in the bytes (csv-parse counts a CRLF
    // inside quotes as two lines).
    const chunks: { start: number; buf: Buffer }[] = [];
    const cursor = { byte: segmentOffset, line: segmentLineBase + 1 };
    const lineAt = (b: number): number => {
      while (cursor.byte < b && chunks.length) {
        const c = chunks[0];
        const end = c.start + c.buf.length;
        const stop = Math.min(b, end);
        let i = cursor.byte - c.start;
        const last = stop - c.start;
        for (;;) {
          const nl = c.buf.indexOf(10, i);
          if (nl < 0 || nl >= last) break;
          cursor.line++;
          i = nl + 1;
        }
        cursor.byte = stop;
        if (stop >= end) chunks.shift();
      }
      return cursor.line;
    };
    const parser = parse({
      bom: first,
      delimiter: opts.delimiter === 'whitespace' ? ' ' : opts.delimiter,
      record_delimiter: ['\r\n', '\n'],
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      max_record_size: maxRecordBytes,
      info: true,
      on_record: (item: { record: string[]; info: { lines: number; empty_lines: number; bytes: number } }) => {
        if (restart) return null;
        const { record, info } = item;
        const line = lineAt(segmentOffset + prevBytes) + (info.empty_lines - prevEmpty);
        prevEnd = info.lines;
        prevEmpty = info.empty_lines;
        prevBytes = info.bytes;
        return { line, fields: opts.delimiter === 'whitespace' ? record.filter((f) => f !== '') : record };
      },
      on_skip: (err: CsvError | undefined) => {
        if (!err) return;
        const line = lineAt(segmentOffset + prevBytes);
        if (err.code === 'CSV_MAX_RECORD_SIZE' || err.code === 'CSV_QUOTE_NOT_CLOSED') {
          if (!restart) {
            restart = { byte: segmentOffset + prevBytes, line };
            opts.onIssue({ line, reason: describe(err, maxRecordBytes) });
          }
        } else if (!restart) {
          opts.onIssue({ line, reason: describe(err, maxRecordBytes) });
        }
      },
    } as unknown as Parameters<typeof parse>[0]);
    const pump = (async () => {
      try {
        let read = segmentOffset;
        for await (const chunk of source.open(segmentOffset)) {
          if (restart || parser.destroyed) break;
          chunks.push({ start: read, buf: chunk });
          read += chunk.length;
          opts.onProgress?.(read);
          if (!parser.write(chunk)) await new Promise<void>((resolve) => {
            const done = () => { parser.off('drain', done); parser.off('close', done); resolve(); };
            parser.on('drain', done);
            parser.on('close', done);
          });
        }
      } finally {
        if (!parser.destroyed) parser.end();
      }
    })();
    let batch: CsvRecord[] = [];
    try {
      for await (const rec of parser as AsyncIterable<CsvRecord>) {
        batch.push(rec);
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
    } catch (err) {
      opts.onIssue({ line: lineAt(segmentOffset + prevBytes), reason: `the file could not be read further: ${(err as Error).message}` });
    } finally {
      if (!parser.destroyed) parser.destroy();
      await pump.catch(() => {});
    }
    if (batch.length) yield batch;
    if (!restart) return;
    // Resume on the line after the one where the bad record started.
    const r: { byte: number; line: number } = restart;
    let pos = r.byte;
    let line = r.line;
    let found = false;
    let skippingBlank = true;
    outer: for await (const chunk of source.open(r.byte)) {
      for (let i = 0; i < chunk.length; i++) {
        const c = chunk[i];
        if (skippingBlank && (c === 10 || c === 13)) {
          if (c === 10) line++;
          continue;
        }
        skippingBlank = false;
        if (c === 10) {
          pos += i + 1;
          found = true;
          break outer;
        }
      }
      pos += chunk.length;
    }
    if (!found) return;
    offset = pos;
    lineBase = line;
    first = false;
  }
}
