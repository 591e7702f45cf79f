// Slows password guessing down, counted in the database so every server process sees the same
// numbers (an in-memory counter lets N processes allow N times as many guesses).
//
// - Per account (the email as typed, whether or not such an account exists, so the answer
//   never reveals which accounts exist): the first 5 failures are free; after that each further
//   try must wait 2^(n-5) seconds after the last failure, at most 15 minutes. Failures count
//   for 24 hours; a successful sign-in clears them.
// - Per address: at most 30 failures in 15 minutes, across all accounts (password spraying).
// - A burst (10 failures on one account, or an address reaching its limit) writes an audit
//   entry and tells the owners: a task on their Today list (always seen, needs no mail set up)
//   and an email (seen promptly when SMTP is configured). At most one task/email an hour.
//
// An attempt is recorded *before* its password is checked, under a lock per account and per
// address, so parallel requests cannot all slip through the same free slot.
import { sql } from 'kysely';
import type { AppContext } from '../platform/context.js';
import type { Database } from '../platform/db/database.js';
import { escapeHtml } from '../mail/index.js';
import { queueEmail } from '../mail/index.js';
import { createTask } from '../tasks/index.js';
import { audit } from './audit.js';

export const signInLimits = {
  /** failures on one account that cost nothing */
  freeFailures: 5,
  /** how long a failure counts against its account (a success clears them sooner) */
  accountWindowMs: 24 * 3600_000,
  /** the longest an account must wait between tries */
  maxDelayMs: 15 * 60_000,
  /** failures one address may make in addressWindowMs, across all accounts */
  addressFailures: 30,
  addressWindowMs: 15 * 60_000,
  /** failures on one account that raise an alert */
  accountBurst: 10,
};

/** Lock classes for pg_advisory_xact_lock(class, key): one per kind of thing locked. */
const LOCK_ACCOUNT = 7301;
const LOCK_ADDRESS = 7302;

export const accountKey = (email: string) => email.trim().toLowerCase();

/** The wait after the n-th failure on an account (0 while the free failures last). */
export function accountDelayMs(failures: number): number {
  if (failures < signInLimits.freeFailures) return 0;
  return Math.min(2 ** (failures - signInLimits.freeFailures) * 1000, signInLimits.maxDelayMs);
}

export type SignInGate =
  | { ok: true; email: string; ip: string; accountFailures: number; addressFailures: number }
  | { ok: false; retryAfterSeconds: number; retryAt: Date; reason: 'account' | 'address' };

/**
 * Checks whether this attempt may go ahead and, if so, records it (as a failure until
 * signInSucceeded clears it). Call before checking the password.
 */
export async function beginSignIn(db: Database, email: string, ip: string | undefined, now: Date): Promise<SignInGate> {
  const key = accountKey(email);
  const addr = ip || 'unknown';
  return db.transaction().execute(async (trx) => {
    // Account first, then address: every caller takes them in this order, so none deadlock.
    await sql`select pg_advisory_xact_lock(${sql.lit(LOCK_ACCOUNT)}, hashtext(${key}))`.execute(trx);
    await sql`select pg_advisory_xact_lock(${sql.lit(LOCK_ADDRESS)}, hashtext(${addr}))`.execute(trx);
    const accountSince = new Date(now.getTime() - signInLimits.accountWindowMs);
    await trx.deleteFrom('sign_in_failures').where('at', '<', accountSince).execute(); // forget old failures

    const account = await trx
      .selectFrom('sign_in_failures')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('at').as('last')])
      .where('email', '=', key)
      .where('at', '>', accountSince)
      .executeTakeFirstOrThrow();
    const accountFailures = Number(account.n);
    if (accountFailures >= signInLimits.freeFailures && account.last) {
      const retryAt = new Date(new Date(account.last).getTime() + accountDelayMs(accountFailures));
      if (retryAt.getTime() > now.getTime()) return blocked('account', retryAt, now);
    }

    const addressSince = new Date(now.getTime() - signInLimits.addressWindowMs);
    const address = await trx
      .selectFrom('sign_in_failures')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('ip', '=', addr)
      .where('at', '>', addressSince)
      .executeTakeFirstOrThrow();
    const addressFailures = Number(address.n);
    if (addressFailures >= signInLimits.addressFailures) {
      // Allowed again once enough failures have aged out to leave one slot free.
      const freeing = await trx
        .selectFrom('sign_in_failures')
        .select('at')
        .where('ip', '=', addr)
        .where('at', '>', addressSince)
        .orderBy('at')
        .offset(addressFailures - signInLimits.addressFailures)
        .limit(1)
        .executeTakeFirstOrThrow();
      return blocked('address', new Date(new Date(freeing.at).getTime() + signInLimits.addressWindowMs), now);
    }

    await trx.insertInto('sign_in_failures').values({ email: key, ip: addr, at: now }).execute();
    return { ok: true as const, email: key, ip: addr, accountFailures: accountFailures + 1, addressFailures: addressFailures + 1 };
  });
}

