// Known export layouts (Shopify, Stripe, WooCommerce) and the generic mapping: which column
// feeds which field. Presets are recognised from the header line; the generic mapping reads the
// header names through the shared column vocabulary (src/platform/columns.ts).
import { columnKey, columnNames } from '../../platform/columns.js';

export type ImportType = 'orders' | 'customers' | 'subscriptions';
export const importTypes = ['orders', 'customers', 'subscriptions'] as const;

export const fieldsByType = {
  orders: [
    'order_id',
    'cancels',
    'customer_id',
    'email',
    'name',
    'first_name',
    'last_name',
    'phone',
    'quantity',
    'unit_price',
    'amount',
    'currency',
    'date',
    'status',
    'address',
    'city',
    'postal_code',
    'country',
  ],
  customers: [
    'customer_id',
    'name',
    'first_name',
    'last_name',
    'email',
    'phone',
    'birthday',
    'address',
    'city',
    'postal_code',
    'country',
    'tags',
    'acquired_at',
    'marketing_consent',
    'retention_driver',
  ],
  subscriptions: [
    'subscription_id',
    'customer_id',
    'email',
    'name',
    'first_name',
    'last_name',
    'phone',
    'plan',
    'amount',
    'currency',
    'interval',
    'started_at',
    'canceled_at',
    'cancel_reason',
    'status',
  ],
} as const satisfies Record<ImportType, readonly string[]>;

export type Field = (typeof fieldsByType)[ImportType][number];
/** field → column header in the file */
export type Mapping = Partial<Record<Field, string>>;

export interface Preset {
  key: string;
  label: string;
  type: ImportType;
  /** headers that must all be present to recognise the export */
  signature: string[];
  /** field → candidate headers, first present wins */
  columns: Partial<Record<Field, string[]>>;
  /** export rows that continue the previous row's order (Shopify writes one row per line item) */
  lineItemRows?: boolean;
  /** zone of dates written without an offset (Stripe writes UTC) */
  timeZone?: string;
  status?: Record<string, 'paid' | 'pending' | 'refunded' | 'cancelled' | 'skip'>;
}

