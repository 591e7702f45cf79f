// `keepwell` — serve, migrate, demo; features add their own commands (import, report…).
import { Command } from 'commander';
import { registerAnalyticsCommands } from '../analytics/analytics.cli.js';
import { registerCustomerCommands } from '../customers/customers.cli.js';
import { registerPlaybookCommands } from '../playbooks/playbooks.cli.js';
import { DataDirLockedError } from '../platform/db/data-dir-lock.js';
import { ConfigError } from '../platform/config.js';
import { registerCoreCommands } from './core-commands.js';
import { DemoSeedError } from '../demo/seed.js';

const program = new Command('keepwell')
  .description('Keepwell: a self-hosted customer-retention workspace')
  .showHelpAfterError()
  .configureHelp({ sortSubcommands: false });

registerCoreCommands(program);
registerCustomerCommands(program);
registerAnalyticsCommands(program);
registerPlaybookCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof ConfigError || err instanceof DataDirLockedError || err instanceof DemoSeedError) {
    console.error(`keepwell: ${err.message}`);
    process.exit(2);
  }
  throw err;
}
