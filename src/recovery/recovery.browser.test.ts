import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Running } from '../platform/app.js';
import { makeCustomer, makeOrder } from '../customers/testing/factories.js';
import { DELIVER_JOB } from '../platform/events/events.service.js';
import { drainJobs } from '../platform/jobs/jobs.service.js';
import { browserTestsSkipped, shotDir, signIn, startWebApp } from '../app/testing/web-app.js';

describe.skipIf(browserTestsSkipped('recovery'))('recovery in Chromium', () => {
  let running: Running;
  let browser: Browser;
  const today = new Date().toISOString().slice(0, 10);
  // the incident happened yesterday, so a survey answered now is after it whatever the hour
  const yesterday = new Date(Date.now() - 86400_000).toISOString().slice(0, 10);
  beforeAll(async () => {
    // the machine is shared and often loaded: a page's answer may take longer than the default second
    vi.setConfig({ expect: { poll: { timeout: 20_000, interval: 100 } } });
    ({ running, browser } = await startWebApp({ industry: 'professional_services', timeZone: 'UTC', currency: 'EUR' }));
    for (const [name, email] of [
      ['Desk Nora <img src=x onerror=alert(1)>', 'nora@fern.test'],
      ['Mobile Max', 'max@fern.test'],
    ]) {
      const c = await makeCustomer(running.ctx.db, { name, email });
      await makeOrder(running.ctx.db, c.id, { amount_minor: 8000 });
    }
  });
  afterAll(async () => {
    await browser?.close();
    await running?.stop();
    vi.resetConfig();
  });

  for (const [label, viewport, who] of [
    ['desktop', { width: 1366, height: 900 }, 'Desk Nora'],
    ['390', { width: 390, height: 844 }, 'Mobile Max'],
  ] as const) {
    it(`logs an incident and sends an apology at ${label}`, async () => {
      const page = await browser.newPage({ viewport });
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      let dialogs = 0;
      page.on('dialog', (d) => {
        dialogs++;
        void d.dismiss();
      });
      await signIn(page, running, '/recovery');

      await page.getByLabel('Title').fill(`Late parcels (${label})`);
      await page.getByLabel('When').fill(`${yesterday}T09:00`);
      await page.getByLabel('Severity').selectOption('medium');
      await page.getByLabel('What happened to customers').fill('Your parcel arrived three days late');
      await page.getByLabel('Root cause').fill('we booked the wrong pickup day with the carrier');
      await page.getByLabel('Fix', { exact: true }).fill('we re-booked every pickup for this week');
      await page.getByLabel('Prevention').fill('pickups are now booked from the order itself, not by hand');
      await page.getByRole('button', { name: 'Log incident' }).click();
      await page.getByRole('link', { name: 'Open the new incident' }).click();

      await page.getByLabel('Orders from').fill(today);
      await page.getByLabel('Orders to').fill(today);
      await page.getByRole('button', { name: 'Add by query' }).click();
      await expect.poll(() => page.getByTestId('affected').locator('tbody tr').count()).toBe(2);
      expect(await page.getByTestId('affected').innerText()).toContain('Desk Nora <img src=x onerror=alert(1)>');

      await page.getByTestId('affected').locator('tr', { hasText: who }).getByRole('button', { name: 'Write apology' }).click();
      await expect.poll(() => page.getByTestId('composer').innerText()).toContain('refund €16.00 (20% of what they paid)');
      await expect.poll(() => page.getByTestId('warnings').innerText()).toContain('No warnings');
      const box = page.getByLabel('Apology', { exact: true });
      const draft = await box.inputValue();
      await box.fill(`${draft}\nWe apologise for any inconvenience this may have caused.`);
      await expect.poll(() => page.getByTestId('warnings').innerText(), { timeout: 5000 }).toContain('conditional apology');
      await page.getByRole('button', { name: 'Send apology' }).click();
      await expect.poll(() => page.getByRole('button', { name: 'Send anyway' }).count()).toBe(1);
      await page.screenshot({ path: path.join(shotDir, `recovery-composer-${label}.png`), fullPage: true });
      await box.fill(draft);
      await expect.poll(() => page.getByTestId('warnings').innerText()).toContain('No warnings');
      await page.getByRole('button', { name: 'Send apology' }).click();
      await expect.poll(() => page.getByTestId('affected').locator('tr', { hasText: who }).innerText()).toMatch(/email/);
      await expect.poll(() => page.getByTestId('affected').locator('tr', { hasText: who }).innerText()).toMatch(/ordered again|waiting/);
      // the customer answers a survey after the incident (as surveys announce it): the next-survey outcome shows it
      const email = who === 'Desk Nora' ? 'nora@fern.test' : 'max@fern.test';
      const answerer = await running.ctx.db.selectFrom('customers').select('id').where('email', '=', email).executeTakeFirstOrThrow();
      await running.ctx.db.transaction().execute((trx) =>
        running.ctx.events.emit(trx, 'survey.answered', {
          requestId: crypto.randomUUID(),
          responseId: crypto.randomUUID(),
          customerId: answerer.id,
          survey: 'nps',
          category: 'promoter',
          score: 9,
          reasons: [],
        }),
      );
      await drainJobs(running.ctx, { kinds: [DELIVER_JOB] });
      await page.reload();
      await expect.poll(() => page.getByTestId('affected').locator('tr', { hasText: who }).innerText()).toContain('NPS 9, promoter');
      await expect.poll(() => page.getByTestId('results').innerText()).toMatch(/(\d) answered: \1 \/ 0 \/ 0/); // promoters all
      // the public note: published, opened, hostile text shown as text
      await page.getByLabel('Public note').fill('Parcels left late this week. <script>alert(2)</script> We changed how pickups are booked.');
      await page.getByRole('button', { name: 'Publish' }).click();
      const href = await page.getByTestId('public-link').getAttribute('href');
      expect(href).toMatch(/^\/p\/incidents\/[A-Za-z0-9_-]{16}$/);
      await page.screenshot({ path: path.join(shotDir, `recovery-incident-${label}.png`), fullPage: true });
      const publicPage = await browser.newPage({ viewport });
      await publicPage.goto(`${running.url}${href}`);
      expect(await publicPage.locator('main').innerText()).toContain('<script>alert(2)</script>');
      await publicPage.screenshot({ path: path.join(shotDir, `recovery-public-note-${label}.png`), fullPage: true });
      await publicPage.close();

      // the library: the apology with its outcome, the results chart, saved as a template
      await page.getByRole('link', { name: '← Incidents' }).click();
      await page.getByRole('tab', { name: 'Library and results' }).click();
      await expect.poll(() => page.getByTestId('apologies').locator('tr', { hasText: who }).innerText()).toMatch(/ordered again|waiting/);
      await expect.poll(() => page.getByTestId('apologies').locator('tr', { hasText: who }).innerText()).toContain('NPS 9, promoter');
      await expect.poll(() => page.getByTestId('results').innerText()).toContain('apologised within 7 days');
      await page.getByTestId('apologies').locator('tr', { hasText: who }).getByRole('button', { name: 'Save as template' }).click();
      await page.getByLabel('Template name').fill(`Late pickup (${label})`);
      await page.getByRole('button', { name: 'Save template' }).click();
      await expect.poll(() => page.getByText(`Saved as template “Late pickup (${label})”`).count()).toBe(1);
      await page.screenshot({ path: path.join(shotDir, `recovery-library-${label}.png`), fullPage: true });
      await page.getByRole('tab', { name: 'Templates' }).click();
      await expect.poll(() => page.getByText(`Late pickup (${label})`).count()).toBe(1);

      // the owner's limits in Settings
      await page.goto(`${running.url}/settings`);
      await expect.poll(() => page.getByTestId('recovery-settings').count()).toBe(1);
      await page.getByTestId('recovery-settings').scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(shotDir, `recovery-settings-${label}.png`), fullPage: false });

      const emails = await running.ctx.db.selectFrom('emails').select('to_address').where('idempotency_key', 'like', 'apology:%').execute();
      expect(emails.filter((e) => e.to_address === (who === 'Desk Nora' ? 'nora@fern.test' : 'max@fern.test'))).toHaveLength(1);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(1);
      expect(dialogs).toBe(0);
      expect(pageErrors).toEqual([]);
      await page.close();
    }, 240_000);
  }
});
