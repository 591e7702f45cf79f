import type { Feature } from '../platform/feature.js';
import { inboxMigrations } from './inbox.migrations.js';
import { inboxRoutes } from './inbox.routes.js';
import { wakeSnoozed } from './inbox.service.js';
import { startSmtpListenerFromEnv } from './smtp.listener.js';

export const WAKE_JOB = 'inbox.wake-snoozed';

export const inboxFeature: Feature = {
  name: 'inbox',
  migrations: inboxMigrations,
  routes: inboxRoutes,
  jobs: { [WAKE_JOB]: async (ctx) => `woke ${await wakeSnoozed(ctx)}` },
  schedules: [{ kind: WAKE_JOB, everyMs: 60_000 }],
  background: startSmtpListenerFromEnv,
};
