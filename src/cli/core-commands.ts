// The core commands. What only an action needs (the database, the web server, the demo
// generator with its faker data, the job worker) is imported when that action runs, so that
// other commands (a report on a file) do not load it.
import { Option, type Command } from 'commander';
import { configFromOptions, withDatabaseOptions } from '../platform/cli-options.js';

export function registerCoreCommands(program: Command): void {
  withDatabaseOptions(program.command('serve').description('run the web app, REST API and background jobs'))
    .addOption(new Option('-p, --port <port>', 'port to listen on (env PORT, default 3000)'))
    .action(async (opts) => {
      const { startKeepwell, stopOnSignals } = await import('../platform/app.js');
      const { hasOwner } = await import('../accounts/index.js');
      const config = configFromOptions(opts);
      const running = await startKeepwell(config);
      stopOnSignals(running);
      const needsSetup = !(await hasOwner(running.ctx.db));
      console.log(`\nKeepwell is running at ${running.url}`);
      console.log(`Database: ${config.databaseUrl ? 'PostgreSQL server' : `embedded, data folder ${config.dataDir}`}`);
      if (needsSetup) console.log(`First run: open ${running.url} to set up your business.`);
    });

  withDatabaseOptions(program.command('migrate').description('apply database migrations and exit')).action(async (opts) => {
    const { migrate, openDatabase } = await import('../platform/db/database.js');
    const config = configFromOptions(opts);
    const database = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, migrate: false });
    try {
      const applied = await migrate(database.db);
      console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
    } finally {
      await database.close();
    }
  });

  withDatabaseOptions(program.command('demo').description('run Keepwell with a generated demo business (seeded once, in its own data folder ./data-demo)'))
    .addOption(new Option('-p, --port <port>', 'port to listen on (env PORT, default 3000)'))
    .addOption(new Option('--seed <n>', 'seed of the generated business').default('42'))
    .action(async (opts) => {
      const { seedDemo, demoSignIn } = await import('../demo/seed.js');
      const { openDatabase } = await import('../platform/db/database.js');
      const { startKeepwell, stopOnSignals } = await import('../platform/app.js');
      const config = configFromOptions(opts, { dataDir: './data-demo' });
      const database = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
      const seeded = await seedDemo(database.db, { seed: Number(opts.seed), onProgress: (msg) => console.log(msg) });
      const running = await startKeepwell(config, database);
      stopOnSignals(running);
      console.log(`\nKeepwell demo is running at ${running.url}`);
      console.log(`Sign in as ${demoSignIn.email} with password ${demoSignIn.password}`);
      if (!seeded) console.log('(demo data was already there; delete the data folder to start over)');
    });

  // Rotation answers a leak (or a habit): a new random secret, and each feature re-signs or
  // invalidates what it kept under the old one, in one transaction (SECURITY.md).
  const secret = program.command('secret').description('the instance secret, from which the keys that sign links, tokens and webhooks are derived');
  withDatabaseOptions(secret.command('rotate').description('replace the instance secret; everything signed with the old one stops being valid')).action(async (opts) => {
    const { openDatabase } = await import('../platform/db/database.js');
    const { rotateInstanceSecret } = await import('../platform/secret.js');
    const config = configFromOptions(opts);
    const database = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
    try {
      const { first, changes } = await rotateInstanceSecret(database.db);
      if (first) {
        console.log('Made the instance secret (there was none yet, so nothing was signed with an old one).');
        return;
      }
      console.log('The instance secret is replaced. What changed:');
      for (const line of changes) console.log(`- ${line}`);
      console.log('Restart every Keepwell server and worker that is running (PostgreSQL): they use the old secret until they restart.');
    } finally {
      await database.close();
    }
  });

  // A whole-database backup in one file, and putting one back (src/platform/backup.ts).
  withDatabaseOptions(program.command('backup').description('write a consistent backup of the whole database to FILE (embedded: stop the server first)'))
    .argument('<file>', 'the backup file to write')
    .action(async (file: string, opts) => {
      const { backup, BackupError } = await import('../platform/backup.js');
      const config = configFromOptions(opts);
      try {
        const r = await backup(config, file);
        console.log(`Backed up the ${r.kind === 'embedded' ? `embedded database (${config.dataDir})` : 'PostgreSQL database'} to ${file} (${(r.bytes / 1e6).toFixed(1)} MB).`);
      } catch (err) {
        if (!(err instanceof BackupError)) throw err;
        console.error(`keepwell: ${err.message}`);
        process.exit(2);
      }
    });

  withDatabaseOptions(program.command('restore').description('replace the database with a backup made by keepwell backup (refused over a workspace with data unless --force)'))
    .argument('<file>', 'the backup file to read')
    .addOption(new Option('--force', 'replace a database that holds a workspace or customers'))
    .action(async (file: string, opts) => {
      const { restore, BackupError } = await import('../platform/backup.js');
      const config = configFromOptions(opts);
      try {
        const r = await restore(config, file, { force: Boolean(opts.force) });
        console.log(
          `Restored ${file} into the ${r.kind === 'embedded' ? `data folder ${config.dataDir}` : 'PostgreSQL database'}${r.replaced ? ` (replacing what was there: ${r.replaced.replace(/^it holds /, '')})` : ''}.`,
        );
      } catch (err) {
        if (!(err instanceof BackupError)) throw err;
        console.error(`keepwell: ${err.message}`);
        process.exit(2);
      }
    });

  // A job worker without the web server — emails, playbook steps, event deliveries, scheduled
  // scans. Run several against one PostgreSQL server (DATABASE_URL); they share the queue safely
  // (FOR UPDATE SKIP LOCKED, leases). On the embedded database the server's own worker does this
  // work (a second process cannot open the data folder).
  withDatabaseOptions(program.command('worker').description('run a background job worker (emails, playbook steps, scans) without the web server'))
    .addOption(new Option('--concurrency <n>', 'jobs run at once (env KEEPWELL_WORKER_CONCURRENCY, default 4)'))
    .action(async (opts) => {
      const { createContext } = await import('../platform/app.js');
      const { startBackgroundWork, workerConcurrency } = await import('../platform/background.js');
      const { openDatabase } = await import('../platform/db/database.js');
      const config = configFromOptions(opts);
      const database = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
      const ctx = await createContext(config, database);
      const stop = startBackgroundWork(ctx, { concurrency: opts.concurrency ? Math.max(1, Number(opts.concurrency)) : workerConcurrency() });
      console.log(`Keepwell worker running (pid ${process.pid}); mail ${config.smtpUrl ? 'via SMTP' : 'to the outbox'}. Ctrl-C stops it.`);
      let stopping = false;
      const onSignal = () => {
        if (stopping) process.exit(1);
        stopping = true;
        void stop()
          .then(() => database.close())
          .then(() => process.exit(0));
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
}
