import type { Feature } from '../platform/feature.js';

export const playbooksFeature: Feature = {
  name: 'playbooks',
  load: async () => {
    const { seedPlaybookDemo } = await import('./playbooks.demo.js');
    const { playbookMigrations } = await import('./playbooks.migrations.js');
    const { playbookRoutes } = await import('./playbooks.routes.js');
    const { SCAN_JOB, scanJob } = await import('./playbooks.scan.js');
    const { STEP_JOB, stepJob, playbookWebhookKey } = await import('./playbooks.service.js');
    const { playbookSubscribers } = await import('./playbooks.subscribers.js');
    const { playbookTimelineSources } = await import('./playbooks.timeline.js');
    return {
      migrations: playbookMigrations,
      routes: playbookRoutes,
      jobs: { [STEP_JOB]: stepJob, [SCAN_JOB]: scanJob },
      schedules: [{ kind: SCAN_JOB, everyMs: 15 * 60_000 }],
      subscribers: playbookSubscribers,
      demo: seedPlaybookDemo,
      contributes: { timelineSources: playbookTimelineSources },
      onSecretRotated: async (_db, { current }) => `webhook steps are now signed with ${playbookWebhookKey(current)}: give it to their receivers`,
    };
  },
};
