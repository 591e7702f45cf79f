// Live chat at load, through the public chat API of a real `keepwell serve` (embedded database):
// VISITORS visitors (default 200, each from its own address behind a trusted proxy, as the rate
// limits are per address) arrive over RAMP_MS, open a chat, keep its live stream (SSE) open and send MESSAGES_PER
// lines each (default 5); one agent connection listens on the staff stream and answers every
// line through the REST API. Timed: visitor line → the agent's stream (to_agent), agent reply →
// the visitor's stream (to_visitor); lost = lines or replies that never arrived on the stream.
//   npm run bench -- inbox-chat        (VISITORS=200 MESSAGES_PER=5 RAMP_MS=10000)
import fs from 'node:fs';
import os from 'node:os';
import { machineLine } from './lib/machine.js';
import { percentile, startBenchServer } from './lib/serve.js';

const VISITORS = Number(process.env.VISITORS ?? 200);
const MESSAGES_PER = Number(process.env.MESSAGES_PER ?? 5);
const WAIT_MS = Number(process.env.WAIT_MS ?? 20_000);
/** visitors arrive over this many ms (200 people do not open a chat in the same millisecond) */
const RAMP_MS = Number(process.env.RAMP_MS ?? 10_000);
console.log(machineLine());
console.log(`inbox-chat: ${VISITORS} visitors × ${MESSAGES_PER} lines, one agent answering each`);

interface SseEvent {
  event: string;
  id?: string;
  data: Record<string, unknown>;
}

/** A live SSE connection calling `on` for each event; resolves once the response started. */
async function stream(url: string, headers: Record<string, string>, on: (e: SseEvent) => void): Promise<AbortController> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        let at: number;
        while ((at = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, at);
          buf = buf.slice(at + 2);
          const e: SseEvent = { event: '', data: {} };
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) e.event = line.slice(7);
            else if (line.startsWith('data: ')) e.data = JSON.parse(line.slice(6));
            else if (line.startsWith('id: ')) e.id = line.slice(4);
          }
          if (e.event) on(e);
        }
      }
    } catch {
      /* aborted */
    }
  })();
  return controller;
}

/** CPU seconds (user + system) of this process's child processes still running (the server). */
function childCpuSeconds(): number {
  let ticks = 0;
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[1]) === process.pid) ticks += Number(f[11]) + Number(f[12]);
    } catch {
      /* gone */
    }
  }
  return ticks / 100;
}
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

