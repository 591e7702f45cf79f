// Test helpers for the surveys tests: a real in-process SMTP server that keeps what it receives,
// and link extraction from a received (quoted-printable) email.
import { SMTPServer } from 'smtp-server';

export interface Received {
  to: string[];
  subject: string;
  raw: string;
}

export async function startSmtp(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const header =
          /^Subject:\s*(.*(?:\r?\n[ \t].*)*)/im
            .exec(raw)?.[1]
            .replace(/\r?\n[ \t]+/g, ' ')
            .trim() ?? '';
        const subject = decodeWords(header);
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), subject, raw });
        callback(null, 'Queued');
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return { url: `smtp://127.0.0.1:${port}`, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Decodes RFC 2047 Q-encoded words (nodemailer's choice for non-ASCII subjects). */
export function decodeWords(header: string): string {
  return header.replace(/\?=\s+=\?/g, '?==?').replace(/=\?UTF-8\?Q\?(.*?)\?=/gi, (_, q: string) => {
    const bytes: number[] = [];
    for (let i = 0; i < q.length; i++) {
      if (q[i] === '_') bytes.push(32);
      else if (q[i] === '=' && /^[0-9A-F]{2}$/i.test(q.slice(i + 1, i + 3))) {
        bytes.push(parseInt(q.slice(i + 1, i + 3), 16));
        i += 2;
      } else bytes.push(q.charCodeAt(i));
    }
    return Buffer.from(bytes).toString('utf8');
  });
}

/** Undoes quoted-printable soft breaks and escapes, enough to read links. */
export function decodeQp(raw: string): string {
  return raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** Survey links in an email's text: /p/s/<token>[?score=N]. */
export function surveyLinks(raw: string): string[] {
  const text = decodeQp(raw);
  return [...new Set(text.match(/https?:\/\/[^\s"'<>]+\/p\/s\/[A-Za-z0-9._-]+(?:\?score=\d+)?/g) ?? [])];
}
