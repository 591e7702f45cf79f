// Signed survey links. A token names one survey request and carries its expiry and an HMAC
// (a key derived from the instance secret) over request id + customer id + kind + expiry, so it
// cannot be guessed, pointed at another request or customer, or used after it expires.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { purposeKey } from '../platform/secret.js';

const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface TokenSubject {
  requestId: string;
  customerId: string;
  kind: string;
  /** seconds since the epoch */
  expires: number;
}

function mac(key: Buffer | string, s: TokenSubject): Buffer {
  return createHmac('sha256', key).update(`survey|${s.requestId}|${s.customerId}|${s.kind}|${s.expires}`).digest();
}

export function surveyToken(secret: string, s: TokenSubject): string {
  return `${s.requestId}.${s.expires.toString(36)}.${mac(purposeKey(secret, 'surveys.link'), s).toString('base64url')}`;
}

/** Splits a token without trusting it: the request id to look up, or null when malformed. */
export function parseSurveyToken(token: string): { requestId: string; expires: number; sig: Buffer } | null {
  if (typeof token !== 'string' || token.length > 200) return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [requestId, exp, sig] = parts;
  if (!uuidRe.test(requestId) || !/^[0-9a-z]{1,10}$/.test(exp) || !/^[A-Za-z0-9_-]{43}$/.test(sig)) return null;
  return { requestId, expires: parseInt(exp, 36), sig: Buffer.from(sig, 'base64url') };
}

export type TokenCheck = 'ok' | 'invalid' | 'expired';

/** Checks a parsed token against the request it names (customer and kind come from the database). */
export function checkSurveyToken(secret: string, parsed: NonNullable<ReturnType<typeof parseSurveyToken>>, request: { id: string; customerId: string; kind: string }, now: Date): TokenCheck {
  const subject = { requestId: request.id, customerId: request.customerId, kind: request.kind, expires: parsed.expires };
  // Links sent before keys were derived per purpose were signed with the secret itself: they keep
  // working until the secret is rotated.
  const genuine = [purposeKey(secret, 'surveys.link'), secret].some((key) => {
    const expected = mac(key, subject);
    return parsed.sig.length === expected.length && timingSafeEqual(parsed.sig, expected);
  });
  if (!genuine) return 'invalid';
  if (parsed.expires * 1000 <= now.getTime()) return 'expired';
  return 'ok';
}
