// What the reader hands the writer. Orders, the bulk of any import, travel ready to store: for
// the embedded database as COPY's binary payload (moved between threads without copying), each
// row's customer id left for the writer to fill in; with each customer's details sent only the
// first time the customer appears. Customers and subscriptions travel as rows.
import { BinaryCopyWriter } from './binary-copy.js';
import type { ImportType } from './presets.js';
import type { CustomerPart, CustomerRow, OrderPart, OrderRow, RefundRow, SubscriptionRow } from './rows.js';
import type { FirstOrders } from './first-orders.js';

export type Person = CustomerPart & {
  line: number;
  /** the customer's earliest order in the whole file (ms), when a first pass found it (first-orders.ts) */
  firstAt?: number;
};

/** Orders as (id, external_id, customer_id, amount_minor, currency, ordered_at, status). */
export type OrderValues =
  /** COPY binary payload; the 16 bytes of row i's customer id go at byte customerAt[i] */
  | { binary: Uint8Array; customerAt: Int32Array }
  /** plain values (a PostgreSQL server gets an unnest() insert); ids are made by the writer */
  | { exts: string[]; amounts: Float64Array; currencies: string[]; statuses: string[] };

export interface OrderBatch {
  /** the customer key of each row (customerKeyOf) */
  keys: string[];
  /** ordered_at of each row, ms since the epoch */
  times: Float64Array;
  /** details of the customers not handed on before: the first row of each in this batch */
  people: Person[];
  values: OrderValues;
  /** cancellations and refunds among the rows: the writer applies them at the end of the import */
  refunds?: RefundRow[];
  /** more lines of orders handed on in earlier batches: the writer adds them to those orders */
  parts?: OrderPart[];
}

export type WriteBatch = { type: 'orders'; orders: OrderBatch } | { type: 'customers'; rows: CustomerRow[] } | { type: 'subscriptions'; rows: SubscriptionRow[] };

/** The key a row names its customer by: external id, else email, else phone (the mapper
 * guarantees one of them). */
export const customerKeyOf = (r: CustomerPart): string => (r.customerExt !== null ? `x:${r.customerExt}` : r.emailNorm !== null ? `e:${r.emailNorm}` : `p:${r.phoneNorm}`);

export const personOf = (r: Person): Person => ({
  line: r.line,
  customerExt: r.customerExt,
  name: r.name,
  email: r.email,
  emailNorm: r.emailNorm,
  phone: r.phone,
  phoneNorm: r.phoneNorm,
  address: r.address,
  city: r.city,
  postalCode: r.postalCode,
  country: r.country,
});

/**
 * Packs the reader's rows for the writer. A real import's writer remembers every customer it has
 * met, so each customer's details are sent once; a dry run's writer forgets the customers it
 * pretended to create, so it gets them again in every batch. `firsts` (a first pass over the
 * file) gives each customer sent its earliest order in the whole file.
 */
export function createPacker(dryRun: boolean, binary: boolean, firsts?: FirstOrders): (type: ImportType, rows: Array<OrderRow | CustomerRow | SubscriptionRow | RefundRow | OrderPart>) => WriteBatch {
  const sent = new Set<string>();
  const scratch = new BinaryCopyWriter(); // reused: each batch takes an exact-size copy away
  return (type, rows) => {
    if (type === 'customers') return { type, rows: rows as CustomerRow[] };
    if (type === 'subscriptions') return { type, rows: rows as SubscriptionRow[] };
    let orders = rows as OrderRow[];
    let refunds: RefundRow[] | undefined;
    let parts: OrderPart[] | undefined;
    if (rows.some((r) => 'refund' in r || 'part' in r)) {
      refunds = rows.filter((r): r is RefundRow => 'refund' in r);
      parts = rows.filter((r): r is OrderPart => 'part' in r);
      orders = rows.filter((r): r is OrderRow => !('refund' in r) && !('part' in r));
    }
    const n = orders.length;
    const keys = new Array<string>(n);
    const times = new Float64Array(n);
    const people: Person[] = [];
    const inBatch = dryRun ? new Set<string>() : sent;
    for (let i = 0; i < n; i++) {
      const r = orders[i];
      const key = customerKeyOf(r);
      keys[i] = key;
      times[i] = r.orderedAt.getTime();
      if (!inBatch.has(key)) {
        // bounded (the reader's heap is capped): details sent again are simply not needed
        if (inBatch.size >= 100_000) inBatch.clear();
        inBatch.add(key);
        const person = personOf(r);
        const firstAt = firsts?.at(key);
        if (firstAt !== undefined) person.firstAt = firstAt;
        people.push(person);
      }
    }
    const extra = { ...(refunds?.length ? { refunds } : {}), ...(parts?.length ? { parts } : {}) };
    return { type, orders: { keys, times, people, values: binary ? encodeOrders(orders, scratch) : orderValues(orders), ...extra } };
  };
}

function encodeOrders(orders: OrderRow[], out: BinaryCopyWriter): OrderValues {
  out.reset();
  const customerAt = new Int32Array(orders.length);
  for (let i = 0; i < orders.length; i++) {
    const r = orders[i];
    out.startRow(7);
    out.newUuid();
    out.text(r.ext);
    customerAt[i] = out.uuidPlaceholder();
    out.int8(r.amount);
    out.text(r.currency);
    out.timestampMs(r.orderedAt.getTime());
    out.text(r.status);
  }
  return { binary: out.finish().slice(), customerAt };
}

const orderValues = (orders: OrderRow[]): OrderValues => ({
  exts: orders.map((r) => r.ext),
  amounts: Float64Array.from(orders, (r) => r.amount),
  currencies: orders.map((r) => r.currency),
  statuses: orders.map((r) => r.status),
});

/** The buffers a batch can hand to another thread instead of copying. */
export function transferable(b: WriteBatch): ArrayBuffer[] {
  if (b.type !== 'orders') return [];
  const v = b.orders.values;
  const buffers = [b.orders.times.buffer, ...('binary' in v ? [v.binary.buffer, v.customerAt.buffer] : [v.amounts.buffer])];
  return buffers as ArrayBuffer[];
}
