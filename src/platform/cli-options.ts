import { Option, type Command } from 'commander';
import { loadConfig, type Config } from './config.js';

/** Adds the shared --data-dir / --database-url flags to a command. */
export function withDatabaseOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--data-dir <dir>', 'data folder of the embedded database (env KEEPWELL_DATA_DIR, default ./data)'))
    .addOption(new Option('--database-url <url>', 'PostgreSQL server URL instead of the embedded database (env DATABASE_URL)'));
}

/** Config from the environment with the command's flags on top; throws ConfigError naming a bad value. */
export function configFromOptions(opts: { dataDir?: string; databaseUrl?: string; port?: string }, defaults: { dataDir?: string } = {}): Config {
  const env = { ...process.env };
  if (defaults.dataDir && !env.KEEPWELL_DATA_DIR && !opts.dataDir) env.KEEPWELL_DATA_DIR = defaults.dataDir;
  return loadConfig(env, { dataDir: opts.dataDir, databaseUrl: opts.databaseUrl, port: opts.port });
}
