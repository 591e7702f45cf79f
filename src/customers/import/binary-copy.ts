// PostgreSQL's binary COPY format, written from JS values. The embedded database then stores
// uuids, numbers and timestamps as they are instead of parsing their text, which takes a
// quarter off a bulk import's database time. Format: PostgreSQL docs, "COPY … Binary Format".

import { uuidv7Into } from './ids.js';

export type CopyType = 'int' | 'text' | 'bigint' | 'timestamptz' | 'date' | 'boolean' | 'uuid';
export type CopyValue = string | number | boolean | Date | null;

const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
const DAY_MS = 86_400_000;
const TWO_32 = 2 ** 32;

/** Accumulates rows of one column layout; `finish()` answers the whole COPY payload. */
export class BinaryCopyWriter {
  private buf = Buffer.allocUnsafe(1 << 20);
  private o = 0;
  private readonly encoders: Array<(v: Exclude<CopyValue, null>) => void>;

  constructor(private readonly types: CopyType[] = []) {
    this.reset();
    this.encoders = types.map((t) => this.encoderFor(t));
  }

  /** Starts a new payload in the same memory (the previous one must have been copied away). */
  reset(): void {
    this.buf.write('PGCOPY\n\xff\r\n\0', 0, 'latin1');
    this.buf.writeInt32BE(0, 11); // flags: no oids
    this.buf.writeInt32BE(0, 15); // header extension length
    this.o = 19;
  }

  /** Appends one row; `values` in the order of the types given to the constructor. */
  row(values: CopyValue[]): void {
    this.ensure(2);
    this.buf.writeInt16BE(this.types.length, this.o);
    this.o += 2;
    for (let i = 0; i < this.encoders.length; i++) {
      const v = values[i];
      if (v === null || v === undefined) {
        this.ensure(4);
        this.buf.writeInt32BE(-1, this.o);
        this.o += 4;
      } else this.encoders[i](v);
    }
  }

  // Field by field, for hot loops that know their layout (the orders of an import).
  startRow(fields: number): void {
    this.ensure(2);
    this.buf.writeInt16BE(fields, this.o);
    this.o += 2;
  }

  /** A uuid from its 16 bytes. */
  uuidBytes(bytes: Uint8Array): void {
    this.ensure(20);
    this.buf.writeInt32BE(16, this.o);
    this.buf.set(bytes, this.o + 4);
    this.o += 20;
  }

  /** Room for a uuid filled in later: answers the byte where its 16 bytes go. */
  uuidPlaceholder(): number {
    this.ensure(20);
    this.buf.writeInt32BE(16, this.o);
    this.buf.fill(0, this.o + 4, this.o + 20);
    this.o += 20;
    return this.o - 16;
  }

  /** A new time-ordered uuid. */
  newUuid(): void {
    this.ensure(20);
    this.buf.writeInt32BE(16, this.o);
    uuidv7Into(this.buf, this.o + 4);
    this.o += 20;
  }

  text(s: string): void {
    const n = s.length;
    if (n <= 64) {
      // short ASCII (ids, currency codes, statuses) byte by byte: cheaper than a call into C++
      this.ensure(4 + n);
      const buf = this.buf;
      const o = this.o + 4;
      let i = 0;
      while (i < n) {
        const c = s.charCodeAt(i);
        if (c > 127) break;
        buf[o + i] = c;
        i++;
      }
      if (i === n) {
        buf.writeInt32BE(n, this.o);
        this.o = o + n;
        return;
      }
    }
    this.ensure(4 + s.length * 3);
    const len = this.buf.write(s, this.o + 4, 'utf8');
    this.buf.writeInt32BE(len, this.o);
    this.o += 4 + len;
  }

  int8(n: number): void {
    if (!Number.isSafeInteger(n)) throw new Error(`not a whole number: ${n}`);
    this.ensure(12);
    this.buf.writeInt32BE(8, this.o);
    this.o += 4;
    this.int64(n);
  }

  timestampMs(ms: number): void {
    if (!Number.isFinite(ms)) throw new Error(`not a time: ${ms}`);
    this.ensure(12);
    this.buf.writeInt32BE(8, this.o);
    this.o += 4;
    this.int64((ms - PG_EPOCH_MS) * 1000);
  }

  finish(): Uint8Array<ArrayBuffer> {
    this.ensure(2);
    this.buf.writeInt16BE(-1, this.o);
    return new Uint8Array(this.buf.buffer as ArrayBuffer, this.buf.byteOffset, this.o + 2);
  }

  private ensure(n: number): void {
    if (this.o + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.o + n));
    this.buf.copy(bigger, 0, 0, this.o);
    this.buf = bigger;
  }

  private int64(v: number): void {
    const hi = Math.floor(v / TWO_32);
    this.buf.writeInt32BE(hi, this.o);
    this.buf.writeUInt32BE(v - hi * TWO_32, this.o + 4);
    this.o += 8;
  }

  private encoderFor(type: CopyType): (v: Exclude<CopyValue, null>) => void {
    switch (type) {
      case 'text':
        return (v) => this.text(String(v));
      case 'uuid':
        return (v) => {
          const s = String(v);
          if (s.length !== 36) throw new Error(`not a uuid: ${s}`);
          this.ensure(20);
          this.buf.writeInt32BE(16, this.o);
          const b = this.o + 4;
          this.buf.write(s.slice(0, 8), b, 'hex');
          this.buf.write(s.slice(9, 13), b + 4, 'hex');
          this.buf.write(s.slice(14, 18), b + 6, 'hex');
          this.buf.write(s.slice(19, 23), b + 8, 'hex');
          this.buf.write(s.slice(24, 36), b + 10, 'hex');
          this.o += 20;
        };
      case 'int':
        return (v) => {
          this.ensure(8);
          this.buf.writeInt32BE(4, this.o);
          this.buf.writeInt32BE(Number(v), this.o + 4);
          this.o += 8;
        };
      case 'bigint':
        return (v) => this.int8(Number(v));
      case 'timestamptz':
        return (v) => this.timestampMs(v instanceof Date ? v.getTime() : Date.parse(String(v)));
      case 'date':
        return (v) => {
          const ms = v instanceof Date ? v.getTime() : Date.parse(`${String(v).slice(0, 10)}T00:00:00Z`);
          if (!Number.isFinite(ms)) throw new Error(`not a date: ${v}`);
          this.ensure(8);
          this.buf.writeInt32BE(4, this.o);
          this.buf.writeInt32BE(Math.floor((ms - PG_EPOCH_MS) / DAY_MS), this.o + 4);
          this.o += 8;
        };
      case 'boolean':
        return (v) => {
          this.ensure(5);
          this.buf.writeInt32BE(1, this.o);
          this.buf[this.o + 4] = v ? 1 : 0;
          this.o += 5;
        };
    }
  }
}
