import { formatDate, formatDateTime, formatMoney } from '../../shell/format';

export interface CustomerRow {
  id: string;
  externalId: string | null;
  name: string;
  email: string | null;
  phone: string | null;
  birthday: string | null;
  address: string | null;
  city: string | null;
  postalCode: string | null;
  country: string | null;
  tags: string[];
  acquiredAt: string;
  marketingConsent: boolean;
  retentionDriver: string | null;
  erasedAt: string | null;
  mergedInto: string | null;
  status?: string;
  ordersCount?: number;
  totalSpentMinor?: number;
  currency?: string | null;
  lastOrderAt?: string | null;
  lastContactAt?: string | null;
}

export interface Order {
  id: string;
  externalId: string | null;
  amountMinor: number;
  currency: string;
  orderedAt: string;
  status: string;
}

export interface Subscription {
  id: string;
  plan: string;
  amountMinor: number;
  currency: string;
  interval: string;
  startedAt: string;
  canceledAt: string | null;
  cancelReason: string | null;
}

export interface Touchpoint {
  id: string;
  channel: string;
  direction: string;
  occurredAt: string;
  summary: string;
  source: string | null;
  /** who or what made it, in words (from the feature that owns the source) */
  sourceLabel: string | null;
  /** where the source lives in the web app, when it has a page */
  sourceLink: string | null;
  userName: string | null;
}

export const drivers = ['responsiveness', 'convenience', 'feature', 'value', 'consistency', 'vip'] as const;
export const statuses = ['active', 'lapsed', 'prospect', 'subscriber', 'unsubscribed', 'erased'] as const;

/** Money in minor units, days and moments: through the shell's formatter (the workspace's locale and time zone). */
export const money = (minor: number | undefined, currency: string | null | undefined) => formatMoney(minor ?? 0, currency);
export const day = (iso: string | null | undefined) => formatDate(iso);
export const when = (iso: string | null | undefined) => formatDateTime(iso);

export function statusBadge(status: string | undefined): string {
  return status === 'active' || status === 'subscriber' ? 'badge good' : status === 'lapsed' ? 'badge warn' : status === 'erased' ? 'badge bad' : 'badge';
}
