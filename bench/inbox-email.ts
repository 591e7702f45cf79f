// Inbound email at load: MESSAGES mails (default 1,000) delivered by CLIENTS concurrent SMTP
// clients (nodemailer, default 10) to the inbox's SMTP listener of a real `keepwell serve`
// (child process, embedded database). A third of the mails answer an earlier one (In-Reply-To),
// and DUPLICATES of them (default 5%) are delivered a second time with the same Message-ID.
// Afterwards the REST API is read: every accepted message must be stored exactly once, in the
// conversation of the mail it answers.
//   npm run bench -- inbox-email        (MESSAGES=1000 CLIENTS=10 DUPLICATES=50)
// visible_ms is from the start of a delivery to the listener's 250, which it answers only after
// the message's transaction committed (from then on the message is in every list and API read).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { createApiToken, createUser, ensureInstanceSecret } from '../src/accounts/accounts.service.js';
import { openDatabase } from '../src/platform/db/database.js';
import { saveWorkspace } from '../src/workspace/workspace.service.js';
import { machineLine } from './lib/machine.js';

const MESSAGES = Number(process.env.MESSAGES ?? 1000);
const CLIENTS = Number(process.env.CLIENTS ?? 10);
const DUPLICATES = Number(process.env.DUPLICATES ?? Math.round(MESSAGES * 0.05));
console.log(machineLine());
console.log(`inbox-email: ${MESSAGES} messages, ${CLIENTS} concurrent SMTP clients, ${DUPLICATES} duplicate deliveries`);

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });

