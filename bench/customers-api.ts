// Customer list and customer page API latency with 100,000 customers (and 1,000,000 orders) in the
// embedded database. `npm run bench -- customers-api` (BENCH_CUSTOMERS=… to change the size).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createSession, createUser, ensureInstanceSecret } from '../src/accounts/accounts.service.js';
import { loadConfig } from '../src/platform/config.js';
import type { AppContext } from '../src/platform/context.js';
import { openDatabase } from '../src/platform/db/database.js';
import { buildServer, SESSION_COOKIE } from '../src/platform/http/server.js';
import { createLogger } from '../src/platform/logger.js';
import { saveWorkspace } from '../src/workspace/workspace.service.js';
import { eventBus } from '../src/platform/events/events.service.js';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
const ORDERS = CUSTOMERS * 5;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 100);
console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${Math.round(os.totalmem() / 2 ** 30)} GB memory, node ${process.version}, ${os.platform()}`);

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keepwell-bench-api-'));
try {
  console.log('creating a fresh embedded database (initdb in a child process)…');
  const init = spawnSync(process.execPath, [path.resolve(import.meta.dirname, '../bin/keepwell.js'), 'migrate', '--data-dir', dataDir], {
    stdio: 'inherit',
    env: { ...process.env, DATABASE_URL: '' },
  });
  if (init.status !== 0) throw new Error('keepwell migrate failed');
  const database = await openDatabase({ dataDir });
  const db = database.db;
  let t0 = performance.now();
  console.log(`loading ${CUSTOMERS} customers, ${ORDERS} orders, ${CUSTOMERS} touchpoints…`);
  await sql`insert into customers (external_id, name, email, email_normalized, tags, retention_driver, acquired_at)
    select 'c' || g, 'Customer ' || md5(g::text), 'c' || g || '@example.com', 'c' || g || '@example.com',
      case when g % 10 = 0 then array['vip'] else array['retail'] end,
      (array['responsiveness','convenience','feature','value','consistency','vip'])[1 + g % 6],
      timestamptz '2021-01-01' + (g % 1000) * interval '1 day'
    from generate_series(1, ${CUSTOMERS}) g`.execute(db);
  await sql`insert into orders (customer_id, external_id, amount_minor, currency, ordered_at, status)
    select c.id, 'o' || c.external_id || '-' || k, 500 + (k * 977) % 20000, 'EUR', c.acquired_at + k * interval '37 days', 'paid'
    from customers c, generate_series(1, ${ORDERS / CUSTOMERS}) k`.execute(db);
  await sql`insert into touchpoints (customer_id, channel, direction, occurred_at, summary)
    select id, 'call', 'out', acquired_at + interval '10 days', 'Welcome call' from customers`.execute(db);
  await sql`analyze`.execute(db);
  console.log(`  loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const ctx: AppContext = { db, config: loadConfig({ LOG_LEVEL: 'silent' }), log: createLogger('silent'), now: () => new Date(), secret: await ensureInstanceSecret(db), events: eventBus };
  await saveWorkspace(db, { name: 'Bench Co', industry: 'professional_services', timeZone: 'UTC', currency: 'EUR' });
  const app = await buildServer(ctx, { serveWeb: false, logger: false });
  await app.ready();
  const user = await createUser(db, { email: 'bench@example.test', name: 'Bench', role: 'owner', password: 'correct horse battery' });
  const session = await createSession(db, user.id, new Date());
  const headers = { cookie: `${SESSION_COOKIE}=${session.token}` };
  const sample = await db.selectFrom('customers').select(['id', 'name']).orderBy(sql`random()`).limit(REQUESTS).execute();
  const ids = sample.map((r) => r.id);
  // Six characters from the middle of one customer's name: few matches, the case a scan is slowest at.
  const rareTerms = sample.map((r) => r.name.slice(15, 21));
  const firstPage = await app.inject({ method: 'GET', url: '/api/customers?limit=50', headers });
  const cursor = firstPage.json().nextCursor as string;

  const measure = async (label: string, url: (i: number) => string) => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) await app.inject({ method: 'GET', url: url(i), headers }); // warm
    for (let i = 0; i < REQUESTS; i++) {
      const s = performance.now();
      const r = await app.inject({ method: 'GET', url: url(i), headers });
      times.push(performance.now() - s);
      if (r.statusCode !== 200) throw new Error(`${label}: HTTP ${r.statusCode} ${r.body.slice(0, 200)}`);
    }
    times.sort((a, b) => a - b);
    const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
    console.log(`  ${label}: p50 ${p(0.5).toFixed(1)} ms, p95 ${p(0.95).toFixed(1)} ms, max ${times[times.length - 1].toFixed(1)} ms`);
    return p(0.95);
  };
  t0 = performance.now();
  const results = {
    list: await measure('list (first page, by name)', () => '/api/customers?limit=50'),
    list_next: await measure('list (next page by cursor)', () => `/api/customers?limit=50&cursor=${cursor}`),
    list_search: await measure('list (search by name)', (i) => `/api/customers?limit=50&search=${['ab', 'c0', 'ff1', 'e9'][i % 4]}`),
    list_search_rare: await measure('list (search by part of one name)', (i) => `/api/customers?limit=50&search=${rareTerms[i % rareTerms.length]}`),
    list_filtered: await measure('list (tag vip, driver value, newest first)', () => '/api/customers?limit=50&tag=vip&driver=value&sort=newest'),
    list_status: await measure('list (status active)', () => '/api/customers?limit=50&status=active'),
    page: await measure('customer page', (i) => `/api/customers/${ids[i % ids.length]}`),
  };
  await app.close();
  await database.close();
  console.log(
    `customers-api: customers=${CUSTOMERS} orders=${ORDERS} list_p95_ms=${results.list.toFixed(1)} list_next_p95_ms=${results.list_next.toFixed(1)} search_p95_ms=${results.list_search.toFixed(1)} search_rare_p95_ms=${results.list_search_rare.toFixed(1)} filtered_p95_ms=${results.list_filtered.toFixed(1)} status_p95_ms=${results.list_status.toFixed(1)} page_p95_ms=${results.page.toFixed(1)}`,
  );
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}
