// kill -9 during a burst of inbound email: the listener process dies while clients are mid-
// delivery; the sending side retries what was not answered 250 (as a mail server does), some
// accepted mails are delivered again, and after a restart every mail is stored exactly once —
// none that was accepted is lost, none is stored twice.
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../platform/db/database.js';
import { saveWorkspace } from '../workspace/index.js';

const N = Number(process.env.INBOX_CRASH_MESSAGES ?? 90);
const here = path.dirname(new URL(import.meta.url).pathname);
const databaseUrl = process.env.TEST_DATABASE_URL || undefined;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });

describe('inbound email and a crash', () => {
  it('kill -9 mid-burst, restart, retry: every mail stored exactly once, every accepted one kept', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keepwell-inbox-crash-'));
    const schema = `inbox_crash_${process.pid}_${Date.now()}`;
    const open = () => (databaseUrl ? openDatabase({ databaseUrl, schema }) : openDatabase({ dataDir }));
    let db = await open();
    await saveWorkspace(db.db, { name: 'Crash Co', industry: 'consumer_services', timeZone: 'UTC', currency: 'EUR' });
    await db.close();
    const port = await freePort();
    const env = { ...process.env, KEEPWELL_DATA_DIR: dataDir, DATABASE_URL: databaseUrl ?? '', KEEPWELL_DB_SCHEMA: databaseUrl ? schema : '', KEEPWELL_SMTP_PORT: String(port), LOG_LEVEL: 'silent' };
    let child: ChildProcess | null = null;
    const killChild = async () => {
      const c = child!;
      c.removeAllListeners('exit');
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await gone;
    };
    const start = () =>
      new Promise<void>((resolve, reject) => {
        child = fork(path.join(here, 'testing/listener-child.ts'), [], { env, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        child.once('message', () => resolve());
        child.once('exit', (code) => reject(new Error(`listener exited ${code}`)));
      });
    await start();

    const accepted = new Set<number>();
    const attempts = new Map<number, number>();
    let killed = false;
    const deliver = async (i: number) => {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, connectionTimeout: 3000, socketTimeout: 5000 });
      attempts.set(i, (attempts.get(i) ?? 0) + 1);
      try {
        const info = await transport.sendMail({ from: `c${i % 20}@crash.test`, to: 'support@crash.test', subject: `Crash ${i}`, messageId: `<crash-${i}@crash.test>`, text: `Mail ${i}` });
        if (/^250/.test(info.response)) accepted.add(i);
      } catch {
        /* not answered 250: the sender keeps it and tries again later */
      } finally {
        transport.close();
      }
    };
    // The burst: 6 clients; the listener is killed after a third was accepted.
    let next = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (next < N) {
          const i = next++;
          await deliver(i);
          if (!killed && accepted.size >= N / 3) {
            killed = true;
            await killChild();
          }
        }
      }),
    );
    expect(killed).toBe(true);
    const acceptedBeforeRestart = new Set(accepted);
    expect(acceptedBeforeRestart.size).toBeLessThan(N);
    await start();
    // Retry everything not accepted, and deliver ten accepted ones again (a 250 lost on the way looks like this).
    const retry = [...Array(N).keys()].filter((i) => !accepted.has(i));
    const again = [...acceptedBeforeRestart].slice(0, 10);
    for (const i of [...retry, ...again]) await deliver(i);
    expect(accepted.size).toBe(N);
    await killChild();

    db = await open();
    try {
      const rows = await db.db.selectFrom('messages').select(['email_message_id', 'conversation_id']).where('email_message_id', 'like', '<crash-%').execute();
      const ids = rows.map((r) => r.email_message_id);
      expect(new Set(ids).size).toBe(ids.length); // none twice
      for (const i of acceptedBeforeRestart) expect(ids, `accepted mail ${i} before the crash`).toContain(`<crash-${i}@crash.test>`);
      expect(ids.length).toBe(N);
      const conv = await db.db
        .selectFrom('conversations')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(conv.n)).toBe(N); // each subject its own conversation, none duplicated
      const customers = await db.db
        .selectFrom('customers')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(customers.n)).toBe(20); // one customer per sender, even across the crash
      if (databaseUrl) await db.db.schema.dropSchema(schema).ifExists().cascade().execute();
    } finally {
      await db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
