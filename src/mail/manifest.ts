import type { Feature } from '../platform/feature.js';

export const mailFeature: Feature = {
  name: 'mail',
  load: async () => {
    const { sendEmailBatch } = await import('./mail.job.js');
    const { mailMigrations } = await import('./mail.migrations.js');
    const { mailRoutes } = await import('./mail.routes.js');
    const { EMAIL_JOB } = await import('./mail.service.js');
    const { closeTransports } = await import('./mail.transport.js');
    const { mailTimelineSources } = await import('./mail.timeline.js');
    return {
      migrations: mailMigrations,
      routes: mailRoutes,
      batchJobs: { [EMAIL_JOB]: sendEmailBatch },
      contributes: { timelineSources: mailTimelineSources },
      background: () => async () => closeTransports(),
      onSecretRotated: async () => 'unsubscribe links in emails already sent stop working (they answer "This link is not valid"); honour unsubscribe requests that come by reply',
    };
  },
};
