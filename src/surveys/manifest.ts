import type { Feature } from '../platform/feature.js';

export const surveysFeature: Feature = {
  name: 'surveys',
  load: async () => {
    const { seedSurveyDemo } = await import('./surveys.demo.js');
    const { surveyStep } = await import('./surveys.actions.js');
    const { surveySubscribers } = await import('./surveys.events.js');
    const { DIGEST_JOB, digestJob } = await import('./surveys.job.js');
    const { surveyMigrations } = await import('./surveys.migrations.js');
    const { surveyRoutes } = await import('./surveys.routes.js');
    const { surveyTimelineSources } = await import('./surveys.timeline.js');
    return {
      migrations: surveyMigrations,
      routes: surveyRoutes,
      jobs: { [DIGEST_JOB]: digestJob },
      schedules: [{ kind: DIGEST_JOB, everyMs: 7 * 86400_000 }],
      subscribers: surveySubscribers,
      demo: seedSurveyDemo,
      contributes: { playbookActions: [surveyStep], timelineSources: surveyTimelineSources },
      onSecretRotated: async (db) => {
        const open = await db
          .selectFrom('survey_requests')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('status', '!=', 'answered')
          .where('expires_at', '>', new Date())
          .executeTakeFirstOrThrow();
        return `${Number(open.n)} unanswered survey links already sent stop working`;
      },
    };
  },
};
