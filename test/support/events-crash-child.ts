// Child process of test/events.crash.test.ts. MODE=emit records N customer.created events (one
// transaction each, the way the API does) and kills itself with SIGKILL before anything is
// delivered. MODE=deliver runs the delivery jobs; with KILL_AT_RUN=k it kills itself during the
// k-th run of the test subscriber, after that run's effect committed and before its job is done.
// The test subscriber is idempotent (its effect is keyed on the event) and counts its raw runs.
import { sql } from 'kysely';
import { crash, deliverUntilDone, openCrashChild } from '../../src/app/testing/crash-child.js';
import { announceWrites } from '../../src/customers/customers.events.js';
import { addTestSubscriber } from '../../src/platform/events/events.service.js';

const env = process.env;
const { database, ctx } = await openCrashChild(env);
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
    if (++runs === killAt) crash();
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
  crash(); // committed, nothing delivered
} else {
  await deliverUntilDone(ctx, 5);
  await database.close();
  process.exit(0);
}
