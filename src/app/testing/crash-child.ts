// What the child processes of crash tests share: open the database the parent names in the
// environment (a PGlite folder, or a PostgreSQL schema), make a context, and run event
// deliveries until none is left — the child is killed with SIGKILL somewhere along the way.
import { features } from '../features.js';
import { createContext } from '../../platform/app.js';
import { loadConfig } from '../../platform/config.js';
import type { AppContext } from '../../platform/context.js';
import { openDatabase } from '../../platform/db/database.js';
import { installFeatures } from '../../platform/feature.js';
import { newWorkerId, runDueJobs } from '../../platform/jobs/jobs.service.js';

export async function openCrashChild(env: NodeJS.ProcessEnv = process.env) {
  installFeatures(features);
  const database = await openDatabase({ dataDir: env.KEEPWELL_DATA_DIR, databaseUrl: env.DATABASE_URL || undefined, schema: env.KEEPWELL_DB_SCHEMA || undefined });
  const ctx = await createContext(loadConfig({ ...env, LOG_LEVEL: 'silent' }), database);
  return { database, ctx };
}

/** Runs event deliveries, `limit` at a time, until none is pending or running. */
export async function deliverUntilDone(ctx: AppContext, limit: number): Promise<void> {
  const workerId = newWorkerId();
  for (;;) {
    const r = await runDueJobs(ctx, { workerId, limit, kinds: ['event.deliver'] });
    if (r.ran > 0) continue;
    const left = await ctx.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', 'event.deliver')
      .where('status', 'in', ['pending', 'running'])
      .executeTakeFirstOrThrow();
    if (Number(left.n) === 0) return;
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** Kills this process with SIGKILL: no clean-up, no flush, as a crash does. */
export const crash = (): never => {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
};
