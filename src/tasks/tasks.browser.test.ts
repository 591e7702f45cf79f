import path from 'node:path';
import { sql } from 'kysely';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../platform/app.js';
import { createTask, insertPastTasks } from './tasks.service.js';
import { makeCustomer } from '../customers/testing/factories.js';
import { browserTestsSkipped, shotDir, signIn, startWebApp } from '../app/testing/web-app.js';

describe.skipIf(browserTestsSkipped('tasks'))('tasks in Chromium', () => {
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
    ['desktop', { width: 1366, height: 900 }],
    ['phone', { width: 390, height: 844 }],
  ] as const) {
    it(`pages, sorts, filters and does tasks in bulk; adds one for a customer (${label})`, async () => {
      const db = running.ctx.db;
      await sql`delete from tasks`.execute(db);
      const old = (await makeCustomer(db, { name: `Olive Oldtimer ${label}` })).id;
      const bo = (await makeCustomer(db, { name: `Bo Brightwater ${label}`, email: `bo-${label}@example.test` })).id;
      const monthAgo = Date.now() - 30 * 86_400_000;
      await insertPastTasks(
        db,
        Array.from({ length: 120 }, (_, i) => ({
          title: `Win-back call ${i + 1}`,
          dueAt: new Date(monthAgo + (i + 1) * 60_000),
          source: 'playbook:win',
          assigneeRole: 'owner' as const,
          customerId: old,
        })),
      );
      await createTask(db, { title: `Detractor follow-up ${label}`, customerId: bo, dueAt: new Date(), source: 'survey:s1', assigneeRole: 'owner' });

      const page = await browser.newPage({ viewport });
      page.setDefaultTimeout(15_000);
      await signIn(page, running, '/tasks');
      await expect.poll(() => page.getByTestId('count-today').innerText()).toBe(' (121)');
      await expect.poll(() => page.getByTestId('task-total').innerText()).toBe('Showing 50 of 121 tasks');
      await page.getByRole('button', { name: /Show more/ }).click();
      await page.getByRole('button', { name: /Show more/ }).click();
      await expect.poll(() => page.getByTestId('task-row').count()).toBe(121);
      await expect.poll(() => page.getByRole('button', { name: /Show more/ }).count()).toBe(0);

      // The newest task first; then only survey tasks.
      await page.getByLabel('Sort').selectOption('newest');
      await expect.poll(() => page.getByTestId('task-row').first().innerText()).toContain(`Detractor follow-up ${label}`);
      await page.getByLabel('Sort').selectOption('');
      await page.getByLabel('From').selectOption('survey');
      await expect.poll(() => page.getByTestId('task-row').count()).toBe(1);
      await page.getByLabel('From').selectOption('');
      await expect.poll(() => page.getByTestId('task-total').innerText()).toBe('Showing 50 of 121 tasks');

      // Tick three, mark them done.
      for (const n of [1, 2, 3]) await page.getByLabel(`Tick Win-back call ${n}`, { exact: true }).check();
      await page.getByRole('group', { name: 'With the ticked tasks' }).getByRole('button', { name: 'Mark done' }).click();
      await expect.poll(() => page.getByTestId('count-today').innerText()).toBe(' (118)');
      await expect.poll(() => page.getByTestId('count-done').innerText()).toBe(' (3)');
      await page.screenshot({ path: path.join(shotDir, `tasks-${label}.png`) });
      if (label === 'phone') expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

      // A new task for Bo, found by name.
      const form = page.getByRole('form', { name: 'New task' });
      await form.getByLabel('What').fill(`Send Bo the new price list ${label}`);
      await form.getByLabel('Customer (optional)').fill('Brightwater');
      await form.getByRole('button', { name: `Bo Brightwater ${label}` }).click();
      await expect.poll(() => form.getByTestId('task-customer').innerText()).toContain(`Bo Brightwater ${label}`);
      await form.getByRole('button', { name: 'Add task' }).click();
      await expect.poll(() => form.innerText()).toContain('Task added.');
      const made = await db.selectFrom('tasks').select(['customer_id']).where('title', '=', `Send Bo the new price list ${label}`).executeTakeFirstOrThrow();
      expect(made.customer_id).toBe(bo);

      // Bo's page lists Bo's tasks, and only those.
      await page.goto(`${running.url}/customers/${bo}`);
      const card = page.getByRole('region', { name: 'Tasks' });
      await expect.poll(() => card.getByTestId('task-row').count()).toBe(2);
      const text = await card.innerText();
      expect(text).toContain(`Send Bo the new price list ${label}`);
      expect(text).toContain(`Detractor follow-up ${label}`);
      expect(text).not.toContain('Win-back call');
      await card.getByRole('button', { name: `New task for Bo Brightwater ${label}` }).click();
      await card.getByLabel('What').fill('Thank Bo for the review');
      await card.getByRole('button', { name: 'Add task' }).click();
      await expect.poll(() => card.getByTestId('task-row').count()).toBe(3);
      await card.scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(shotDir, `customer-tasks-${label}.png`) });
      await page.close();
    });
  }
});
