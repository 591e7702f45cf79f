import { sql } from 'kysely';
import { createHash, randomBytes } from 'node:crypto';
import type { Database } from '../platform/db/database.js';
import { HttpError } from '../platform/http/errors.js';
import type { AuthUser } from '../platform/http/access.js';
import type { Role } from './accounts.tables.js';
import { saveWorkspace, type WorkspaceInput } from '../workspace/index.js';
import { hashPassword, needsRehash, verifyPassword } from './passwords.js';

const SESSION_DAYS = 14;
export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export async function hasOwner(db: Database): Promise<boolean> {
  const row = await db.selectFrom('users').select('id').where('role', '=', 'owner').limit(1).executeTakeFirst();
  return Boolean(row);
}

export async function createUser(
  db: Database,
  input: { email: string; name: string; role: Role } & ({ password: string } | { passwordHash: string }),
): Promise<{ id: string; email: string; name: string; role: Role }> {
  const existing = await db
    .selectFrom('users')
    .select('id')
    .where((eb) => eb(eb.fn('lower', ['email']), '=', input.email.toLowerCase()))
    .executeTakeFirst();
  if (existing) throw new HttpError(409, 'email_taken', 'An account with this email already exists', [{ field: 'email', message: 'already in use' }]);
  const passwordHash = 'passwordHash' in input ? input.passwordHash : await hashPassword(input.password);
  return db
    .insertInto('users')
    .values({ email: input.email.trim(), name: input.name.trim(), role: input.role, password_hash: passwordHash })
    .returning(['id', 'email', 'name', 'role'])
    .executeTakeFirstOrThrow();
}

/** Lock class for pg_advisory_xact_lock(class, key) around first-run setup. */
const LOCK_SETUP = 7300;

/**
 * First-run setup: the first owner and the workspace, exactly once. Several owners are allowed
 * later (an owner may promote staff), so a unique index on owners cannot guard this; instead the
 * check for an owner and the insert run in one transaction under an advisory lock, and every
 * setup that loses the race gets 409.
 */
export async function setUpWorkspace(
  db: Database,
  input: { owner: { email: string; name: string; password: string }; workspace: WorkspaceInput },
): Promise<{ id: string; email: string; name: string; role: Role }> {
  const alreadySetUp = () => new HttpError(409, 'already_set_up', 'This workspace is already set up; sign in instead');
  if (await hasOwner(db)) throw alreadySetUp();
  // Hash before the transaction: on the embedded database a transaction holds the only connection.
  const passwordHash = await hashPassword(input.owner.password);
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${sql.lit(LOCK_SETUP)}, 1)`.execute(trx);
    if (await hasOwner(trx)) throw alreadySetUp();
    const user = await createUser(trx, { email: input.owner.email, name: input.owner.name, role: 'owner', passwordHash });
    await saveWorkspace(trx, input.workspace);
    return user;
  });
}

/** Checks email and password; the same answer for an unknown email as for a wrong password. */
export async function authenticate(db: Database, email: string, password: string) {
  const user = await db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.trim().toLowerCase()))
    .where('disabled_at', 'is', null)
    .executeTakeFirst();
  // Hash anyway so an unknown email takes as long as a wrong password.
  const ok = user ? await verifyPassword(password, user.password_hash) : (await hashPassword(password), false);
  if (!ok || !user) return null;
  if (needsRehash(user.password_hash)) {
    // Made at an older, cheaper cost: store it at today's cost now that we know the password.
    // Only if unchanged meanwhile, so a concurrent password change is never overwritten.
    await db
      .updateTable('users')
      .set({ password_hash: await hashPassword(password) })
      .where('id', '=', user.id)
      .where('password_hash', '=', user.password_hash)
      .execute();
  }
  return user;
}

export async function createSession(db: Database, userId: string, now: Date) {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const expiresAt = new Date(now.getTime() + SESSION_DAYS * 86400_000);
  await db
    .insertInto('sessions')
    .values({ id: sha256(token), user_id: userId, csrf_token: csrfToken, expires_at: expiresAt })
    .execute();
  return { token, csrfToken, expiresAt };
}

export async function destroySession(db: Database, token: string) {
  await db.deleteFrom('sessions').where('id', '=', sha256(token)).execute();
}

export async function userFromSession(db: Database, token: string, now: Date): Promise<AuthUser | null> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['users.id', 'users.email', 'users.name', 'users.role', 'sessions.csrf_token', 'sessions.expires_at'])
    .where('sessions.id', '=', sha256(token))
    .where('users.disabled_at', 'is', null)
    .executeTakeFirst();
  if (!row || row.expires_at.getTime() < now.getTime()) return null;
  return { id: row.id, email: row.email, name: row.name, role: row.role, via: 'session', csrfToken: row.csrf_token };
}

export const TOKEN_PREFIX = 'kw_';

export async function createApiToken(db: Database, userId: string, name: string) {
  const token = TOKEN_PREFIX + randomBytes(24).toString('base64url');
  const row = await db
    .insertInto('api_tokens')
    .values({ user_id: userId, name, token_hash: sha256(token), prefix: token.slice(0, 8) })
    .returning(['id', 'name', 'prefix', 'created_at'])
    .executeTakeFirstOrThrow();
  return { ...row, token };
}

/** A token's last use is written at most this often (a write per request cost ~25% of throughput). */
export const TOKEN_LAST_USED_PRECISION_MS = 60_000;

export async function userFromApiToken(db: Database, token: string, now: Date): Promise<AuthUser | null> {
  const row = await db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select(['api_tokens.id as tokenId', 'api_tokens.last_used_at', 'users.id', 'users.email', 'users.name', 'users.role'])
    .where('api_tokens.token_hash', '=', sha256(token))
    .where('api_tokens.revoked_at', 'is', null)
    .where('users.disabled_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  const staleBefore = new Date(now.getTime() - TOKEN_LAST_USED_PRECISION_MS);
  if (!row.last_used_at || row.last_used_at.getTime() <= staleBefore.getTime()) {
    // The condition again in SQL: of several processes seeing the same stale value, one writes.
    await db
      .updateTable('api_tokens')
      .set({ last_used_at: now })
      .where('id', '=', row.tokenId)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', staleBefore)]))
      .execute();
  }
  return { id: row.id, email: row.email, name: row.name, role: row.role, via: 'token' };
}

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
