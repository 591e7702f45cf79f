// Email in: a built-in SMTP listener (smtp-server) that the business forwards its support
// address to. A message is answered 250 only after its write has committed, so an accepted
// message is never lost; a duplicate delivery (same Message-ID) is stored once. Refused
// cleanly: over the size cap (552), too many MIME parts or MIME that cannot be read (554), and a
// database that is not there right now (451: the sending server tries again later).
import { convert } from 'html-to-text';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { AppContext } from '../platform/context.js';
import { classifyAutomatic } from './automatic.js';
import { receiveMessage, type InboundMessage } from './inbox.service.js';
import { parseMessageIds } from './threading.js';

export const SMTP_MAX_BYTES = 25 * 1024 * 1024;
export const SMTP_MAX_PARTS = 500;

export interface SmtpListenerOptions {
  port: number;
  host?: string;
  maxBytes?: number;
  maxParts?: number;
  /** accept mail only for these addresses or @domains (empty: any recipient) */
  allowedRecipients?: string[];
}

export interface SmtpListener {
  port: number;
  close(): Promise<void>;
}

export class SmtpRefusal extends Error {
  constructor(
    readonly responseCode: number,
    message: string,
  ) {
    super(message);
  }
}

function refuse(code: number, message: string): Error {
  return new SmtpRefusal(code, message);
}

/** Header lines as name → value (the first of each), for automatic-mail recognition. */
function headerMap(parsed: ParsedMail): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of parsed.headerLines ?? []) {
    const key = h.key.toLowerCase();
    if (out[key] !== undefined) continue;
    const colon = h.line.indexOf(':');
    out[key] = (colon >= 0 ? h.line.slice(colon + 1) : '').replace(/\r?\n[ \t]+/g, ' ').trim();
  }
  return out;
}

/** Counts MIME part headers in the raw bytes, cheaply, before any parsing. */
export function countParts(raw: Buffer): number {
  let n = 0;
  let at = 0;
  const needle = Buffer.from('content-type:');
  const lower = raw.length > 64 * 1024 * 1024 ? raw : Buffer.from(raw.toString('latin1').toLowerCase(), 'latin1');
  while ((at = lower.indexOf(needle, at)) !== -1) {
    n++;
    at += needle.length;
  }
  return n;
}

/**
 * HTML mail as plain text: tags dropped (scripts, styles and images with them), links as
 * "text [url]", quotes as "> " lines so they fold like plain mail. No markup survives.
 */
export function htmlAsText(html: string | false | undefined): string {
  if (!html) return '';
  try {
    return convert(html.slice(0, 2 * 1024 * 1024), { wordwrap: false, selectors: [{ selector: 'img', format: 'skip' }] }).trim();
  } catch {
    return '(this message had only markup that could not be shown as text)';
  }
}

/** A parsed mail as the inbox's inbound message. */
export function inboundFromMail(parsed: ParsedMail, envelopeFrom: string | null, receivedAt: Date): InboundMessage {
  const headers = headerMap(parsed);
  const sender = parsed.from?.value?.find((a) => a.address)?.address ?? envelopeFrom ?? null;
  const name = parsed.from?.value?.[0]?.name || null;
  if (!sender) throw refuse(550, '5.1.7 The message has no sender address');
  const subject = (parsed.subject ?? '').slice(0, 500);
  const messageId = parseMessageIds(parsed.messageId ?? headers['message-id'] ?? '')[0] ?? null;
  return {
    channel: 'email',
    from: { email: sender, name },
    subject,
    text: (parsed.text ?? '').trim() || htmlAsText(parsed.html),
    messageId,
    inReplyTo: parsed.inReplyTo ?? headers['in-reply-to'] ?? null,
    references: parseMessageIds(parsed.references ?? headers.references ?? ''),
    automatic: classifyAutomatic({ headers, from: sender, subject, contentType: headers['content-type'] ?? 'text/plain' }),
    attachments: (parsed.attachments ?? []).map((a) => ({ filename: a.filename ?? 'attachment', contentType: a.contentType ?? 'application/octet-stream', content: a.content })),
    receivedAt,
  };
}

/**
 * Raw mail as the inbox's inbound message (SMTP and IMAP alike); throws a refusal with an SMTP
 * code and a reason for too many parts, unreadable MIME or no sender.
 */
