import type { Command } from 'commander';

export function registerCustomerCommands(program: Command): void {
  void program;
}
