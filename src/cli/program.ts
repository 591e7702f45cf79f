// The root `keepwell` command, shared by the full program (cli/full.ts) and the quick one built
// from the command catalogue (cli/catalogue.ts).
import { Command } from 'commander';

export function createRootCommand(): Command {
  return new Command('keepwell').description('Keepwell: a self-hosted customer-retention workspace').showHelpAfterError().configureHelp({ sortSubcommands: false });
}
