// Email in from an existing mailbox (Gmail, Outlook, any IMAP server) with imapflow, polled by a
// scheduled job (and "Check now"). Each message's UID is recorded in the transaction that
// stores it, under the mailbox's UIDVALIDITY, so a message is fetched and stored once even when
// a poll dies half-way or two pollers run; Message-ID deduplication covers the rest. The first
// poll of a mailbox (or after its UIDVALIDITY changed) takes the last FIRST_POLL_DAYS days only
// (older mail stays in the mailbox, untouched: the mailbox is opened read-only).
import { ImapFlow } from 'imapflow';
import type { AppContext } from '../platform/context.js';
import { getInboxSettings, type ImapSettings } from './inbox.settings.js';
import { receiveMessage, recordImapUid, type ImapPosition } from './inbox.service.js';
import { openSecret } from './secrets.js';
import { readMail, SMTP_MAX_BYTES, SmtpRefusal } from './smtp.listener.js';

export const IMAP_JOB = 'inbox.imap-poll';
export const FIRST_POLL_DAYS = 7;
/** messages stored per poll at most (the rest come next poll) */
export const IMAP_BATCH = 500;

export interface ImapPollResult {
  account: string;
  fetched: number;
  stored: number;
  duplicates: number;
  /** too big or unreadable: skipped (their UIDs recorded, so not fetched again) */
  refused: { uid: number; reason: string }[];
  more: boolean;
}

export class ImapNotConfigured extends Error {}

/** The mailbox's key in inbox_imap_state: a different server, user or folder starts afresh. */
export function imapAccount(s: Pick<ImapSettings, 'user' | 'host' | 'port' | 'mailbox'>): string {
  return `${s.user}@${s.host}:${s.port}/${s.mailbox}`;
}

/** A connection to the mailbox; `idle` keeps it listening (IMAP IDLE) between commands, for imap-idle.ts. */
export function imapClient(s: ImapSettings, password: string, options: { idle?: boolean } = {}): ImapFlow {
  return new ImapFlow({
    host: s.host,
    port: s.port,
    secure: s.tls === 'tls',
    doSTARTTLS: s.tls === 'starttls' ? true : s.tls === 'none' ? false : undefined,
    auth: { user: s.user, pass: password },
    logger: false,
    connectionTimeout: 15_000,
    greetingTimeout: 10_000,
    ...(options.idle
      ? // IDLE is restarted every 4 minutes (servers end it after 30 at most), well inside the socket's 5
        { disableAutoIdle: false, autoIdleDelay: 1_000, maxIdleTime: 240_000, socketTimeout: 300_000 }
      : { disableAutoIdle: true, socketTimeout: 60_000 }),
  });
}

const running = new WeakMap<object, Promise<ImapPollResult>>();

/** One poll of the configured mailbox (one at a time per process; the UID lock covers other processes). */
export function pollImap(ctx: AppContext): Promise<ImapPollResult> {
  const busy = running.get(ctx.db);
  if (busy) return busy;
  const p = pollOnce(ctx).finally(() => running.delete(ctx.db));
  running.set(ctx.db, p);
  return p;
}

