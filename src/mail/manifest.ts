import type { Feature } from '../platform/feature.js';
import { sendEmailBatch } from './mail.job.js';
import { mailMigrations } from './mail.migrations.js';
import { mailRoutes } from './mail.routes.js';
import { EMAIL_JOB } from './mail.service.js';
import { closeTransports } from './mail.transport.js';

export const mailFeature: Feature = {
  name: 'mail',
  migrations: mailMigrations,
  routes: mailRoutes,
  batchJobs: { [EMAIL_JOB]: sendEmailBatch },
  background: () => async () => closeTransports(),
};
