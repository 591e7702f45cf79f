// The owner's exchange rates in Settings, in Chromium at desktop width and at 390 px: a bad row
// is named before anything is sent, a saved USD rate converts the dashboard's USD orders and the
// dashboard says which rates it used.
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertHistory } from '../customers/index.js';
import { makeCustomer } from '../customers/testing/factories.js';
import { browserTestsSkipped, shotDir, signIn, startWebApp } from '../app/testing/web-app.js';
import type { Running } from '../platform/app.js';

describe.skipIf(browserTestsSkipped('exchange rates'))('exchange rates in Settings, in Chromium', () => {
  let running: Running;
  let browser: Browser;
  beforeAll(async () => {
    ({ running, browser } = await startWebApp());
    const db = running.ctx.db;
    const gb = await makeCustomer(db, { name: 'Pound Payer' });
    const us = await makeCustomer(db, { name: 'Dollar Payer' });
    const day = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();
    await insertHistory(db, {
      orders: [
        { customer_id: gb.id, ordered_at: day(60), amount_minor: 10000, currency: 'GBP', status: 'paid' as const },
        { customer_id: gb.id, ordered_at: day(20), amount_minor: 10000, currency: 'GBP', status: 'paid' as const },
        { customer_id: us.id, ordered_at: day(30), amount_minor: 10000, currency: 'USD', status: 'paid' as const },
      ],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await running?.stop();
  });

  for (const [label, viewport] of [
    ['desktop', { width: 1366, height: 900 }],
    ['phone', { width: 390, height: 844 }],
  ] as const) {
    it(`adds, checks and saves a rate (${label})`, async () => {
      const page = await browser.newPage({ viewport });
      page.setDefaultTimeout(60_000);
      await signIn(page, running, '/settings');
      const section = page.getByTestId('exchange-rates');
      await section.waitFor();
      // start from no rates (the other viewport's run saved one)
      while (await section.getByRole('button', { name: 'Remove' }).count()) await section.getByRole('button', { name: 'Remove' }).first().click();
      if (await section.getByRole('button', { name: 'Save rates' }).isEnabled()) await section.getByRole('button', { name: 'Save rates' }).click();
      await section.getByRole('button', { name: 'Add a rate' }).click();
      await section.getByLabel('Currency 1').fill('GBP');
      await expect.poll(() => section.locator('.error').first().innerText()).toContain('GBP is the workspace currency');
      expect(await section.getByRole('button', { name: 'Save rates' }).isDisabled()).toBe(true);
      await section.getByLabel('Currency 1').fill('usd');
      await section.getByLabel('From 1').fill('2020-01-01');
      await section.getByLabel('Rate 1').fill('-1');
      await expect.poll(() => section.locator('.error').first().innerText()).toContain('above 0');
      await section.getByLabel('Rate 1').fill('0.8');
      await expect.poll(() => section.innerText()).toMatch(/1 USD = 0\.8 GBP from/);
      await page.screenshot({ path: path.join(shotDir, `exchange-rates-${label}.png`), fullPage: true });
      await section.locator('xpath=..').screenshot({ path: path.join(shotDir, `exchange-rates-section-${label}.png`) });
      await section.getByRole('button', { name: 'Save rates' }).click();
      await expect.poll(() => section.innerText()).toContain('Saved');
      // the dashboard's figures now convert the USD order and say so
      const overview = await page.evaluate(async () => (await fetch('/api/analytics/overview')).json());
      expect(overview.currency.mode).toBe('converted');
      expect(overview.currency.note).toMatch(/USD.*converted to GBP with your exchange rates/);
      expect(overview.kpis.revenue).toBe(280);
      await page.screenshot({ path: path.join(shotDir, `exchange-rates-saved-${label}.png`), fullPage: true });
      await section.locator('xpath=..').screenshot({ path: path.join(shotDir, `exchange-rates-saved-section-${label}.png`) });
      if (label === 'phone') expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      // and the dashboard tells the owner so, with the way to the rates
      await page.goto(`${running.url}/`);
      const note = page.locator('.currency-note');
      await expect.poll(() => note.innerText(), { timeout: 60_000 }).toMatch(/USD.*converted to GBP with your exchange rates/);
      expect(await note.getByRole('link', { name: 'Exchange rates in Settings' }).getAttribute('href')).toBe('/settings');
      await page.screenshot({ path: path.join(shotDir, `exchange-rates-dashboard-${label}.png`), fullPage: true });
      if (label === 'phone') expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await page.close();
    }, 240_000);
  }
});
