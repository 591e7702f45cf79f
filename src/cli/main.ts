// `keepwell` — serve, migrate, demo; features add their own commands (import, report…).
// In the compiled CLI (dist/server) the command catalogue written at build time sits beside this
// file: help and usage errors are answered from it, and the features are loaded only when a
// command runs. From the sources (tsx) there is no catalogue and the full program is used.
import fs from 'node:fs';
import type { Catalogue } from './catalogue.js';

function readCatalogue(): Catalogue | null {
  try {
    return JSON.parse(fs.readFileSync(new URL('./commands.json', import.meta.url), 'utf8')) as Catalogue;
  } catch {
    return null;
  }
}

const catalogue = readCatalogue();
let runs = true;
// the compiled CLI loads only the commands of the feature whose command runs
let only: { feature: string | null } | undefined;
if (catalogue) {
  const { programFromCatalogue } = await import('./catalogue.js');
  runs = false;
  // help, --help and bad usage end the process here, as the full program would
  await programFromCatalogue(catalogue, (entry) => {
    runs = true;
    only = { feature: entry.feature ?? null };
  }).parseAsync(process.argv);
}

if (runs) {
  const { createFullProgram } = await import('./full.js');
  try {
    await (await createFullProgram(only)).parseAsync(process.argv);
  } catch (err) {
    // errors told in one line; demo/seed.js (faker) is loaded only when nothing else matched
    const { ConfigError } = await import('../platform/config.js');
    const { DataDirLockedError } = await import('../platform/db/data-dir-lock.js');
    const { DISK_FULL_MESSAGE, isDiskFull } = await import('../platform/disk.js');
    if (err instanceof ConfigError || err instanceof DataDirLockedError) {
      console.error(`keepwell: ${err.message}`);
      process.exit(2);
    }
    if (isDiskFull(err)) {
      console.error(`keepwell: ${DISK_FULL_MESSAGE}`);
      process.exit(1);
    }
    const { DemoSeedError } = await import('../demo/seed.js');
    if (err instanceof DemoSeedError) {
      console.error(`keepwell: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
}
