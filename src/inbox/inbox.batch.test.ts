// Inbound messages that arrive together are stored together (group commit): each exactly once,
// threaded as if they came one by one, and one refused message does not take the others down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../app/testing/test-app.js';
import { receiveMessage, replyToConversation, setStatus, type InboundMessage } from './inbox.service.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const mail = (i: number, extra: Partial<InboundMessage> = {}): InboundMessage => ({
  channel: 'email',
  from: { email: `c${i % 3}@example.test`, name: `C${i % 3}` },
  subject: `Question ${i}`,
  text: `Message ${i}`,
  messageId: `<b${i}@example.test>`,
  receivedAt: new Date(),
  ...extra,
});

describe('a burst of inbound messages', () => {
  it('stores each once, threads a reply to a mail of the same burst, answers a duplicate with the first — in shared transactions', async () => {
    const burst: InboundMessage[] = [];
    for (let i = 0; i < 10; i++) burst.push(mail(i));
    burst.push(mail(3)); // delivered twice in the same burst
    burst.push(mail(10, { from: { email: 'c1@example.test' }, subject: 'Re: Question 1', inReplyTo: '<b1@example.test>', references: ['<b1@example.test>'] }));
    const ok = await Promise.all(burst.map((m) => receiveMessage(t.ctx, m)));
    expect(ok.slice(0, 10).every((r) => !r.duplicate && r.created)).toBe(true);
    expect(ok[10]).toMatchObject({ duplicate: true, messageId: ok[3].messageId, conversationId: ok[3].conversationId });
    expect(ok[11]).toMatchObject({ duplicate: false, created: false, conversationId: ok[1].conversationId });

    const rows = await t.ctx.db.selectFrom('messages').select(['email_message_id']).where('email_message_id', 'like', '<b%').execute();
    expect(rows).toHaveLength(11);
    const conversations = await t.ctx.db.selectFrom('conversations').select(['id', 'message_count']).execute();
    expect(conversations).toHaveLength(10);
    expect(conversations.find((c) => c.id === ok[1].conversationId)?.message_count).toBe(2);
    expect(conversations.filter((c) => c.id !== ok[1].conversationId).every((c) => c.message_count === 1)).toBe(true);
    // Rows of one transaction share now(): the ten conversation.opened events came in far fewer transactions.
    const opened = await t.ctx.db.selectFrom('events').select('created_at').where('type', '=', 'conversation.opened').execute();
    expect(opened).toHaveLength(10);
    expect(new Set(opened.map((e) => new Date(e.created_at).getTime())).size).toBeLessThan(5);
  });

  it('refuses only the bad one of a burst; the others are stored', async () => {
    const burst: InboundMessage[] = [
      mail(20),
      mail(21),
      { channel: 'chat', conversationId: '00000000-0000-4000-8000-000000000000', from: {}, subject: '', text: 'to nowhere', receivedAt: new Date() },
      mail(22),
    ];
    const settled = await Promise.allSettled(burst.map((m) => receiveMessage(t.ctx, m)));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(((settled[2] as PromiseRejectedResult).reason as { statusCode?: number }).statusCode).toBe(404);
    const rows = await t.ctx.db.selectFrom('messages').select('id').where('email_message_id', 'in', ['<b20@example.test>', '<b21@example.test>', '<b22@example.test>']).execute();
    expect(rows).toHaveLength(3);
  });

  it('bumps the conversations of chat lines arriving together in one statement: counts right, a resolved chat reopened once', async () => {
    const chat = (conversationId: string | undefined, text: string): InboundMessage => ({ channel: 'chat', conversationId, from: { name: 'V' }, subject: '', text, receivedAt: new Date() });
    const a = await receiveMessage(t.ctx, chat(undefined, 'a0'));
    const b = await receiveMessage(t.ctx, chat(undefined, 'b0'));
    await setStatus(t.ctx, a.conversationId, null, 'resolved');
    await setStatus(t.ctx, b.conversationId, null, 'pending');
    // the first goes alone; the lines behind it share the next transaction
    const burst = [mail(30), chat(a.conversationId, 'a1'), chat(b.conversationId, 'b1'), chat(a.conversationId, 'a2'), chat(a.conversationId, 'a3'), chat(b.conversationId, 'b2')];
    const ok = await Promise.all(burst.map((m) => receiveMessage(t.ctx, m)));
    expect(ok.slice(1).map((r) => r.conversationId)).toEqual([a, b, a, a, b].map((x) => x.conversationId));
    const conv = async (id: string) =>
      t.ctx.db.selectFrom('conversations').select(['status', 'message_count', 'reopen_count', 'resolved_at', 'updated_at']).where('id', '=', id).executeTakeFirstOrThrow();
    const [ca, cb] = [await conv(a.conversationId), await conv(b.conversationId)];
    expect(ca).toMatchObject({ status: 'open', message_count: 4, reopen_count: 1, resolved_at: null });
    expect(cb).toMatchObject({ status: 'open', message_count: 3, reopen_count: 0 });
    expect(new Date(ca.updated_at).getTime()).toBe(new Date(cb.updated_at).getTime()); // one statement bumped both
    const texts = await t.ctx.db.selectFrom('messages').select('body_text').where('conversation_id', '=', a.conversationId).orderBy('seq').execute();
    expect(texts.map((r) => r.body_text)).toEqual(['a0', 'a1', 'a2', 'a3']);
  });

  it('stores replies arriving together in one transaction: each conversation locked once, a second reply sees the first', async () => {
    const agent = await t.signIn('agent');
    const actor = { id: agent.userId, name: 'Ann Agent' };
    const chat = (text: string): InboundMessage => ({ channel: 'chat', from: { name: 'W' }, subject: '', text, receivedAt: new Date() });
    const [a, b, c] = [await receiveMessage(t.ctx, chat('x0')), await receiveMessage(t.ctx, chat('y0')), await receiveMessage(t.ctx, chat('z0'))];
    await setStatus(t.ctx, b.conversationId, null, 'resolved');
    // the first goes alone; the others share the next transaction (two to a, one reopening b)
    const replies = await Promise.all([
      replyToConversation(t.ctx, c.conversationId, actor, { text: 'z1', status: 'open' }),
      replyToConversation(t.ctx, a.conversationId, actor, { text: 'x1', status: 'open' }),
      replyToConversation(t.ctx, b.conversationId, actor, { text: 'y1', status: 'pending' }),
      replyToConversation(t.ctx, a.conversationId, actor, { text: 'x2', status: 'resolved' }),
    ]);
    expect(new Set(replies.map((r) => r.messageId)).size).toBe(4);
    const conv = async (id: string) =>
      t.ctx.db.selectFrom('conversations').select(['status', 'message_count', 'reopen_count', 'first_responded_at', 'resolved_at']).where('id', '=', id).executeTakeFirstOrThrow();
    const [ca, cb] = [await conv(a.conversationId), await conv(b.conversationId)];
    expect(ca).toMatchObject({ status: 'resolved', message_count: 3 });
    expect(ca.first_responded_at).not.toBeNull();
    expect(ca.resolved_at).not.toBeNull();
    expect(cb).toMatchObject({ status: 'pending', message_count: 2, reopen_count: 1, resolved_at: null });
    const texts = await t.ctx.db.selectFrom('messages').select(['body_text', 'author_kind']).where('conversation_id', '=', a.conversationId).orderBy('seq').execute();
    expect(texts.map((r) => r.body_text)).toEqual(['x0', 'x1', 'x2']);
    const resolved = await t.ctx.db.selectFrom('events').select('payload').where('type', '=', 'conversation.resolved').execute();
    expect(resolved.filter((e) => JSON.stringify(e.payload).includes(a.conversationId))).toHaveLength(1);
  });
});
