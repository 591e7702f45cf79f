// Signed links in emails: one-click unsubscribe. The token names the customer and carries an
// HMAC of it under a key derived from the instance secret, so it cannot be forged or pointed at
// someone else.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { purposeKey } from '../platform/secret.js';

const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function sign(key: Buffer | string, purpose: string, value: string): string {
  return createHmac('sha256', key).update(`${purpose}:${value}`).digest('base64url').slice(0, 32);
}

export function unsubscribeToken(secret: string, customerId: string): string {
  return `${customerId}.${sign(purposeKey(secret, 'mail.unsubscribe'), 'unsubscribe', customerId)}`;
}

/** The customer id when the token is genuine, else null. */
export function verifyUnsubscribeToken(secret: string, token: string): string | null {
  if (typeof token !== 'string' || token.length > 200) return null;
  const [id, sig] = token.split('.');
  if (!id || !sig || !uuidRe.test(id)) return null;
  const given = Buffer.from(sig);
  // Emails sent before keys were derived per purpose carry links signed with the secret itself:
  // they keep working until the secret is rotated.
  for (const key of [purposeKey(secret, 'mail.unsubscribe'), secret]) {
    const expected = Buffer.from(sign(key, 'unsubscribe', id));
    if (expected.length === given.length && timingSafeEqual(expected, given)) return id.toLowerCase();
  }
  return null;
}

export function unsubscribeUrl(publicUrl: string, secret: string, customerId: string): string {
  return `${publicUrl.replace(/\/$/, '')}/p/unsubscribe/${unsubscribeToken(secret, customerId)}`;
}
