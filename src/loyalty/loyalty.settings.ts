// Loyalty settings, kept under workspace.extra.loyalty: how points are earned and expire, the
// tiers, and the referral reward.
import { z } from 'zod';
import type { Database } from '../platform/db/database.js';
import { getWorkspace, setFeatureSettings } from '../workspace/index.js';

export const tierInput = z.object({
  name: z.string().trim().min(1, 'is required').max(60),
  /** points earned over the last 365 days to reach it */
  threshold: z.number().int().min(0).max(100_000_000),
  perks: z.string().trim().max(1000).default(''),
});
export type Tier = z.infer<typeof tierInput>;

export const loyaltySettingsInput = z
  .object({
    /** points per whole unit of the loyalty currency an order is worth (0 switches it off) */
    pointsPerUnit: z.number().min(0).max(1000),
    /** points for every order, whatever it is worth */
    pointsPerOrder: z.number().int().min(0).max(100_000),
    /** points for answering a survey (0: none) */
    pointsPerSurvey: z.number().int().min(0).max(100_000),
    /** points on the customer's birthday (0: none), once a year */
    pointsOnBirthday: z.number().int().min(0).max(100_000),
    /** points for a review the shop reports (0: none), once per review */
    pointsPerReview: z.number().int().min(0).max(100_000),
    /** balances expire after this many months without earning or spending (0: never) */
    expiryMonths: z.number().int().min(0).max(120),
    /** this many days before a balance expires, the 'points.expiring' playbook trigger fires (0: never) */
    expiryNoticeDays: z.number().int().min(0).max(365),
    /** orders in this currency earn points per unit; others only the per-order points (null: the workspace's) */
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be a three-letter currency code')
      .nullable(),
    tiers: z
      .array(tierInput)
      .max(10)
      .refine((ts) => new Set(ts.map((t) => t.name.toLowerCase())).size === ts.length, 'tier names must differ'),
    referral: z.object({
      referrerPoints: z.number().int().min(0).max(100_000),
      referredPoints: z.number().int().min(0).max(100_000),
      /** points for both sides (the amounts above), or a personal single-use promo code for each */
      reward: z.enum(['points', 'promo']).optional(),
      /** the promo code's discount when reward is 'promo' */
      promoPercentOff: z.number().int().min(1).max(100).optional(),
    }),
  })
  .partial();
export type LoyaltySettingsInput = z.infer<typeof loyaltySettingsInput>;

export interface LoyaltySettings {
  pointsPerUnit: number;
  pointsPerOrder: number;
  pointsPerSurvey: number;
  pointsOnBirthday: number;
  pointsPerReview: number;
  expiryMonths: number;
  expiryNoticeDays: number;
  currency: string | null;
  tiers: Tier[];
  referral: { referrerPoints: number; referredPoints: number; reward: 'points' | 'promo'; promoPercentOff: number };
}

export const defaultLoyaltySettings: LoyaltySettings = {
  pointsPerUnit: 1,
  pointsPerOrder: 0,
  pointsPerSurvey: 0,
  pointsOnBirthday: 0,
  pointsPerReview: 0,
  expiryMonths: 0,
  expiryNoticeDays: 14,
  currency: null,
  tiers: [
    { name: 'Bronze', threshold: 0, perks: '' },
    { name: 'Silver', threshold: 500, perks: 'Free shipping' },
    { name: 'Gold', threshold: 2000, perks: 'Free shipping and early access' },
  ],
  referral: { referrerPoints: 100, referredPoints: 50, reward: 'points', promoPercentOff: 10 },
};

export async function getLoyaltySettings(db: Database): Promise<LoyaltySettings & { effectiveCurrency: string }> {
  // one read of the workspace row (what getFeatureSettings does, without reading it twice): crediting asks for every slice
  const ws = await getWorkspace(db);
  const s: LoyaltySettings = { ...defaultLoyaltySettings, ...((ws?.extra?.loyalty as Partial<LoyaltySettings> | undefined) ?? {}) };
  return {
    ...s,
    referral: { ...defaultLoyaltySettings.referral, ...s.referral },
    tiers: [...s.tiers].sort((a, b) => a.threshold - b.threshold),
    effectiveCurrency: s.currency ?? ws?.currency ?? 'EUR',
  };
}

export async function saveLoyaltySettings(db: Database, input: LoyaltySettingsInput): Promise<LoyaltySettings> {
  await setFeatureSettings(db, 'loyalty', input);
  return getLoyaltySettings(db);
}

/** Digits after the decimal point of a currency (JPY 0, EUR 2, KWD 3). */
export function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}
