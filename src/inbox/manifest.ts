import type { Feature } from '../platform/feature.js';

export const WAKE_JOB = 'inbox.wake-snoozed';

export const inboxFeature: Feature = {
  name: 'inbox',
  load: async () => {
    const { inboxMigrations } = await import('./inbox.migrations.js');
    const { inboxRoutes } = await import('./inbox.routes.js');
    const { wakeSnoozed } = await import('./inbox.service.js');
    const { SLA_JOB, watchServiceLevels } = await import('./inbox.sla-job.js');
    const { inboxSubscribers } = await import('./inbox.subscribers.js');
    const { startSmtpListenerFromEnv } = await import('./smtp.listener.js');
    const { IMAP_JOB, imapJob } = await import('./imap.js');
    const { inboxTimelineSources } = await import('./inbox.timeline.js');
    const { startImapIdleFromEnv } = await import('./imap-idle.js');
    return {
      migrations: inboxMigrations,
      routes: inboxRoutes,
      jobs: {
        [WAKE_JOB]: async (ctx) => `woke ${await wakeSnoozed(ctx)}`,
        [SLA_JOB]: async (ctx) => {
          const r = await watchServiceLevels(ctx);
          return `near ${r.nearBreach}, breached ${r.breached}`;
        },
        // an existing mailbox polled every minute (nothing when none is set up)
        [IMAP_JOB]: imapJob,
      },
      schedules: [
        { kind: WAKE_JOB, everyMs: 60_000 },
        { kind: SLA_JOB, everyMs: 60_000 },
        { kind: IMAP_JOB, everyMs: 60_000 },
      ],
      subscribers: inboxSubscribers,
      contributes: { timelineSources: inboxTimelineSources },
      // the SMTP listener (when KEEPWELL_SMTP_PORT is set) and the IMAP IDLE watcher (when a mailbox is set up)
      background: (ctx) => {
        const stops = [startSmtpListenerFromEnv(ctx), startImapIdleFromEnv(ctx)];
        return async () => {
          await Promise.all(stops.map((stop) => stop()));
        };
      },
    };
  },
};