export const presets: Preset[] = [
  {
    key: 'shopify-orders',
    label: 'Shopify orders export',
    type: 'orders',
    signature: ['Name', 'Email', 'Financial Status', 'Total', 'Created at', 'Lineitem name'],
    columns: {
      order_id: ['Id', 'Name'],
      email: ['Email'],
      name: ['Billing Name', 'Shipping Name'],
      phone: ['Phone', 'Billing Phone', 'Shipping Phone'],
      amount: ['Total'],
      currency: ['Currency'],
      date: ['Created at', 'Paid at'],
      status: ['Financial Status'],
      address: ['Billing Street', 'Billing Address1'],
      city: ['Billing City'],
      postal_code: ['Billing Zip'],
      country: ['Billing Country'],
    },
    lineItemRows: true,
    status: { paid: 'paid', partially_paid: 'paid', partially_refunded: 'paid', authorized: 'pending', pending: 'pending', refunded: 'refunded', voided: 'cancelled', expired: 'cancelled' },
  },
  {
    key: 'shopify-customers',
    label: 'Shopify customers export',
    type: 'customers',
    signature: ['First Name', 'Last Name', 'Email', 'Total Spent', 'Total Orders'],
    columns: {
      customer_id: ['Customer ID'],
      first_name: ['First Name'],
      last_name: ['Last Name'],
      email: ['Email'],
      phone: ['Phone', 'Default Address Phone'],
      address: ['Default Address Address1', 'Address1'],
      city: ['Default Address City', 'City'],
      postal_code: ['Default Address Zip', 'Zip'],
      country: ['Default Address Country Code', 'Country Code', 'Country'],
      tags: ['Tags'],
      marketing_consent: ['Accepts Email Marketing', 'Accepts Marketing'],
    },
  },
  {
    key: 'stripe-payments',
    label: 'Stripe payments export',
    type: 'orders',
    timeZone: 'UTC',
    signature: ['id', 'Created (UTC)', 'Amount', 'Currency', 'Status'],
    columns: {
      order_id: ['id'],
      customer_id: ['Customer ID'],
      email: ['Customer Email'],
      name: ['Customer Description', 'Card Name'],
      amount: ['Amount'],
      currency: ['Currency'],
      date: ['Created (UTC)', 'Created date (UTC)'],
      status: ['Status'],
      city: ['Card Address City'],
      postal_code: ['Card Address Zip'],
      country: ['Card Address Country'],
    },
    status: { paid: 'paid', succeeded: 'paid', refunded: 'refunded', partially_refunded: 'paid', pending: 'pending', failed: 'skip', canceled: 'cancelled', cancelled: 'cancelled' },
  },
  {
    key: 'stripe-customers',
    label: 'Stripe customers export',
    type: 'customers',
    timeZone: 'UTC',
    signature: ['id', 'Email', 'Created (UTC)', 'Delinquent'],
    columns: {
      customer_id: ['id'],
      name: ['Name', 'Description'],
      email: ['Email'],
      phone: ['Phone'],
      address: ['Address Line1'],
      city: ['Address City'],
      postal_code: ['Address Zip', 'Address Postal Code'],
      country: ['Address Country'],
      acquired_at: ['Created (UTC)'],
    },
  },
  {
    key: 'stripe-subscriptions',
    label: 'Stripe subscriptions export',
    type: 'subscriptions',
    timeZone: 'UTC',
    signature: ['id', 'Customer ID', 'Plan', 'Interval', 'Amount', 'Status'],
    columns: {
      subscription_id: ['id'],
      customer_id: ['Customer ID'],
      email: ['Customer Email'],
      name: ['Customer Name', 'Customer Description'],
      plan: ['Product', 'Plan'],
      amount: ['Amount'],
      currency: ['Currency'],
      interval: ['Interval'],
      started_at: ['Start (UTC)', 'Start Date (UTC)', 'Created (UTC)'],
      canceled_at: ['Canceled At (UTC)', 'Ended At (UTC)'],
      cancel_reason: ['Cancellation Reason'],
    },
  },
  {
    key: 'woocommerce-orders',
    label: 'WooCommerce orders export',
    type: 'orders',
    signature: ['order_id', 'order_date', 'status', 'order_total'],
    columns: {
      order_id: ['order_id', 'order_number'],
      customer_id: ['customer_user', 'customer_id'],
      email: ['billing_email', 'customer_email'],
      first_name: ['billing_first_name'],
      last_name: ['billing_last_name'],
      phone: ['billing_phone'],
      amount: ['order_total'],
      currency: ['order_currency'],
      date: ['order_date'],
      status: ['status'],
      address: ['billing_address_1'],
      city: ['billing_city'],
      postal_code: ['billing_postcode'],
      country: ['billing_country'],
    },
    status: { completed: 'paid', processing: 'paid', 'on-hold': 'pending', pending: 'pending', cancelled: 'cancelled', refunded: 'refunded', failed: 'skip', 'checkout-draft': 'skip', trash: 'skip' },
  },
];

/** The record's own id in each type: a bare "id" column is this field (the vocabulary gives "id" to no field). */
const ownId: Record<ImportType, Field> = { orders: 'order_id', customers: 'customer_id', subscriptions: 'subscription_id' };

const norm = columnKey;

export function detectPreset(headers: string[], type?: ImportType): Preset | null {
  const set = new Set(headers.map((h) => h.trim()));
  const candidates = presets.filter((p) => (!type || p.type === type) && p.signature.every((s) => set.has(s)));
  // the most specific signature wins
  return candidates.sort((a, b) => b.signature.length - a.signature.length)[0] ?? null;
}