const server = await startBenchServer('inbox-chat', undefined, { KEEPWELL_TRUST_PROXY: 'true' });
const streams: AbortController[] = [];
try {
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(server.base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status !== 201) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(json).slice(0, 200)}`);
    return json;
  };
  // Arrival times by message id, and send times once the id is known (an event can beat the POST's answer).
  const atAgent = new Map<string, number>();
  const atVisitor = new Map<string, number>();
  const sentByVisitor = new Map<string, number>();
  const sentByAgent = new Map<string, number>();
  let replying = 0;
  const replyErrors: string[] = [];

  // The agent: on each customer line, answer it (as an agent at a keyboard would, one at a time per conversation).
  streams.push(
    await stream(`${server.base}/api/inbox/stream`, server.auth, (e) => {
      const d = e.data as { conversationId: string; messageId?: string; authorKind?: string; change: string };
      if (e.event !== 'change' || d.change !== 'message' || d.authorKind !== 'customer' || !d.messageId) return;
      if (atAgent.has(d.messageId)) return;
      atAgent.set(d.messageId, performance.now());
      replying++;
      const t = performance.now();
      void post(`/api/inbox/conversations/${d.conversationId}/reply`, { text: `Thanks — noted (${d.messageId.slice(0, 8)}).`, status: 'open' }, server.auth)
        .then((r) => sentByAgent.set(r.messageId as string, t))
        .catch((err) => replyErrors.push(String(err).slice(0, 200)))
        .finally(() => replying--);
    }),
  );

  const t0 = performance.now();
  const cpu0 = childCpuSeconds();
  const load0 = load();
  let opened = 0;
  const progress = setInterval(() => console.log(`  opened ${opened}/${VISITORS}, lines at agent ${atAgent.size}, replies at visitors ${atVisitor.size}`), 2000);
  await Promise.all(
    Array.from({ length: VISITORS }, async (_, v) => {
      await new Promise((r) => setTimeout(r, (v * RAMP_MS) / VISITORS));
      const ip = { 'x-forwarded-for': `10.${(v >> 16) & 255}.${(v >> 8) & 255}.${v & 255}` };
      const t = performance.now();
      const open = await post('/p/chat/conversations', { name: `Visitor ${v}`, text: `Hello, I am visitor ${v}` }, ip);
      sentByVisitor.set((open.messages as { id: string }[])[0].id, t);
      opened++;
      const token = open.token as string;
      streams.push(
        await stream(`${server.base}/p/chat/stream?token=${encodeURIComponent(token)}`, ip, (e) => {
          if (e.event === 'message' && e.data.from === 'agent' && e.id && !atVisitor.has(e.id)) atVisitor.set(e.id, performance.now());
        }),
      );
      for (let i = 1; i < MESSAGES_PER; i++) {
        await new Promise((r) => setTimeout(r, 200 + Math.random() * 300));
        const s = performance.now();
        const r = await post('/p/chat/messages', { token, text: `Line ${i} from visitor ${v}` }, ip);
        sentByVisitor.set(r.id as string, s);
      }
    }),
  );
  const lines = VISITORS * MESSAGES_PER;
  const deadline = performance.now() + WAIT_MS;
  while ((atAgent.size < lines || atVisitor.size < lines || replying > 0) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  clearInterval(progress);
  const seconds = (performance.now() - t0) / 1000;
  const serverCpu = childCpuSeconds() - cpu0;

  const delays = (sent: Map<string, number>, arrived: Map<string, number>) => {
    const out: number[] = [];
    for (const [id, t] of sent) {
      const a = arrived.get(id);
      if (a !== undefined) out.push(Math.max(0, a - t));
    }
    return out.sort((a, b) => a - b);
  };
  const toAgent = delays(sentByVisitor, atAgent);
  const toVisitor = delays(sentByAgent, atVisitor);
  const lostLines = [...sentByVisitor.keys()].filter((id) => !atAgent.has(id)).length;
  const lostReplies = [...sentByAgent.keys()].filter((id) => !atVisitor.has(id)).length + (lines - sentByAgent.size);
  const all = [...toAgent, ...toVisitor].sort((a, b) => a - b);
  if (replyErrors.length) console.log(`agent reply errors: ${replyErrors.length}, e.g. ${replyErrors[0]}`);
  console.log(
    `  to_agent p50=${percentile(toAgent, 0.5).toFixed(1)} ms p95=${percentile(toAgent, 0.95).toFixed(1)} ms · to_visitor p50=${percentile(toVisitor, 0.5).toFixed(1)} ms p95=${percentile(toVisitor, 0.95).toFixed(1)} ms`,
  );
  console.log(
    `inbox-chat: visitors=${VISITORS} messages=${sentByVisitor.size + sentByAgent.size} seconds=${seconds.toFixed(1)} per_s=${((sentByVisitor.size + sentByAgent.size) / seconds).toFixed(1)} to_agent_p95_ms=${percentile(toAgent, 0.95).toFixed(1)} to_visitor_p95_ms=${percentile(toVisitor, 0.95).toFixed(1)} p95_delivery_ms=${percentile(all, 0.95).toFixed(1)} lost=${lostLines + lostReplies} server_cpu_s=${serverCpu.toFixed(1)} load=${load0} -> ${load()}`,
  );
} finally {
  for (const s of streams) s.abort();
  await server.stop();
}
