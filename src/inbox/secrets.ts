// Secrets the inbox keeps in its settings (the IMAP password): sealed with AES-256-GCM under a key
// derived from the instance secret, so the database alone does not give the password away, and
// never returned by the API (it answers only whether one is set).
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

function keyOf(instanceSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', instanceSecret, 'keepwell-inbox', 'inbox-settings-secret', 32));
}

export function sealSecret(instanceSecret: string, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(instanceSecret), iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
}

/** The sealed secret in clear; null when it was sealed under another instance secret or is damaged. */
export function openSecret(instanceSecret: string, sealed: string): string | null {
  if (!sealed.startsWith('v1.')) return null;
  const raw = Buffer.from(sealed.slice(3), 'base64url');
  if (raw.length < 28) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(instanceSecret), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
