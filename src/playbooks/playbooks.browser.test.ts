import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCustomer, makeOrder } from '../customers/testing/factories.js';
import type { Running } from '../platform/app.js';
import { installReadyMade } from './playbooks.library.js';
import { setPlaybookEnabled } from './playbooks.service.js';
import { browserTestsSkipped, shotDir, signIn, startWebApp } from '../app/testing/web-app.js';

const DAY = 86400_000;

describe.skipIf(browserTestsSkipped('playbooks'))('switching a playbook on in Chromium', () => {
  let running: Running;
  let browser: Browser;
  beforeAll(async () => {
    ({ running, browser } = await startWebApp());
    const db = running.ctx.db;
    await installReadyMade(db);
    // five customers with a 20-day rhythm, last seen 100+ days ago: past win-back's point
    for (let i = 0; i < 5; i++) {
      const c = await makeCustomer(db, { name: `Lapsed ${i}`, email: `lapsed${i}@example.test`, acquired_at: new Date(Date.now() - 400 * DAY) });
      for (const k of [140, 120, 100]) await makeOrder(db, c.id, { amount_minor: 3000, ordered_at: new Date(Date.now() - (k + i) * DAY) });
    }
  });
  afterAll(async () => {
    await browser?.close();
    await running?.stop();
  });

  for (const [label, viewport] of [
    ['desktop', { width: 1366, height: 900 }],
    ['phone', { width: 390, height: 844 }],
  ] as const) {
    it(`previews who would enter and includes existing customers with a daily cap (${label})`, async () => {
      const db = running.ctx.db;
      const winBack = await db.selectFrom('playbooks').select(['id', 'name']).where('key', '=', 'win_back').executeTakeFirstOrThrow();
      await setPlaybookEnabled(db, winBack.id, false);
      const page = await browser.newPage({ viewport });
      page.setDefaultTimeout(15_000);
      await signIn(page, running, '/playbooks');
      const card = page.getByRole('region', { name: winBack.name });
      await card.getByRole('button', { name: 'Switch on' }).click();
      const panel = card.getByRole('group', { name: `Switch on ${winBack.name}` });
      await expect.poll(() => panel.getByTestId('enrol-preview').innerText()).toContain('5 customers are already past this point');
      await panel.getByLabel('Also the existing ones,').check();
      await panel.getByLabel('Existing customers a day').fill('2');
      await expect.poll(() => panel.innerText()).toContain('about 3 days');
      await panel.scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(shotDir, `playbook-switch-on-${label}.png`) });
      await panel.getByRole('button', { name: 'Switch on' }).click();
      await expect.poll(() => card.innerText()).toContain('existing customers included, 2 a day');
      const row = await db.selectFrom('playbooks').select(['enabled', 'include_existing', 'daily_cap']).where('id', '=', winBack.id).executeTakeFirstOrThrow();
      expect(row).toEqual({ enabled: true, include_existing: true, daily_cap: 2 });
      if (label === 'phone') expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await page.close();
    });
  }

  for (const [label, viewport] of [
    ['desktop', { width: 1366, height: 900 }],
    ['phone', { width: 390, height: 844 }],
  ] as const) {
    it(`sets a tier.reached trigger with loyalty's tier field, no JSON (${label})`, async () => {
      const db = running.ctx.db;
      const pb = await db.selectFrom('playbooks').select(['id', 'name']).where('key', '=', 'win_back').executeTakeFirstOrThrow();
      const page = await browser.newPage({ viewport });
      page.setDefaultTimeout(15_000);
      await signIn(page, running, `/playbooks/${pb.id}`);
      const form = page.getByTestId('trigger-form');
      await form.getByLabel('Trigger').selectOption('tier.reached');
      // the tiers come from loyalty's rules (Bronze, Silver, Gold by default)
      await form.getByLabel('Tier').locator('option[value="Gold"]').waitFor({ state: 'attached' });
      await form.getByLabel('Tier').selectOption('Gold');
      await expect.poll(() => page.locator('body').innerText(), { timeout: 20_000 }).toContain('the loyalty tier Gold is reached');
      await page.screenshot({ path: path.join(shotDir, `playbook-tier-trigger-${label}.png`) });
      await page.getByRole('button', { name: 'Save playbook' }).click();
      await expect.poll(() => page.locator('body').innerText(), { timeout: 20_000 }).toContain('Saved.');
      const row = await db.selectFrom('playbooks').select('trigger').where('id', '=', pb.id).executeTakeFirstOrThrow();
      expect(row.trigger).toEqual({ type: 'tier.reached', tier: 'Gold' });
      // back to an engine trigger with its own field
      await form.getByLabel('Trigger').selectOption('no_order');
      await form.getByLabel('Days without an order').fill('120');
      await page.getByRole('button', { name: 'Save playbook' }).click();
      await expect
        .poll(async () => (await db.selectFrom('playbooks').select('trigger').where('id', '=', pb.id).executeTakeFirstOrThrow()).trigger, { timeout: 20_000 })
        .toEqual({ type: 'no_order', days: 120, ownCycleFactor: null });
      if (label === 'phone') expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await page.close();
    });
  }
});
