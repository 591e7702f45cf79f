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
  userName: string | null;
}

export const drivers = ['responsiveness', 'convenience', 'feature', 'value', 'consistency', 'vip'] as const;
export const statuses = ['active', 'lapsed', 'prospect', 'subscriber', 'unsubscribed', 'erased'] as const;

export function money(minor: number | undefined, currency: string | null | undefined): string {
  const c = currency || 'EUR';
  try {
    const digits = new Intl.NumberFormat('en', { style: 'currency', currency: c }).resolvedOptions().maximumFractionDigits ?? 2;
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: c }).format((minor ?? 0) / 10 ** digits);
  } catch {
    return `${((minor ?? 0) / 100).toFixed(2)} ${c}`;
  }
}

export const day = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleDateString() : '—');
export const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');

export function statusBadge(status: string | undefined): string {
  return status === 'active' || status === 'subscriber' ? 'badge good' : status === 'lapsed' ? 'badge warn' : status === 'erased' ? 'badge bad' : 'badge';
}
