// A worker process for the crash test and the email benchmark: opens the database named by the
// environment, runs every due job until none is left (waiting out leases of a crashed
// predecessor), then exits 0. Killed with SIGKILL part-way by its parent.
import { createContext } from '../../platform/app.js';
import { loadConfig } from '../../platform/config.js';
import { openDatabase } from '../../platform/db/database.js';
import { newWorkerId, runDueJobs } from '../../platform/jobs/jobs.service.js';
import { closeTransports } from '../../mail/index.js';
import { features } from '../../app/features.js';
import { installFeatures } from '../../platform/feature.js';

installFeatures(features);

const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
const database = await openDatabase({ dataDir: process.env.KEEPWELL_DATA_DIR, databaseUrl: process.env.DATABASE_URL, schema: process.env.KEEPWELL_DB_SCHEMA || undefined });
const ctx = await createContext(config, database);
const workerId = newWorkerId();
const concurrency = Number(process.env.KEEPWELL_WORKER_CONCURRENCY ?? 1);
process.send?.({ ready: true });
for (;;) {
  const r = await runDueJobs(ctx, { workerId, limit: 20, concurrency });
  if (r.ran > 0) continue;
  const left = await ctx.db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', 'in', ['pending', 'running'])
    .executeTakeFirstOrThrow();
  if (Number(left.n) === 0) break;
  await new Promise((r) => setTimeout(r, 100));
}
closeTransports();
await database.close();
process.exit(0);
