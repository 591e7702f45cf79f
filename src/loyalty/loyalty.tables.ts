// Tables of loyalty: the points ledger (append-only), promo codes and their redemptions,
// referral codes and referrals.
import type { ColumnType, Generated } from 'kysely';

type Ts = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTs = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export const ledgerKinds = ['earn', 'spend', 'expire', 'adjust', 'reverse'] as const;
export type LedgerKind = (typeof ledgerKinds)[number];

export interface LoyaltyLedgerTable {
  id: Generated<string>;
  customer_id: string;
  kind: LedgerKind;
  /** signed: earn > 0, spend/expire < 0, adjust either way, reverse the opposite of what it reverses */
  points: number;
  reason: string;
  /** unique: the same occurrence (order, step, request) is written once however often it is retried */
  idempotency_key: string;
  /** the order an earn (or its reversal) is for */
  order_id: string | null;
  /** 'order', 'playbook:<id>', 'user:<id>', 'survey', 'referral', 'expiry' */
  source: string | null;
  user_id: string | null;
  /** when it happened (the order's time for order points) */
  occurred_at: Ts;
  created_at: Generated<Date>;
}

export type CodeUse = 'single' | 'multi';

export interface LoyaltyCodesTable {
  id: Generated<string>;
  code: string;
  /** single: each customer may redeem it once; multi: anyone, up to the usage limit */
  use: CodeUse;
  /** a personal code: only this customer may redeem it */
  customer_id: string | null;
  percent_off: number | null;
  amount_off_minor: number | null;
  /** the currency of amount_off_minor and min_order_minor (null: the workspace's) */
  currency: string | null;
  min_order_minor: ColumnType<number, number | undefined, number>;
  expires_at: NullableTs;
  /** redemptions allowed in all (null: no limit) */
  usage_limit: number | null;
  used_count: ColumnType<number, number | undefined, number>;
  /** codes made together in bulk share a batch */
  batch_id: string | null;
  note: string;
  /** 'user:<id>', 'playbook:<id>', 'referral' */
  source: string | null;
  /** unique when set: a playbook step makes its code once however often it runs */
  source_key: string | null;
  created_by: string | null;
  disabled_at: NullableTs;
  created_at: Generated<Date>;
}

export interface LoyaltyRedemptionsTable {
  id: Generated<string>;
  code_id: string;
  customer_id: string | null;
  /** the shop's order reference, as sent */
  order_ref: string | null;
  order_amount_minor: number;
  discount_minor: number;
  currency: string;
  idempotency_key: string;
  /** 'single' codes: one redemption per customer (unique with code_id) */
  single_use: boolean;
  created_at: Generated<Date>;
}

export interface LoyaltyReferralCodesTable {
  customer_id: string;
  code: string;
  created_at: Generated<Date>;
}

export interface LoyaltyReferralsTable {
  id: Generated<string>;
  referrer_customer_id: string;
  /** unique: a customer is referred once */
  referred_customer_id: string;
  code: string;
  status: ColumnType<'pending' | 'credited', 'pending' | 'credited' | undefined, 'pending' | 'credited'>;
  credited_at: NullableTs;
  created_at: Generated<Date>;
}

export interface LoyaltyTiersTable {
  customer_id: string;
  /** the tier now (null: below every threshold) */
  tier: string | null;
  previous: string | null;
  changed_at: Ts;
  /** points earned (less reversals) over the rolling year: added to as entries are written, recomputed daily */
  year_points: ColumnType<number, number | undefined, number>;
}

export interface LoyaltyExpiryNoticesTable {
  customer_id: string;
  /** the last earn or spend the balance expires from: a new one starts a new notice */
  last_activity_id: string;
  points: number;
  expires_at: Ts;
  noticed_at: Generated<Date>;
}

export interface LoyaltyOrderCodesTable {
  /** the shop's order reference (orders.external_id) */
  order_ref: string;
  /** a promo code or a referral code, as sent */
  code: string;
  received_at: Generated<Date>;
  /** when it was redeemed or credited (or refused: see result) */
  applied_at: NullableTs;
  /** 'redeemed', 'referral', or the refusal's code (code_expired, …) */
  result: string | null;
}

export interface LoyaltyTables {
  loyalty_tiers: LoyaltyTiersTable;
  loyalty_expiry_notices: LoyaltyExpiryNoticesTable;
  loyalty_order_codes: LoyaltyOrderCodesTable;
  loyalty_ledger: LoyaltyLedgerTable;
  loyalty_codes: LoyaltyCodesTable;
  loyalty_redemptions: LoyaltyRedemptionsTable;
  loyalty_referral_codes: LoyaltyReferralCodesTable;
  loyalty_referrals: LoyaltyReferralsTable;
}

declare module '../platform/db/schema.js' {
  interface DB extends LoyaltyTables {}
}
