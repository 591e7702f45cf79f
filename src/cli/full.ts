// The full `keepwell` program: the core commands and every feature's commands, from the feature
// list. Loading it loads every feature (and the libraries they use).
import type { Command } from 'commander';
import { features } from '../app/features.js';
import { installFeatures } from '../platform/feature.js';
import { registerCoreCommands } from './core-commands.js';
import { createRootCommand } from './program.js';

export function createFullProgram(): Command {
  installFeatures(features);
  const program = createRootCommand();
  registerCoreCommands(program);
  for (const f of features) f.commands?.(program);
  return program;
}
