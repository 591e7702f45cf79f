// Password hashing with scrypt (node:crypto), stored as scrypt$N$r$p$salt$hash: the cost
// travels with each hash, so raising the cost never breaks old hashes — they are verified with
// their own parameters and rehashed at the new cost on the next successful sign-in.
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

/** OWASP Password Storage Cheat Sheet (2025): scrypt N=2^17, r=8, p=1. Needs 128·N·r = 128 MiB per hash. */
export const PRODUCTION_COST: ScryptCost = { N: 2 ** 17, r: 8, p: 1 };

/**
 * A cheap cost for the test suite only (hundreds of users are made there; at the production
 * cost each takes ~1 s and 128 MiB). It is used only while Vitest runs the code — Vitest sets
 * VITEST in every test worker — and never when NODE_ENV is 'production'. Tests that exercise
 * the production cost call useCostInTests().
 */
const TEST_COST: ScryptCost = { N: 2 ** 10, r: 8, p: 1 };
const underTestRunner = () => Boolean(process.env.VITEST) && process.env.NODE_ENV !== 'production';
let testOverride: ScryptCost | null = null;

/** The cost new hashes get. */
export function currentCost(): ScryptCost {
  if (!underTestRunner()) return PRODUCTION_COST;
  return testOverride ?? TEST_COST;
}

/** Test-only: make this worker hash at the given cost (default: production). Throws outside Vitest. */
export function useCostInTests(cost: ScryptCost | null = PRODUCTION_COST): void {
  if (!underTestRunner()) throw new Error('useCostInTests is for the test suite only');
  testOverride = cost;
}

// Node refuses scrypt when 128·N·r exceeds maxmem (default 32 MiB): allow the hash's own need plus headroom.
const maxmemFor = (c: ScryptCost) => 128 * c.N * c.r * 2;

/** Refuse to verify with absurd stored parameters (a tampered row must not make us allocate gigabytes). */
const sane = (c: ScryptCost) =>
  Number.isInteger(c.N) && c.N >= 2 && c.N <= 2 ** 20 && (c.N & (c.N - 1)) === 0 && Number.isInteger(c.r) && c.r >= 1 && c.r <= 32 && Number.isInteger(c.p) && c.p >= 1 && c.p <= 16;

export async function hashPassword(password: string, cost: ScryptCost = currentCost()): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, 32, { ...cost, maxmem: maxmemFor(cost) });
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

function parse(stored: string): { cost: ScryptCost; salt: Buffer; hash: Buffer } | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [, n, rr, pp, salt, hash] = parts;
  const cost = { N: Number(n), r: Number(rr), p: Number(pp) };
  if (!sane(cost)) return null;
  const expected = Buffer.from(hash, 'base64');
  if (expected.length < 16) return null;
  return { cost, salt: Buffer.from(salt, 'base64'), hash: expected };
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  const key = await scrypt(password, parsed.salt, parsed.hash.length, { ...parsed.cost, maxmem: maxmemFor(parsed.cost) });
  return timingSafeEqual(key, parsed.hash);
}

/** True when the stored hash was made at a lower cost than today's (rehash it on the next sign-in). */
export function needsRehash(stored: string, cost: ScryptCost = currentCost()): boolean {
  const parsed = parse(stored);
  if (!parsed) return true;
  return parsed.cost.N < cost.N || parsed.cost.r < cost.r || parsed.cost.p < cost.p;
}

export const passwordRules = { min: 10, max: 200 };
