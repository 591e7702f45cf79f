import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../platform/app.js';
import { makeCustomer, makeOrder } from '../customers/testing/factories.js';
import { DELIVER_JOB } from '../platform/events/events.service.js';
import { drainJobs } from '../platform/jobs/jobs.service.js';
import { browserTestsSkipped, shotDir, signIn, startWebApp } from '../app/testing/web-app.js';

describe.skipIf(browserTestsSkipped('loyalty'))('loyalty in Chromium', () => {
  let running: Running;
  let browser: Browser;
  beforeAll(async () => {
    ({ running, browser } = await startWebApp({ industry: 'professional_services', timeZone: 'Europe/Amsterdam', currency: 'EUR' }));
    const c = await makeCustomer(running.ctx.db, { name: 'Lotte <b>Loyal</b>', email: 'lotte@fern.test' });
    await running.ctx.db.transaction().execute(async (trx) => {
      await makeOrder(trx, c.id, { amount_minor: 62000, external_id: 'F-1001' });
      const at = (await (await import('kysely')).sql<{ at: string }>`select now()::text as at`.execute(trx)).rows[0].at;
      await running.ctx.events.emit(trx, 'order.created', { writtenAt: at, source: 'test' });
    });
    await drainJobs(running.ctx, { kinds: [DELIVER_JOB] });
  });
  afterAll(async () => {
    await browser?.close();
    await running?.stop();
  });

  for (const [label, viewport] of [
    ['desktop', { width: 1366, height: 900 }],
    ['390', { width: 390, height: 844 }],
  ] as const) {
    it(`points, codes and rules work at ${label}`, async () => {
      const page = await browser.newPage({ viewport });
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await signIn(page, running, '/loyalty');

      // points: the order earned 620, the tier is Silver, an adjustment lands in the ledger
      await page.getByLabel('Find a customer').fill('Lotte');
      await page.getByTestId('customer-results').getByRole('button', { name: 'Lotte <b>Loyal</b>' }).click();
      await expect.poll(() => page.getByTestId('balance').innerText()).toMatch(/^\d+$/);
      const before = Number(await page.getByTestId('balance').innerText());
      expect(before).toBeGreaterThanOrEqual(620);
      await expect.poll(() => page.getByTestId('customer-points').innerText()).toContain('Silver');
      await page.getByLabel('Points', { exact: true }).fill('25');
      await page.getByLabel('Reason').fill(`Sorry for the wait (${label})`);
      await page.getByRole('button', { name: 'Adjust' }).click();
      await expect.poll(() => page.getByTestId('balance').innerText()).toBe(String(before + 25));
      await expect.poll(() => page.getByTestId('ledger').innerText()).toContain(`Sorry for the wait (${label})`);
      await page.screenshot({ path: path.join(shotDir, `loyalty-points-${label}.png`), fullPage: true });

      // codes: one by hand, redeemed once, refused the second time with the reason
      await page.getByRole('tab', { name: 'Promo codes' }).click();
      await page.getByLabel('Prefix').fill('THANKS');
      await page.getByLabel('Percent', { exact: true }).fill('15');
      await page.getByLabel('Use', { exact: true }).selectOption('multi');
      await page.getByLabel('Usage limit').fill('1');
      await page.getByRole('button', { name: 'Make one code' }).click();
      await expect.poll(() => page.getByTestId('made').innerText()).toMatch(/THANKS-[A-HJKMNP-Z2-9]{10}/);
      const code = /THANKS-[A-HJKMNP-Z2-9]{10}/.exec(await page.getByTestId('made').innerText())![0];
      await expect.poll(() => page.getByTestId('codes').innerText()).toContain(code);
      await page.getByLabel('Code to redeem').fill(code.toLowerCase());
      await page.getByLabel('Order amount').fill('40');
      await page.getByRole('button', { name: 'Redeem', exact: true }).click();
      await expect.poll(() => page.getByText(/Redeemed: .*6[.,]00.* off/).count()).toBe(1); // the workspace's locale decides €6.00 or € 6,00
      await page.getByRole('button', { name: 'Redeem', exact: true }).click();
      await expect.poll(() => page.getByRole('alert').innerText()).toContain('used as many times as it may be');
      // a batch, with its CSV
      await page.getByLabel('How many').fill('25');
      await page.getByRole('button', { name: 'Make a batch' }).click();
      await expect.poll(() => page.getByTestId('made').innerText()).toContain('25 codes made');
      const href = await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
      const csv = await page.evaluate(async (u) => (await fetch(u!)).text(), href);
      expect(csv.trim().split('\n')).toHaveLength(26);
      await page.screenshot({ path: path.join(shotDir, `loyalty-codes-${label}.png`), fullPage: true });

      // rules: the owner changes the points per order
      await page.getByRole('tab', { name: 'Rules' }).click();
      await page.getByLabel('Points per order').fill('5');
      // the expiry notice and the referral reward: a promo code for each side
      await page.getByLabel('Notice days before points expire').fill('10');
      await page.getByLabel('Reward', { exact: true }).selectOption('promo');
      await page.getByLabel('Promo code percent off').fill('20');
      await page.getByRole('button', { name: 'Save rules' }).click();
      await expect.poll(() => page.getByText('Saved').count()).toBe(1);
      const s = await page.evaluate(async () => (await fetch('/api/loyalty/settings')).json());
      expect(s.settings).toMatchObject({ pointsPerOrder: 5, expiryNoticeDays: 10, referral: { reward: 'promo', promoPercentOff: 20 } });
      await page.screenshot({ path: path.join(shotDir, `loyalty-rules-${label}.png`), fullPage: true });
      await page.getByLabel('Reward', { exact: true }).selectOption('points');
      await expect.poll(() => page.getByLabel('Referrer gets').count()).toBe(1);
      await page.getByRole('button', { name: 'Save rules' }).click();
      await expect.poll(async () => (await page.evaluate(async () => (await fetch('/api/loyalty/settings')).json())).settings.referral.reward).toBe('points');

      // results: members vs other buyers, with the chart
      await page.getByRole('tab', { name: 'Results' }).click();
      await expect.poll(() => page.getByTestId('results-table').innerText()).toContain('other buyers');
      await expect.poll(() => page.getByTestId('member-results').locator('svg.recharts-surface').count()).toBeGreaterThan(0);
      await page.screenshot({ path: path.join(shotDir, `loyalty-results-${label}.png`), fullPage: true });

      // the customer's page shows the tier and points
      const lotte = await running.ctx.db.selectFrom('customers').select('id').where('email', '=', 'lotte@fern.test').executeTakeFirstOrThrow();
      await page.goto(`${running.url}/customers/${lotte.id}`);
      await expect.poll(() => page.getByTestId('customer-loyalty').innerText()).toContain('Silver');
      await page.getByTestId('customer-loyalty').scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(shotDir, `loyalty-customer-page-${label}.png`) });

      // nothing wider than the screen at 390 px
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(1);
      expect(pageErrors).toEqual([]);
      await page.close();
    }, 240_000); // many steps, on a shared machine
  }
});
