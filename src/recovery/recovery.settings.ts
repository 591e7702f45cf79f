// Recovery settings, kept under workspace.extra.recovery: the owner's limits on compensation.
import { z } from 'zod';
import type { Database } from '../platform/db/database.js';
import { getFeatureSettings, setFeatureSettings } from '../workspace/index.js';
import { defaultLimits, type CompensationLimits } from './recovery.core.js';

export const recoverySettingsInput = z
  .object({
    maxSharePercent: z.number().int().min(0).max(100),
    maxAmountMinor: z.number().int().min(0).max(100_000_000, 'is too large'),
    promoPercent: z.number().int().min(0).max(100),
  })
  .partial();

export async function getRecoverySettings(db: Database): Promise<CompensationLimits> {
  return getFeatureSettings<CompensationLimits>(db, 'recovery', defaultLimits);
}

export async function saveRecoverySettings(db: Database, input: z.infer<typeof recoverySettingsInput>): Promise<CompensationLimits> {
  await setFeatureSettings(db, 'recovery', input);
  return getRecoverySettings(db);
}
