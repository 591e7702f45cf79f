// What the reader hands the writer. Orders, the bulk of any import, travel in columns (typed
// arrays move between threads without copying) with each customer's details sent only the first
// time the customer appears; customers and subscriptions travel as rows.
import type { ImportType } from './presets.js';
import type { CustomerPart, CustomerRow, OrderRow, SubscriptionRow } from './rows.js';

export type Person = CustomerPart & { line: number };

export interface OrderBatch {
  lines: Int32Array;
  exts: string[];
  amounts: Float64Array;
  currencies: string[];
  /** ordered_at, ms since the epoch */
  times: Float64Array;
  statuses: string[];
  /** the customer key of each row (customerKeyOf) */
  keys: string[];
  /** details of the customers not handed on before: the first row of each in this batch */
  people: Person[];
}

export type WriteBatch =
  | { type: 'orders'; orders: OrderBatch }
  | { type: 'customers'; rows: CustomerRow[] }
  | { type: 'subscriptions'; rows: SubscriptionRow[] };

/** The key a row names its customer by: external id, else email, else phone (the mapper
 * guarantees one of them). */
export const customerKeyOf = (r: CustomerPart): string =>
  r.customerExt !== null ? `x:${r.customerExt}` : r.emailNorm !== null ? `e:${r.emailNorm}` : `p:${r.phoneNorm}`;

export const personOf = (r: Person): Person => ({
  line: r.line, customerExt: r.customerExt, name: r.name, email: r.email, emailNorm: r.emailNorm, phone: r.phone,
  phoneNorm: r.phoneNorm, address: r.address, city: r.city, postalCode: r.postalCode, country: r.country,
});

/**
 * Packs the reader's rows for the writer. A real import's writer remembers every customer it has
 * met, so each customer's details are sent once; a dry run's writer forgets the customers it
 * pretended to create, so it gets them again in every batch.
 */
export function createPacker(dryRun: boolean): (type: ImportType, rows: Array<OrderRow | CustomerRow | SubscriptionRow>) => WriteBatch {
  const sent = new Set<string>();
  return (type, rows) => {
    if (type === 'customers') return { type, rows: rows as CustomerRow[] };
    if (type === 'subscriptions') return { type, rows: rows as SubscriptionRow[] };
    const orders = rows as OrderRow[];
    const n = orders.length;
    const b: OrderBatch = {
      lines: new Int32Array(n), exts: new Array(n), amounts: new Float64Array(n), currencies: new Array(n),
      times: new Float64Array(n), statuses: new Array(n), keys: new Array(n), people: [],
    };
    const inBatch = dryRun ? new Set<string>() : sent;
    for (let i = 0; i < n; i++) {
      const r = orders[i];
      const key = customerKeyOf(r);
      b.lines[i] = r.line;
      b.exts[i] = r.ext;
      b.amounts[i] = r.amount;
      b.currencies[i] = r.currency;
      b.times[i] = r.orderedAt.getTime();
      b.statuses[i] = r.status;
      b.keys[i] = key;
      if (!inBatch.has(key)) {
        // bounded (the reader's heap is capped): details sent again are simply not needed
        if (inBatch.size >= 200_000) inBatch.clear();
        inBatch.add(key);
        b.people.push(personOf(r));
      }
    }
    return { type, orders: b };
  };
}

/** The buffers a batch can hand to another thread instead of copying. */
export function transferable(b: WriteBatch): ArrayBuffer[] {
  if (b.type !== 'orders') return [];
  const o = b.orders;
  return [o.lines.buffer, o.amounts.buffer, o.times.buffer] as ArrayBuffer[];
}
