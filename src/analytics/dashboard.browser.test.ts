// The dashboard as of a chosen day, in Chromium at desktop width and at 390 px: a year of
// 2010–11 orders in a fresh workspace opens as of the data's last day (with a note), another day
// can be chosen, every chart says the dates it covers, and "How these figures are worked out"
// names the purchase model the report chose and why.
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsSkipped, shotDir, signIn, startWebApp } from '../app/testing/web-app.js';
import type { Running } from '../platform/app.js';
import { insertHistory } from '../customers/index.js';
import { makeCustomer } from '../customers/testing/factories.js';

describe.skipIf(browserTestsSkipped('dashboard'))('dashboard as of a day, in Chromium', () => {
  let running: Running;
  let browser: Browser;
  beforeAll(async () => {
    ({ running, browser } = await startWebApp());
    const db = running.ctx.db;
    const customers = [];
    for (let i = 0; i < 60; i++) customers.push(await makeCustomer(db, { name: `Customer ${i}` }));
    const orders = [];
    for (const [i, c] of customers.entries()) {
      const every = (i % 4) + 1;
      const stopAt = i % 4 === 0 ? 7 : 13;
      for (let m = i % 6; m < stopAt; m += every)
        orders.push({ customer_id: c.id, ordered_at: new Date(Date.UTC(2010, 11 + m, 1 + (i % 9), 10)).toISOString(), amount_minor: 2000 + 100 * i, currency: 'GBP', status: 'paid' as const });
    }
    // the data's last order
    orders.push({ customer_id: customers[1].id, ordered_at: '2011-12-09T12:00:00Z', amount_minor: 5000, currency: 'GBP', status: 'paid' as const });
    await insertHistory(db, { orders });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await running?.stop();
  });

  for (const [label, viewport] of [
    ['desktop', { width: 1366, height: 900 }],
    ['phone', { width: 390, height: 844 }],
  ] as const) {
    it(`opens as of the data's last day and moves to another (${label})`, async () => {
      const page = await browser.newPage({ viewport });
      page.setDefaultTimeout(60_000);
      await signIn(page, running, '/dashboard');
      const note = page.locator('.as-of-note');
      await expect.poll(() => note.innerText()).toMatch(/^Your data ends on 2011-12-09, .* days before today, so these figures are as of that day/);
      await expect.poll(() => page.getByLabel('As of', { exact: true }).inputValue()).toBe('2011-12-09');
      const active = page.locator('.kpi', { hasText: 'Active customers' }).locator('.value');
      expect(Number((await active.innerText()).replace(/\D/g, ''))).toBeGreaterThan(20);
      await expect.poll(() => page.getByRole('heading', { name: /Churn trend/ }).innerText()).toContain('2010-12-01 to 2011-12-09');
      await page.screenshot({ path: path.join(shotDir, `dashboard-as-of-${label}.png`), fullPage: true });

      await page.getByLabel('As of', { exact: true }).fill('2011-06-30');
      await expect.poll(() => note.innerText()).toMatch(/^Figures as of 2011-06-30, from the data up to that day/);
      await expect.poll(() => page.getByRole('heading', { name: /Churn trend/ }).innerText()).toContain('to 2011-06-30');
      await page.getByText('How these figures are worked out').click();
      await expect.poll(() => page.locator('.chosen-model').innerText()).toMatch(/^Purchase model used: (BG\/NBD|Pareto\/NBD|BG\/BB) \(chosen by /);
      await page.screenshot({ path: path.join(shotDir, `dashboard-as-of-chosen-${label}.png`), fullPage: true });
      if (label === 'phone') expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await page.close();
    }, 240_000);
  }
});
