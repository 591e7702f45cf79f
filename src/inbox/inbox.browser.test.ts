import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../accounts/index.js';
import type { Running } from '../platform/app.js';
import { receiveMessage } from './inbox.service.js';
import { notePresence } from './presence.js';
import { browserTestsSkipped, shotDir, signIn, startWebApp, testPassword } from '../app/testing/web-app.js';

describe.skipIf(browserTestsSkipped('inbox'))('inbox in Chromium', () => {
  let running: Running;
  let browser: Browser;
  beforeAll(async () => {
    ({ running, browser } = await startWebApp({ industry: 'professional_services', timeZone: 'Europe/Amsterdam', currency: 'EUR' }));
    await createUser(running.ctx.db, { email: 'agent@fern.test', name: 'Alex Agent', role: 'agent', password: testPassword });
  });
  afterAll(async () => {
    await browser?.close();
    await running?.stop();
  });

  const chat = async (path: string, body: unknown) => {
    const res = await fetch(running.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return (await res.json()) as { token: string; conversationId: string };
  };

  it('lets an agent answer a live chat; both sides update without a reload', async () => {
    // Earlier mail with markup in it: shown as text, never run.
    await receiveMessage(running.ctx, {
      channel: 'email',
      from: { email: 'mallory@example.test', name: 'Mallory <img src=x onerror=alert(1)>' },
      subject: 'Hello <script>alert(2)</script>',
      text: '<script>window.__pwned = 1</script> please help',
      messageId: '<m1@example.test>',
      receivedAt: new Date(),
    });
    const page = await browser.newPage({ viewport: { width: 1366, height: 820 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    let dialogs = 0;
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    await signIn(page, running, '/inbox', 'agent@fern.test');
    await expect.poll(() => page.getByTestId('live').innerText()).toContain('Live');
    await expect.poll(() => page.getByTestId('conversation-item').count()).toBe(1);

    // A visitor opens a chat: it appears in the list without a reload.
    const visitor = await chat('/p/chat/conversations', { name: 'Vera Visitor', text: 'Hi! Do you ship to Belgium?' });
    await expect.poll(() => page.getByTestId('conversation-item').count(), { timeout: 8000 }).toBe(2);
    await page.getByTestId('conversation-item').filter({ hasText: 'Vera Visitor' }).click();
    await expect.poll(() => page.getByTestId('messages').innerText()).toContain('Do you ship to Belgium?');

    await page.getByLabel('Reply', { exact: true }).fill('Yes — in two working days.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await expect.poll(() => page.getByTestId('msg-agent').count()).toBe(1);
    const seen = await fetch(`${running.url}/p/chat/messages?token=${encodeURIComponent(visitor.token)}`).then((r) => r.json() as Promise<{ messages: { from: string; text: string }[] }>);
    expect(seen.messages.at(-1)).toMatchObject({ from: 'agent', text: 'Yes — in two working days.' });

    // The visitor answers: it shows up in the open thread live.
    await fetch(`${running.url}/p/chat/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: visitor.token, text: 'Perfect, ordering now' }) });
    await expect.poll(() => page.getByTestId('messages').innerText(), { timeout: 8000 }).toContain('Perfect, ordering now');
    // An internal note stays internal.
    await page.getByRole('button', { name: 'Internal note' }).click();
    await page.getByLabel('Internal note').fill('Likely repeat buyer');
    await page.getByRole('button', { name: 'Add note' }).click();
    await expect.poll(() => page.getByTestId('msg-note').count()).toBe(1);
    await page.screenshot({ path: path.join(shotDir, 'inbox-desktop.png') });
    const visitorView = await fetch(`${running.url}/p/chat/messages?token=${encodeURIComponent(visitor.token)}`).then((r) => r.text());
    expect(visitorView).not.toContain('Likely repeat buyer');

    // Resolve from the thread.
    await page.getByRole('button', { name: 'Resolve', exact: true }).click();
    await expect.poll(() => page.getByTestId('thread-status').innerText()).toBe('resolved');

    // The markup mail reads as text.
    await page.getByTestId('conversation-item').filter({ hasText: 'Mallory' }).click();
    await expect.poll(() => page.getByTestId('messages').innerText()).toContain('<script>window.__pwned = 1</script> please help');
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(dialogs).toBe(0);
    expect(pageErrors).toEqual([]);

    // A phone-sized screen: the list, then the thread with a way back.
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await phone.context().addCookies(await page.context().cookies());
    await phone.goto(`${running.url}/inbox`);
    await phone.getByTestId('conversation-item').first().waitFor();
    await phone.screenshot({ path: path.join(shotDir, 'inbox-phone-list.png') });
    await phone.getByTestId('conversation-item').first().click();
    await phone.getByRole('link', { name: '← All conversations' }).waitFor();
    expect(await phone.getByTestId('conversation-item').first().isVisible()).toBe(false);
    const width = await phone.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: path.join(shotDir, 'inbox-phone-thread.png'), fullPage: true });
  });

  it('agent tools and the owner pages: collision warning, canned reply, @mention, merge, service card, inbox settings (desktop and 390 px)', async () => {
    const bea = await createUser(running.ctx.db, { email: 'bea@fern.test', name: 'Bea Buddy', role: 'agent', password: testPassword });
    const first = await receiveMessage(running.ctx, {
      channel: 'email',
      from: { email: 'cleo@example.test', name: 'Cleo Customer' },
      subject: 'Parcel late',
      text: 'My parcel is late.',
      messageId: '<c1@example.test>',
      receivedAt: new Date(Date.now() - 60_000),
    });
    await receiveMessage(running.ctx, {
      channel: 'email',
      from: { email: 'cleo@example.test', name: 'Cleo Customer' },
      subject: 'And the invoice',
      text: 'Also, can I get an invoice?',
      messageId: '<c2@example.test>',
      receivedAt: new Date(),
    });
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('dialog', (d) => void d.accept());
    await signIn(page, running, '/settings');

    // Settings: the inbox's sections, and a canned reply added there.
    const canned = page.getByTestId('inbox-canned-settings');
    await canned.waitFor();
    for (const id of ['inbox-hours-settings', 'inbox-routing-settings', 'inbox-autoack-settings', 'inbox-imap-settings']) await page.getByTestId(id).waitFor();
    await canned.getByLabel('Title').fill('Shipping time');
    await canned.getByLabel('Text').fill('Hi {{ customer.first_name }}, parcels take two working days.');
    await canned.getByRole('button', { name: 'Add canned reply' }).click();
    await expect
      .poll(() => canned.innerText())
      .toContain('Shipping time')
      .catch(async (err) => {
        await page.screenshot({ path: path.join(shotDir, 'inbox-canned-failed.png'), fullPage: true });
        throw err;
      });
    await page.getByTestId('inbox-hours-settings').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shotDir, 'inbox-settings-desktop.png'), fullPage: true });

    // The thread: Bea has it open and is typing — the warning shows live.
    await page.goto(`${running.url}/inbox/${first.conversationId}`);
    await expect.poll(() => page.getByTestId('live').innerText()).toContain('Live');
    await expect.poll(() => page.getByTestId('messages').innerText()).toContain('My parcel is late.');
    notePresence(first.conversationId, { id: bea.id, name: 'Bea Buddy' }, 'typing');
    await expect.poll(() => page.getByTestId('collision').innerText(), { timeout: 8000 }).toContain('Bea Buddy is typing a reply here');

    await page.getByLabel('Insert a canned reply').selectOption({ label: 'Shipping time' });
    await expect.poll(() => page.getByLabel('Reply', { exact: true }).inputValue()).toBe('Hi Cleo, parcels take two working days.');
    await page.getByRole('button', { name: 'Internal note' }).click();
    await page.getByTestId('mention-hint').getByRole('button', { name: '@bea' }).click();
    await expect.poll(() => page.getByLabel('Internal note').inputValue()).toContain('@bea ');

    // Merge the customer's other conversation into this one.
    await page.getByRole('button', { name: 'Merge And the invoice into this conversation' }).click();
    await expect.poll(() => page.getByTestId('messages').innerText()).toContain('Also, can I get an invoice?');
    await expect.poll(() => page.getByTestId('messages').innerText()).toContain('merged "And the invoice"');
    await page.getByTestId('customer-health').waitFor();
    await page.screenshot({ path: path.join(shotDir, 'inbox-tools-desktop.png') });

    // The owner's dashboard: the service card.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard', exact: true }).click();
    await expect.poll(() => page.getByTestId('service-open').innerText(), { timeout: 8000 }).toMatch(/Open now\s*\d+/);
    await page.getByTestId('service-card').scrollIntoViewIfNeeded();
    await page.getByTestId('service-card').screenshot({ path: path.join(shotDir, 'inbox-service-card-desktop.png') });
    expect(pageErrors).toEqual([]);

    // 390 px: settings, the thread with its warning, the dashboard card — nothing wider than the screen.
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await phone.context().addCookies(await page.context().cookies());
    await phone.goto(`${running.url}/settings`);
    for (const id of ['inbox-hours-settings', 'inbox-routing-settings', 'inbox-imap-settings', 'inbox-canned-settings']) {
      await phone.getByTestId(id).waitFor();
      expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await phone.getByTestId(id).screenshot({ path: path.join(shotDir, `${id}-phone.png`) });
    }
    for (const [url, wait, shot] of [
      [`/inbox/${first.conversationId}`, 'collision', 'inbox-tools-phone.png'],
      ['/', 'service-card', 'inbox-service-card-phone.png'],
    ] as const) {
      await phone.goto(running.url + url);
      if (wait === 'collision') notePresence(first.conversationId, { id: bea.id, name: 'Bea Buddy' }, 'viewing');
      await phone.getByTestId(wait).waitFor({ timeout: 8000 });
      expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await phone.screenshot({ path: path.join(shotDir, shot), fullPage: true });
    }
  });
});
