// A real SMTP server in-process (smtp-server) for tests and benchmarks: it records what it
// receives, and can refuse chosen recipients with a 5xx like a real server would.
import { SMTPServer } from 'smtp-server';

export interface ReceivedMessage {
  messageId: string;
  to: string[];
  subject: string;
  raw: string;
}

export interface TestSmtpServer {
  url: string;
  port: number;
  received: ReceivedMessage[];
  close(): Promise<void>;
}

export interface TestSmtpOptions {
  /** answer 550 to these recipients */
  rejectRecipient?: (address: string) => boolean;
  /** called with each message before it is accepted; return false to drop the connection without accepting */
  onMessage?: (m: ReceivedMessage, count: number) => boolean | void;
  /** keep the raw text (default true); benchmarks turn it off */
  keepRaw?: boolean;
}

function header(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
  const m = new RegExp(`^${name}:\\s*((?:.*)(?:\\r?\\n[ \\t].*)*)`, 'im').exec(head);
  return m ? m[1].replace(/\r?\n[ \t]+/g, ' ').trim() : '';
}

export async function startTestSmtpServer(options: TestSmtpOptions = {}): Promise<TestSmtpServer> {
  const received: ReceivedMessage[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 10 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      if (options.rejectRecipient?.(address.address)) {
        const err = new Error(`5.1.1 <${address.address}>: Recipient address rejected: User unknown`) as Error & { responseCode: number };
        err.responseCode = 550;
        return callback(err);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const m: ReceivedMessage = {
          messageId: header(raw, 'Message-ID'),
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: header(raw, 'Subject'),
          raw: options.keepRaw === false ? '' : raw,
        };
        if (options.onMessage?.(m, received.length + 1) === false) return; // never acknowledged
        received.push(m);
        callback(null, 'Queued');
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
