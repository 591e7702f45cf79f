// The instance secret: 32 random bytes made on first start and kept in the database
// (`instance`, one row). Nothing is signed with it directly: every use derives its own key with
// HKDF-SHA256 (`purposeKey(secret, 'mail.unsubscribe')`), so a key handed out (the webhook
// receivers' keys) gives away no other, and a signature made for one purpose is worthless for
// another. `keepwell secret rotate` replaces it (rotateInstanceSecret below; SECURITY.md).
import { hkdfSync, randomBytes } from 'node:crypto';
import type { Database } from './db/database.js';
import { loadFeatures } from './feature.js';

export async function ensureInstanceSecret(db: Database): Promise<string> {
  const row = await db.selectFrom('instance').select('secret').executeTakeFirst();
  if (row) return row.secret;
  const secret = newSecret();
  await db
    .insertInto('instance')
    .values({ id: 1, secret })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  return (await db.selectFrom('instance').select('secret').executeTakeFirstOrThrow()).secret;
}

const newSecret = () => randomBytes(32).toString('hex');

const SALT = 'keepwell instance secret';
const derived = new Map<string, Buffer>();

/**
 * The key for one purpose, derived from the instance secret (HKDF-SHA256, 32 bytes). Name the
 * purpose `<feature>.<use>` ('playbooks.webhook', 'surveys.link'); a new purpose is a new key.
 */
export function purposeKey(instanceSecret: string, purpose: string): Buffer {
  if (!instanceSecret || !purpose) throw new Error('purposeKey needs the instance secret and a purpose');
  const cacheKey = `${purpose}\u0000${instanceSecret}`;
  let key = derived.get(cacheKey);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', instanceSecret, SALT, purpose, 32));
    if (derived.size > 100) derived.clear(); // a rotation or a test's many secrets
    derived.set(cacheKey, key);
  }
  return key;
}

export interface SecretRotation {
  /** there was no secret yet: one was made and nothing had been signed */
  first: boolean;
  /** what each feature did about it, one line each ("accounts: 3 sessions signed out …") */
  changes: string[];
}

/**
 * Replaces the instance secret with a new random one, in one transaction with what the features
 * re-sign or invalidate (their `onSecretRotated`): either all of it happens or none. Everything
 * signed under the old secret stops being valid. Running servers and workers keep the old secret
 * in memory until they restart.
 */
export async function rotateInstanceSecret(db: Database): Promise<SecretRotation> {
  const features = await loadFeatures();
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('instance').select('secret').where('id', '=', 1).forUpdate().executeTakeFirst();
    const current = newSecret();
    if (row) await trx.updateTable('instance').set({ secret: current }).where('id', '=', 1).execute();
    else await trx.insertInto('instance').values({ id: 1, secret: current }).execute();
    const changes: string[] = [];
    if (!row) return { first: true, changes };
    for (const f of features) {
      const said = await f.onSecretRotated?.(trx, { previous: row.secret, current });
      for (const line of [said ?? []].flat()) changes.push(`${f.name}: ${line}`);
    }
    return { first: false, changes };
  });
}