export async function readMail(raw: Buffer, envelopeFrom: string | null, receivedAt: Date, maxParts = SMTP_MAX_PARTS): Promise<InboundMessage> {
  if (countParts(raw) > maxParts) throw refuse(554, `5.6.0 Too many MIME parts: this inbox takes at most ${maxParts}`);
  let parsed: ParsedMail;
  try {
    parsed = await simpleParser(raw, { skipImageLinks: true, maxHtmlLengthToParse: 2 * 1024 * 1024 });
  } catch (err) {
    throw refuse(554, `5.6.0 The message could not be read as MIME (${String((err as Error).message ?? err).slice(0, 100)})`);
  }
  return inboundFromMail(parsed, envelopeFrom, receivedAt);
}

function readAll(stream: SMTPServerDataStream, max: number): Promise<{ raw: Buffer; tooBig: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    stream.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) tooBig = true;
      else chunks.push(c);
    });
    stream.on('end', () => resolve({ raw: Buffer.concat(chunks), tooBig: tooBig || stream.sizeExceeded }));
    stream.on('error', reject);
  });
}

export async function startSmtpListener(ctx: AppContext, options: SmtpListenerOptions): Promise<SmtpListener> {
  const maxBytes = options.maxBytes ?? SMTP_MAX_BYTES;
  const maxParts = options.maxParts ?? SMTP_MAX_PARTS;
  const allowed = (options.allowedRecipients ?? []).map((a) => a.trim().toLowerCase()).filter(Boolean);
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    banner: 'Keepwell inbox',
    size: maxBytes,
    maxClients: 100,
    closeTimeout: 2000,
    socketTimeout: 60_000,
    onRcptTo(address, _session, callback) {
      const a = address.address.toLowerCase();
      if (allowed.length && !allowed.some((x) => (x.startsWith('@') ? a.endsWith(x) : a === x))) {
        return callback(refuse(550, `5.1.1 <${address.address}>: this inbox does not take mail for that address`));
      }
      callback();
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void) {
      void (async () => {
        const { raw, tooBig } = await readAll(stream, maxBytes);
        if (tooBig) throw refuse(552, `5.3.4 Message too big: this inbox takes messages up to ${Math.round(maxBytes / 1024 / 1024)} MB`);
        const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address || null : null;
        const inbound = await readMail(raw, envelopeFrom, ctx.now(), maxParts);
        let r: Awaited<ReturnType<typeof receiveMessage>>;
        try {
          r = await receiveMessage(ctx, inbound);
        } catch (err) {
          ctx.log.error({ err }, 'inbox: could not store an inbound message; the sender will retry');
          throw refuse(451, '4.3.0 Temporary failure storing the message, please try again later');
        }
        return r.duplicate ? `Already stored as ${r.messageId}` : `Queued as ${r.messageId}`;
      })().then(
        (message) => callback(null, message),
        (err) => {
          if (err instanceof SmtpRefusal) return callback(err);
          ctx.log.error({ err }, 'inbox: refused an inbound message');
          callback(refuse(451, '4.3.0 Temporary failure, please try again later'));
        },
      );
    },
  });
  server.on('error', (err) => ctx.log.warn({ err }, 'inbox SMTP listener error'));
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.server.once('error', onError);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.server.off('error', onError);
      resolve();
    });
  });
  const port = (server.server.address() as { port: number }).port;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** manifest.background: the listener on KEEPWELL_SMTP_PORT (off unless set). */
export function startSmtpListenerFromEnv(ctx: AppContext): () => Promise<void> {
  const portText = process.env.KEEPWELL_SMTP_PORT;
  if (!portText) return async () => {};
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    ctx.log.error(`KEEPWELL_SMTP_PORT (${JSON.stringify(portText)}) is not a port number: the inbox's SMTP listener is off`);
    return async () => {};
  }
  const host = process.env.KEEPWELL_SMTP_HOST || ctx.config.host;
  const allowedRecipients = (process.env.KEEPWELL_SMTP_RECIPIENTS ?? '').split(',').filter((s) => s.trim());
  const started = startSmtpListener(ctx, { port, host, allowedRecipients }).then(
    (l) => {
      ctx.log.info(`inbox: SMTP listener on ${host}:${l.port}`);
      return l;
    },
    (err) => {
      // Another Keepwell process (server or worker) may hold the port already: it takes the mail.
      ctx.log.warn({ err }, `inbox: SMTP listener could not listen on ${host}:${port}`);
      return null;
    },
  );
  return async () => {
    const l = await started;
    await l?.close();
  };
}
