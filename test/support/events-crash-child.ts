// Child process of test/events.crash.test.ts. MODE=emit records N customer.created events (one
// transaction each, the way the API does) and kills itself with SIGKILL before anything is
// delivered. MODE=deliver runs the delivery jobs; with KILL_AT_RUN=k it kills itself during the
// k-th run of the test subscriber, after that run's effect committed and before its job is done.
// The test subscriber is idempotent (its effect is keyed on the event) and counts its raw runs.
import { sql } from 'kysely';
import { features } from '../../src/app/features.js';
import { announceWrites } from '../../src/customers/customers.events.js';
import { createContext } from '../../src/platform/app.js';
import { loadConfig } from '../../src/platform/config.js';
import { openDatabase } from '../../src/platform/db/database.js';
import { addTestSubscriber } from '../../src/platform/events/events.service.js';
import { installFeatures } from '../../src/platform/feature.js';
import { newWorkerId, runDueJobs } from '../../src/platform/jobs/jobs.service.js';

installFeatures(features);
const env = process.env;
const database = await openDatabase({ dataDir: env.KEEPWELL_DATA_DIR, databaseUrl: env.DATABASE_URL || undefined, schema: env.KEEPWELL_DB_SCHEMA || undefined });
const ctx = await createContext(loadConfig({ ...env, LOG_LEVEL: 'silent' }), database);
await sql`create table if not exists crash_effects (event_id text primary key)`.execute(ctx.db);
await sql`create table if not exists crash_runs (n serial primary key, event_id text not null)`.execute(ctx.db);

let runs = 0;
const killAt = Number(env.KILL_AT_RUN ?? 0);
addTestSubscriber({
  name: 'test.crash-effect',
  on: ['customer.created'],
  handle: async (c, event) => {
    await c.db.transaction().execute(async (trx) => {
      await sql`insert into crash_runs (event_id) values (${event.id})`.execute(trx);
      await sql`insert into crash_effects (event_id) values (${event.id}) on conflict do nothing`.execute(trx);
    });
    if (++runs === killAt) process.kill(process.pid, 'SIGKILL');
  },
});

if (env.MODE === 'emit') {
  for (let i = 0; i < Number(env.EVENTS); i++) {
    await ctx.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('customers')
        .values({ name: `Crash ${i}`, acquired_at: new Date() })
        .execute();
      await announceWrites(trx, { customers: true }, 'test');
    });
  }
  process.kill(process.pid, 'SIGKILL'); // committed, nothing delivered
} else {
  const workerId = newWorkerId();
  for (;;) {
    const r = await runDueJobs(ctx, { workerId, limit: 5, kinds: ['event.deliver'] });
    if (r.ran > 0) continue;
    const left = await ctx.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', 'event.deliver')
      .where('status', 'in', ['pending', 'running'])
      .executeTakeFirstOrThrow();
    if (Number(left.n) === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await database.close();
  process.exit(0);
}
