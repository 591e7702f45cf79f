// Child process of loyalty.crash.test.ts . MODE=import writes SLICES slices
// of 500 orders, each slice in one transaction with its 'order.created' event, as an import does.
// MODE=credit runs the event deliveries; with KILL_AT=k it kills itself with SIGKILL during the
// k-th delivery of any order.created subscriber (some slices credited, one maybe half-way, the
// rest not), and with KILL_AFTER_MS it is killed by a timer wherever it is.
import { sql } from 'kysely';
import { crash, deliverUntilDone, openCrashChild } from '../../app/testing/crash-child.js';
import { insertHistory } from '../../customers/index.js';
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
  await insertHistory(ctx.db, { customers: Array.from({ length: 300 }, (_, i) => ({ name: `Crash ${i + 1}`, acquired_at: new Date() })) });
  const ids = (await sql<{ id: string }>`select id from customers order by id`.execute(ctx.db)).rows.map((r) => r.id);
  for (let s = 0; s < Number(env.SLICES); s++) {
    await ctx.db.transaction().execute(async (trx) => {
      const orderedAt = new Date(Date.now() - 30 * 86_400_000);
      const orders = Array.from({ length: 500 }, (_, i) => {
        const g = i + 1;
        return { customer_id: ids[(g * 7 + s) % 300], external_id: `K-${s}-${g}`, amount_minor: 100 + ((g * 37 + s) % 9000), currency: 'EUR', ordered_at: orderedAt, status: 'paid' as const };
      });
      await insertHistory(trx, { orders });
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
