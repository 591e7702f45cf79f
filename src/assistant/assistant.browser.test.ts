// The widget on a plain HTML page of another site (served by this test), a visitor chatting with
// the assistant, an agent answering in the inbox, and the Assistant page at desktop and phone width.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../accounts/index.js';
import { browserTestsSkipped, shotDir, signIn, startWebApp, testPassword } from '../app/testing/web-app.js';
import type { Running } from '../platform/app.js';
import { setFeatureSettings } from '../workspace/index.js';
import { createEntry } from './assistant.kb.js';
import { demoFaq } from './assistant.demo.js';
import { getAssistantSettings } from './assistant.settings.js';

describe.skipIf(browserTestsSkipped('assistant'))('assistant in Chromium', () => {
  let running: Running;
  let browser: Browser;
  let host: http.Server;
  let hostUrl = '';

  beforeAll(async () => {
    ({ running, browser } = await startWebApp());
    await createUser(running.ctx.db, { email: 'agent@fern.test', name: 'Alex Agent', role: 'agent', password: testPassword });
    for (const e of demoFaq) await createEntry(running.ctx.db, { ...e, status: 'published' });
    // Someone is always in, so the hand-off is a live chat whatever the hour the test runs.
    const always: [string, string][] = [['00:00', '23:59']];
    await setFeatureSettings(running.ctx.db, 'inbox', {
      businessHours: { timeZone: null, holidays: [], week: { sun: always, mon: always, tue: always, wed: always, thu: always, fri: always, sat: always } },
    });
    const key = (await getAssistantSettings(running.ctx.db)).widgetKey;
    // The business's own website: another origin, with only the script tag.
    host = http.createServer((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><html><head><title>Fern &amp; Finch</title><meta name="viewport" content="width=device-width,initial-scale=1"></head>
<body style="font-family:serif"><h1>Fern &amp; Finch</h1><p>Fresh flowers, delivered.</p>
<script src="${running.url}/widget.js?key=${key}" async></script></body></html>`);
    });
    await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
    hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}/`;
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await running?.stop();
    host?.close();
  });

  it('a visitor gets answers, turns angry, asks for a person; the agent sees the whole chat and the answer arrives live', async () => {
    const visitor = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    let dialogs = 0;
    visitor.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    const errors: string[] = [];
    visitor.on('pageerror', (e) => errors.push(e.message));
    await visitor.goto(hostUrl);
    const chat = visitor.frameLocator('iframe[data-keepwell]');
    await chat.getByRole('button', { name: 'Chat with Robin' }).click();
    await expect.poll(() => chat.getByTestId('kw-greeting').innerText()).toContain('day and night');
    expect(await chat.getByTestId('kw-greeting').innerText()).toContain('A person whenever you ask');

    const say = async (text: string) => {
      await chat.getByLabel('Your message').fill(text);
      await chat.getByLabel('Your message').press('Enter');
    };
    await say('How long does delivery take?');
    await expect.poll(() => chat.getByTestId('kw-bot-answer').count()).toBe(1);
    expect(await chat.getByTestId('kw-bot-answer').first().innerText()).toContain('1–2 working days');
    await say('do you have any decaf');
    await expect.poll(() => chat.getByTestId('kw-bot-answer').count()).toBe(2);
    expect(await chat.getByTestId('kw-bot-answer').nth(1).innerText()).toContain('Swiss Water');
    await chat.getByRole('button', { name: 'Yes', exact: true }).first().click();
    await expect.poll(() => chat.getByRole('button', { name: 'Yes', exact: true }).first().getAttribute('aria-pressed')).toBe('true');

    // Markup from the visitor is shown as text, never run.
    await say('<img src=x onerror=alert(1)> where is my order???');
    await expect.poll(() => chat.getByTestId('kw-you').count()).toBe(3);
    expect(await chat.getByTestId('kw-you').nth(2).innerText()).toContain('<img src=x onerror=alert(1)>');
    await expect.poll(() => chat.locator('.msg.bot').count()).toBe(3);

    // Angry: short answers from now on, a person offered first.
    await say('This is ridiculous!!! I am furious, my coffee still hasnt come');
    await expect.poll(() => chat.locator('.msg.bot').count()).toBe(4);
    const angry = chat.locator('.msg.bot').nth(3);
    expect(await angry.getByRole('button', { name: 'Talk to a person' }).count()).toBe(1);
    await visitor.screenshot({ path: path.join(shotDir, 'assistant-widget-desktop.png') });

    await say('I want to talk to a human');
    await expect.poll(() => chat.getByTestId('kw-bot-handoff').count()).toBe(1);
    expect(await chat.getByTestId('kw-bot-handoff').innerText()).toContain('Passed to a person');

    // The agent sees the whole chat in the inbox and answers.
    const agent = await browser.newPage({ viewport: { width: 1366, height: 820 } });
    await signIn(agent, running, '/inbox', 'agent@fern.test');
    await agent.getByTestId('conversation-item').filter({ hasText: 'Website chat' }).first().click();
    const thread = await agent.getByTestId('messages').innerText();
    for (const line of ['How long does delivery take?', 'do you have any decaf', 'I am furious', 'I want to talk to a human', 'Robin:']) expect(thread).toContain(line);
    await agent.getByLabel('Reply', { exact: true }).fill("Hi, I'm Alex. Your coffee left us this morning; here is the tracking: RM123.");
    await agent.getByRole('button', { name: 'Send reply' }).click();
    await expect.poll(() => chat.getByTestId('kw-agent').count(), { timeout: 10_000 }).toBe(1);
    expect(await chat.getByTestId('kw-agent').innerText()).toContain('RM123');
    await agent.screenshot({ path: path.join(shotDir, 'assistant-handoff-inbox.png') });

    // The visitor writes to the person: the bot stays silent, the agent sees it.
    await say('Thank you!');
    await expect.poll(() => agent.getByTestId('messages').innerText(), { timeout: 10_000 }).toContain('Thank you!');
    expect(await chat.locator('.msg.bot').count()).toBe(5);

    // A reload keeps the chat, the person's answer included.
    // (after the hand-off nobody offers a person any more: the offers are left out of the comparison)
    const said = async (f: typeof chat) => (await f.locator('.msg.bot').allInnerTexts()).map((t) => t.replace(/\s*Talk to a person$/, ''));
    const botBefore = await said(chat);
    await visitor.reload();
    const again = visitor.frameLocator('iframe[data-keepwell]');
    await expect.poll(() => again.getByTestId('kw-agent').count(), { timeout: 10_000 }).toBe(1);
    expect(await said(again)).toEqual(botBefore);
    expect(dialogs).toBe(0);
    expect(errors).toEqual([]);

    // On a phone the open chat fills the screen.
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await phone.goto(hostUrl);
    const small = phone.frameLocator('iframe[data-keepwell]');
    await small.getByRole('button', { name: 'Chat with Robin' }).click();
    await small.getByLabel('Your message').fill('how much is postage');
    await small.getByLabel('Your message').press('Enter');
    await expect.poll(() => small.getByTestId('kw-bot-answer').count()).toBe(1);
    const box = await phone.locator('iframe[data-keepwell]').boundingBox();
    expect(box?.width).toBe(390);
    await phone.screenshot({ path: path.join(shotDir, 'assistant-widget-phone.png') });
    // keyboard: Escape closes it and the launcher is back
    await small.getByLabel('Your message').press('Escape');
    await expect.poll(() => small.getByRole('button', { name: 'Chat with Robin' }).isVisible()).toBe(true);
  });

  it('the Assistant page: knowledge base, try it, learning — at desktop and at 390 px', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    await signIn(page, running, '/assistant');
    await expect.poll(() => page.getByTestId('entries').locator('tbody tr').count()).toBe(demoFaq.length);
    await expect.poll(() => page.getByTestId('containment').innerText()).toMatch(/%/);

    // edit: a new draft, published, searched
    await page.getByRole('button', { name: 'New entry' }).click();
    const editor = page.getByTestId('entry-editor');
    await editor.getByLabel('Question').fill('Do you sell tea?');
    await editor.getByLabel('Other ways customers ask it (one per line)').fill('loose leaf tea\ndo you have tea');
    await editor.getByLabel(/^Answer/).fill('Yes: **two teas** from Tregothnan. <script>alert(1)</script>');
    await editor.getByLabel('Tags (comma-separated)').fill('shop');
    await editor.getByRole('button', { name: 'Publish' }).click();
    await expect.poll(() => page.getByTestId('answer-preview').innerText()).toContain('<script>alert(1)</script>');
    expect(await page.getByTestId('answer-preview').locator('strong').innerText()).toBe('two teas');
    await page.getByLabel('Search the FAQ').fill('tea');
    await expect.poll(() => page.getByTestId('entries').locator('tbody tr').count()).toBe(1);
    await page.screenshot({ path: path.join(shotDir, 'assistant-kb-desktop.png'), fullPage: true });

    // try it: the new entry answers at once
    await page.getByRole('tab', { name: 'Try it' }).click();
    await page.getByLabel("A visitor's message").fill('do you have loose leaf tea');
    await page.getByRole('button', { name: 'Ask' }).click();
    await expect.poll(() => page.getByTestId('try-decision').innerText()).toBe('Answers');
    expect(await page.getByTestId('try-result').innerText()).toContain('two teas');
    await page.screenshot({ path: path.join(shotDir, 'assistant-try-desktop.png'), fullPage: true });

    // learning: the chart, and an unanswered question turned into an entry
    await page.getByRole('tab', { name: 'Learning' }).click();
    await page.getByTestId('containment-chart').waitFor();
    // the agent's reply from the first test, saved as an entry in one step
    await expect.poll(() => page.getByTestId('team-answers').innerText()).toContain('RM123');
    await page.screenshot({ path: path.join(shotDir, 'assistant-learning-desktop.png'), fullPage: true });
    await page.getByTestId('team-answers').getByRole('button', { name: 'Save reply as FAQ entry' }).click();
    await page.getByTestId('team-answers').getByLabel('Question').fill('Where is my coffee? (tracking)');
    await page.getByTestId('team-answers').getByRole('button', { name: 'Publish entry' }).click();
    await expect.poll(() => page.getByRole('status').first().innerText()).toContain('the assistant answers it now');

    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await phone.context().addCookies(await page.context().cookies());
    await phone.goto(`${running.url}/assistant`);
    // the new entry is being calibrated in a background worker meanwhile: give a loaded machine time
    await expect.poll(() => phone.getByTestId('entries').locator('tbody tr').count(), { timeout: 20_000 }).toBeGreaterThan(5);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: path.join(shotDir, 'assistant-kb-phone.png'), fullPage: true });
    await phone.getByRole('tab', { name: 'Learning' }).click();
    await phone.getByTestId('containment-chart').waitFor();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: path.join(shotDir, 'assistant-learning-phone.png'), fullPage: true });

    // the owner's dashboard card
    await phone.goto(`${running.url}/`);
    await expect.poll(() => phone.getByTestId('assistant-card').innerText()).toMatch(/\d+%/);
    await phone.getByTestId('assistant-card').screenshot({ path: path.join(shotDir, 'assistant-dashboard-card-phone.png') });

    // settings section
    await phone.goto(`${running.url}/settings`);
    await phone.getByTestId('assistant-settings').waitFor();
    expect(await phone.getByTestId('widget-snippet').innerText()).toContain('/widget.js?key=');
    await phone.getByTestId('assistant-settings').scrollIntoViewIfNeeded();
    await phone.getByTestId('assistant-settings').screenshot({ path: path.join(shotDir, 'assistant-settings-phone.png') });
  });
});
