import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../platform/app.js';
import { browserTestsSkipped, shotDir, startWebApp } from '../app/testing/web-app.js';

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
      await page.goto(`${running.url}/customers/${c.id}`);
      await page.getByLabel('Email').fill('owner@fern.test');
      await page.getByLabel('Password').fill('correct horse battery');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('navigation', { name: 'Main' }).waitFor({ state: 'attached' });
      await page.goto(`${running.url}/customers/${c.id}`);
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
});
