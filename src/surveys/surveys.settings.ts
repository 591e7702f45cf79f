// Survey settings, kept in workspace.extra.surveys: how often a customer may be asked, how long
// a link stays valid, custom questions per kind, and where promoters are sent for a review.
import { z } from 'zod';
import type { Database } from '../platform/db/database.js';
import { getFeatureSettings, setFeatureSettings } from '../workspace/index.js';

const httpUrl = z
  .string()
  .trim()
  .max(500)
  .refine((u) => /^https?:\/\/[^\s"'<>]+$/i.test(u), 'must be an http(s) URL');
const question = z.string().trim().min(1, 'is empty').max(300);

export const surveySettingsInput = z.object({
  /** at most one survey of this kind per customer in this many days (0 = no cap) */
  npsCooldownDays: z.number().int().min(0).max(3650).optional(),
  csatCooldownDays: z.number().int().min(0).max(3650).optional(),
  cesCooldownDays: z.number().int().min(0).max(3650).optional(),
  exitCooldownDays: z.number().int().min(0).max(3650).optional(),
  /** at most one survey of any kind per customer in this many days (0 = no cap) */
  anySurveyCooldownDays: z.number().int().min(0).max(3650).optional(),
  /** how long a survey link can be answered */
  linkValidDays: z.number().int().min(1).max(365).optional(),
  /** promoters are asked for a public review here (e.g. Google or Trustpilot page) */
  reviewUrl: httpUrl.nullable().optional(),
  /** promoters are invited to refer a friend here */
  referralUrl: httpUrl.nullable().optional(),
  /** send the owner a weekly digest of answers */
  weeklyDigest: z.boolean().optional(),
  customQuestions: z
    .object({
      nps: z.array(question).max(5).optional(),
      csat: z.array(question).max(5).optional(),
      ces: z.array(question).max(5).optional(),
      exit: z.array(question).max(5).optional(),
    })
    .optional(),
});
export type SurveySettingsInput = z.infer<typeof surveySettingsInput>;

export interface SurveySettings {
  npsCooldownDays: number;
  csatCooldownDays: number;
  cesCooldownDays: number;
  exitCooldownDays: number;
  anySurveyCooldownDays: number;
  linkValidDays: number;
  reviewUrl: string | null;
  referralUrl: string | null;
  weeklyDigest: boolean;
  customQuestions: { nps: string[]; csat: string[]; ces: string[]; exit: string[] };
}

export const defaultSurveySettings: SurveySettings = {
  npsCooldownDays: 90,
  csatCooldownDays: 0,
  cesCooldownDays: 0,
  exitCooldownDays: 365,
  anySurveyCooldownDays: 0,
  linkValidDays: 30,
  reviewUrl: null,
  referralUrl: null,
  weeklyDigest: true,
  customQuestions: { nps: [], csat: [], ces: [], exit: [] },
};

export async function getSurveySettings(db: Database): Promise<SurveySettings> {
  const s = await getFeatureSettings(db, 'surveys', defaultSurveySettings);
  return { ...s, customQuestions: { ...defaultSurveySettings.customQuestions, ...(s.customQuestions ?? {}) } };
}

export async function saveSurveySettings(db: Database, input: SurveySettingsInput): Promise<SurveySettings> {
  const current = await getSurveySettings(db);
  const next: Partial<SurveySettings> = { ...input } as Partial<SurveySettings>;
  if (input.customQuestions) next.customQuestions = { ...current.customQuestions, ...input.customQuestions } as SurveySettings['customQuestions'];
  await setFeatureSettings(db, 'surveys', next);
  return getSurveySettings(db);
}
