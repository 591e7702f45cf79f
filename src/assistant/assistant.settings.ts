// Assistant settings, kept under workspace.extra.assistant: who the assistant is (name, avatar,
// greeting), whether it is on, where the widget may be embedded, the widget's key, and the optional
// OpenAI-compatible endpoint (off by default) that may only choose among the matched entries and,
// when also asked to, rephrase the chosen entry's answer (llm.ts).
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Database } from '../platform/db/database.js';
import { getFeatureSettings, setFeatureSettings } from '../workspace/index.js';

export interface AssistantSettings {
  enabled: boolean;
  name: string;
  /** https image address; empty = initials */
  avatarUrl: string;
  /** empty = the default greeting (what the assistant can do, 24/7, a person on request) */
  greeting: string;
  /** sites that may embed the widget (https://shop.example); empty = any site */
  allowedOrigins: string[];
  /** public key in the script tag */
  widgetKey: string;
  /** rephrase: also say a chosen entry's answer in the assistant's tone (a second opt-in) */
  llm: { enabled: boolean; url: string; apiKey: string; model: string; rephrase: boolean };
}

export const defaultAssistantSettings: AssistantSettings = {
  enabled: true,
  name: 'Robin',
  avatarUrl: '',
  greeting: '',
  allowedOrigins: [],
  widgetKey: '',
  llm: { enabled: false, url: '', apiKey: '', model: '', rephrase: false },
};

const origin = z
  .string()
  .trim()
  .max(300)
  .transform((s, c) => {
    try {
      const u = new URL(s);
      if ((u.protocol === 'https:' || u.protocol === 'http:') && (u.pathname === '/' || u.pathname === '') && !u.search && !u.username) return u.origin;
    } catch {
      /* below */
    }
    c.addIssue({ code: 'custom', message: `"${s.slice(0, 80)}" is not a site origin like https://shop.example` });
    return z.NEVER;
  });

export const assistantSettingsInput = z.object({
  enabled: z.boolean().optional(),
  name: z.string().trim().min(1, 'is required').max(40, 'is longer than 40 characters').optional(),
  avatarUrl: z
    .string()
    .trim()
    .max(1000)
    .refine((u) => u === '' || /^https:\/\/[^\s"'<>]+$/i.test(u) || /^\/[^\s"'<>]*$/.test(u), 'must be an https:// image address')
    .optional(),
  greeting: z.string().trim().max(500, 'is longer than 500 characters').optional(),
  allowedOrigins: z.array(origin).max(50).optional(),
  llm: z
    .object({
      enabled: z.boolean().optional(),
      url: z
        .string()
        .trim()
        .max(500)
        .refine((u) => u === '' || /^https?:\/\/[^\s]+$/i.test(u), 'must be an http(s) address like https://api.example/v1')
        .optional(),
      /** empty = keep the stored key */
      apiKey: z.string().trim().max(500).optional(),
      model: z.string().trim().max(100).optional(),
      rephrase: z.boolean().optional(),
    })
    .optional(),
  /** a new widget key (the old script tags stop working) */
  rotateWidgetKey: z.boolean().optional(),
});
export type AssistantSettingsInput = z.infer<typeof assistantSettingsInput>;

const newKey = () => randomBytes(12).toString('base64url');

export async function getAssistantSettings(db: Database): Promise<AssistantSettings> {
  const s = await getFeatureSettings<AssistantSettings>(db, 'assistant', defaultAssistantSettings);
  const settings = { ...s, llm: { ...defaultAssistantSettings.llm, ...(s.llm ?? {}) } };
  if (!settings.widgetKey) {
    settings.widgetKey = newKey();
    await setFeatureSettings(db, 'assistant', { widgetKey: settings.widgetKey }).catch(() => undefined);
  }
  return settings;
}

export async function saveAssistantSettings(db: Database, input: AssistantSettingsInput): Promise<AssistantSettings> {
  const cur = await getAssistantSettings(db);
  const llm = { ...cur.llm, ...(input.llm ?? {}) };
  if (input.llm && !input.llm.apiKey) llm.apiKey = cur.llm.apiKey;
  if (llm.enabled && !llm.url) llm.enabled = false;
  const { rotateWidgetKey, ...rest } = input;
  await setFeatureSettings(db, 'assistant', { ...rest, llm, ...(rotateWidgetKey ? { widgetKey: newKey() } : {}) });
  return getAssistantSettings(db);
}

/** What staff see: the key is never sent back, only whether one is set. */
export function publicSettings(s: AssistantSettings) {
  const { apiKey, ...llm } = s.llm;
  return { ...s, llm: { ...llm, hasApiKey: Boolean(apiKey) } };
}
