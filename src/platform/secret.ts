// The instance secret signs links (unsubscribe, surveys, webhooks). Made once, kept in the
// database (`instance`, one row); rotate it by hand as SECURITY.md describes.
import { randomBytes } from 'node:crypto';
import type { Database } from './db/database.js';

export async function ensureInstanceSecret(db: Database): Promise<string> {
  const row = await db.selectFrom('instance').select('secret').executeTakeFirst();
  if (row) return row.secret;
  const secret = randomBytes(32).toString('hex');
  await db
    .insertInto('instance')
    .values({ id: 1, secret })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  return (await db.selectFrom('instance').select('secret').executeTakeFirstOrThrow()).secret;
}
