import type { Command } from 'commander';

export function registerAnalyticsCommands(program: Command): void {
  void program;
}
