// Where mail goes: an SMTP server (pooled nodemailer transport from SMTP_URL), or — when no
// URL is set — nowhere: the email stays in the local outbox for the owner to read.
import nodemailer, { type Transporter } from 'nodemailer';

const transports = new Map<string, Transporter>();

export function smtpConnections(): number {
  const n = Number(process.env.KEEPWELL_SMTP_CONNECTIONS);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 5;
}

export function getTransport(smtpUrl: string): Transporter {
  let t = transports.get(smtpUrl);
  if (!t) {
    t = nodemailer.createTransport({
      url: smtpUrl,
      pool: true,
      maxConnections: smtpConnections(),
      maxMessages: Infinity,
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 30_000,
    } as Parameters<typeof nodemailer.createTransport>[0]);
    transports.set(smtpUrl, t);
  }
  return t;
}

/** Closes pooled SMTP connections (worker stop, tests). */
export function closeTransports(): void {
  for (const t of transports.values()) t.close();
  transports.clear();
}

export interface SmtpFailure {
  permanent: boolean;
  reason: string;
}

/** A 5xx answer (or a refused recipient) is permanent: retrying cannot help. Everything else is retried. */
export function classifySmtpError(err: unknown): SmtpFailure {
  const e = err as { responseCode?: number; response?: string; code?: string; message?: string; rejected?: unknown[] };
  const code = Number(e?.responseCode);
  const reason = (e?.response || e?.message || String(err)).slice(0, 500);
  if (code >= 500 && code < 600) return { permanent: true, reason };
  if (e?.code === 'EENVELOPE' && !(code >= 400 && code < 500)) return { permanent: true, reason };
  return { permanent: false, reason };
}
