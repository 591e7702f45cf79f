import type { Feature } from '../platform/feature.js';
import { inboxMigrations } from './inbox.migrations.js';
import { inboxRoutes } from './inbox.routes.js';
import { wakeSnoozed } from './inbox.service.js';
import { SLA_JOB, watchServiceLevels } from './inbox.sla-job.js';
import { inboxSubscribers } from './inbox.subscribers.js';
import { startSmtpListenerFromEnv } from './smtp.listener.js';

export const WAKE_JOB = 'inbox.wake-snoozed';

export const inboxFeature: Feature = {
  name: 'inbox',
  migrations: inboxMigrations,
  routes: inboxRoutes,
  jobs: {
    [WAKE_JOB]: async (ctx) => `woke ${await wakeSnoozed(ctx)}`,
    [SLA_JOB]: async (ctx) => {
      const r = await watchServiceLevels(ctx);
      return `near ${r.nearBreach}, breached ${r.breached}`;
    },
  },
  schedules: [
    { kind: WAKE_JOB, everyMs: 60_000 },
    { kind: SLA_JOB, everyMs: 60_000 },
  ],
  subscribers: inboxSubscribers,
  background: startSmtpListenerFromEnv,
};
