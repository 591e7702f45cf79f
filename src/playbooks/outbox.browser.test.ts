import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverPendingEmails, queueEmail } from '../mail/index.js';
import type { Running } from '../platform/app.js';
import { browserTestsSkipped, shotDir, signIn, startWebApp } from '../app/testing/web-app.js';

describe.skipIf(browserTestsSkipped('outbox'))('outbox preview in Chromium', () => {
  let running: Running;
  let browser: Browser;
  beforeAll(async () => {
    ({ running, browser } = await startWebApp());
    running.ctx.config.smtpUrl = undefined;
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
      await signIn(page, running, '/outbox');
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
