// Loyalty benchmark: orders arrive in slices of 1,000 per transaction (as an import or a busy
// webhook writes them), each slice announced by one 'order.created' event; the loyalty
// subscriber credits them through the product's delivery: delivery jobs claimed by the job
// runner CLAIM at a time (50, as the server's worker claims) and handed to the subscriber's
// handleBatch together. Then every event is delivered a
// second time (a retry after a crash, a re-sent webhook, a re-imported file). 1% of customers
// came through a referral (claimed before their first order); 1 order in 200 carries a promo code
// the shop sent with its reference (POST /api/loyalty/order-codes), redeemed when the order is
// credited. Afterwards: every order must have earned once (double_credits = entries beyond one
// per order, plus redemptions beyond one per coded order), and every balance must equal what its
// orders and referrals earn, computed independently (balance_mismatches).
//   npm run bench -- loyalty          (ORDERS=1000000, CUSTOMERS=ORDERS/10)
// CLAIM=1 delivers one event per call (what the platform did before batched delivery).
import os from 'node:os';
import { sql } from 'kysely';
import { ensureInstanceSecret } from '../src/platform/secret.js';
import { loadConfig } from '../src/platform/config.js';
import type { AppContext } from '../src/platform/context.js';
import { openDatabase } from '../src/platform/db/database.js';
import { DELIVER_JOB, eventBus } from '../src/platform/events/events.service.js';
import { drainJobs, enqueueJobs } from '../src/platform/jobs/jobs.service.js';
import { createLogger } from '../src/platform/logger.js';
import { saveWorkspace } from '../src/workspace/index.js';
import { machineLine, peakMb } from './lib/machine.js';

const ORDERS = Number(process.env.ORDERS ?? 1_000_000);
const CUSTOMERS = Number(process.env.CUSTOMERS ?? Math.max(10, Math.round(ORDERS / 10)));
const SLICE = 1000;
const CLAIM = Math.max(1, Number(process.env.CLAIM ?? 50));
console.log(machineLine());
const database = await openDatabase({ inMemory: true });
const db = database.db;
const ctx: AppContext = { db, config: loadConfig({ LOG_LEVEL: 'silent' }), log: createLogger('silent'), now: () => new Date(), secret: await ensureInstanceSecret(db), events: eventBus };
await saveWorkspace(db, { name: 'Bench Co', industry: 'professional_services', timeZone: 'UTC', currency: 'EUR' });

let t = performance.now();
await sql`insert into customers (name, email, email_normalized, acquired_at) select 'Customer ' || g, 'c' || g || '@bench.test', 'c' || g || '@bench.test', now() from generate_series(1, ${CUSTOMERS}) g`.execute(
  db,
);
const ids = (await sql<{ id: string }>`select id from customers order by id`.execute(db)).rows.map((r) => r.id);
// 1% of customers were referred by the customer before them
const referrals: [string, string][] = [];
for (let i = 1; i < ids.length; i += 100) referrals.push([ids[i - 1], ids[i]]);
await sql`insert into loyalty_referral_codes (customer_id, code) select id, 'REF-' || upper(substr(md5(id::text), 1, 10)) from customers`.execute(db);
for (let i = 0; i < referrals.length; i += 1000) {
  const part = referrals.slice(i, i + 1000);
  await db
    .insertInto('loyalty_referrals')
    .values(part.map(([a, b]) => ({ referrer_customer_id: a, referred_customer_id: b, code: 'REF-BENCH' })))
    .execute();
}
// 1 order in 200 carries a promo code, sent by the shop with the order's reference
const CODE_EVERY = 200;
await sql`insert into loyalty_codes (code, use, percent_off, currency, note) values ('BENCH-CODE2345', 'multi', 10, 'EUR', 'bench')`.execute(db);
await sql`insert into loyalty_order_codes (order_ref, code) select 'B-' || g, 'BENCH-CODE2345' from generate_series(1, ${ORDERS}) g where g % ${CODE_EVERY} = 7`.execute(db);
console.log(`customers=${CUSTOMERS} referrals=${referrals.length} coded_orders=${Math.floor(ORDERS / CODE_EVERY)} (${((performance.now() - t) / 1000).toFixed(1)} s)`);

// ---- orders in slices, each with its event (not timed: that is the import's work) ----
t = performance.now();
const events: string[] = [];
for (let s = 0; s < ORDERS; s += SLICE) {
  const n = Math.min(SLICE, ORDERS - s);
  await db.transaction().execute(async (trx) => {
    await sql`insert into orders (customer_id, external_id, amount_minor, currency, ordered_at, status)
      select (${ids}::uuid[])[(1 + ((${s}::bigint + g) * 7919) % ${CUSTOMERS})::int], 'B-' || (${s} + g), (500 + ((${s}::bigint + g) * 104729) % 20000)::int, case when (${s} + g) % 50 = 0 then 'USD' else 'EUR' end,
             now() - (((${s}::bigint + g) * 31) % 700)::int * interval '1 day', case when (${s} + g) % 40 = 0 then 'refunded' else 'paid' end
      from generate_series(1, ${n}) g`.execute(trx);
    const at = (await sql<{ at: string }>`select now()::text as at`.execute(trx)).rows[0].at;
    // the event row only: its deliveries, to the loyalty subscriber alone, are queued by the passes below
    const row = await trx
      .insertInto('events')
      .values({ type: 'order.created', payload: JSON.stringify({ writtenAt: at, source: 'bench' }) })
      .returning('id')
      .executeTakeFirstOrThrow();
    events.push(String(row.id));
  });
  if ((s / SLICE) % 100 === 0) process.stdout.write(`\rorders written: ${s + n}`);
}
console.log(`\rorders written: ${ORDERS} in ${events.length} slices (${((performance.now() - t) / 1000).toFixed(1)} s)`);
await sql`analyze`.execute(db);

