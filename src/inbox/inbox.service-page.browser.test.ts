// The owner's Service page (per channel and agent, a date range) at desktop and 390 px, and typing
// both ways in a live chat: the agent's in the visitor's widget, the visitor's in the inbox.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../accounts/index.js';
import { browserTestsSkipped, shotDir, signIn, startWebApp, testPassword } from '../app/testing/web-app.js';
import type { Running } from '../platform/app.js';
import { DELIVER_JOB } from '../platform/events/events.service.js';
import { drainJobs } from '../platform/jobs/jobs.service.js';
import { answerSurveyRequest } from '../surveys/testing/answer.js';
import { setFeatureSettings } from '../workspace/index.js';
import { receiveMessage, replyToConversation } from './inbox.service.js';

describe.skipIf(browserTestsSkipped('inbox service page'))('inbox Service page and chat typing in Chromium', () => {
  let running: Running;
  let browser: Browser;
  let host: http.Server;
  let agentId = '';
  beforeAll(async () => {
    ({ running, browser } = await startWebApp({ industry: 'professional_services', timeZone: 'Europe/Amsterdam', currency: 'EUR' }));
    agentId = (await createUser(running.ctx.db, { email: 'agent@fern.test', name: 'Alex Agent', role: 'agent', password: testPassword })).id;
    // Someone is always in, so a chat handed to a person stays a live chat whatever the hour.
    const always: [string, string][] = [['00:00', '23:59']];
    await setFeatureSettings(running.ctx.db, 'inbox', {
      businessHours: { timeZone: null, holidays: [], week: { sun: always, mon: always, tue: always, wed: always, thu: always, fri: always, sat: always } },
    });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await running?.stop();
    host?.close();
  });

  it('shows first reply, resolution and replies within target per channel and agent for a period, at desktop and 390 px', async () => {
    const now = new Date();
    const mail = await receiveMessage(running.ctx, {
      channel: 'email',
      from: { email: 'ann@example.test', name: 'Ann' },
      subject: 'Zip',
      text: 'Broken zipper',
      messageId: '<s1@example.test>',
      receivedAt: now,
    });
    const chat = await receiveMessage(running.ctx, { channel: 'chat', from: { name: 'Vera' }, subject: '', text: 'Do you ship to Belgium?', receivedAt: now });
    await receiveMessage(running.ctx, {
      channel: 'email',
      from: { email: 'bob@example.test', name: 'Bob' },
      subject: 'Invoice',
      text: 'Invoice please',
      messageId: '<s2@example.test>',
      receivedAt: now,
    });
    await replyToConversation(running.ctx, mail.conversationId, { id: agentId, name: 'Alex Agent' }, { text: 'On its way', status: 'resolved' });
    await replyToConversation(running.ctx, chat.conversationId, { id: agentId, name: 'Alex Agent' }, { text: 'Yes', status: 'open' });
    // Ann answers the CSAT survey her resolved conversation brought.
    const csatRequest = () => running.ctx.db.selectFrom('survey_requests').select('id').where('event_key', '=', `conversation:${mail.conversationId}`).executeTakeFirst();
    await drainJobs(running.ctx, { kinds: [DELIVER_JOB] });
    await answerSurveyRequest(running.ctx, (await csatRequest())!.id, { score: 5 });

    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await signIn(page, running, '/inbox');
    await page.getByRole('link', { name: 'Service figures' }).click();
    await expect.poll(() => page.getByTestId('service-volume').innerText()).toContain('3');
    // Two channels, and the agent beside the unassigned conversation.
    const channels = page.getByTestId('table-channel');
    await expect.poll(() => channels.locator('tbody tr').count()).toBe(2);
    expect(await channels.locator('tbody th').allTextContents()).toEqual(['Chat', 'Email']);
    expect(await channels.locator('tbody tr', { hasText: 'Email' }).locator('td').first().textContent()).toBe('2'); // two email conversations
    expect(await page.getByTestId('table-agent').locator('tbody th').allTextContents()).toEqual(['Unassigned']);
    expect(await channels.locator('tbody tr', { hasText: 'Email' }).locator('td').last().textContent()).toMatch(/^5(\.0)? \/ 5 \(1\)$/);
    expect(await channels.locator('tbody tr', { hasText: 'Chat' }).locator('td').last().textContent()).toBe('—');
    expect(await page.getByTestId('service-sla').innerText()).toContain('100%'); // both answers came at once
    expect(await page.getByTestId('chart-channel').locator('svg').count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(shotDir, 'inbox-service-page-desktop.png'), fullPage: true });

    // A period before any of this: nothing in it.
    await page.getByLabel('From').fill('2025-01-01');
    await page.getByLabel('To').fill('2025-01-31');
    const state = async () => `${await page.getByLabel('From').inputValue()}|${await page.getByLabel('To').inputValue()}|${await page.getByTestId('service-volume').innerText()}`;
    await expect.poll(state, { timeout: 15_000 }).toMatch(/^2025-01-01\|2025-01-31\|Conversations\s+0/);
    expect(await page.getByText('No conversations in this period.').count()).toBe(2);
    await page.getByRole('button', { name: 'Last 30 days' }).click();
    await expect.poll(() => page.getByTestId('service-volume').innerText()).toMatch(/Conversations\s+3/);
    expect(errors).toEqual([]);

    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await signIn(phone, running, '/inbox/service');
    await expect.poll(() => phone.getByTestId('service-volume').innerText()).toMatch(/Conversations\s+3/);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: path.join(shotDir, 'inbox-service-page-phone.png'), fullPage: true });

    // Agents do not see the owner's figures.
    const agent = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    await signIn(agent, running, '/inbox/service', 'agent@fern.test');
    await expect.poll(() => agent.getByTestId('service-page').innerText()).toContain('Only the owner sees the service figures');
    await Promise.all([page.close(), phone.close(), agent.close()]);
  });

  it("shows the agent's typing in the visitor's widget and the visitor's typing in the inbox; both lapse on their own; the reply saved as a draft FAQ entry", async () => {
    const owner = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(owner, running, '/inbox');
    const key = await owner.evaluate(async () => ((await (await fetch('/api/assistant/settings')).json()) as { widgetKey: string }).widgetKey);
    await owner.close();
    host = http.createServer((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><html><head><title>Fern</title><meta name="viewport" content="width=device-width,initial-scale=1"></head>
<body><h1>Fern &amp; Finch</h1><script src="${running.url}/widget.js?key=${key}" async></script></body></html>`);
    });
    await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));

    // The visitor asks for a person at once.
    const visitor = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await visitor.goto(`http://127.0.0.1:${(host.address() as AddressInfo).port}/`);
    const widget = visitor.frameLocator('iframe[data-keepwell]');
    await widget.locator('button.launcher').click();
    await widget.getByLabel('Your message').fill('I want to talk to a person please');
    await widget.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => widget.getByTestId('kw-bot-handoff').count(), { timeout: 15_000 }).toBe(1);

    const agent = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(agent, running, '/inbox', 'agent@fern.test');
    await agent.getByTestId('conversation-item').filter({ hasText: 'Website chat' }).first().click();
    await expect.poll(() => agent.getByTestId('messages').innerText()).toContain('talk to a person');

    // The agent types: "Alex is typing…" in the widget.
    await agent.getByLabel('Reply', { exact: true }).pressSequentially('Hello, this is Al', { delay: 20 });
    await expect.poll(() => widget.locator('.typing').innerText(), { timeout: 10_000 }).toBe('Alex is typing…');
    await visitor.screenshot({ path: path.join(shotDir, 'chat-widget-agent-typing-phone.png') });
    // It lapses when the agent stops.
    await expect.poll(() => widget.locator('.typing').isVisible(), { timeout: 15_000 }).toBe(false);

    // The visitor types: the inbox says so under the thread, then lets it lapse.
    await widget.getByLabel('Your message').pressSequentially('Actually, one more', { delay: 20 });
    await expect.poll(() => agent.getByTestId('visitor-typing').count(), { timeout: 10_000 }).toBe(1);
    expect(await agent.getByTestId('visitor-typing').innerText()).toMatch(/is typing…$/);
    await agent.screenshot({ path: path.join(shotDir, 'inbox-visitor-typing-desktop.png') });
    await expect.poll(() => agent.getByTestId('visitor-typing').count(), { timeout: 15_000 }).toBe(0);

    // The agent's line arrives and the indicator is gone with it.
    await agent.getByLabel('Reply', { exact: true }).pressSequentially('ex here.', { delay: 20 });
    await agent.getByRole('button', { name: 'Send reply' }).click();
    await expect.poll(() => widget.getByTestId('kw-agent').innerText(), { timeout: 10_000 }).toContain('Hello, this is Alex here.');
    expect(await widget.locator('.typing').isVisible()).toBe(false);

    // The agent keeps the answer as a draft FAQ entry, the visitor's question as its question.
    await agent.getByRole('button', { name: 'Save as FAQ answer' }).click();
    expect(await agent.getByLabel('FAQ question').inputValue()).toContain('talk to a person');
    await agent.getByLabel('FAQ question').fill('Can I talk to a person?');
    await agent.getByRole('button', { name: 'Save draft' }).click();
    await expect.poll(() => agent.getByTestId('faq-saved').count()).toBe(1);
    const entries = await agent.evaluate(async () => (await (await fetch('/api/assistant/entries?status=draft')).json()) as unknown);
    expect(JSON.stringify(entries)).toContain('Can I talk to a person?');
    expect(JSON.stringify(entries)).toContain('Hello, this is Alex here.');
    await Promise.all([visitor.close(), agent.close()]);
  });
});
