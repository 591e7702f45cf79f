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
  /** the reader's number for the customer (KnownCustomer.no), when it numbered it */
  no?: number;
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
  /** the customer key of each row (customerKeyOf). As the reader's worker sends a batch: only the
   * keys of the rows whose customer it did not number, in row order (see `numbers`); the
   * receiving side fills in the others (CustomerNumbers.restoreKeys). */
  keys: string[];
  /** The reader's number for each row's customer (KnownCustomer.no), -1 where it gave none: a
   * million rows cross between threads as 4 MB of numbers rather than a million key strings, and
   * the writer finds a customer it met before by number instead of hashing its key. */
  numbers?: Int32Array;
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

type PackedRow = OrderRow | CustomerRow | SubscriptionRow | RefundRow | OrderPart;

/** What the reader remembers of one customer key (read.ts), kept across rows so that a row of a
 * customer met before costs one lookup: the email and phone its last row showed, and the packer
 * round its details were sent in (BatchPacker). */
export interface KnownCustomer {
  /** customerKeyOf, made once per customer */
  readonly key: string;
  /** 0, 1, 2… in the order the reader met the customers: batches name the customer by it */
  readonly no: number;
  emailNorm: string | null;
  phoneNorm: string | null;
  /** the BatchPacker round the details went out in, or null */
  sentIn: object | null;
}

/**
 * Packs the reader's rows for the writer. A real import's writer remembers every customer it has
 * met, so each customer's details are sent once; a dry run's writer forgets the customers it
 * pretended to create, so it gets them again in every batch. `firsts` (a first pass over the
 * file) gives each customer sent its earliest order in the whole file.
 */
export function createPacker(dryRun: boolean, binary: boolean, firsts?: FirstOrders): (type: ImportType, rows: PackedRow[]) => WriteBatch {
  let packer: BatchPacker | null = null;
  return (type, rows) => {
    packer ??= new BatchPacker(type, dryRun, binary, firsts);
    for (const r of rows) packer.push(r);
    return packer.take();
  };
}

/**
 * The same packing, a row at a time: each order is encoded as it comes, so a batch of orders
 * waiting to be handed on is its COPY payload and its customer keys rather than thousands of row
 * objects the garbage collector copies about (the reader's worker, read-worker.ts). `take()`
 * answers what createPacker answers for the rows pushed since the last take.
 */
export class BatchPacker {
  /** rows pushed since the last take */
  length = 0;
  /** keys whose details were sent this round (those without a KnownCustomer to mark) */
  private sent = new Set<string>();
  /** The round: details sent again in a new one. A real import's lasts until 100,000 customers
   * were sent (then the set would grow past the reader's capped heap); a dry run's, a batch. */
  private round: object = {};
  /** customers sent this round, marked in `sent` or on their KnownCustomer */
  private sentCount = 0;
  private readonly scratch = new BinaryCopyWriter(); // reused: each batch takes an exact-size copy away
  private others: Array<CustomerRow | SubscriptionRow> = [];
  private keys: string[] = [];
  private times = new Float64Array(1024);
  private numbers = new Int32Array(1024);
  private numbered = false;
  private customerAt = new Int32Array(1024);
  private count = 0;
  private people: Person[] = [];
  private refunds: RefundRow[] = [];
  private parts: OrderPart[] = [];
  private exts: string[] = [];
  private amounts: number[] = [];
  private currencies: string[] = [];
  private statuses: string[] = [];

  constructor(
    private readonly type: ImportType,
    private readonly dryRun: boolean,
    private readonly binary: boolean,
    private readonly firsts?: FirstOrders,
  ) {
    this.scratch.reset();
  }

