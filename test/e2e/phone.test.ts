import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Running } from '../../src/platform/app.js';
import { browserTestsSkipped, shotDir, startWebApp } from '../../src/app/testing/web-app.js';

describe.skipIf(browserTestsSkipped('phone layout'))('phone layout in Chromium', () => {
  let running: Running;
  let browser: Browser;
  beforeAll(async () => {
    ({ running, browser } = await startWebApp());
  });
  afterAll(async () => {
    await browser?.close();
    await running?.stop();
  });

  it('shows every area within a 390 px screen, the page starting on the first screen', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    page.setDefaultTimeout(15_000);
    await page.goto(`${running.url}/dashboard`);
    await page.getByLabel('Email').fill('owner@fern.test');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.waitFor();
    const problems: string[] = [];
    const areas = await nav.getByRole('link').allInnerTexts();
    expect(areas.length).toBeGreaterThanOrEqual(8);
    for (const area of areas) {
      await nav.getByRole('link', { name: area, exact: true }).click();
      await expect.poll(() => page.locator('main').innerText()).not.toBe('');
      await page.waitForLoadState('networkidle');
      const top = (await page.locator('main').boundingBox())!.y;
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      if (top > 200) problems.push(`${area}: the page starts ${Math.round(top)} px down`);
      if (wide > 390) problems.push(`${area}: ${wide} px wide`);
      await page.screenshot({ path: path.join(shotDir, `phone-${area.toLowerCase()}.png`) });
    }
    expect(problems).toEqual([]);
  });
});
