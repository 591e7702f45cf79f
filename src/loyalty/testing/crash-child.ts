// Child process of loyalty.crash.test.ts . MODE=import writes SLICES slices
// of 500 orders, each slice in one transaction with its 'order.created' event, as an import does.
// MODE=credit runs the event deliveries; with KILL_AT=k it kills itself with SIGKILL during the
// k-th delivery of any order.created subscriber (some slices credited, one maybe half-way, the
// rest not), and with KILL_AFTER_MS it is killed by a timer wherever it is.
import { sql } from 'kysely';
import { crash, deliverUntilDone, openCrashChild } from '../../app/testing/crash-child.js';
import { addTestSubscriber, emitEvent } from '../../platform/events/events.service.js';
import { saveWorkspace } from '../../workspace/index.js';

const env = process.env;
const { database, ctx } = await openCrashChild(env);

let runs = 0;
addTestSubscriber({
  name: 'test.loyalty-crash',
  on: ['order.created'],
  handle: async () => {
    if (++runs === Number(env.KILL_AT ?? 0)) crash();
  },
});
if (env.KILL_AFTER_MS) setTimeout(crash, Number(env.KILL_AFTER_MS));

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
  await deliverUntilDone(ctx, 3);
  await database.close();
  process.exit(0);
}
