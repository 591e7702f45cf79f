// Streaming CSV reading that never gives up on a file: delimiter sniffing, BOM, quoted fields
// with newlines, mixed line endings. A record that is too large or has a quote that never
// closes is reported with its physical line number and reading resumes on the next line.
import { parse, type CsvError } from 'csv-parse';
import fs from 'node:fs';

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
  /** bytes read so far */
  onProgress?(bytes: number): void;
  /** called once when the file itself holds U+FFFD (the bytes EF BF BD): from then on a
   * replacement character in a field may be the file's own rather than a sign of bytes that are
   * not UTF-8 (which the decoder replaces with it) */
  onGenuineReplacementChar?(): void;
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
  let offset = 0; // byte where the current segment starts
  let firstLine = 1; // physical line number at that byte
  let first = true;
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
