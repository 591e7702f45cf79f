// The crash scenario, shared by the crash test and bench/email.ts: a playbook run that sends one
// marketing email to each of N customers, worked by a child process that is killed with SIGKILL
// part-way (while the SMTP server holds message `killAt` unacknowledged), then restarted. The
// in-process SMTP server counts what it receives.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { insertHistory } from '../../customers/index.js';
import { ensureInstanceSecret } from '../../platform/secret.js';
import { openDatabase, type OpenDatabase } from '../../platform/db/database.js';
import { enqueueJob } from '../../platform/jobs/jobs.service.js';
import { startTestSmtpServer } from '../../mail/testing/smtp-test-server.js';
import { saveWorkspace, setFeatureSettings } from '../../workspace/index.js';
import { SCAN_JOB } from '../playbooks.scan.js';
import { savePlaybook } from '../playbooks.service.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');

export interface CrashOptions {
  emails: number;
  /** kill the worker while this message (1-based) is in the SMTP server's hands */
  killAt: number;
  /** worker concurrency and SMTP connections (1: the kill can never land between a 250 and its commit) */
  concurrency?: number;
  /** a PostgreSQL server instead of an embedded data folder */
  databaseUrl?: string;
  log?: (line: string) => void;
}

export interface CrashResult {
  intended: number;
  received: number;
  unique: number;
  duplicates: number;
  missing: number;
  sentInDb: number;
  killed: boolean;
  seconds: number;
}

async function openFor(options: CrashOptions, dataDir: string, schema: string): Promise<OpenDatabase> {
  return options.databaseUrl ? openDatabase({ databaseUrl: options.databaseUrl, schema }) : openDatabase({ dataDir });
}

export async function runCrashScenario(options: CrashOptions): Promise<CrashResult> {
  const log = options.log ?? (() => {});
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keepwell-crash-'));
  const schema = `crash_${process.pid}_${Date.now()}`;
  const today = new Date();
  let db = await openFor(options, dataDir, schema);
  try {
    await ensureInstanceSecret(db.db);
    await saveWorkspace(db.db, { name: 'Crash Co', industry: 'professional_services', timeZone: 'UTC', currency: 'EUR' });
    const md = today.toISOString().slice(5, 10);
    await setFeatureSettings(db.db, 'playbooks', { holidays: [{ date: md, name: 'Crash day' }] });
    await savePlaybook(
      db.db,
      {
        name: 'Greeting to everyone',
        description: '',
        trigger: { type: 'date', date: 'holiday' },
        conditions: [],
        steps: [
          {
            wait: { days: 0, hours: 0 },
            skipIf: ['unsubscribed'],
            action: { type: 'email', kind: 'marketing', subject: 'Greetings {{ customer.name }}', html: '<p>Hello {{ customer.first_name }}</p>', text: 'Hello {{ customer.first_name }}' },
          },
        ],
      },
      { enabled: true },
    );
    const rows = Array.from({ length: options.emails }, (_, i) => ({ name: `Customer${i} Crash`, email: `c${i}@crash.test`, email_normalized: `c${i}@crash.test`, marketing_consent: true }));
    await insertHistory(db.db, { customers: rows });
    await enqueueJob(db.db, { kind: SCAN_JOB, key: 'crash-scan', runAt: new Date(today.getTime() - 1000) });
  } finally {
    await db.close();
  }

  let child: ChildProcess | null = null;
  let killed = false;
  const smtp = await startTestSmtpServer({
    keepRaw: false,
    onMessage: (_m, count) => {
      if (!killed && count === options.killAt && child) {
        killed = true;
        log(`kill -9 worker pid ${child.pid} while message ${count} awaits the server's answer`);
        child.kill('SIGKILL');
        return false;
      }
    },
  });
  const env = {
    ...process.env,
    SMTP_URL: smtp.url,
    KEEPWELL_DATA_DIR: dataDir,
    DATABASE_URL: options.databaseUrl ?? '',
    KEEPWELL_DB_SCHEMA: options.databaseUrl ? schema : '',
    KEEPWELL_JOB_LEASE_SECONDS: '2',
    KEEPWELL_WORKER_CONCURRENCY: String(options.concurrency ?? 1),
    KEEPWELL_SMTP_CONNECTIONS: String(options.concurrency ?? 1),
    LOG_LEVEL: 'silent',
  };
  const runWorker = () =>
    new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'crash-worker.ts')], { cwd: repo, env, stdio: ['ignore', 'inherit', 'inherit'] });
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve({ code, signal }));
    });
  const started = Date.now();
  const ticker = setInterval(() => log(`t=${((Date.now() - started) / 1000).toFixed(0)}s received=${smtp.received.length}`), 2000);
  try {
    const first = await runWorker();
    log(`worker 1 ended: ${first.signal ?? `exit ${first.code}`} after ${smtp.received.length} messages`);
    if (first.code !== 0 && first.signal !== 'SIGKILL') throw new Error(`worker failed: exit ${first.code}`);
    if (killed) {
      const second = await runWorker();
      log(`worker 2 ended: ${second.signal ?? `exit ${second.code}`}`);
      if (second.code !== 0) throw new Error(`restarted worker failed: exit ${second.code}`);
    }
  } finally {
    clearInterval(ticker);
    await smtp.close();
  }
  const seconds = (Date.now() - started) / 1000;
  db = await openFor(options, dataDir, schema);
  let sentInDb = 0;
  try {
    const r = await db.db
      .selectFrom('emails')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'sent')
      .executeTakeFirstOrThrow();
    sentInDb = Number(r.n);
    if (options.databaseUrl) await db.db.schema.dropSchema(schema).ifExists().cascade().execute();
  } finally {
    await db.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const ids = new Set(smtp.received.map((m) => m.messageId));
  const toSet = new Set(smtp.received.flatMap((m) => m.to));
  return {
    intended: options.emails,
    received: smtp.received.length,
    unique: ids.size,
    duplicates: smtp.received.length - ids.size,
    missing: options.emails - toSet.size,
    sentInDb,
    killed,
    seconds,
  };
}
