// Diagnostic for inbound throughput (not a user command): CPU per stored inbound email on a fresh
// embedded database, in this process, with the CPU of each SQL statement summed by statement.
// First MESSAGES one at a time (each its own transaction), then MESSAGES more in bursts of BURST
// arriving together (stored together: group commit). The end-to-end figure is `inbox-email`.
//   npm run bench -- inbox-store        (MESSAGES=300 BURST=10)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CompiledQuery, type KyselyPlugin, type RootOperationNode } from 'kysely';
import { receiveMessage } from '../src/inbox/inbox.service.js';
import type { AppContext } from '../src/platform/context.js';
import { openDatabase } from '../src/platform/db/database.js';
import { eventBus } from '../src/platform/events/events.service.js';
import { saveWorkspace } from '../src/workspace/workspace.service.js';
import { machineLine } from './lib/machine.js';

const MESSAGES = Number(process.env.MESSAGES ?? 300);
const BURST = Number(process.env.BURST ?? 10);
console.log(machineLine());
const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

// PGlite runs on this thread, so the CPU between a statement's start and its result is its cost.
const started = new Map<unknown, { at: number; node: RootOperationNode }>();
const perStatement = new Map<string, { n: number; ms: number }>();
let compile: (n: RootOperationNode) => CompiledQuery = () => CompiledQuery.raw('');
const timing: KyselyPlugin = {
  transformQuery(a) {
    started.set(a.queryId, { at: cpuMs(), node: a.node });
    return a.node;
  },
  async transformResult(a) {
    const s = started.get(a.queryId);
    if (s) {
      started.delete(a.queryId);
      const key = compile(s.node).sql.replace(/\s+/g, ' ').slice(0, 110);
      const st = perStatement.get(key) ?? { n: 0, ms: 0 };
      st.n++;
      st.ms += cpuMs() - s.at;
      perStatement.set(key, st);
    }
    return a.result;
  },
};

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keepwell-bench-inbox-store-'));
const database = await openDatabase({ dataDir });
try {
  await saveWorkspace(database.db, { name: 'Bench Co', industry: 'consumer_services', timeZone: 'Europe/Amsterdam', currency: 'EUR' });
  compile = (n) => database.db.getExecutor().compileQuery(n, { queryId: 'bench' } as never);
  const ctx = { db: database.db.withPlugin(timing), config: {}, log: console, now: () => new Date(), secret: 'bench'.repeat(8), events: eventBus } as unknown as AppContext;
  // Like inbox-email: 400 customers, a third of the mails answer one 30 before.
  const mail = (i: number) => {
    const answering = i >= 30 && i % 3 === 0;
    return receiveMessage(ctx, {
      channel: 'email',
      from: { email: `customer${i % 400}@bench.test`, name: null },
      subject: answering ? `Re: Question ${i - 30}` : `Question ${i}`,
      text: `Message ${i}.\n\nHello, this is about my order ${i * 7}.\n\n> earlier text`,
      messageId: `<store-${i}@bench.test>`,
      inReplyTo: answering ? `<store-${i - 30}@bench.test>` : null,
      references: answering ? [`<store-${i - 30}@bench.test>`] : [],
      receivedAt: new Date(),
    });
  };
  const run = async (label: string, from: number, burst: number) => {
    perStatement.clear();
    const c0 = cpuMs();
    const t0 = performance.now();
    for (let g = from; g < from + MESSAGES; g += burst) await Promise.all(Array.from({ length: Math.min(burst, from + MESSAGES - g) }, (_, k) => mail(g + k)));
    const cpu = (cpuMs() - c0) / MESSAGES;
    const inStatements = [...perStatement.values()].reduce((a, s) => a + s.ms, 0) / MESSAGES;
    const statements = [...perStatement.values()].reduce((a, s) => a + s.n, 0) / MESSAGES;
    console.log(
      `${label}: cpu_ms_per_message=${cpu.toFixed(1)} (in statements ${inStatements.toFixed(1)}, ${statements.toFixed(1)} statements per message besides begin/commit) wall_s=${((performance.now() - t0) / 1000).toFixed(1)}`,
    );
    for (const [sqlText, s] of [...perStatement].sort((a, b) => b[1].ms - a[1].ms).slice(0, 8))
      console.log(`  ${(s.ms / MESSAGES).toFixed(2).padStart(6)} ms  ×${(s.n / MESSAGES).toFixed(2)}  ${sqlText}`);
    return cpu;
  };
  const one = await run('one at a time', 0, 1);
  const burst = await run(`bursts of ${BURST}`, MESSAGES, BURST);
  console.log(`inbox-store: messages=${MESSAGES} burst=${BURST} cpu_ms_one=${one.toFixed(1)} cpu_ms_burst=${burst.toFixed(1)} ratio=${(one / burst).toFixed(2)}`);
} finally {
  await database.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
