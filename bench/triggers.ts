// Evaluating the date and inactivity triggers over 100,000 customers (goal: under 2 s): one
// query loads each customer's facts (last order, own purchase rhythm, last contact, birthday,
// tags), then the pure core checks every scheduled playbook against every customer.
// `seconds` is the best of three runs (load + evaluate); the first run is printed too.
//   npm run bench -- triggers          (CUSTOMERS=100000 by default)
import { sql } from 'kysely';
import { openDatabase } from '../src/platform/db/database.js';
import { evaluateScheduledTriggers, localDate, type ScanPlaybook } from '../src/playbooks/playbooks.core.js';
import { loadAllFacts } from '../src/playbooks/playbooks.facts.js';
import { readyMadePlaybooks } from '../src/playbooks/playbooks.library.js';
import { machineLine, peakMb } from './lib/machine.js';

const N = Number(process.env.CUSTOMERS ?? 100_000);
console.log(machineLine());
const database = await openDatabase({ inMemory: true });
const db = database.db;

let t = performance.now();
await sql`insert into customers (name, email, birthday, acquired_at, tags, marketing_consent, retention_driver)
  select 'Customer ' || g, 'c' || g || '@bench.test', date '1960-01-01' + (g * 7 % 18000), now() - ((g * 13) % 2000) * interval '1 day',
         case when g % 10 = 0 then array['project'] else array[]::text[] end, g % 3 <> 0, case when g % 4 = 0 then 'value' else null end
  from generate_series(1, ${N}) g`.execute(db);
await sql`insert into orders (customer_id, amount_minor, currency, ordered_at, status)
  select c.id, 1000 + (abs(hashtext(c.id::text || k)) % 9000), 'EUR', now() - (abs(hashtext(c.id::text || k || 'd')) % 700) * interval '1 day', 'paid'
  from customers c cross join generate_series(1, 3) k where abs(hashtext(c.id::text)) % 5 <> 0`.execute(db);
await sql`insert into touchpoints (customer_id, channel, direction, occurred_at, summary, source)
  select c.id, 'call', 'out', now() - (abs(hashtext(c.id::text || k)) % 200) * interval '1 day', 'Call', 'user:x'
  from customers c cross join generate_series(1, 2) k where abs(hashtext(c.id::text)) % 3 <> 0`.execute(db);
await sql`analyze`.execute(db);
const counts = await sql<{ c: number; o: number; t: number }>`select (select count(*) from customers)::int c, (select count(*) from orders)::int o, (select count(*) from touchpoints)::int t`.execute(
  db,
);
console.log(`data: customers=${counts.rows[0].c} orders=${counts.rows[0].o} touchpoints=${counts.rows[0].t} (generated in ${((performance.now() - t) / 1000).toFixed(1)} s)`);

// The scheduled ready-made playbooks plus a fixed 90-day lapse, as a workspace would have them on.
const playbooks: ScanPlaybook[] = readyMadePlaybooks()
  .filter((p) => ['date', 'no_touchpoint', 'no_order', 'weekly'].includes(p.trigger.type))
  .map((p, i) => ({ id: `${p.key}-${i}`, trigger: p.trigger, conditions: p.conditions }));
playbooks.push({ id: 'lapsed-90', trigger: { type: 'no_order', days: 90, ownCycleFactor: null }, conditions: [{ field: 'marketing_consent', op: 'eq', value: true }] });
const now = new Date();
const clock = { now, today: localDate(now, 'UTC'), holidays: [{ date: localDate(now, 'UTC').slice(5), name: 'Bench day' }] };
console.log(`playbooks: ${playbooks.map((p) => p.trigger.type + (p.trigger.type === 'date' ? `:${p.trigger.date}` : '')).join(', ')}`);

let best = Infinity;
let first = 0;
let last = { load: 0, evaluate: 0, due: 0 };
for (let run = 1; run <= 3; run++) {
  const t0 = performance.now();
  const facts = await loadAllFacts(db);
  const t1 = performance.now();
  const due = evaluateScheduledTriggers(playbooks, facts, clock);
  const t2 = performance.now();
  const total = (t2 - t0) / 1000;
  console.log(`run ${run}: load ${((t1 - t0) / 1000).toFixed(2)} s + evaluate ${((t2 - t1) / 1000).toFixed(2)} s = ${total.toFixed(2)} s; ${facts.length} customers, ${due.length} enrolments due`);
  if (run === 1) first = total;
  if (total < best) best = total;
  last = { load: (t1 - t0) / 1000, evaluate: (t2 - t1) / 1000, due: due.length };
}
await database.close();
console.log(
  `triggers: customers=${counts.rows[0].c} seconds=${best.toFixed(2)} first_run_s=${first.toFixed(2)} load_s=${last.load.toFixed(2)} evaluate_s=${last.evaluate.toFixed(3)} due=${last.due} playbooks=${playbooks.length} peak_mb=${peakMb()}`,
);
