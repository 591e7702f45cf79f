import type { Feature } from '../platform/feature.js';
import { seedPlaybookDemo } from './playbooks.demo.js';
import { playbookMigrations } from './playbooks.migrations.js';
import { playbookRoutes } from './playbooks.routes.js';
import { SCAN_JOB, scanJob } from './playbooks.scan.js';
import { STEP_JOB, stepJob } from './playbooks.service.js';
import { playbookSubscribers } from './playbooks.subscribers.js';

export const playbooksFeature: Feature = {
  name: 'playbooks',
  migrations: playbookMigrations,
  routes: playbookRoutes,
  jobs: { [STEP_JOB]: stepJob, [SCAN_JOB]: scanJob },
  schedules: [{ kind: SCAN_JOB, everyMs: 15 * 60_000 }],
  subscribers: playbookSubscribers,
  demo: seedPlaybookDemo,
};
