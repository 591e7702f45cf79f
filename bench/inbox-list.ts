// The inbox list under a big history: CONVERSATIONS conversations (default 100,000) with
// MESSAGES_PER messages each (default 10: 1,000,000 messages), written straight into a fresh
// embedded database, then read through a real `keepwell serve` over HTTP as an agent would:
// the saved views (open, unassigned, mine, breaching soon, all), a search, and opening one
// conversation. Each request is timed from send to the full answer.
//   npm run bench -- inbox-list        (CONVERSATIONS=100000 MESSAGES_PER=10 REQUESTS=100 SETTLE_MS=30000 WARM=20)
import os from 'node:os';
import { sql } from 'kysely';
import { machineLine } from './lib/machine.js';
import { percentile, startBenchServer } from './lib/serve.js';

const CONVERSATIONS = Number(process.env.CONVERSATIONS ?? 100_000);
const MESSAGES_PER = Number(process.env.MESSAGES_PER ?? 10);
const REQUESTS = Number(process.env.REQUESTS ?? 100);
/** The server's first half-minute runs every feature's scheduled jobs (over the whole customer
 * base) and fills its caches: whichever kind was measured first was measured against that (its p95
 * 4-10x the same view's measured later). The bench lets the server settle, then warms each kind
 * with unmeasured requests. */
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 30_000);
const WARM = Number(process.env.WARM ?? 20);
const CUSTOMERS = Math.max(1, Math.round(CONVERSATIONS / 4));
console.log(machineLine());
console.log(`inbox-list: ${CONVERSATIONS} conversations, ${CONVERSATIONS * MESSAGES_PER} messages, ${CUSTOMERS} customers, ${REQUESTS} requests per kind`);

