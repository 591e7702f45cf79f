import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../platform/app.js';
import { browserTestsSkipped, shotDir, signIn, startWebApp } from '../app/testing/web-app.js';
import { installReadyMade, listPlaybooks } from '../playbooks/index.js';
import { recordTouchpoint } from './customers.service.js';
import { makeCustomer, makeOrder } from './testing/factories.js';

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
      const c = await makeCustomer(running.ctx.db, { name: `Bea Birthday ${label}`, email, birthday: '1957-01-27', marketing_consent: true });
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
      const spender = await makeCustomer(db, { name: `Zed Bigspender ${label}`, company_id: co.id });
      await makeOrder(db, spender.id, { amount_minor: 330, currency: 'GBP', ordered_at: new Date(Date.now() - 86400_000) });
      await makeOrder(db, spender.id, { amount_minor: label === 'desktop' ? 999_999_00 : 1_999_999_00, currency: 'GBP', ordered_at: new Date(Date.now() - 2 * 86400_000) });
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
      // what the list is sorted by is on the screen, a phone's too (the list stacks there)
      const spent = await page.locator('tbody tr').first().getByText(`${big}.30`).boundingBox();
      expect(spent).not.toBeNull();
      expect(spent!.x + spent!.width).toBeLessThanOrEqual(viewport.width);
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

  for (const [label, viewport] of [
    ['desktop', { width: 1366, height: 820 }],
    ['phone', { width: 390, height: 844 }],
  ] as const) {
    it(`shows the areas' panels and a timeline in words: playbooks by name, points from loyalty (${label})`, async () => {
      const db = running.ctx.db;
      await installReadyMade(db);
      const [pb] = await listPlaybooks(db);
      const c = await makeCustomer(db, { name: `Tia Timeline ${label}`, email: `tia-${label}@example.test` });
      await makeOrder(db, c.id, { amount_minor: 4250, currency: 'GBP', ordered_at: new Date(Date.now() - 3 * 86400_000) });
      await recordTouchpoint(db, {
        customerId: c.id,
        channel: 'email',
        direction: 'out',
        summary: 'Thank you for your order',
        source: `playbook:${pb.id}`,
        occurredAt: new Date(Date.now() - 2 * 86400_000),
      });
      const page = await browser.newPage({ viewport });
      page.setDefaultTimeout(20_000);
      await signIn(page, running, `/customers/${c.id}`);
      // points given by hand, through loyalty's API as the web app sends it
      const status = await page.evaluate(async (id) => {
        const me = await (await fetch('/api/auth/me')).json();
        const r = await fetch(`/api/loyalty/customers/${id}/adjust`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
          body: JSON.stringify({ points: 25, reason: 'Goodwill after a late parcel', idempotencyKey: crypto.randomUUID() }),
        });
        return r.status;
      }, c.id);
      expect(status).toBeLessThan(300);
      await page.reload();
      // panels contributed by loyalty (under the health card) and tasks (before the timeline)
      await page.getByTestId('customer-loyalty').waitFor();
      await page
        .getByRole('region', { name: 'Tasks' })
        .getByRole('button', { name: `New task for Tia Timeline ${label}` })
        .waitFor();
      const timeline = page.getByRole('region', { name: 'Timeline' });
      await expect.poll(() => timeline.innerText(), { timeout: 20_000 }).toContain('Adjusted by hand 25 points: Goodwill after a late parcel');
      const who = timeline.getByRole('link', { name: `Playbook “${pb.name}”` });
      expect(await who.getAttribute('href')).toBe(`/playbooks/${pb.id}`);
      const text = await timeline.innerText();
      expect(text).not.toContain('playbook:');
      expect(text).not.toContain(pb.id);
      expect(text).toContain('£42.50');
      if (label === 'phone') expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      await timeline.scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(shotDir, `customer-panels-timeline-${label}.png`), fullPage: true });
      await page.close();
    });

    it(`exports the list as filtered, searched and sorted on screen (${label})`, async () => {
      const db = running.ctx.db;
      const tag = `csv-${label}`;
      for (const [name, amount] of [
        ['Xena Small', 1000],
        ['Xavi Large', 90000],
        ['Xu Medium', 30000],
        ['Other Person', 50000],
      ] as const) {
        const c = await makeCustomer(db, { name: `${name} ${label}`, tags: [tag] });
        await makeOrder(db, c.id, { amount_minor: amount, currency: 'GBP', ordered_at: new Date(Date.now() - 5 * 86400_000) });
      }
      const page = await browser.newPage({ viewport, acceptDownloads: true });
      page.setDefaultTimeout(20_000);
      await signIn(page, running, '/customers');
      await page.getByLabel('Sort').selectOption('spent');
      await page.getByLabel('Search by name or email').fill('X');
      await page.getByLabel('Tag').locator(`option[value="${tag}"]`).waitFor({ state: 'attached' });
      await page.getByLabel('Tag').selectOption(tag);
      await page.getByLabel('Spent at least').fill('50');
      await expect.poll(() => page.locator('tbody tr').allInnerTexts(), { timeout: 20_000 }).toEqual([expect.stringContaining(`Xavi Large ${label}`), expect.stringContaining(`Xu Medium ${label}`)]);
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
      const csv = fs.readFileSync((await download.path())!, 'utf8');
      const rows = csv.trim().split('\n').slice(1);
      const ours = rows.map((r) => r.split(',')[2]).filter((n) => n.endsWith(` ${label}`));
      expect(ours).toEqual([`Xavi Large ${label}`, `Xu Medium ${label}`]);
      expect(rows).toHaveLength(2); // the list's filters, not every customer
      if (label === 'phone') expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      await page.screenshot({ path: path.join(shotDir, `customer-export-${label}.png`), fullPage: false });
      await page.close();
    });
  }
});
