// Inbox settings, kept under workspace.extra.inbox: business hours and service-level targets.
import { z } from 'zod';
import type { Database } from '../platform/db/database.js';
import { getFeatureSettings, getWorkspace, setFeatureSettings } from '../workspace/index.js';
import { businessHoursSchema, defaultWeek, type BusinessHours } from './sla.js';
import { channels, priorities, type Channel, type Priority } from './inbox.tables.js';
import { sealSecret } from './secrets.js';
import { defaultRouting, type RoutingSettings } from './routing.js';

const perChannel = (max: number) => z.object(Object.fromEntries(channels.map((c) => [c, z.number().int().min(1).max(max).nullable()])) as Record<Channel, z.ZodNullable<z.ZodNumber>>);
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
  /** per channel (null: none): the shorter of this and the priority's target applies */
  firstResponseMinutesByChannel: perChannel(60 * 24 * 10)
    .partial()
    .optional(),
  resolutionMinutesByChannel: perChannel(60 * 24 * 60)
    .partial()
    .optional(),
  /** a call-back request (form or chat) is answered within this many business minutes */
  callBackMinutes: z
    .number()
    .int()
    .min(5)
    .max(60 * 24)
    .optional(),
  /** the acknowledgement mailed to a new email conversation (never to auto-replies or bounces) */
  autoAck: z
    .object({
      enabled: z.boolean().optional(),
      subject: z.string().trim().min(1, 'is required').max(300).optional(),
      text: z.string().trim().min(1, 'is required').max(5000).optional(),
    })
    .optional(),
  /** an existing mailbox to fetch mail from; the password is kept sealed and never shown again */
  imap: z
    .object({
      enabled: z.boolean().optional(),
      host: z
        .string()
        .trim()
        .max(253)
        .regex(/^[A-Za-z0-9.-]*$/, 'must be a host name or IP address')
        .optional(),
      port: z.number().int().min(1).max(65535).optional(),
      /** tls: encrypted from the start (993); starttls: upgraded, required (143); none: clear text (a local server only) */
      tls: z.enum(['tls', 'starttls', 'none']).optional(),
      user: z.string().trim().max(320).optional(),
      /** a new password; omitted: keep the one set */
      password: z.string().min(1).max(1000).optional(),
      mailbox: z.string().trim().min(1).max(200).optional(),
    })
    .optional(),
});
export type InboxSettingsInput = z.infer<typeof inboxSettingsInput>;

export interface ImapSettings {
  enabled: boolean;
  host: string;
  port: number;
  tls: 'tls' | 'starttls' | 'none';
  user: string;
  mailbox: string;
  /** the password sealed with the instance secret (secrets.ts); never sent to a client */
  passwordSealed: string | null;
}

export interface AutoAckSettings {
  enabled: boolean;
  /** Liquid: {{ customer.first_name }}, {{ conversation.subject }}, {{ wait }}, {{ business.name }} (fields.ts) */
  subject: string;
  text: string;
}

export interface InboxSettings {
  businessHours: { timeZone: string | null; week: BusinessHours['week']; holidays: string[] };
  firstResponseMinutes: Record<Priority, number>;
  resolutionMinutes: Record<Priority, number>;
  firstResponseMinutesByChannel: Record<Channel, number | null>;
  resolutionMinutesByChannel: Record<Channel, number | null>;
  callBackMinutes: number;
  threadDays: number;
  breachingSoonMinutes: number;
  routing: RoutingSettings;
  autoAck: AutoAckSettings;
  imap: ImapSettings;
}

const noChannelTargets: Record<Channel, number | null> = { email: null, chat: null, form: null, phone: null };

export const defaultInboxSettings: InboxSettings = {
  businessHours: { timeZone: null, week: defaultWeek, holidays: [] },
  // Default: first reply within 1 business hour (30 minutes when urgent, 4 hours when low).
  firstResponseMinutes: { urgent: 30, high: 60, normal: 60, low: 240 },
  resolutionMinutes: { urgent: 4 * 60, high: 8 * 60, normal: 24 * 60, low: 40 * 60 },
  firstResponseMinutesByChannel: noChannelTargets,
  resolutionMinutesByChannel: noChannelTargets,
  callBackMinutes: 60,
  threadDays: 14,
  breachingSoonMinutes: 30,
  routing: defaultRouting,
  autoAck: {
    enabled: false,
    subject: 'We have your message: {{ conversation.subject }}',
    text: 'Hello {{ customer.first_name }},\n\nThank you for writing to {{ business.name }}. {{ wait }}\n\nYou can reply to this email to add anything.',
  },
  imap: { enabled: false, host: '', port: 993, tls: 'tls', user: '', mailbox: 'INBOX', passwordSealed: null },
};

/** The targets of a conversation in minutes: its priority's, or its channel's when that is shorter. */
export function targetsFor(s: InboxSettings, priority: Priority, channel: Channel): { firstResponse: number; resolution: number } {
  const shorter = (a: number, b: number | null) => (b === null ? a : Math.min(a, b));
  return {
    firstResponse: shorter(s.firstResponseMinutes[priority], s.firstResponseMinutesByChannel[channel]),
    resolution: shorter(s.resolutionMinutes[priority], s.resolutionMinutesByChannel[channel]),
  };
}

/** The settings as the API shows them: the IMAP password only as "set" or not. */
export function settingsView(s: InboxSettings) {
  const { passwordSealed, ...imap } = s.imap;
  return { ...s, imap: { ...imap, passwordSet: Boolean(passwordSealed) } };
}

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
    firstResponseMinutesByChannel: { ...noChannelTargets, ...s.firstResponseMinutesByChannel },
    resolutionMinutesByChannel: { ...noChannelTargets, ...s.resolutionMinutesByChannel },
    routing: { ...defaultRouting, ...s.routing },
    autoAck: { ...defaultInboxSettings.autoAck, ...s.autoAck },
    imap: { ...defaultInboxSettings.imap, ...s.imap },
  };
}

/** Saves what the input names; `instanceSecret` seals a new IMAP password. */
export async function saveInboxSettings(db: Database, input: InboxSettingsInput, instanceSecret?: string): Promise<InboxSettings> {
  cache.delete(db);
  const current = await getInboxSettings(db);
  const { password, ...imapInput } = input.imap ?? {};
  if (password !== undefined && !instanceSecret) throw new Error('saveInboxSettings: an IMAP password needs the instance secret to be sealed');
  await setFeatureSettings(db, 'inbox', {
    ...input,
    firstResponseMinutes: { ...current.firstResponseMinutes, ...(input.firstResponseMinutes ?? {}) },
    resolutionMinutes: { ...current.resolutionMinutes, ...(input.resolutionMinutes ?? {}) },
    firstResponseMinutesByChannel: { ...current.firstResponseMinutesByChannel, ...(input.firstResponseMinutesByChannel ?? {}) },
    resolutionMinutesByChannel: { ...current.resolutionMinutesByChannel, ...(input.resolutionMinutesByChannel ?? {}) },
    routing: { ...current.routing, ...(input.routing ?? {}) },
    autoAck: { ...current.autoAck, ...(input.autoAck ?? {}) },
    imap: { ...current.imap, ...imapInput, ...(password !== undefined ? { passwordSealed: sealSecret(instanceSecret!, password) } : {}) },
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