/** Guesses the record type from the headers when none was given. */
export function guessType(headers: string[]): ImportType {
  const preset = detectPreset(headers);
  if (preset) return preset.type;
  const n = new Set(headers.map(norm));
  if (['plan', 'interval', 'billing interval'].some((h) => n.has(h))) return 'subscriptions';
  if (
    ['amount', 'total', 'order total', 'order id', 'dollar value', 'value', 'price', 'unit price', 'unitprice', 'invoice no', 'invoiceno', 'invoice date', 'invoicedate', 'quantity'].some((h) =>
      n.has(h),
    )
  )
    return 'orders';
  return 'customers';
}

/** The mapping to use: the preset's columns (or smart defaults by header name), then the user's overrides. */
export function resolveMapping(headers: string[], type: ImportType, preset: Preset | null, overrides: Mapping = {}): Mapping {
  const present = new Set(headers);
  const mapping: Mapping = {};
  const fields = fieldsByType[type] as readonly Field[];
  if (preset) {
    for (const [field, candidates] of Object.entries(preset.columns) as [Field, string[]][]) {
      const hit = candidates.find((c) => present.has(c));
      if (hit) mapping[field] = hit;
    }
  } else {
    const used = new Set<string>();
    const byNorm = new Map(headers.map((h) => [norm(h), h]));
    // exact synonym matches, more specific fields first so "id" goes to the record's own id
    for (const field of fields) {
      for (const syn of field === ownId[type] ? [...columnNames[field], 'id'] : columnNames[field]) {
        const h = byNorm.get(syn);
        if (h && !used.has(h)) {
          mapping[field] = h;
          used.add(h);
          break;
        }
      }
    }
  }
  for (const [field, header] of Object.entries(overrides) as [Field, string | undefined][]) {
    if (!fields.includes(field)) continue;
    if (header === undefined || header === '') delete mapping[field];
    else mapping[field] = header;
  }
  if (type === 'orders' && !preset) {
    // "Price" beside a quantity is the price of one unit; a unit price without a quantity is the amount
    if (mapping.quantity && !mapping.unit_price && mapping.amount && norm(mapping.amount) === 'price' && !overrides.amount) {
      mapping.unit_price = mapping.amount;
      delete mapping.amount;
    }
    if (mapping.unit_price && !mapping.quantity && !mapping.amount) {
      mapping.amount = mapping.unit_price;
      delete mapping.unit_price;
    }
  }
  return mapping;
}

/** A file of order lines: one row per line item, lines of one order summed (quantity × unit price, or the line's amount). */
export function isLineItemMapping(type: ImportType, preset: Preset | null, mapping: Mapping): boolean {
  return type === 'orders' && !preset?.lineItemRows && Boolean(mapping.order_id) && Boolean(mapping.quantity && (mapping.unit_price || mapping.amount));
}

/** What a mapping still lacks, as messages naming the field. */
export function missingFields(type: ImportType, mapping: Mapping): string[] {
  const has = (f: Field) => Boolean(mapping[f]);
  const who = has('customer_id') || has('email') || has('phone') || has('name') || has('first_name') || has('last_name');
  const out: string[] = [];
  if (type === 'orders') {
    if (!has('amount') && !(has('quantity') && has('unit_price'))) out.push('amount: no column for the order amount (or quantity and unit price of each line)');
    if (!has('date')) out.push('date: no column for the order date');
    if (!who) out.push('customer: no column identifying the customer (id, email, phone or name)');
  } else if (type === 'customers') {
    if (!(has('customer_id') || has('email') || has('phone'))) out.push('customer_id: no column identifying the customer (id, email or phone)');
  } else {
    if (!has('plan')) out.push('plan: no column for the plan');
    if (!has('amount')) out.push('amount: no column for the recurring amount');
    if (!has('started_at')) out.push('started_at: no column for the start date');
    if (!who) out.push('customer: no column identifying the customer (id, email, phone or name)');
  }
  return out;
}
