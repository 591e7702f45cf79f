// The weekly feedback digest as a scheduled job (listed in the surveys manifest): one job per
// week, handed straight to the service.
import type { AppContext } from '../platform/context.js';
import { sendWeeklyDigest } from './surveys.reports.js';

export const DIGEST_JOB = 'surveys.digest';

export async function digestJob(ctx: AppContext) {
  const r = await sendWeeklyDigest(ctx);
  return r.skipped ? 'skipped' : 'sent';
}
