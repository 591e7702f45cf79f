// Mail settings, kept in workspace.extra.mail: sender, branding and the marketing frequency cap.
import { z } from 'zod';
import { getFeatureSettings, getWorkspace, setFeatureSettings } from '../workspace/index.js';
import type { Database } from '../platform/db/database.js';
import type { Branding } from './mail.layout.js';

export const mailSettingsInput = z.object({
  fromAddress: z.string().trim().email('must be an email address').max(200).nullable().optional(),
  brandColor: z
    .string()
    .trim()
    .regex(/^#[0-9a-fA-F]{3,8}$/, 'must be a hex colour like #2f6fdf')
    .optional(),
  logoUrl: z.string().trim().url('must be a URL').max(500).nullable().optional(),
  footer: z.string().trim().max(500).nullable().optional(),
  /** at most this many marketing emails per customer in any 7 days, across all playbooks */
  marketingPerWeek: z.number().int().min(0).max(50).optional(),
});
export type MailSettingsInput = z.infer<typeof mailSettingsInput>;

export interface MailSettings {
  fromAddress: string | null;
  brandColor: string;
  logoUrl: string | null;
  footer: string | null;
  marketingPerWeek: number;
}

export const defaultMailSettings: MailSettings = { fromAddress: null, brandColor: '#2f6fdf', logoUrl: null, footer: null, marketingPerWeek: 2 };

export async function getMailSettings(db: Database): Promise<MailSettings> {
  return getFeatureSettings(db, 'mail', defaultMailSettings);
}

export async function saveMailSettings(db: Database, input: MailSettingsInput): Promise<MailSettings> {
  await setFeatureSettings(db, 'mail', input);
  return getMailSettings(db);
}

export async function getBranding(db: Database): Promise<Branding & { from: string; publicHost: string }> {
  const [settings, ws] = await Promise.all([getMailSettings(db), getWorkspace(db)]);
  const businessName = ws?.name ?? 'Keepwell';
  return {
    businessName,
    color: settings.brandColor,
    logoUrl: settings.logoUrl,
    footer: settings.footer,
    from: settings.fromAddress ? `"${businessName.replace(/["\\]/g, '')}" <${settings.fromAddress}>` : '',
    publicHost: '',
  };
}