async function pollOnce(ctx: AppContext): Promise<ImapPollResult> {
  const s = (await getInboxSettings(ctx.db)).imap;
  if (!s.enabled || !s.host || !s.user || !s.passwordSealed) throw new ImapNotConfigured('No IMAP mailbox is set up (host, user and password, switched on)');
  const password = openSecret(ctx.secret, s.passwordSealed);
  if (password === null) throw new ImapNotConfigured('The stored IMAP password cannot be read (set under another instance secret): enter it again');
  const account = imapAccount(s);
  const client = imapClient(s, password);
  client.on('error', (err) => ctx.log.warn({ err }, 'inbox: IMAP connection error'));
  const result: ImapPollResult = { account, fetched: 0, stored: 0, duplicates: 0, refused: [], more: false };
  try {
    await client.connect();
    const lock = await client.getMailboxLock(s.mailbox, { readOnly: true });
    try {
      const mailbox = client.mailbox;
      if (!mailbox) throw new Error(`mailbox ${s.mailbox} could not be opened`);
      const uidValidity = Number(mailbox.uidValidity);
      const state = await ctx.db.selectFrom('inbox_imap_state').select(['uid_validity', 'last_uid']).where('account', '=', account).executeTakeFirst();
      let uids: number[];
      const known = Boolean(state && Number(state.uid_validity) === uidValidity);
      if (known && state) {
        const last = Number(state.last_uid);
        // "n:*" also matches the newest message when its UID is below n: filter.
        uids = mailbox.exists ? ((await client.search({ uid: `${last + 1}:*` }, { uid: true })) || []).filter((u) => u > last) : [];
      } else {
        const since = new Date(ctx.now().getTime() - FIRST_POLL_DAYS * 86400_000);
        uids = mailbox.exists ? (await client.search({ since }, { uid: true })) || [] : [];
      }
      uids.sort((a, b) => a - b);
      if (known && uids.length > IMAP_BATCH) {
        uids = uids.slice(0, IMAP_BATCH);
        result.more = true;
      }
      for (const uid of uids) {
        const pos: ImapPosition = { account, uidValidity, uid };
        const head = await client.fetchOne(String(uid), { uid: true, size: true }, { uid: true });
        if (!head) continue; // expunged meanwhile
        result.fetched++;
        if ((head.size ?? 0) > SMTP_MAX_BYTES) {
          await skip(ctx, pos, result, `over ${Math.round(SMTP_MAX_BYTES / 1024 / 1024)} MB`);
          continue;
        }
        const msg = await client.fetchOne(String(uid), { uid: true, source: true, internalDate: true }, { uid: true });
        if (!msg || !msg.source) continue;
        let inbound: Awaited<ReturnType<typeof readMail>>;
        try {
          inbound = await readMail(msg.source, null, ctx.now());
        } catch (err) {
          if (!(err instanceof SmtpRefusal)) throw err;
          await skip(ctx, pos, result, err.message);
          continue;
        }
        const r = await receiveMessage(ctx, { ...inbound, imap: pos });
        if (r.duplicate) result.duplicates++;
        else result.stored++;
      }
      // First poll: everything below UIDNEXT was either in the recent set (stored above) or older
      // than FIRST_POLL_DAYS, so the position moves past it.
      if (!known && mailbox.uidNext > 1) await ctx.db.transaction().execute((trx) => recordImapUid(trx, { account, uidValidity, uid: mailbox.uidNext - 1 }));
    } finally {
      lock.release();
    }
    await client.logout();
    await markPolled(ctx, account, null);
    return result;
  } catch (err) {
    client.close();
    await markPolled(ctx, account, describe(err)).catch(() => {});
    throw err;
  }
}

async function skip(ctx: AppContext, pos: ImapPosition, result: ImapPollResult, reason: string) {
  ctx.log.warn({ account: pos.account, uid: pos.uid, reason }, 'inbox: IMAP message skipped');
  result.refused.push({ uid: pos.uid, reason });
  await ctx.db.transaction().execute((trx) => recordImapUid(trx, pos));
}

/** What went wrong, for the owner to read (no stack, no password). */
export function describe(err: unknown): string {
  const e = err as { message?: string; responseText?: string; authenticationFailed?: boolean; code?: string };
  if (e?.authenticationFailed) return 'The mail server refused the user name or password';
  const text = e?.responseText || e?.message || String(err);
  return `${e?.code ? `${e.code}: ` : ''}${text}`.slice(0, 300);
}

async function markPolled(ctx: AppContext, account: string, error: string | null) {
  await ctx.db.updateTable('inbox_imap_state').set({ last_polled_at: ctx.now(), last_error: error, updated_at: new Date() }).where('account', '=', account).execute();
}

/** The mailbox's position and last poll, for the settings page. */
export async function imapStatus(ctx: AppContext) {
  const s = (await getInboxSettings(ctx.db)).imap;
  const account = imapAccount(s);
  const st = await ctx.db.selectFrom('inbox_imap_state').selectAll().where('account', '=', account).executeTakeFirst();
  return {
    enabled: s.enabled,
    account: s.host && s.user ? account : null,
    lastUid: st ? Number(st.last_uid) : null,
    uidValidity: st ? Number(st.uid_validity) : null,
    lastPolledAt: st?.last_polled_at ?? null,
    lastError: st?.last_error ?? null,
  };
}

/** The scheduled job: polls when a mailbox is set up, else says so. */
export async function imapJob(ctx: AppContext): Promise<string> {
  try {
    const r = await pollImap(ctx);
    return `stored ${r.stored}, duplicates ${r.duplicates}, refused ${r.refused.length}${r.more ? ', more to fetch' : ''}`;
  } catch (err) {
    if (err instanceof ImapNotConfigured) return 'no mailbox set up';
    ctx.log.warn({ err: describe(err) }, 'inbox: IMAP poll failed; next poll tries again');
    return `failed: ${describe(err)}`;
  }
}
