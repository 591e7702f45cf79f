// Inbox settings, kept under workspace.extra.inbox: business hours and service-level targets.
import { z } from 'zod';
import type { Database } from '../platform/db/database.js';
import { getFeatureSettings, getWorkspace, setFeatureSettings } from '../workspace/index.js';
import { businessHoursSchema, defaultWeek, type BusinessHours } from './sla.js';
import { priorities, type Priority } from './inbox.tables.js';
import { defaultRouting, type RoutingSettings } from './routing.js';

const perPriority = (max: number) => z.object(Object.fromEntries(priorities.map((p) => [p, z.number().int().min(1).max(max)])) as Record<Priority, z.ZodNumber>);

export const inboxSettingsInput = z.object({
  businessHours: businessHoursSchema.optional(),
  /** first reply within this many business minutes, per priority */
  firstResponseMinutes: perPriority(60 * 24 * 10)
    .partial()
    .optional(),
  /** resolved within this many business minutes, per priority */
  resolutionMinutes: perPriority(60 * 24 * 60)
    .partial()
    .optional(),
  /** a mail with the same subject from the same sender continues a conversation this many days */
  threadDays: z.number().int().min(0).max(365).optional(),
  /** "breaching soon" in the list: due within this many minutes */
  breachingSoonMinutes: z
    .number()
    .int()
    .min(1)
    .max(60 * 24)
    .optional(),
  /** routing of new conversations: on/off and who is most senior (user ids, most senior first) */
  routing: z.object({ enabled: z.boolean().optional(), seniority: z.array(z.string().uuid()).max(200).optional() }).optional(),
});
export type InboxSettingsInput = z.infer<typeof inboxSettingsInput>;

export interface InboxSettings {
  businessHours: { timeZone: string | null; week: BusinessHours['week']; holidays: string[] };
  firstResponseMinutes: Record<Priority, number>;
  resolutionMinutes: Record<Priority, number>;
  threadDays: number;
  breachingSoonMinutes: number;
  routing: RoutingSettings;
}

export const defaultInboxSettings: InboxSettings = {
  businessHours: { timeZone: null, week: defaultWeek, holidays: [] },
  // Default: first reply within 1 business hour (30 minutes when urgent, 4 hours when low).
  firstResponseMinutes: { urgent: 30, high: 60, normal: 60, low: 240 },
  resolutionMinutes: { urgent: 4 * 60, high: 8 * 60, normal: 24 * 60, low: 40 * 60 },
  threadDays: 14,
  breachingSoonMinutes: 30,
  routing: defaultRouting,
};

// Every inbound message reads the settings and the time zone: kept for a few seconds per database
// (a change made by another process applies within CACHE_MS; one made here applies at once).
const CACHE_MS = 5000;
const cache = new WeakMap<object, { at: number; settings: InboxSettings; hours?: BusinessHours }>();

export async function getInboxSettings(db: Database): Promise<InboxSettings> {
  const hit = cache.get(db);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.settings;
  const settings = await readInboxSettings(db);
  cache.set(db, { at: Date.now(), settings });
  return settings;
}

async function readInboxSettings(db: Database): Promise<InboxSettings> {
  const s = await getFeatureSettings<InboxSettings>(db, 'inbox', defaultInboxSettings);
  return {
    ...s,
    firstResponseMinutes: { ...defaultInboxSettings.firstResponseMinutes, ...s.firstResponseMinutes },
    resolutionMinutes: { ...defaultInboxSettings.resolutionMinutes, ...s.resolutionMinutes },
    routing: { ...defaultRouting, ...s.routing },
  };
}

export async function saveInboxSettings(db: Database, input: InboxSettingsInput): Promise<InboxSettings> {
  const current = await getInboxSettings(db);
  cache.delete(db);
  await setFeatureSettings(db, 'inbox', {
    ...input,
    firstResponseMinutes: { ...current.firstResponseMinutes, ...(input.firstResponseMinutes ?? {}) },
    resolutionMinutes: { ...current.resolutionMinutes, ...(input.resolutionMinutes ?? {}) },
    routing: { ...current.routing, ...(input.routing ?? {}) },
  });
  cache.delete(db);
  return getInboxSettings(db);
}

/** An agent sets themselves away (out of routing) or back. */
export async function setAway(db: Database, userId: string, away: boolean): Promise<RoutingSettings> {
  const current = await readInboxSettings(db);
  const set = new Set(current.routing.away);
  if (away) set.add(userId);
  else set.delete(userId);
  await setFeatureSettings(db, 'inbox', { routing: { ...current.routing, away: [...set] } });
  cache.delete(db);
  return (await getInboxSettings(db)).routing;
}

/** The schedule the SLA clocks count in (the workspace's time zone unless the inbox names one). */
export async function businessHours(db: Database, settings?: InboxSettings): Promise<BusinessHours> {
  const s = settings ?? (await getInboxSettings(db));
  const hit = cache.get(db);
  if (hit && hit.settings === s && hit.hours) return hit.hours;
  const tz = s.businessHours.timeZone ?? (await getWorkspace(db))?.timeZone ?? 'UTC';
  const hours = { timeZone: tz, week: { ...defaultWeek, ...s.businessHours.week }, holidays: s.businessHours.holidays ?? [] };
  if (hit && hit.settings === s) hit.hours = hours;
  return hours;
}
