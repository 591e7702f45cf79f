// Time-ordered uuids (version 7, RFC 9562): rows a bulk import creates append to the primary-key
// index instead of landing on random pages, which makes bulk inserts markedly faster. The random
// bits come from a pool refilled 64 KB at a time: asking the system for 16 bytes per id (what the
// `uuid` package's v7() does) made a 1M-order import spend 8 s on order ids, and 1 s on its 100k
// customers' ids. Ids made in one thread increase: within a millisecond a 31-bit sequence
// (random at each new millisecond) counts up, as the package's own v7() does. The bytes are
// written straight from the pool, without a view or an options object per id: an import makes
// one per order, in the reader's capped heap.
import { randomFillSync } from 'node:crypto';
import { parse, stringify } from 'uuid';

const pool = new Uint8Array(16 * 4096);
let used = pool.length;
let lastMs = -1;
let seq = 0;

/** Writes a new uuid's 16 bytes into `target` at `o`. */
export function uuidv7Into(target: Uint8Array, o: number): void {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const r = used;
  used += 16;
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    seq = ((pool[r + 6] & 0x7f) << 24) | (pool[r + 7] << 16) | (pool[r + 8] << 8) | pool[r + 9];
  } else {
    seq = (seq + 1) | 0;
    if (seq === 0) lastMs++; // the sequence ran out within a millisecond: borrow the next one
  }
  // 48-bit milliseconds, version 7 and the sequence's top 12 bits, the RFC variant and its next
  // 30 bits, then random bits (the layout of the uuid package's v7)
  const ms = lastMs;
  target[o] = (ms / 0x10000000000) & 0xff;
  target[o + 1] = (ms / 0x100000000) & 0xff;
  target[o + 2] = (ms / 0x1000000) & 0xff;
  target[o + 3] = (ms / 0x10000) & 0xff;
  target[o + 4] = (ms / 0x100) & 0xff;
  target[o + 5] = ms & 0xff;
  target[o + 6] = 0x70 | ((seq >>> 28) & 0x0f);
  target[o + 7] = (seq >>> 20) & 0xff;
  target[o + 8] = 0x80 | ((seq >>> 14) & 0x3f);
  target[o + 9] = (seq >>> 6) & 0xff;
  target[o + 10] = ((seq << 2) & 0xff) | (pool[r + 10] & 0x03);
  for (let k = 11; k < 16; k++) target[o + k] = pool[r + k];
}

const scratch = new Uint8Array(16);

/** A new uuid as text. */
export function uuidv7(): string {
  uuidv7Into(scratch, 0);
  return stringify(scratch);
}

/** The 16 bytes of a uuid given as text. */
export function uuidBytes(id: string): Uint8Array {
  return parse(id);
}
