// Each customer's earliest order in the file, found by a first reading pass before anything is
// written (read-worker.ts), so the writer creates a customer with its acquisition date instead of
// moving the date back at the end of the import: that update rewrites every customer with all
// its indexes (two trigram ones among them) and was a third of a first import's time.
import { IdSet } from './id-set.js';

/** Beyond this many customers the rest are left to the end-of-import update (memory stays bounded). */
const MAX_CUSTOMERS = 4_000_000;

export class FirstOrders {
  private readonly slots = new IdSet();
  private times = new Float64Array(1 << 12);
  private count = 0;

  /** Notes an order of the customer of `key` at `ms`. */
  note(key: string, ms: number): void {
    const slot = this.slots.lineOf(key);
    if (slot !== 0) {
      if (ms < this.times[slot - 1]) this.times[slot - 1] = ms;
      return;
    }
    if (this.count >= MAX_CUSTOMERS) return;
    if (this.count === this.times.length) {
      const bigger = new Float64Array(this.times.length * 2);
      bigger.set(this.times);
      this.times = bigger;
    }
    this.times[this.count++] = ms;
    this.slots.set(key, this.count);
  }

  /** The earliest order of the customer of `key` in the file, if noted. */
  at(key: string): number | undefined {
    const slot = this.slots.lineOf(key);
    return slot === 0 ? undefined : this.times[slot - 1];
  }

  get size(): number {
    return this.count;
  }
}