// the loyalty subscriber's deliveries only (other features' subscribers are not what is measured)
const enqueueDeliveries = (pass: string) =>
  enqueueJobs(
    db,
    events.map((eventId) => ({ kind: DELIVER_JOB, key: `${pass}:${eventId}`, payload: { eventId, subscriber: 'loyalty.order-created' }, runAt: new Date(0), maxAttempts: 10 })),
  );
// CPU seconds of this process (PGlite runs inside it) beside the wall clock: on a shared,
// loaded machine the wall clock mostly measures the wait for a core.
const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;
const cpu: Record<string, number> = {};
const pass = async (label: string) => {
  await enqueueDeliveries(label);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let delivered = 0;
  for (;;) {
    const r = await drainJobs(ctx, { kinds: [DELIVER_JOB], limit: CLAIM, maxBatches: 20 });
    if (r.ran === 0) break;
    if (r.ran !== (r.outcomes.delivered ?? 0)) throw new Error(`${label}: ${JSON.stringify(r.outcomes)}`);
    delivered += r.ran;
    process.stdout.write(`\r${label}: ${delivered} deliveries`);
  }
  const seconds = (performance.now() - t0) / 1000;
  cpu[label] = cpuSeconds(process.cpuUsage(c0));
  console.log(`\r${label}: orders=${ORDERS} seconds=${seconds.toFixed(1)} per_s=${Math.round(ORDERS / seconds)} cpu_seconds=${cpu[label].toFixed(1)} per_cpu_s=${Math.round(ORDERS / cpu[label])}`);
  return seconds;
};
console.log(`deliveries claimed ${CLAIM} at a time`);
const first = await pass('first delivery');
const second = await pass('second delivery (retries)');

// ---- checks, computed apart from the ledger's own code ----
const entries = await sql<{ n: number; orders: number }>`select count(*)::int as n, count(distinct order_id)::int as orders from loyalty_ledger where idempotency_key like 'order:%'`.execute(db);
const eligible = await sql<{ n: number }>`select count(*)::int as n from orders where status in ('paid','pending') and currency = 'EUR' and amount_minor >= 100`.execute(db);
const refEntries = await sql<{ n: number }>`select count(*)::int as n from loyalty_ledger where idempotency_key like 'referral:%'`.execute(db);
const red = await sql<{ n: number; orders: number; expected: number }>`
  select (select count(*)::int from loyalty_redemptions) as n, (select count(distinct order_ref)::int from loyalty_redemptions) as orders,
    (select count(*)::int from orders o join loyalty_order_codes c on c.order_ref = o.external_id where o.status in ('paid', 'pending')) as expected`.execute(db);
const doubleCredits = entries.rows[0].n - entries.rows[0].orders + Math.max(0, refEntries.rows[0].n - 2 * referrals.length) + (red.rows[0].n - red.rows[0].orders);
const mismatches = await sql<{ n: number }>`
  with expected as (
    select c.id,
      coalesce((select sum(amount_minor / 100) from orders o where o.customer_id = c.id and o.status in ('paid','pending') and o.currency = 'EUR'), 0)
      + coalesce((select count(*) * 100 from loyalty_referrals r where r.referrer_customer_id = c.id and exists (select 1 from orders o where o.customer_id = r.referred_customer_id and o.status in ('paid','pending'))), 0)
      + coalesce((select count(*) * 50 from loyalty_referrals r where r.referred_customer_id = c.id and exists (select 1 from orders o where o.customer_id = c.id and o.status in ('paid','pending'))), 0) as points
    from customers c),
  actual as (select customer_id, sum(points) as points from loyalty_ledger group by customer_id)
  select count(*)::int as n from expected e left join actual a on a.customer_id = e.id where coalesce(a.points, 0) <> e.points`.execute(db);
console.log(
  `ledger: order_entries=${entries.rows[0].n} eligible_orders=${eligible.rows[0].n} referral_entries=${refEntries.rows[0].n} redemptions=${red.rows[0].n} coded_paid_orders=${red.rows[0].expected} tier_rows=${(await sql<{ n: number }>`select count(*)::int as n from loyalty_tiers`.execute(db)).rows[0].n} peak_mb=${peakMb()}`,
);
console.log(
  `loyalty: orders=${ORDERS} seconds=${first.toFixed(1)} per_s=${Math.round(ORDERS / first)} per_cpu_s=${Math.round(ORDERS / cpu['first delivery'])}${` claim=${CLAIM}`} load=${os.loadavg()[0].toFixed(1)} retry_seconds=${second.toFixed(1)} retry_per_s=${Math.round(ORDERS / second)} double_credits=${doubleCredits} balance_mismatches=${mismatches.rows[0].n}`,
);
await database.close();
