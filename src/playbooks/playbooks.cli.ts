// `keepwell worker`: a job worker without the web server — emails, playbook steps, scheduled
// scans. Run several against one PostgreSQL server (DATABASE_URL); they share the queue
// safely (FOR UPDATE SKIP LOCKED, leases). On the embedded database the server's own worker
// does this work (a second process cannot open the data folder).
import { Option, type Command } from 'commander';
import { configFromOptions, withDatabaseOptions } from '../cli/options.js';
import { createContext } from '../platform/app.js';
import { openDatabase } from '../platform/db/database.js';
import { startJobWorker } from '../platform/jobs/jobs.service.js';
import { closeTransports } from '../platform/mail/mail.transport.js';
import { workerConcurrency } from './playbooks.background.js';

export function registerPlaybookCommands(program: Command): void {
  withDatabaseOptions(program.command('worker').description('run a background job worker (emails, playbook steps, scans) without the web server'))
    .addOption(new Option('--concurrency <n>', 'jobs run at once (env KEEPWELL_WORKER_CONCURRENCY, default 4)'))
    .action(async (opts) => {
      const config = configFromOptions(opts);
      const database = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
      const ctx = await createContext(config, database);
      const stop = startJobWorker(ctx, { concurrency: opts.concurrency ? Math.max(1, Number(opts.concurrency)) : workerConcurrency(), limit: 50 });
      console.log(`Keepwell worker running (pid ${process.pid}); mail ${config.smtpUrl ? 'via SMTP' : 'to the outbox'}. Ctrl-C stops it.`);
      let stopping = false;
      const onSignal = () => {
        if (stopping) process.exit(1);
        stopping = true;
        void stop()
          .then(() => closeTransports())
          .then(() => database.close())
          .then(() => process.exit(0));
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
}
