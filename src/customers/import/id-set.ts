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
  hashA = a >>> 0;
  hashB = (b ^ (b >>> 16)) >>> 0;
}

export class IdSet {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private lines: Int32Array;
  private count = 0;

  constructor(capacity = 1 << 16) {
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.lines = new Int32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Remembers `id` as first met on `line` and answers 0, or answers the line it was first met on. */
  firstLine(id: string, line: number): number {
    if (line < 1) throw new Error('lines are 1-based');
    if ((this.count + 1) * 2 > this.lines.length) this.grow();
    hashes(id);
    const h = hashA;
    const l = hashB;
    const found = this.probe(h, l);
    if (this.lines[found] !== EMPTY) return this.lines[found];
    this.hi[found] = h;
    this.lo[found] = l;
    this.lines[found] = line;
    this.count++;
    return 0;
  }

  /** Remembers `value` (1 or more) for `id`, replacing what was there. */
  set(id: string, value: number): void {
    if (value < 1) throw new Error('values are 1 or more');
    if ((this.count + 1) * 2 > this.lines.length) this.grow();
    hashes(id);
    const h = hashA;
    const l = hashB;
    const found = this.probe(h, l);
    if (this.lines[found] === EMPTY) this.count++;
    this.hi[found] = h;
    this.lo[found] = l;
    this.lines[found] = value;
  }

  /** The line `id` was first met on, or 0. */
  lineOf(id: string): number {
    hashes(id);
    const h = hashA;
    const l = hashB;
    return this.lines[this.probe(h, l)];
  }

  /** The slot holding (h, l), or the free slot where it belongs (linear probing). */
  private probe(h: number, l: number): number {
    const mask = this.lines.length - 1;
    let i = (h ^ Math.imul(l, 0x9e3779b1)) & mask;
    while (this.lines[i] !== EMPTY && (this.hi[i] !== h || this.lo[i] !== l)) i = (i + 1) & mask;
    return i;
  }

  private grow(): void {
    const { hi, lo, lines } = this;
    this.hi = new Uint32Array(lines.length * 2);
    this.lo = new Uint32Array(lines.length * 2);
    this.lines = new Int32Array(lines.length * 2);
    for (let i = 0; i < lines.length; i++) {
      if (lines[i] === EMPTY) continue;
      const j = this.probe(hi[i], lo[i]);
      this.hi[j] = hi[i];
      this.lo[j] = lo[i];
      this.lines[j] = lines[i];
    }
  }
}
