// The record ids an import has met, with the line each was first on, in typed arrays rather
// than a Map of strings: a million ids take ~16 MB outside the JS heap instead of ~60 MB on it
// (and the garbage collector never walks them). Ids are kept as two independent 32-bit hashes;
// two different ids share both with a chance of about 1 in 10^19 per pair (3 in 10^8 for a
// file of a million rows), and such a row would be listed as a duplicate with its line.

const EMPTY = 0; // lines are 1-based, so line 0 marks a free slot

// the two hashes of the last `hashes` call (no array per call: a million ids is a million calls)
let hashA = 0;
let hashB = 0;

function hashes(s: string): void {
  // FNV-1a and a multiply-xorshift hash with another seed, both over UTF-16 code units
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
  // as stored: signed 32-bit
  hashA = a | 0;
  hashB = (b ^ (b >>> 16)) | 0;
}

// A slot is three numbers side by side (the two hashes and the line), so a look-up reads one
// place in memory rather than one in each of three arrays: with a million ids the table is 24 MB
// and each place read is a cache miss.
const STRIDE = 3;

export class IdSet {
  private slots: Int32Array;
  /** slots in the table (a power of two) */
  private capacity: number;
  private count = 0;

  constructor(capacity = 1 << 16) {
    this.capacity = capacity;
    this.slots = new Int32Array(capacity * STRIDE);
  }

  get size(): number {
    return this.count;
  }

  /** Remembers `id` as first met on `line` and answers 0, or answers the line it was first met on. */
  firstLine(id: string, line: number): number {
    if (line < 1) throw new Error('lines are 1-based');
    if ((this.count + 1) * 2 > this.capacity) this.grow();
    hashes(id);
    const at = this.probe(hashA, hashB);
    const slots = this.slots;
    const found = slots[at + 2];
    if (found !== EMPTY) return found;
    slots[at] = hashA;
    slots[at + 1] = hashB;
    slots[at + 2] = line;
    this.count++;
    return 0;
  }

  /** Remembers `value` (1 or more) for `id`, replacing what was there. */
  set(id: string, value: number): void {
    if (value < 1) throw new Error('values are 1 or more');
    if ((this.count + 1) * 2 > this.capacity) this.grow();
    hashes(id);
    const at = this.probe(hashA, hashB);
    const slots = this.slots;
    if (slots[at + 2] === EMPTY) this.count++;
    slots[at] = hashA;
    slots[at + 1] = hashB;
    slots[at + 2] = value;
  }

  /** The line `id` was first met on, or 0. */
  lineOf(id: string): number {
    hashes(id);
    return this.slots[this.probe(hashA, hashB) + 2];
  }

  /** Where the slot holding (h, l) starts, or the free slot where it belongs (linear probing). */
  private probe(h: number, l: number): number {
    const slots = this.slots;
    const mask = this.capacity - 1;
    let i = (h ^ Math.imul(l, 0x9e3779b1)) & mask;
    for (;;) {
      const at = i * STRIDE;
      if (slots[at + 2] === EMPTY || (slots[at] === h && slots[at + 1] === l)) return at;
      i = (i + 1) & mask;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.capacity *= 2;
    const slots = new Int32Array(this.capacity * STRIDE);
    this.slots = slots;
    for (let at = 0; at < old.length; at += STRIDE) {
      if (old[at + 2] === EMPTY) continue;
      const to = this.probe(old[at], old[at + 1]);
      slots[to] = old[at];
      slots[to + 1] = old[at + 1];
      slots[to + 2] = old[at + 2];
    }
  }
}
