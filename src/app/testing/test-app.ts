// A Keepwell server for one test file on a fresh database, driven with app.inject (no port),
// plus helpers to sign in as owner or agent.
import { createUser, createSession } from '../../accounts/index.js';
import { ensureInstanceSecret } from '../../platform/secret.js';
import { saveWorkspace } from '../../workspace/index.js';
import { loadConfig } from '../../platform/config.js';
import type { AppContext } from '../../platform/context.js';
import type { OpenDatabase } from '../../platform/db/database.js';
import { SESSION_COOKIE } from '../../platform/http/access.js';
import { buildServer, type App } from '../../platform/http/server.js';
import { createLogger } from '../../platform/logger.js';
import { createTestDatabase } from './test-database.js';
import { eventBus } from '../../platform/events/events.service.js';

export interface Caller {
  headers: Record<string, string>;
  userId: string;
}

export interface TestApp {
  app: App;
  ctx: AppContext;
  database: OpenDatabase;
  /** sign-in headers (cookie + CSRF) for a fresh user of that role */
  signIn(role: 'owner' | 'agent', email?: string): Promise<Caller>;
  close(): Promise<void>;
}

let userCounter = 0;

export async function createTestApp(options: { now?: () => Date; withWorkspace?: boolean } = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  const ctx: AppContext = {
    db: database.db,
    config,
    log: createLogger('silent'),
    now: options.now ?? (() => new Date()),
    secret: await ensureInstanceSecret(database.db),
    events: eventBus,
  };
  if (options.withWorkspace !== false) {
    await saveWorkspace(database.db, { name: 'Test Co', industry: 'professional_services', timeZone: 'Europe/Amsterdam', currency: 'EUR' });
  }
  const app = await buildServer(ctx, { serveWeb: false, logger: false });
  await app.ready();
  return {
    app,
    ctx,
    database,
    async signIn(role, email) {
      const user = await createUser(database.db, {
        email: email ?? `${role}${++userCounter}-${Date.now()}@example.test`,
        name: `Test ${role}`,
        role,
        password: 'correct horse battery',
      });
      const session = await createSession(database.db, user.id, ctx.now());
      return { userId: user.id, headers: { cookie: `${SESSION_COOKIE}=${session.token}`, 'x-csrf-token': session.csrfToken } };
    },
    async close() {
      await app.close();
      await database.close();
    },
  };
}
