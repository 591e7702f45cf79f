import type { ColumnType, Generated } from 'kysely';

type Ts = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTs = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export const retentionDrivers = ['responsiveness', 'convenience', 'feature', 'value', 'consistency', 'vip'] as const;
export type RetentionDriver = (typeof retentionDrivers)[number];

export const touchpointChannels = ['email', 'call', 'meeting', 'chat', 'ticket', 'survey', 'note', 'order', 'system'] as const;
export type TouchpointChannel = (typeof touchpointChannels)[number];

export interface CustomersTable {
  id: Generated<string>;
  external_id: string | null;
  name: string;
  email: string | null;
  /** lower-cased, trimmed; for duplicate detection */
  email_normalized: string | null;
  phone: string | null;
  /** digits only, with country code when known */
  phone_normalized: string | null;
  birthday: string | null; // date, YYYY-MM-DD
  address: string | null;
  city: string | null;
  postal_code: string | null;
  country: string | null;
  tags: ColumnType<string[], string[] | undefined, string[]>;
  owner_user_id: string | null;
  acquired_at: Ts;
  marketing_consent: Generated<boolean>;
  unsubscribed_at: NullableTs;
  retention_driver: RetentionDriver | null;
  /** set when the customer's personal data was erased on request */
  erased_at: NullableTs;
  /** set when merged into another customer; this row then holds nothing */
  merged_into: string | null;
  /** the company they belong to, if any */
  company_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** the owner's custom fields, by field key (definitions: customers settings) */
  custom: ColumnType<Record<string, string | number | boolean | null>, string | undefined, string>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export type OrderStatus = 'paid' | 'pending' | 'refunded' | 'cancelled';

export interface OrdersTable {
  id: Generated<string>;
  external_id: string | null;
  customer_id: string;
  /** integer minor units (cents) */
  amount_minor: number;
  currency: string;
  ordered_at: Ts;
  status: OrderStatus;
  created_at: Generated<Date>;
}

export type BillingInterval = 'week' | 'month' | 'quarter' | 'year';

export interface SubscriptionsTable {
  id: Generated<string>;
  external_id: string | null;
  customer_id: string;
  plan: string;
  amount_minor: number;
  currency: string;
  interval: BillingInterval;
  started_at: Ts;
  canceled_at: NullableTs;
  cancel_reason: string | null;
  created_at: Generated<Date>;
}

export interface TouchpointsTable {
  id: Generated<string>;
  customer_id: string;
  channel: TouchpointChannel;
  direction: 'in' | 'out' | 'internal';
  occurred_at: Ts;
  summary: string;
  /** who or what made it: 'user:<id>', 'playbook:<id>', 'import', 'survey:<id>' */
  source: string | null;
  user_id: string | null;
  created_at: Generated<Date>;
}

export interface CompaniesTable {
  id: Generated<string>;
  name: string;
  website: string | null;
  notes: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface CustomerTables {
  companies: CompaniesTable;
  customers: CustomersTable;
  orders: OrdersTable;
  subscriptions: SubscriptionsTable;
  touchpoints: TouchpointsTable;
}

declare module '../platform/db/schema.js' {
  interface DB extends CustomerTables {}
}