  /** `key` (customerKeyOf) and `known` when the reader has them: an order of a customer met
   * before then costs no lookup here. A key comes with a KnownCustomer every time or never. */
  push(row: PackedRow, key?: string, known?: KnownCustomer): void {
    this.length++;
    if (this.type !== 'orders') {
      this.others.push(row as CustomerRow | SubscriptionRow);
      return;
    }
    if ('refund' in row) {
      this.refunds.push(row);
      return;
    }
    if ('part' in row) {
      this.parts.push(row);
      return;
    }
    const r = row as OrderRow;
    const i = this.count++;
    if (i === this.times.length) {
      const times = new Float64Array(i * 2);
      times.set(this.times);
      this.times = times;
      const at = new Int32Array(i * 2);
      at.set(this.customerAt);
      this.customerAt = at;
      const numbers = new Int32Array(i * 2);
      numbers.set(this.numbers);
      this.numbers = numbers;
    }
    key ??= customerKeyOf(r);
    if (known !== undefined) {
      this.numbers[i] = known.no;
      this.numbered = true;
    } else {
      this.numbers[i] = -1;
      this.keys.push(key);
    }
    const ms = r.orderedAt.getTime();
    this.times[i] = ms;
    if (known !== undefined ? known.sentIn !== this.round : !this.sent.has(key)) {
      // bounded (the reader's heap is capped): details sent again are simply not needed
      if (this.sentCount >= 100_000) this.newRound();
      if (known !== undefined) known.sentIn = this.round;
      else this.sent.add(key);
      this.sentCount++;
      const person = personOf(r);
      if (known !== undefined) person.no = known.no;
      const firstAt = this.firsts?.at(key);
      if (firstAt !== undefined) person.firstAt = firstAt;
      this.people.push(person);
    }
    if (this.binary) {
      const out = this.scratch;
      out.startRow(7);
      out.newUuid();
      out.text(r.ext);
      this.customerAt[i] = out.uuidPlaceholder();
      out.int8(r.amount);
      out.text(r.currency);
      out.timestampMs(ms);
      out.text(r.status);
    } else {
      this.exts.push(r.ext);
      this.amounts.push(r.amount);
      this.currencies.push(r.currency);
      this.statuses.push(r.status);
    }
  }

  take(): WriteBatch {
    this.length = 0;
    if (this.type !== 'orders') {
      const rows = this.others;
      this.others = [];
      return this.type === 'customers' ? { type: 'customers', rows: rows as CustomerRow[] } : { type: 'subscriptions', rows: rows as SubscriptionRow[] };
    }
    const n = this.count;
    let values: OrderValues;
    if (this.binary) {
      values = { binary: this.scratch.finish().slice(), customerAt: this.customerAt.slice(0, n) };
      this.scratch.reset();
    } else {
      values = { exts: this.exts, amounts: Float64Array.from(this.amounts), currencies: this.currencies, statuses: this.statuses };
      this.exts = [];
      this.amounts = [];
      this.currencies = [];
      this.statuses = [];
    }
    const { refunds, parts } = this;
    const extra = { ...(refunds.length ? { refunds } : {}), ...(parts.length ? { parts } : {}) };
    // without numbers (no row's customer was numbered), `keys` holds every row's key
    const numbering = this.numbered ? { numbers: this.numbers.slice(0, n) } : {};
    const batch: WriteBatch = { type: 'orders', orders: { keys: this.keys, times: this.times.slice(0, n), people: this.people, values, ...numbering, ...extra } };
    this.keys = [];
    this.numbered = false;
    this.people = [];
    this.refunds = [];
    this.parts = [];
    this.count = 0;
    if (this.dryRun) this.newRound();
    return batch;
  }

  private newRound(): void {
    this.sent = new Set();
    this.round = {};
    this.sentCount = 0;
  }
}

/** The buffers a batch can hand to another thread instead of copying. */
export function transferable(b: WriteBatch): ArrayBuffer[] {
  if (b.type !== 'orders') return [];
  const v = b.orders.values;
  const buffers = [b.orders.times.buffer, ...('binary' in v ? [v.binary.buffer, v.customerAt.buffer] : [v.amounts.buffer]), ...(b.orders.numbers ? [b.orders.numbers.buffer] : [])];
  return buffers as ArrayBuffer[];
}

/**
 * The receiving side of the reader's customer numbers: learns each number's key from the details
 * sent with the customer's first row (Person.no), and gives a batch back every row's key.
 */
export class CustomerNumbers {
  private readonly keyOf: string[] = [];

  /** Fills in `b.keys` for the rows the reader numbered (in place); `b.numbers` stays. */
  restoreKeys(b: OrderBatch): void {
    const numbers = b.numbers;
    if (numbers === undefined) return;
    for (const p of b.people) if (p.no !== undefined && this.keyOf[p.no] === undefined) this.keyOf[p.no] = customerKeyOf(p);
    const sparse = b.keys;
    const keys = new Array<string>(numbers.length);
    for (let i = 0, j = 0; i < numbers.length; i++) {
      const no = numbers[i];
      if (no < 0) keys[i] = sparse[j++];
      else {
        const key = this.keyOf[no];
        if (key === undefined) throw new Error(`import reader: customer number ${no} came before its details`);
        keys[i] = key;
      }
    }
    b.keys = keys;
  }
}
