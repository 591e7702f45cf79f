// The full `keepwell` program: the core commands and the features' commands, from the feature
// list. Each feature's commands module is imported when its commands are registered; the
// compiled CLI registers only the feature whose command runs (cli/main.ts).
import type { Command } from 'commander';
import { features } from '../app/features.js';
import { installFeatures } from '../platform/feature.js';
import { registerCoreCommands } from './core-commands.js';
import { createRootCommand } from './program.js';

/** The program; with `only`, the core commands and that feature's (null: the core commands alone). */
export async function createFullProgram(only?: { feature: string | null }): Promise<Command> {
  installFeatures(features);
  const program = createRootCommand();
  registerCoreCommands(program);
  for (const f of features) if (!only || only.feature === f.name) await f.commands?.(program);
  return program;
}

/** The full program and, for each feature's top-level command, the feature that adds it. */
export async function createProgramWithOwners(): Promise<{ program: Command; featureOf: Map<string, string> }> {
  installFeatures(features);
  const program = createRootCommand();
  registerCoreCommands(program);
  const featureOf = new Map<string, string>();
  for (const f of features) {
    const before = new Set(program.commands);
    await f.commands?.(program);
    for (const c of program.commands) if (!before.has(c)) featureOf.set(c.name(), f.name);
  }
  return { program, featureOf };
}
