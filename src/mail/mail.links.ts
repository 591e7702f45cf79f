// Signed links in emails: one-click unsubscribe. The token names the customer and carries an
// HMAC of it under the instance secret, so it cannot be forged or pointed at someone else.
import { createHmac, timingSafeEqual } from 'node:crypto';

const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function sign(secret: string, purpose: string, value: string): string {
  return createHmac('sha256', secret).update(`${purpose}:${value}`).digest('base64url').slice(0, 32);
}

export function unsubscribeToken(secret: string, customerId: string): string {
  return `${customerId}.${sign(secret, 'unsubscribe', customerId)}`;
}

/** The customer id when the token is genuine, else null. */
export function verifyUnsubscribeToken(secret: string, token: string): string | null {
  if (typeof token !== 'string' || token.length > 200) return null;
  const [id, sig] = token.split('.');
  if (!id || !sig || !uuidRe.test(id)) return null;
  const expected = Buffer.from(sign(secret, 'unsubscribe', id));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  return id.toLowerCase();
}

export function unsubscribeUrl(publicUrl: string, secret: string, customerId: string): string {
  return `${publicUrl.replace(/\/$/, '')}/p/unsubscribe/${unsubscribeToken(secret, customerId)}`;
}
