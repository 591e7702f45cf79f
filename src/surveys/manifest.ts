import type { Feature } from '../platform/feature.js';
import { seedSurveyDemo } from './surveys.demo.js';
import { surveyStep } from './surveys.actions.js';
import { surveySubscribers } from './surveys.events.js';
import { DIGEST_JOB, digestJob } from './surveys.job.js';
import { surveyMigrations } from './surveys.migrations.js';
import { surveyRoutes } from './surveys.routes.js';

export const surveysFeature: Feature = {
  name: 'surveys',
  migrations: surveyMigrations,
  routes: surveyRoutes,
  jobs: { [DIGEST_JOB]: digestJob },
  schedules: [{ kind: DIGEST_JOB, everyMs: 7 * 86400_000 }],
  subscribers: surveySubscribers,
  demo: seedSurveyDemo,
  contributes: { playbookActions: [surveyStep] },
};
