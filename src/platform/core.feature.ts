// The platform's own part of the feature list: the job queue and the event outbox (their
// tables, the delivery job and housekeeping). `src/app/features.ts` lists it first.
import type { Feature } from './feature.js';

const PRUNE_JOB = 'platform.prune';

export const platformFeature: Feature = {
  name: 'platform',
  load: async () => {
    const { DELIVER_JOB, deliverEvents, pruneEvents } = await import('./events/events.service.js');
    const { eventMigrations } = await import('./events/events.migrations.js');
    const { jobMigrations } = await import('./jobs/jobs.migrations.js');
    return {
      migrations: { ...jobMigrations, ...eventMigrations },
      batchJobs: { [DELIVER_JOB]: deliverEvents },
      jobs: {
        [PRUNE_JOB]: async (ctx) => {
          const events = await pruneEvents(ctx);
          const r = await ctx.db
            .deleteFrom('jobs')
            .where('status', '=', 'done')
            .where('finished_at', '<', new Date(ctx.now().getTime() - 7 * 86400_000))
            .executeTakeFirst();
          ctx.log.info({ events, jobs: Number(r.numDeletedRows ?? 0) }, 'pruned');
          return 'pruned';
        },
      },
      schedules: [{ kind: PRUNE_JOB, everyMs: 24 * 3600_000 }],
    };
  },
};