const server = await startBenchServer('inbox-list', async ({ db }, ownerId) => {
  const t0 = performance.now();
  await sql`insert into customers (id, name, email, email_normalized, acquired_at, tags)
    select overlay(overlay(md5('cu' || g) placing '4' from 13) placing '8' from 17)::uuid, 'Customer ' || g, 'customer' || g || '@bench.test', 'customer' || g || '@bench.test', now() - interval '400 days', '{}'
    from generate_series(1, ${CUSTOMERS}::int) g`.execute(db);
  // Status mix like a working inbox: most resolved, some open, pending, snoozed; a third unassigned.
  await sql`insert into conversations (id, channel, customer_id, status, priority, subject, subject_key, reply_to_address, assignee_user_id,
      first_response_due_at, first_responded_at, resolution_due_at, resolved_at, snoozed_until, last_message_at, message_count, created_at, updated_at)
    select overlay(overlay(md5('cv' || g) placing '4' from 13) placing '8' from 17)::uuid, (array['email','chat','form','phone'])[1 + g % 4], overlay(overlay(md5('cu' || (1 + g % ${CUSTOMERS})) placing '4' from 13) placing '8' from 17)::uuid,
      s.status, (array['normal','normal','high','low','urgent'])[1 + g % 5], 'Question about order ' || g, 'question about order ' || g,
      'customer' || (1 + g % ${CUSTOMERS}) || '@bench.test', case when g % 3 = 0 then null else ${ownerId}::uuid end,
      case when s.status = 'open' and g % 2 = 0 then now() + ((g % 300) - 60) * interval '1 minute' end,
      case when s.status <> 'open' or g % 2 = 1 then now() - (g * interval '1 minute') + interval '20 minutes' end,
      case when s.status = 'open' then now() + ((g % 3000) - 300) * interval '1 minute' end,
      case when s.status = 'resolved' then now() - (g * interval '1 minute') + interval '3 hours' end,
      case when s.status = 'snoozed' then now() + interval '1 day' end,
      now() - (g * interval '1 minute'), ${MESSAGES_PER}, now() - (g * interval '1 minute') - interval '1 hour', now() - (g * interval '1 minute')
    from generate_series(1, ${CONVERSATIONS}::int) g
    cross join lateral (select case when g % 10 < 7 then 'resolved' when g % 10 = 7 then 'pending' when g % 10 = 8 and g % 20 = 8 then 'snoozed' else 'open' end as status) s`.execute(db);
  const total = CONVERSATIONS * MESSAGES_PER;
  const slice = 200_000;
  for (let from = 0; from < total; from += slice) {
    const to = Math.min(total, from + slice);
    await sql`insert into messages (conversation_id, author_kind, body_text, body_html_sanitised, created_at)
      select overlay(overlay(md5('cv' || (1 + g % ${CONVERSATIONS}::int)) placing '4' from 13) placing '8' from 17)::uuid, case when g % 2 = 0 then 'customer' else 'agent' end,
        'Message ' || g || ': hello, this is about my order and the delivery date, thank you.', '<p>Message ' || g || '</p>',
        now() - ((g % ${CONVERSATIONS}::int) * interval '1 minute') + ((g / ${CONVERSATIONS}::int) * interval '1 second')
      from generate_series(${from}::int, ${to - 1}::int) g`.execute(db);
    console.log(`  messages ${to.toLocaleString('en')} / ${total.toLocaleString('en')} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  // An inbox that has been running: the service-level watch has raised its tasks for the targets
  // already due (in the written data every one of them came due at once, a backlog of thousands
  // that the watch would work through during the first minutes of measuring).
  await sql`update conversations set sla_first_alerted_due = first_response_due_at, sla_first_alerted_breach = coalesce(first_response_due_at <= now(), false),
      sla_resolution_alerted_due = resolution_due_at, sla_resolution_alerted_breach = coalesce(resolution_due_at <= now(), false)
    where status = 'open' and least(first_response_due_at, resolution_due_at) <= now() + interval '1 hour'`.execute(db);
  await sql`vacuum analyze`.execute(db);
  console.log(`data written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
});

try {
  console.log(`settling ${SETTLE_MS / 1000} s (the server's start-up jobs), then ${WARM} unmeasured requests of each kind`);
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const time = async (url: string) => {
    const t = performance.now();
    const res = await fetch(server.base + url, { headers: server.auth });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${body.slice(0, 200)}`);
    return { ms: performance.now() - t, body };
  };
  const measure = async (label: string, urls: () => string) => {
    for (let i = 0; i < WARM; i++) await time(urls()); // warm (not measured)
    const ms: number[] = [];
    for (let i = 0; i < REQUESTS; i++) ms.push((await time(urls())).ms);
    ms.sort((a, b) => a - b);
    const r = { p50: percentile(ms, 0.5), p95: percentile(ms, 0.95), p99: percentile(ms, 0.99) };
    console.log(`  ${label.padEnd(22)} p50=${r.p50.toFixed(1)} ms  p95=${r.p95.toFixed(1)} ms  p99=${r.p99.toFixed(1)} ms`);
    return r;
  };
  const views = ['open', 'unassigned', 'mine', 'breaching', 'pending', 'all'];
  const list: Record<string, { p50: number; p95: number; p99: number }> = {};
  for (const v of views) list[v] = await measure(`list ${v}`, () => `/api/inbox/conversations?view=${v}&limit=50`);
  // The second page of the open view (keyset cursor).
  const first = JSON.parse((await time('/api/inbox/conversations?view=all&limit=50')).body) as { nextCursor: string };
  list.page2 = await measure('list all, page 2', () => `/api/inbox/conversations?view=all&limit=50&cursor=${first.nextCursor}`);
  let n = 0;
  const search = await measure('search', () => `/api/inbox/conversations?view=all&limit=50&q=${encodeURIComponent(`customer${1 + ((n++ * 7919) % CUSTOMERS)}@`)}`);
  const md5ish = async (g: number) => (await time(`/api/inbox/conversations?view=all&limit=1&q=${encodeURIComponent(`order ${g}`)}`)).body;
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) ids.push((JSON.parse(await md5ish(1 + ((i * 4999) % CONVERSATIONS))) as { conversations: { id: string }[] }).conversations[0].id);
  let k = 0;
  const open = await measure('open one', () => `/api/inbox/conversations/${ids[k++ % ids.length]}`);
  const worstList = Math.max(...Object.values(list).map((r) => r.p95));
  console.log(
    `load average: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    `inbox-list: conversations=${CONVERSATIONS} messages=${CONVERSATIONS * MESSAGES_PER} list_p50_ms=${list.open.p50.toFixed(1)} list_p95_ms=${worstList.toFixed(1)} list_p99_ms=${Math.max(...Object.values(list).map((r) => r.p99)).toFixed(1)} search_p95_ms=${search.p95.toFixed(1)} open_p95_ms=${open.p95.toFixed(1)}`,
  );
} finally {
  await server.stop();
}
