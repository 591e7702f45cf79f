// Time-ordered uuids (version 7 layout, RFC 9562): rows a bulk import creates append to the
// primary-key index instead of landing on random pages, which makes bulk inserts markedly faster.
// Bytes: 48-bit Unix ms | version 7 | 26-bit counter within the ms (around the variant bits) |
// 48 random bits fixed per process. Monotonic within a process.
import { randomBytes } from 'node:crypto';

const tail = randomBytes(6);
let lastMs = 0;
let seq = 0;

/** Writes a new uuid's 16 bytes into `target` at `o`. */
export function uuidv7Into(target: Uint8Array, o: number): void {
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    seq = 0;
  } else seq++;
  const hi = Math.floor(lastMs / 2 ** 16); // top 32 bits of the 48-bit time
  target[o] = hi >>> 24;
  target[o + 1] = (hi >>> 16) & 0xff;
  target[o + 2] = (hi >>> 8) & 0xff;
  target[o + 3] = hi & 0xff;
  target[o + 4] = (lastMs >>> 8) & 0xff;
  target[o + 5] = lastMs & 0xff;
  target[o + 6] = 0x70 | ((seq >>> 22) & 0x0f);
  target[o + 7] = (seq >>> 14) & 0xff;
  target[o + 8] = 0x80 | ((seq >>> 8) & 0x3f);
  target[o + 9] = seq & 0xff;
  target.set(tail, o + 10);
}

const scratch = new Uint8Array(16);

/** A new uuid as text. */
export function uuidv7(): string {
  uuidv7Into(scratch, 0);
  const h = Buffer.from(scratch.buffer, scratch.byteOffset, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The 16 bytes of a uuid given as text. */
export function uuidBytes(id: string): Uint8Array {
  return Buffer.from(id.replace(/-/g, ''), 'hex');
}
