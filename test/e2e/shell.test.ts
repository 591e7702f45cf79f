// The web app in a real browser: first-run setup, sign in, every area in the navigation.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startKeepwell, type Running } from '../../src/platform/app.js';
import { loadConfig } from '../../src/platform/config.js';
import { createTestDatabase } from '../../src/app/testing/test-database.js';
import { chromiumPath, launchBrowser, noChromiumReason } from './browser.js';

const shotDir = path.resolve('test-results');
const haveWeb = fs.existsSync('dist/web/index.html');
if (!chromiumPath) console.log(noChromiumReason);
if (!haveWeb) console.log('dist/web is not built (npm run build) — browser tests skipped');

describe.skipIf(!chromiumPath || !haveWeb)('web app in Chromium', () => {
  let running: Running;
  let browser: Browser;
  beforeAll(async () => {
    const database = await createTestDatabase();
    running = await startKeepwell(loadConfig({ PORT: '0', LOG_LEVEL: 'silent' }), database);
    browser = await launchBrowser();
    fs.mkdirSync(shotDir, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await running?.stop();
  });

  it('sets up a business, signs out and in, and shows every area', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
    await page.goto(running.url);
    await page.getByRole('heading', { name: 'Welcome to Keepwell' }).waitFor();
    await page.getByLabel('Business name').fill('Fern & Finch Studio');
    await page.getByLabel('Your name').fill('Fern Owner');
    await page.getByLabel('Email').fill('fern@example.test');
    await page.getByLabel('Password (at least 10 characters)').fill('fern-secret-123');
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    expect(page.url()).toContain('/dashboard');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Keepwell' }).waitFor();
    await page.screenshot({ path: path.join(shotDir, 'login.png') });
    await page.getByLabel('Email').fill('fern@example.test');
    await page.getByLabel('Password').fill('wrong password!');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Wrong email or password');
    await page.getByLabel('Password').fill('fern-secret-123');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await page.screenshot({ path: path.join(shotDir, 'dashboard.png') });

    for (const area of ['Dashboard', 'Customers', 'Inbox', 'Assistant', 'Surveys', 'Playbooks', 'Recovery', 'Loyalty', 'Settings']) {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: area, exact: true }).click();
      await expect.poll(() => page.locator('main').innerText()).not.toBe('');
      const text = await page.locator('main').innerText();
      expect(text, area).not.toContain('That page does not exist');
    }
    // Settings shows what setup saved.
    await expect.poll(() => page.getByLabel('Business name').inputValue()).toBe('Fern & Finch Studio');
    await page.screenshot({ path: path.join(shotDir, 'settings.png'), fullPage: true });
  });
});
