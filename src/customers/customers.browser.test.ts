import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../platform/app.js';
import { browserTestsSkipped, shotDir, signIn, startWebApp } from '../app/testing/web-app.js';

describe.skipIf(browserTestsSkipped('customers'))('customer page in Chromium', () => {
  let running: Running;
  let browser: Browser;
  beforeAll(async () => {
    ({ running, browser } = await startWebApp());
  });
  afterAll(async () => {
    await browser?.close();
    await running?.stop();
  });

  for (const [label, viewport] of [
    ['desktop', { width: 1366, height: 820 }],
    ['phone', { width: 390, height: 844 }],
  ] as const) {
    it(`saves a customer who has a birthday (${label})`, async () => {
      const email = `bea-${label}@example.test`;
      const c = await running.ctx.db
        .insertInto('customers')
        .values({ name: `Bea Birthday ${label}`, email, email_normalized: email, birthday: '1957-01-27', tags: [], marketing_consent: true })
        .returning('id')
        .executeTakeFirstOrThrow();
      const page = await browser.newPage({ viewport });
      page.setDefaultTimeout(15_000);
      await signIn(page, running, `/customers/${c.id}`);
      const profile = page.getByRole('form', { name: 'Profile' });
      await expect.poll(() => profile.getByLabel('Birthday').inputValue()).toBe('1957-01-27');
      await profile.getByLabel('City').fill('York');
      await profile.getByRole('button', { name: 'Save profile' }).click();
      await expect.poll(() => profile.innerText()).toContain('Saved.');
      expect(await profile.innerText()).not.toContain('YYYY-MM-DD');
      await page.screenshot({ path: path.join(shotDir, `customer-birthday-${label}.png`), fullPage: true });
      const row = await running.ctx.db.selectFrom('customers').select(['birthday', 'city']).where('id', '=', c.id).executeTakeFirstOrThrow();
      expect(row).toEqual({ birthday: '1957-01-27', city: 'York' });
      await page.close();
    });
  }

  for (const [label, viewport] of [
    ['desktop', { width: 1366, height: 820 }],
    ['phone', { width: 390, height: 844 }],
  ] as const) {
    it(`adds a customer from the list, sorts by spend, shows a company with its value, one status in words (${label})`, async () => {
      const db = running.ctx.db;
      const co = await db
        .insertInto('companies')
        .values({ name: `Acme ${label}` })
        .returning('id')
        .executeTakeFirstOrThrow();
      const spender = await db
        .insertInto('customers')
        .values({ name: `Zed Bigspender ${label}`, tags: [], company_id: co.id })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db
        .insertInto('orders')
        .values({ customer_id: spender.id, amount_minor: 330, currency: 'GBP', ordered_at: new Date(Date.now() - 86400_000), status: 'paid' })
        .execute();
      await db
        .insertInto('orders')
        .values({ customer_id: spender.id, amount_minor: label === 'desktop' ? 999_999_00 : 1_999_999_00, currency: 'GBP', ordered_at: new Date(Date.now() - 2 * 86400_000), status: 'paid' })
        .execute();
      const page = await browser.newPage({ viewport });
      page.setDefaultTimeout(20_000);
      await signIn(page, running, '/customers');
      await expect.poll(() => page.getByRole('heading', { name: /Customers/ }).innerText(), { timeout: 20_000 }).toMatch(/Customers \(\d+\)/);
      await page.getByLabel('Sort').selectOption('spent');
      await page.locator('tbody tr', { hasText: `Zed Bigspender ${label}` }).waitFor();
      await expect.poll(() => page.locator('tbody tr').first().innerText(), { timeout: 20_000 }).toContain(`Zed Bigspender ${label}`);
      // money in the workspace's locale and currency (en-GB, GBP), never "£3.3"
      const big = label === 'desktop' ? '£1,000,002' : '£2,000,002';
      const first = await page.locator('tbody tr').first().innerText();
      expect(first).toContain(`${big}.30`);
      // dates in the workspace's locale (en-GB): day before month
      expect(first).toMatch(/\b\d{1,2} [A-Z][a-z]{2} \d{4}\b/);
      await page.screenshot({ path: path.join(shotDir, `customer-list-${label}.png`), fullPage: true });

      await page.getByRole('button', { name: 'Add customer' }).first().click();
      const form = page.getByRole('form', { name: 'Add customer' });
      await form.getByLabel('Name').fill(`Nia New ${label}`);
      await form.getByLabel('Company').selectOption({ label: `Acme ${label}` });
      await form.getByRole('button', { name: 'Add customer' }).click();
      await expect.poll(() => page.getByRole('heading', { level: 1 }).innerText()).toContain(`Nia New ${label}`);
      expect(await page.getByTestId('customer-status').innerText()).toBe('No orders yet');
      expect(await page.locator('body').innerText()).not.toContain('P(alive)');

      await page.goto(`${running.url}/customers/companies/${co.id}`);
      await expect.poll(() => page.locator('body').innerText()).toContain(`Nia New ${label}`);
      const body = await page.locator('body').innerText();
      expect(body).toContain(`Zed Bigspender ${label}`);
      expect(body).toContain(big);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      await page.screenshot({ path: path.join(shotDir, `company-${label}.png`), fullPage: true });

      await page.goto(`${running.url}/customers/${spender.id}`);
      await expect.poll(() => page.getByTestId('customer-status').innerText()).not.toBe('');
      const status = await page.getByTestId('customer-status').innerText();
      expect(['Doing well', 'Needs attention', 'At risk of leaving', 'Buying']).toContain(status);
      const text = await page.locator('body').innerText();
      expect(text).not.toContain('P(alive)');
      expect(text).not.toMatch(/usually every \d+ days/); // two orders are no rhythm
      await page.screenshot({ path: path.join(shotDir, `customer-status-${label}.png`), fullPage: true });
      await page.close();
    });
  }
});
