// Headless Chromium through playwright-core, for browser tests. Debian's chromium is used
// (no browser download); tests skip with a clear line when it is missing.
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const chromiumPath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));

export const noChromiumReason = 'no Chromium at /usr/bin/chromium (apt-get install chromium) — browser tests skipped';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
