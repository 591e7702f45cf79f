// `keepwell` — serve, migrate, demo; features add their own commands (import, report…).
import { Command } from 'commander';
import { features } from '../app/features.js';
import { useFeatures } from '../platform/feature.js';
import { DataDirLockedError } from '../platform/db/data-dir-lock.js';
import { ConfigError } from '../platform/config.js';
import { DISK_FULL_MESSAGE, isDiskFull } from '../platform/disk.js';
import { registerCoreCommands } from './core-commands.js';
import { DemoSeedError } from '../demo/seed.js';

const program = new Command('keepwell')
  .description('Keepwell: a self-hosted customer-retention workspace')
  .showHelpAfterError()
  .configureHelp({ sortSubcommands: false });

useFeatures(features);
registerCoreCommands(program);
for (const f of features) f.commands?.(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof ConfigError || err instanceof DataDirLockedError || err instanceof DemoSeedError) {
    console.error(`keepwell: ${err.message}`);
    process.exit(2);
  }
  if (isDiskFull(err)) {
    console.error(`keepwell: ${DISK_FULL_MESSAGE}`);
    process.exit(1);
  }
  throw err;
}
