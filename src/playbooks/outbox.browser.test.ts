// The outbox preview in a real browser (Chromium): an email with a long subject, an unbroken
// link and long lines stays inside the screen — at desktop width and on a 390 px phone — with
// the preview panel no wider than the page. Screenshots: test-results/outbox-preview-*.png.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchBrowser, noChromiumReason } from '../../test/e2e/browser.js';
import { createUser } from '../accounts/index.js';
import { createTestDatabase } from '../app/testing/test-database.js';
import { deliverPendingEmails, queueEmail } from '../mail/index.js';
import { startKeepwell, type Running } from '../platform/app.js';
import { loadConfig } from '../platform/config.js';
import { saveWorkspace } from '../workspace/index.js';

const shotDir = path.resolve('test-results');
const haveWeb = fs.existsSync('dist/web/index.html');
if (!chromiumPath) console.log(`outbox: ${noChromiumReason}`);
if (!haveWeb) console.log('outbox: dist/web is not built (npm run build) — browser test skipped');

describe.skipIf(!chromiumPath || !haveWeb)('outbox preview in Chromium', () => {
  let running: Running;
  let browser: Browser;
  beforeAll(async () => {
    const database = await createTestDatabase();
    running = await startKeepwell(loadConfig({ PORT: '0', LOG_LEVEL: 'silent' }, { worker: false }), database);
    running.ctx.config.smtpUrl = undefined;
    await saveWorkspace(running.ctx.db, { name: 'Fern & Finch', industry: 'consumer_services', timeZone: 'Europe/London', currency: 'GBP' });
    await createUser(running.ctx.db, { email: 'owner@fern.test', name: 'Fern Owner', role: 'owner', password: 'correct horse battery' });
    const link = `https://shop.example/${'very-long-path-segment-'.repeat(30)}`;
    await queueEmail(running.ctx, {
      to: 'ursula@example.test',
      subject: `Your order is on its way — ${'Supercalifragilisticexpialidocious'.repeat(6)}`,
      html: `<p>Hi Ursula,</p><p>${'word '.repeat(400)}</p><p><a href="${link}">${link}</a></p><pre>${'x'.repeat(600)}</pre>`,
      text: `Hi Ursula,\n${'word '.repeat(400)}\n${link}\n${'y'.repeat(600)}`,
      kind: 'transactional',
      idempotencyKey: 'outbox-preview-1',
    });
    await deliverPendingEmails(running.ctx);
    browser = await launchBrowser();
    fs.mkdirSync(shotDir, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await running?.stop();
  });

  for (const [label, viewport] of [
    ['desktop', { width: 1366, height: 900 }],
    ['phone', { width: 390, height: 844 }],
  ] as const) {
    it(`keeps a long email inside the screen (${label})`, async () => {
      const page = await browser.newPage({ viewport });
      page.setDefaultTimeout(15_000);
      await page.goto(`${running.url}/outbox`);
      await page.getByLabel('Email').fill('owner@fern.test');
      await page.getByLabel('Password').fill('correct horse battery');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('navigation', { name: 'Main' }).waitFor({ state: 'attached' });
      await page.goto(`${running.url}/outbox`);
      await page.getByRole('button', { name: /^Your order is on its way/ }).click();
      const panel = page.getByRole('region', { name: 'Email' });
      await panel.waitFor();
      await panel.getByText('Plain text').click();
      const box = (await panel.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
      expect(box.width).toBeLessThan(viewport.width);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      await panel.scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(shotDir, `outbox-preview-${label}.png`) });
      await page.close();
    });
  }
});
