// Child process of loyalty.crash.test.ts . MODE=import writes SLICES slices
// of 500 orders, each slice in one transaction with its 'order.created' event, as an import does.
// MODE=credit runs the event deliveries; with KILL_AT=k it kills itself with SIGKILL during the
// k-th delivery of any order.created subscriber (some slices credited, one maybe half-way, the
// rest not), and with KILL_AFTER_MS it is killed by a timer wherever it is.
import { sql } from 'kysely';
import { features } from '../../app/features.js';
import { createContext } from '../../platform/app.js';
import { loadConfig } from '../../platform/config.js';
import { openDatabase } from '../../platform/db/database.js';
import { addTestSubscriber, emitEvent } from '../../platform/events/events.service.js';
import { installFeatures } from '../../platform/feature.js';
import { newWorkerId, runDueJobs } from '../../platform/jobs/jobs.service.js';
import { saveWorkspace } from '../../workspace/index.js';

installFeatures(features);
const env = process.env;
const database = await openDatabase({ dataDir: env.KEEPWELL_DATA_DIR, databaseUrl: env.DATABASE_URL || undefined, schema: env.KEEPWELL_DB_SCHEMA || undefined });
const ctx = await createContext(loadConfig({ ...env, LOG_LEVEL: 'silent' }), database);

let runs = 0;
addTestSubscriber({
  name: 'test.loyalty-crash',
  on: ['order.created'],
  handle: async () => {
    if (++runs === Number(env.KILL_AT ?? 0)) process.kill(process.pid, 'SIGKILL');
  },
});
if (env.KILL_AFTER_MS) setTimeout(() => process.kill(process.pid, 'SIGKILL'), Number(env.KILL_AFTER_MS));

if (env.MODE === 'import') {
  await saveWorkspace(ctx.db, { name: 'Crash Co', industry: 'professional_services', timeZone: 'UTC', currency: 'EUR' });
  await sql`insert into customers (name, acquired_at) select 'Crash ' || g, now() from generate_series(1, 300) g`.execute(ctx.db);
  const ids = (await sql<{ id: string }>`select id from customers order by id`.execute(ctx.db)).rows.map((r) => r.id);
  for (let s = 0; s < Number(env.SLICES); s++) {
    await ctx.db.transaction().execute(async (trx) => {
      await sql`insert into orders (customer_id, external_id, amount_minor, currency, ordered_at, status)
        select (${ids}::uuid[])[1 + (g * 7 + ${s}) % 300], 'K-' || ${s} || '-' || g, 100 + (g * 37 + ${s}) % 9000, 'EUR', now() - interval '30 days', 'paid'
        from generate_series(1, 500) g`.execute(trx);
      const at = (await sql<{ at: string }>`select now()::text as at`.execute(trx)).rows[0].at;
      await emitEvent(trx, 'order.created', { writtenAt: at, source: 'import' });
    });
  }
  await database.close();
  process.exit(0);
} else {
  const workerId = newWorkerId();
  for (;;) {
    const r = await runDueJobs(ctx, { workerId, limit: 3, kinds: ['event.deliver'] });
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
