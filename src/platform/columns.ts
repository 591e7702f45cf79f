// The CSV column vocabulary: which header names mean which field. One list for every reader of
// exported files — `keepwell import` (customers/import) and the report reader
// (analytics/reader.ts) — so a file one of them understands, the other reads the same way.
// Names are compared by columnKey(): "Customer ID", "customer_id" and "Customer-Id (text)" are
// all "customer id"; "CustomerID" is "customerid", so such spellings are listed too. Within a
// field the first name present wins. A bare "id" is no field's: it is the record's own id, which
// only the reader of a known record type can say (the import: the order id of an orders file).

export const columnNames = {
  order_id: ['order id', 'orderid', 'order number', 'order no', 'order', 'invoice no', 'invoiceno', 'invoice number', 'invoice id', 'invoice', 'transaction id', 'external id'],
  /** on a cancellation or refund row: the order it undoes */
  cancels: ['original order id', 'original invoice', 'original invoice no', 'original order', 'refund of', 'cancels', 'refers to', 'parent order id'],
  subscription_id: ['subscription id', 'subscription'],
  customer_id: ['customer id', 'customerid', 'customer', 'client id', 'clientid', 'customer number', 'customer no', 'user id', 'userid', 'account id', 'cust id', 'buyer', 'customer external id'],
  email: ['email', 'e mail', 'email address', 'customer email', 'mail'],
  name: ['name', 'full name', 'customer name', 'client', 'client name', 'contact'],
  first_name: ['first name', 'firstname', 'given name'],
  last_name: ['last name', 'lastname', 'surname', 'family name'],
  phone: ['phone', 'telephone', 'mobile', 'phone number', 'tel'],
  /** a line's quantity (line-item files: the order's total is the sum of quantity × unit price) */
  quantity: ['quantity', 'qty', 'units', 'lineitem quantity', 'item quantity'],
  unit_price: ['unit price', 'unitprice', 'price per unit', 'item price', 'lineitem price'],
  amount: ['amount', 'total', 'order total', 'total price', 'amount total', 'grand total', 'value', 'dollar value', 'revenue', 'sales', 'net sales', 'net', 'sum', 'price'],
  /** an amount already in minor units (cents) */
  amount_minor: ['amount minor', 'total minor', 'amount cents'],
  currency: ['currency', 'currency code', 'order currency', 'presentment currency'],
  date: ['date', 'order date', 'ordered at', 'invoice date', 'invoicedate', 'purchase date', 'created at', 'created', 'paid at', 'processed at', 'timestamp', 'time'],
  status: ['status', 'state', 'payment status', 'financial status', 'order status'],
  address: ['address', 'street', 'address1', 'address line 1'],
  city: ['city', 'town'],
  postal_code: ['postal code', 'postcode', 'zip', 'zip code'],
  country: ['country', 'country code'],
  birthday: ['birthday', 'birth date', 'date of birth', 'dob'],
  tags: ['tags', 'tag', 'labels', 'segments'],
  acquired_at: ['acquired', 'acquired at', 'customer since', 'signup date', 'created at', 'created', 'first order'],
  marketing_consent: ['marketing consent', 'accepts marketing', 'newsletter', 'opt in', 'consent'],
  retention_driver: ['retention driver', 'driver'],
  plan: ['plan', 'product', 'plan name'],
  interval: ['interval', 'billing interval', 'period', 'billing period'],
  started_at: ['start', 'started', 'start date', 'started at', 'created'],
  canceled_at: ['canceled', 'cancelled', 'canceled at', 'cancelled at', 'cancel date', 'end date', 'ended at'],
  cancel_reason: ['cancel reason', 'cancellation reason', 'reason'],
} as const satisfies Record<string, readonly string[]>;

export type ColumnField = keyof typeof columnNames;

/** A header as the vocabulary spells it: lower case, "(…)" dropped, other characters one space. */
export function columnKey(header: string): string {
  return header
    .toLowerCase()
    .replace(/\(.*?\)/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** The index of the first header the vocabulary names for `field` (by its order), or -1. */
export function findColumnFor(headers: readonly string[], field: ColumnField, taken: ReadonlySet<number> = new Set()): number {
  const keys = headers.map(columnKey);
  for (const name of columnNames[field] as readonly string[]) {
    const i = keys.findIndex((k, j) => k === name && !taken.has(j));
    if (i >= 0) return i;
  }
  return -1;
}
