// The import page in Chromium: the check step says how a line-item file with cancellations was
// understood, the import applies them, and imports on the server show with a progress bar.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsSkipped, shotDir, signIn, startWebApp } from '../../app/testing/web-app.js';
import type { Running } from '../../platform/app.js';
import { drainJobs } from '../../platform/jobs/jobs.service.js';
import { IMPORT_JOB, queueImport } from './import.jobs.js';

const linesFile = path.resolve(import.meta.dirname, '../../../../shared/data/online-retail/online_retail_lines_2010-12-01.csv');

describe.skipIf(browserTestsSkipped('import') || !fs.existsSync(linesFile))('import page in Chromium', () => {
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
    it(`checks and imports a line-item file with cancellations; shows imports on the server (${label})`, async () => {
      const owner = await running.ctx.db.selectFrom('users').select('id').executeTakeFirstOrThrow();
      // an import on the server, part-way, as another staff member would see it
      let csv = 'order_id,email,date,amount\n';
      for (let i = 0; i < 20_000; i++) csv += `S-${label}-${i},s${i % 40}@example.com,2025-02-01,${(i % 90) + 1}.00\n`;
      const jobId = await queueImport(running.ctx.db, { fileName: `shop-${label}.csv`, bytes: Buffer.from(csv), options: { type: 'orders' }, startedBy: owner.id, now: new Date() });
      await running.ctx.db
        .updateTable('import_jobs')
        .set({ status: 'running', progress_bytes: Math.round(csv.length * 0.4), progress_rows: 8000 })
        .where('id', '=', jobId)
        .execute();

      const page = await browser.newPage({ viewport });
      page.setDefaultTimeout(60_000);
      await signIn(page, running, '/customers/import');

      const jobs = page.getByRole('region', { name: 'Imports on the server' });
      const bar = jobs.getByRole('progressbar').first();
      await expect.poll(() => bar.getAttribute('aria-valuenow')).toBe('40');
      expect(await jobs.innerText()).toContain(`shop-${label}.csv`);
      // the progress is seen without scrolling the table sideways, on a phone too
      const barBox = await bar.boundingBox();
      expect(barBox).not.toBeNull();
      expect(barBox!.x + barBox!.width).toBeLessThanOrEqual(viewport.width);

      await page.getByLabel('CSV file').setInputFiles(linesFile);
      await page.getByRole('button', { name: 'Check file' }).click();
      const understood = page.getByRole('region', { name: 'How the file was understood' });
      await expect.poll(() => understood.innerText()).toContain('are summed into one order');
      expect(await understood.innerText()).toMatch(/cancellations or refunds/);
      expect(await understood.innerText()).toContain('17850.0');
      await page.screenshot({ path: path.join(shotDir, `import-check-${label}.png`), fullPage: true });

      await page.getByRole('button', { name: /^Import \d+ orders/ }).click();
      const result = page.getByRole('region', { name: 'Result' });
      // (the second run finds them applied by the first: "already applied by an earlier import")
      await expect.poll(() => result.innerText()).toMatch(/were applied to the orders they undo/);
      expect(await result.innerText()).toMatch(label === 'desktop' ? /cancellations and refunds applied/ : /already applied by an earlier import/);

      // the job runs on the queue (this server has no worker: run it here) and shows as done
      await drainJobs(running.ctx, { kinds: [IMPORT_JOB] });
      await expect.poll(() => jobs.innerText(), { timeout: 20_000 }).toContain('done · 20,000 rows');
      await page.screenshot({ path: path.join(shotDir, `import-result-${label}.png`), fullPage: true });
      const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(wide).toBeLessThanOrEqual(0);
      await page.close();
    }, 180_000);
  }
});
