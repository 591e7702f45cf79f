// Promo and referral codes: random, from an alphabet without look-alikes (no 0/O, 1/I/L), and
// the discount a code gives an order. Pure functions.
import { randomInt } from 'node:crypto';

export const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
/** random characters in every code: 31^10 ≈ 8·10^14 possibilities */
export const CODE_RANDOM_LENGTH = 10;

export function randomCode(prefix = '', length = CODE_RANDOM_LENGTH): string {
  if (length < 8) throw new Error('codes have at least 8 random characters');
  let s = '';
  for (let i = 0; i < length; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return prefix ? `${prefix}-${s}` : s;
}

/** What a customer types, as stored: upper case, no spaces; null when it cannot be a code. */
export function normalizeCode(input: string): string | null {
  const s = input.trim().toUpperCase().replace(/\s+/g, '');
  if (!/^[A-Z0-9]+(-[A-Z0-9]+)*$/.test(s) || s.length > 64) return null;
  return s;
}

export interface Discount {
  percentOff: number | null;
  amountOffMinor: number | null;
}

/** The discount on an order of `orderMinor`: a percentage rounded down, or a fixed amount never above the order. */
export function discountFor(d: Discount, orderMinor: number): number {
  if (d.percentOff != null) return Math.floor((orderMinor * d.percentOff) / 100);
  return Math.min(orderMinor, d.amountOffMinor ?? 0);
}
