// Live chat over a real HTTP server: a visitor opens a chat (token bound to it), the staff
// stream hears it, an agent answers, the visitor's SSE stream delivers it; internal notes never
// reach the visitor; tokens for other conversations, oversize messages and floods are refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';

let t: TestApp;
let agent: Caller;
let base: string;

beforeAll(async () => {
  t = await createTestApp();
  agent = await t.signIn('agent');
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
});
afterAll(async () => t?.close());

/** Reads server-sent events from a live response until `until` says stop (or 5 s pass). */
function sseReader(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const events: { event: string; data: any; id?: string }[] = [];
  const waiters: (() => void)[] = [];
  const ready = fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal }).then(async (res) => {
    if (res.status !== 200) throw new Error(`stream answered ${res.status}`);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += decoder.decode(value, { stream: true });
          let at: number;
          while ((at = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, at);
            buf = buf.slice(at + 2);
            const e: { event: string; data: any; id?: string } = { event: 'message', data: null };
            let isEvent = false;
            for (const line of block.split('\n')) {
              if (line.startsWith('event: ')) (e.event = line.slice(7)), (isEvent = true);
              else if (line.startsWith('data: ')) e.data = JSON.parse(line.slice(6));
              else if (line.startsWith('id: ')) e.id = line.slice(4);
            }
            if (isEvent) events.push(e);
            for (const wake of waiters.splice(0)) wake();
          }
        }
      } catch {
        /* aborted */
      }
    })();
  });
  return {
    ready,
    events,
    async waitFor(pred: (e: { event: string; data: any; id?: string }) => boolean): Promise<{ event: string; data: any; id?: string }> {
      const deadline = Date.now() + 5000;
      for (;;) {
        const hit = events.find(pred);
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`no such event; got ${JSON.stringify(events)}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
    },
    close: () => controller.abort(),
  };
}

const json = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(base + path, { method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
};

describe('live chat', () => {
  let token: string;
  let conversationId: string;

  it('opens a chat, delivers the agent reply live to the visitor, never the internal note, and tells staff live', async () => {
    const staff = sseReader(`${base}/api/inbox/stream`, { cookie: agent.headers.cookie });
    await staff.ready;
    const opened = await json('POST', '/p/chat/conversations', { name: 'Vera Visitor', email: 'vera@example.test', text: 'Do you ship to Belgium?' });
    expect(opened.status).toBe(201);
    ({ token, conversationId } = opened.body);
    expect(token.startsWith(`${conversationId}.`)).toBe(true);
    expect(opened.body.messages).toEqual([expect.objectContaining({ from: 'you', text: 'Do you ship to Belgium?' })]);
    await staff.waitFor((e) => e.event === 'change' && e.data.conversationId === conversationId);

    const visitor = sseReader(`${base}/p/chat/stream?token=${encodeURIComponent(token)}`);
    await visitor.ready;
    await visitor.waitFor((e) => e.event === 'message' && e.data.text === 'Do you ship to Belgium?');
    const note = await json('POST', `/api/inbox/conversations/${conversationId}/notes`, { text: 'SECRET internal note' }, agent.headers);
    expect(note.status).toBe(201);
    const reply = await json('POST', `/api/inbox/conversations/${conversationId}/reply`, { text: 'Yes, in 2 days!', status: 'open' }, agent.headers);
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    const got = await visitor.waitFor((e) => e.event === 'message' && e.data.from === 'agent');
    expect(got.data).toMatchObject({ text: 'Yes, in 2 days!', agentName: 'Test' });
    expect(got.id).toBe(reply.body.messageId);

    // The visitor writes again; staff hear it live.
    const sent = await json('POST', '/p/chat/messages', { token, text: 'Great, thanks' });
    expect(sent.status).toBe(201);
    await staff.waitFor((e) => e.event === 'change' && e.data.messageId === sent.body.id);
    await visitor.waitFor((e) => e.event === 'message' && e.data.text === 'Great, thanks');
    expect(JSON.stringify(visitor.events)).not.toContain('SECRET');
    visitor.close();
    staff.close();
  });

  it('survives a reload: the stored token reads the conversation, or what came after a cursor', async () => {
    const all = await json('GET', `/p/chat/messages?token=${encodeURIComponent(token)}`);
    expect(all.body.messages.map((m: { text: string }) => m.text)).toEqual(['Do you ship to Belgium?', 'Yes, in 2 days!', 'Great, thanks']);
    expect(JSON.stringify(all.body)).not.toMatch(/SECRET|vera@example|customer/i);
    const after = await json('GET', `/p/chat/messages?token=${encodeURIComponent(token)}&after=${all.body.messages[0].id}`);
    expect(after.body.messages.map((m: { text: string }) => m.text)).toEqual(['Yes, in 2 days!', 'Great, thanks']);
    // A reconnecting EventSource sends Last-Event-ID: only what it missed comes.
    const again = sseReader(`${base}/p/chat/stream?token=${encodeURIComponent(token)}`, { 'last-event-id': all.body.messages[1].id });
    await again.ready;
    await again.waitFor((e) => e.data?.text === 'Great, thanks');
    expect(again.events.filter((e) => e.event === 'message').map((e) => e.data.text)).toEqual(['Great, thanks']);
    again.close();
  });

  it('streams every message exactly once and in order: lines and replies at once, with a note between (the stream then reads)', async () => {
    const staff = sseReader(`${base}/api/inbox/stream`, { cookie: agent.headers.cookie });
    await staff.ready;
    const opened = await json('POST', '/p/chat/conversations', { name: 'Burst', text: 'line 0' });
    const tok = opened.body.token as string;
    const id = opened.body.conversationId as string;
    const visitor = sseReader(`${base}/p/chat/stream?token=${encodeURIComponent(tok)}`);
    await visitor.ready;
    await visitor.waitFor((e) => e.data?.text === 'line 0');
    const sends: Promise<{ status: number }>[] = [];
    for (let i = 1; i <= 6; i++) {
      sends.push(json('POST', '/p/chat/messages', { token: tok, text: `line ${i}` }));
      sends.push(json('POST', `/api/inbox/conversations/${id}/reply`, { text: `answer ${i}`, status: 'open' }, agent.headers));
      if (i === 3) sends.push(json('POST', `/api/inbox/conversations/${id}/notes`, { text: 'SECRET note' }, agent.headers));
    }
    expect((await Promise.all(sends)).map((r) => r.status)).toEqual(Array(13).fill(201));
    const last = await json('POST', '/p/chat/messages', { token: tok, text: 'the end' });
    await visitor.waitFor((e) => e.id === last.body.id);
    const stored = (await json('GET', `/p/chat/messages?token=${encodeURIComponent(tok)}`)).body.messages as { id: string; text: string }[];
    expect(stored).toHaveLength(14);
    const streamed = visitor.events.filter((e) => e.event === 'message');
    expect(streamed.map((e) => e.id)).toEqual(stored.map((m) => m.id));
    expect(streamed.map((e) => e.data)).toEqual(stored);
    expect(JSON.stringify(visitor.events)).not.toContain('SECRET');
    // staff streams get the change, not the visitor's copy of the message
    await staff.waitFor((e) => e.data?.messageId === last.body.id);
    expect(staff.events.some((e) => e.data && 'chat' in e.data)).toBe(false);
    visitor.close();
    staff.close();
  });

  it("refuses another conversation's token, a forged token, a 100 KB message, and a flood", async () => {
    const other = await json('POST', '/p/chat/conversations', { text: 'Someone else' });
    expect(other.status).toBe(201);
    const forged = `${other.body.conversationId}.${token.split('.')[1]}`; // our signature on their id
    for (const bad of [forged, 'nonsense', `${conversationId}.x`, '']) {
      const r = await json('GET', `/p/chat/messages?token=${encodeURIComponent(bad)}`);
      expect(r.status, bad).toBe(403);
      expect(JSON.stringify(r.body)).not.toContain('Someone else');
      expect((await json('POST', '/p/chat/messages', { token: bad, text: 'hi' })).status).toBe(403);
    }
    const stream = await fetch(`${base}/p/chat/stream?token=${encodeURIComponent(forged)}`, { headers: { accept: 'text/event-stream' } });
    expect(stream.status).toBe(403);
    await stream.body?.cancel();
    const big = await json('POST', '/p/chat/messages', { token, text: 'x'.repeat(100 * 1024) });
    expect(big.status).toBe(400);
    expect(big.body.error.message).toMatch(/text is longer than 5,000 characters/);
    // Staff stream without EventSource's Accept header: a clear 406, not a hanging response.
    expect((await json('GET', '/api/inbox/stream', undefined, { cookie: agent.headers.cookie })).status).toBe(406);
    // Opening chats is rate limited per address.
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await json('POST', '/p/chat/conversations', { text: `flood ${i}` })).status);
    expect(statuses).toContain(429);
  });
});
