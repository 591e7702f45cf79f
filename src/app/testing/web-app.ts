// A real Keepwell server on a fresh database plus headless Chromium, for the browser tests of
// every area: the business "Fern & Finch" and its owner (owner@fern.test / correct horse
// battery) are set up; each test adds what it needs. Screenshots go to test-results/.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromiumPath, launchBrowser, noChromiumReason } from '../../../test/e2e/browser.js';
import { createUser } from '../../accounts/index.js';
import { startKeepwell, type Running } from '../../platform/app.js';
import { loadConfig } from '../../platform/config.js';
import { saveWorkspace, type WorkspaceInput } from '../../workspace/index.js';
import { createTestDatabase } from './test-database.js';

export const shotDir = path.resolve('test-results');

/** True when browser tests cannot run here (no Chromium, or the web app not built), saying why once. */
export function browserTestsSkipped(area: string): boolean {
  const webBuilt = fs.existsSync('dist/web/index.html');
  if (!chromiumPath) console.log(`${area}: ${noChromiumReason}`);
  else if (!webBuilt) console.log(`${area}: dist/web is not built (npm run build) — browser test skipped`);
  return !chromiumPath || !webBuilt;
}

/** `keepwell serve` (without its worker) on a fresh database with the business and its owner, and a browser. */
export async function startWebApp(workspace: Partial<WorkspaceInput> = {}): Promise<{ running: Running; browser: Browser }> {
  const database = await createTestDatabase();
  const running = await startKeepwell(loadConfig({ PORT: '0', LOG_LEVEL: 'silent' }, { worker: false }), database);
  await saveWorkspace(running.ctx.db, { name: 'Fern & Finch', industry: 'consumer_services', timeZone: 'Europe/London', currency: 'GBP', ...workspace });
  await createUser(running.ctx.db, { email: 'owner@fern.test', name: 'Fern Owner', role: 'owner', password: 'correct horse battery' });
  const browser = await launchBrowser();
  fs.mkdirSync(shotDir, { recursive: true });
  return { running, browser };
}

/** The password every test user of the web tests has. */
export const testPassword = 'correct horse battery';

/**
 * Opens `to` signed in as `email` (the owner by default). The app first asks who is signed in,
 * so this waits for the sign-in form or the app (never "Loading…"), signs in when asked, and
 * opens `to` again so every test starts on the page it named.
 */
export async function signIn(page: Page, running: Running, to: string, email = 'owner@fern.test'): Promise<void> {
  await page.goto(`${running.url}${to}`);
  const app = page.getByRole('navigation', { name: 'Main' });
  await page.getByLabel('Password').or(app).first().waitFor({ state: 'attached' });
  if (await app.count()) return;
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(testPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await app.waitFor({ state: 'attached' });
  await page.goto(`${running.url}${to}`);
  await app.waitFor({ state: 'attached' });
}
