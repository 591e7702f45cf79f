// IMAP IDLE: the mailbox tells us when mail arrives, and a poll fetches it at once, seconds after
// it landed instead of at the next minute's poll. The watcher only wakes the poller: storing
// (with the UID bookkeeping that makes each message arrive once) stays in pollImap, and the
// scheduled poll still runs every minute, so mail is fetched when this connection is down. A
// server without IDLE is checked with NOOP by imapflow instead; settings changes are noticed
// within a minute (the watcher reconnects to the new mailbox or stops).
import type { AppContext } from '../platform/context.js';
import { imapAccount, imapClient, pollImap } from './imap.js';
import { getInboxSettings, type ImapSettings } from './inbox.settings.js';
import { openSecret } from './secrets.js';

export interface ImapIdleOptions {
  /** how often the settings are read again (a changed or switched-off mailbox) */
  settingsEveryMs?: number;
  /** first wait after a failed connection; doubled each time up to maxBackoffMs */
  backoffMs?: number;
  maxBackoffMs?: number;
}

type Mailbox = { settings: ImapSettings; password: string; account: string };

async function configuredMailbox(ctx: AppContext): Promise<Mailbox | null> {
  const s = (await getInboxSettings(ctx.db)).imap;
  if (!s.enabled || !s.host || !s.user || !s.passwordSealed) return null;
  const password = openSecret(ctx.secret, s.passwordSealed);
  return password === null ? null : { settings: s, password, account: imapAccount(s) };
}

/** Starts watching the configured mailbox; the returned function stops it. */
export function startImapIdle(ctx: AppContext, options: ImapIdleOptions = {}): () => Promise<void> {
  const settingsEveryMs = options.settingsEveryMs ?? 60_000;
  const maxBackoffMs = options.maxBackoffMs ?? 300_000;
  let stopped = false;
  let wake: (() => void) | null = null;
  let closeCurrent: (() => void) | null = null;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });

  // mail that arrives while a poll runs is fetched by one more poll after it
  let polling: Promise<unknown> | null = null;
  let again = false;
  const poll = () => {
    if (polling) {
      again = true;
      return;
    }
    polling = pollImap(ctx)
      .catch((err) => ctx.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'inbox: IMAP fetch after IDLE failed; the scheduled poll tries again'))
      .finally(() => {
        polling = null;
        if (again && !stopped) {
          again = false;
          poll();
        }
      });
  };

  const watch = async (mailbox: Mailbox) => {
    const client = imapClient(mailbox.settings, mailbox.password, { idle: true });
    client.on('error', (err) => ctx.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'inbox: IMAP IDLE connection error'));
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    closeCurrent = () => void client.logout().catch(() => client.close());
    try {
      await client.connect();
      await client.mailboxOpen(mailbox.settings.mailbox, { readOnly: true });
      client.on('exists', poll);
      poll(); // whatever came while nobody watched
      // read the settings again now and then: a changed or switched-off mailbox ends this connection
      const recheck = setInterval(() => {
        configuredMailbox(ctx)
          .then((now) => {
            if (now?.account !== mailbox.account) closeCurrent?.();
          })
          .catch(() => {});
      }, settingsEveryMs);
      try {
        await closed;
      } finally {
        clearInterval(recheck);
      }
    } finally {
      closeCurrent = null;
      client.close();
    }
  };

  const loop = (async () => {
    let backoff = options.backoffMs ?? 5_000;
    while (!stopped) {
      let mailbox: Mailbox | null = null;
      try {
        mailbox = await configuredMailbox(ctx);
      } catch (err) {
        ctx.log.warn({ err }, 'inbox: IMAP IDLE could not read the settings');
      }
      if (!mailbox) {
        await sleep(settingsEveryMs);
        continue;
      }
      const startedAt = Date.now();
      try {
        await watch(mailbox);
      } catch (err) {
        ctx.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'inbox: IMAP IDLE connection failed; retrying');
      }
      if (stopped) break;
      // a connection that lasted a while was fine: start the backoff afresh
      if (Date.now() - startedAt > maxBackoffMs) backoff = options.backoffMs ?? 5_000;
      await sleep(backoff);
      backoff = Math.min(backoff * 2, maxBackoffMs);
    }
  })();

  return async () => {
    stopped = true;
    wake?.();
    closeCurrent?.();
    await loop;
    await polling;
  };
}

/** The background starter: watches only when KEEPWELL_IMAP_IDLE is not "off". */
export function startImapIdleFromEnv(ctx: AppContext): () => Promise<void> {
  if ((process.env.KEEPWELL_IMAP_IDLE ?? '').toLowerCase() === 'off') return async () => {};
  return startImapIdle(ctx);
}
