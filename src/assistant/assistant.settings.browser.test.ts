// The Assistant's Settings section in Chromium: the optional endpoint with its second opt-in
// (rephrasing the chosen answer), saved and shown again, at desktop and phone width.
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsSkipped, shotDir, signIn, startWebApp } from '../app/testing/web-app.js';
import type { Running } from '../platform/app.js';
import { getAssistantSettings } from './assistant.settings.js';

describe.skipIf(browserTestsSkipped('assistant'))('assistant settings in Chromium', () => {
  let running: Running;
  let browser: Browser;

  beforeAll(async () => {
    ({ running, browser } = await startWebApp());
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await running?.stop();
  });

  for (const [label, viewport] of [
    ['desktop', { width: 1280, height: 900 }],
    ['phone', { width: 390, height: 844 }],
  ] as const) {
    it(`turns on the endpoint and its rephrasing, saved and shown again (${label})`, async () => {
      const page = await browser.newPage({ viewport });
      try {
        await signIn(page, running, '/settings');
        const form = page.getByTestId('assistant-settings');
        await form.waitFor();
        const rephrase = form.getByLabel("Also let it rephrase the chosen answer in the assistant's tone");
        expect(await rephrase.isChecked()).toBe(false);
        await form.getByLabel('Endpoint URL').fill('http://127.0.0.1:9/v1');
        await form.getByLabel('Use it').check();
        await rephrase.check();
        await form.getByRole('button', { name: 'Save' }).click();
        await form.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
        const saved = await getAssistantSettings(running.ctx.db);
        expect(saved.llm).toMatchObject({ enabled: true, rephrase: true, url: 'http://127.0.0.1:9/v1' });
        await page.reload();
        await form.waitFor();
        expect(await form.getByLabel("Also let it rephrase the chosen answer in the assistant's tone").isChecked()).toBe(true);
        await form.getByText('Optional: a language model').scrollIntoViewIfNeeded();
        await form.screenshot({ path: path.join(shotDir, `assistant-settings-rephrase-${label}.png`) });
        // back off for the next width
        await form.getByLabel("Also let it rephrase the chosen answer in the assistant's tone").uncheck();
        await form.getByLabel('Use it').uncheck();
        await form.getByRole('button', { name: 'Save' }).click();
        await expect.poll(async () => (await getAssistantSettings(running.ctx.db)).llm.rephrase).toBe(false);
      } finally {
        await page.close();
      }
    }, 120_000);
  }
});