function blocked(reason: 'account' | 'address', retryAt: Date, now: Date): SignInGate {
  const retryAfterSeconds = Math.max(1, Math.ceil((retryAt.getTime() - now.getTime()) / 1000));
  return { ok: false, reason, retryAt, retryAfterSeconds };
}

/** What a refused attempt is told: when to try again (the same words for any account, existing or not). */
export function tooManyMessage(gate: Extract<SignInGate, { ok: false }>): string {
  const s = gate.retryAfterSeconds;
  const wait = s < 90 ? `${s} second${s === 1 ? '' : 's'}` : `${Math.ceil(s / 60)} minutes`;
  return `Too many failed sign-ins. Try again in ${wait} (after ${gate.retryAt.toISOString().slice(0, 19).replace('T', ' ')} UTC).`;
}

/** A correct password: the account's failures are forgotten. */
export async function signInSucceeded(db: Database, email: string): Promise<void> {
  await db.deleteFrom('sign_in_failures').where('email', '=', accountKey(email)).execute();
}

/** A wrong password (the attempt stays recorded): alert the owners when it makes a burst. */
export async function signInFailed(ctx: AppContext, gate: Extract<SignInGate, { ok: true }>): Promise<void> {
  const bursts: string[] = [];
  if (gate.accountFailures === signInLimits.accountBurst) {
    bursts.push(`${gate.accountFailures} failed sign-ins for ${gate.email} since its last successful sign-in`);
  }
  if (gate.addressFailures === signInLimits.addressFailures) {
    bursts.push(`${gate.addressFailures} failed sign-ins from the address ${gate.ip} within ${signInLimits.addressWindowMs / 60_000} minutes`);
  }
  if (bursts.length === 0) return;
  const now = ctx.now();
  await audit(ctx.db, null, 'signin.burst', gate.email, { email: gate.email, ip: gate.ip, accountFailures: gate.accountFailures, addressFailures: gate.addressFailures });
  // One task and one email an hour at most, whatever the attacker does; the audit log has every burst.
  const hour = now.toISOString().slice(0, 13);
  const title = 'Someone may be guessing passwords';
  const details = [
    ...bursts,
    'Further tries are being slowed down. If this was not one of your staff, make sure every account has a long, unique password. Every burst is listed in the audit log (Settings → Audit).',
  ].join('\n');
  try {
    const task = await createTask(ctx.db, { title, details, dueAt: now, assigneeRole: 'owner', source: 'security:signin', idempotencyKey: `signin-burst:${hour}` });
    if (!task.created) return;
    const owners = await ctx.db.selectFrom('users').select(['id', 'email']).where('role', '=', 'owner').where('disabled_at', 'is', null).execute();
    for (const owner of owners) {
      await queueEmail(ctx, {
        to: owner.email,
        subject: `Keepwell: ${title.toLowerCase()}`,
        text: details,
        html: details
          .split('\n')
          .map((l) => `<p>${escapeHtml(l)}</p>`)
          .join(''),
        kind: 'transactional',
        idempotencyKey: `signin-burst:${hour}:${owner.id}`,
        source: 'security:signin',
      });
    }
  } catch (err) {
    // The alert must never turn a wrong password into a 500; the audit entry is written.
    ctx.log.error({ err }, 'could not raise the sign-in burst alert');
  }
}
