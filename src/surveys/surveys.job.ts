// The weekly feedback digest as a scheduled job: one job per week (the queue's schedule makes
// one per period), handed straight to the service.
import { registerJobHandler, registerSchedule } from '../platform/jobs/jobs.service.js';
import { sendWeeklyDigest } from './surveys.reports.js';

export const DIGEST_JOB = 'surveys.digest';

registerJobHandler(DIGEST_JOB, async (ctx) => {
  const r = await sendWeeklyDigest(ctx);
  return r.skipped ? 'skipped' : 'sent';
});
registerSchedule({ kind: DIGEST_JOB, everyMs: 7 * 86400_000 });
