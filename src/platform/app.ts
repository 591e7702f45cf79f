// Starts Keepwell: open (and migrate) the database, build the context, serve HTTP, run the
// job worker, and shut all of it down cleanly on SIGINT/SIGTERM.
import { ensureInstanceSecret } from './secret.js';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { openDatabase, type OpenDatabase } from './db/database.js';
import { buildServer, type App } from './http/server.js';
import { createLogger } from './logger.js';
import { startBackgroundWork } from './background.js';
import { eventBus } from './events/events.service.js';
import { loadFeatures } from './feature.js';

export interface Running {
  app: App;
  ctx: AppContext;
  database: OpenDatabase;
  url: string;
  stop(): Promise<void>;
}

export async function createContext(config: Config, database: OpenDatabase, log = createLogger(config.logLevel)): Promise<AppContext> {
  await loadFeatures(); // job handlers, subscribers and routes, for whatever runs with this context
  const secret = await ensureInstanceSecret(database.db);
  return { db: database.db, config, log, now: () => new Date(), secret, events: eventBus };
}

export async function startKeepwell(config: Config, opened?: OpenDatabase): Promise<Running> {
  const database = opened ?? (await openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl }));
  const ctx = await createContext(config, database);
  const app = await buildServer(ctx);
  const stopBackground = config.worker ? startBackgroundWork(ctx) : async () => {};
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://localhost:${port}`;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      ctx.log.info('shutting down');
      await app.close(); // stops accepting, lets in-flight requests finish
      await stopBackground();
      await database.close();
    })());
  return { app, ctx, database, url, stop };
}

/** Stop cleanly on the first SIGINT/SIGTERM; a second one exits at once. */
export function stopOnSignals(running: Running): void {
  let signalled = false;
  const onSignal = (sig: string) => {
    if (signalled) process.exit(1);
    signalled = true;
    running.ctx.log.info({ sig }, 'signal received');
    running.stop().then(
      () => process.exit(0),
      (err) => {
        running.ctx.log.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
