// Inbound messages on the customer's timeline read "Conversation: <subject>" and link to the
// conversation (a merged one to the conversation it joined); agent replies stay the staff's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Caller, type TestApp } from '../app/testing/test-app.js';
import { receiveMessage } from './inbox.service.js';

let t: TestApp;
let agent: Caller;
beforeAll(async () => {
  t = await createTestApp();
  agent = await t.signIn('agent');
});
afterAll(async () => t?.close());

const mail = (subject: string, text: string) => receiveMessage(t.ctx, { channel: 'email', from: { email: 'tess.timeline@example.test', name: 'Tess' }, subject, text, receivedAt: new Date() });

describe('inbox entries on the customer timeline', () => {
  it('names the conversation by its subject with a link, follows a merge, and never shows a raw id', async () => {
    const a = await mail('Where is my parcel?', 'It has been a week.');
    const b = await mail('Invoice copy', 'Could you send the invoice again?');
    const reply = await t.app.inject({ method: 'POST', url: `/api/inbox/conversations/${a.conversationId}/reply`, headers: agent.headers, payload: { text: 'On its way!' } });
    expect(reply.statusCode, reply.body).toBeLessThan(300);
    const merged = await t.app.inject({ method: 'POST', url: `/api/inbox/conversations/${a.conversationId}/merge`, headers: agent.headers, payload: { sourceId: b.conversationId } });
    expect(merged.statusCode, merged.body).toBeLessThan(300);

    const r = await t.app.inject({ method: 'GET', url: `/api/customers/${a.customerId}`, headers: agent.headers });
    expect(r.statusCode).toBe(200);
    const entries = r.json().touchpoints as { summary: string; direction: string; sourceLabel: string; sourceLink: string | null }[];
    const inbound = entries.filter((e) => e.direction === 'in').map((e) => [e.sourceLabel, e.sourceLink]);
    expect(inbound).toEqual(
      expect.arrayContaining([
        ['Conversation: Where is my parcel?', `/inbox/${a.conversationId}`],
        ['Conversation: Invoice copy', `/inbox/${a.conversationId}`],
      ]),
    );
    expect(inbound).toHaveLength(2);
    for (const e of entries) expect(e.sourceLabel).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/);
    expect(entries.find((e) => e.direction === 'out')?.sourceLabel).not.toMatch(/^Conversation/);
  });
});