/** CPU seconds (user + system) of a running process. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return Number.NaN;
  }
}
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keepwell-bench-inbox-'));
const bin = path.resolve(import.meta.dirname, '../bin/keepwell.js');
let child: ReturnType<typeof spawn> | null = null;
try {
  console.log('creating a fresh embedded database…');
  const init = spawnSync(process.execPath, [bin, 'migrate', '--data-dir', dataDir], { stdio: 'inherit', env: { ...process.env, DATABASE_URL: '' } });
  if (init.status !== 0) throw new Error('keepwell migrate failed');
  const database = await openDatabase({ dataDir });
  await saveWorkspace(database.db, { name: 'Bench Co', industry: 'consumer_services', timeZone: 'Europe/Amsterdam', currency: 'EUR' });
  await ensureInstanceSecret(database.db);
  const owner = await createUser(database.db, { email: 'owner@bench.test', name: 'Bench Owner', role: 'owner', password: 'correct horse battery' });
  const token = (await createApiToken(database.db, owner.id, 'bench')).token;
  await database.close();

  const [httpPort, smtpPort] = [await freePort(), await freePort()];
  // SERVER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") go to the server's node: NODE_OPTIONS refuses --cpu-prof.
  const serverNodeArgs = (process.env.SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  child = spawn(process.execPath, [...serverNodeArgs, bin, 'serve', '--data-dir', dataDir, '--port', String(httpPort)], {
    env: { ...process.env, DATABASE_URL: '', KEEPWELL_SMTP_PORT: String(smtpPort), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${httpPort}`;
  for (let i = 0; ; i++) {
    const up = await fetch(`${base}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    const smtpUp = await new Promise<boolean>((resolve) => {
      const s = net.connect(smtpPort, '127.0.0.1', () => (s.end(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (up && smtpUp) break;
    if (i > 300) throw new Error('keepwell serve did not come up');
    await new Promise((r) => setTimeout(r, 200));
  }
  console.log(`server up: http ${httpPort}, smtp ${smtpPort}`);

  // The mails: customer k writes a first mail; a third of the mails answer an earlier one of the same customer.
  type Mail = { i: number; from: string; subject: string; messageId: string; inReplyTo?: string; root: number };
  const mails: Mail[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const answering = i >= 30 && i % 3 === 0 ? mails[i - 30] : null;
    const root = answering ? answering.root : i;
    const first = mails[root] ?? { from: `customer${i % 400}@bench.test`, subject: `Question ${i}` };
    mails.push({ i, from: first.from, subject: answering ? `Re: ${first.subject}` : first.subject, messageId: `<bench-${i}@bench.test>`, inReplyTo: answering?.messageId, root });
  }
  const sends: Mail[] = [...mails];
  for (let d = 0; d < DUPLICATES; d++)
    sends.splice(Math.min(sends.length, Math.floor(((d + 1) * sends.length) / (DUPLICATES + 1)) + 5), 0, mails[Math.floor((d * MESSAGES) / Math.max(1, DUPLICATES))]);

  const visible: number[] = [];
  const accepted = new Set<number>();
  let refused = 0;
  let next = 0;
  const t0 = performance.now();
  const cpu0 = cpuSeconds(child.pid);
  const load0 = load();
  const progress = setInterval(() => console.log(`  delivered ${next} / ${sends.length}`), 2000);
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true, pool: true, maxConnections: 1, maxMessages: Infinity });
      while (next < sends.length) {
        const m = sends[next++];
        // An answer waits until the mail it answers was accepted (a real customer answers what they received).
        while (m.inReplyTo && !accepted.has(mails.findIndex((x) => x.messageId === m.inReplyTo))) await new Promise((r) => setTimeout(r, 5));
        const start = performance.now();
        try {
          const info = await transport.sendMail({
            from: m.from,
            to: 'support@bench.test',
            subject: m.subject,
            messageId: m.messageId,
            inReplyTo: m.inReplyTo,
            references: m.inReplyTo,
            text: `Message ${m.i}.\n\nHello, this is about my order ${m.i * 7}.\n\n> earlier text`,
          });
          if (/^250/.test(info.response)) {
            visible.push(performance.now() - start);
            accepted.add(m.i);
          } else refused++;
        } catch {
          refused++;
        }
      }
      transport.close();
    }),
  );
  clearInterval(progress);
  const seconds = (performance.now() - t0) / 1000;
  const serverCpu = cpuSeconds(child.pid) - cpu0;
  const load1 = load();

  // Read back through the API: every conversation and its messages.
  const auth = { authorization: `Bearer ${token}` };
  const stored = new Map<string, string[]>(); // bench message id → conversation ids it is stored in
  let cursor: string | null = null;
  let conversations = 0;
  do {
    const page = (await (await fetch(`${base}/api/inbox/conversations?view=all&limit=200${cursor ? `&cursor=${cursor}` : ''}`, { headers: auth })).json()) as {
      conversations: { id: string }[];
      nextCursor: string | null;
    };
    for (const c of page.conversations) {
      conversations++;
      const d = (await (await fetch(`${base}/api/inbox/conversations/${c.id}`, { headers: auth })).json()) as { messages: { emailMessageId: string | null }[] };
      for (const m of d.messages) if (m.emailMessageId) stored.set(m.emailMessageId, [...(stored.get(m.emailMessageId) ?? []), c.id]);
    }
    cursor = page.nextCursor;
  } while (cursor);
  let lost = 0;
  let duplicates = 0;
  let misthreaded = 0;
  for (const m of mails) {
    const at = stored.get(m.messageId) ?? [];
    if (accepted.has(m.i) && at.length === 0) lost++;
    if (at.length > 1) duplicates += at.length - 1;
    const rootAt = stored.get(mails[m.root].messageId)?.[0];
    if (at.length && rootAt && at[0] !== rootAt) misthreaded++;
  }
  visible.sort((a, b) => a - b);
  const p95 = visible[Math.min(visible.length - 1, Math.floor(visible.length * 0.95))] ?? 0;
  const expectedConversations = mails.filter((m) => m.root === m.i).length;
  console.log(
    `accepted=${accepted.size} refused=${refused} conversations=${conversations} (expected ${expectedConversations}) misthreaded=${misthreaded} median_visible_ms=${visible[Math.floor(visible.length / 2)]?.toFixed(1)}`,
  );
  console.log(
    `inbox-email: messages=${MESSAGES} seconds=${seconds.toFixed(2)} per_s=${(sends.length / seconds).toFixed(1)} p95_visible_ms=${p95.toFixed(1)} lost=${lost} duplicates=${duplicates} misthreaded=${misthreaded} server_cpu_s=${serverCpu.toFixed(1)} load=${load0} -> ${load1}`,
  );
} finally {
  if (child) {
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
}
