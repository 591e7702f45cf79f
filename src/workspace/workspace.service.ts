import { z } from 'zod';
import type { Database } from '../platform/db/database.js';
import { notFound } from '../platform/http/errors.js';
import { industryKeys } from './industries.js';

const timeZones = new Set(Intl.supportedValuesOf('timeZone').concat(['UTC']));
const currencies = new Set(Intl.supportedValuesOf('currency'));

export const workspaceInput = z.object({
  name: z.string().trim().min(1, 'is required').max(200),
  industry: z.enum(industryKeys),
  timeZone: z.string().refine((tz) => timeZones.has(tz), 'is not a known IANA time zone'),
  currency: z
    .string()
    .transform((c) => c.toUpperCase())
    .refine((c) => currencies.has(c), 'is not an ISO 4217 currency code'),
  activityWindowDays: z.number().int().min(7).max(3650).nullable().optional(),
});
export type WorkspaceInput = z.infer<typeof workspaceInput>;

export interface Workspace {
  name: string;
  industry: string;
  timeZone: string;
  currency: string;
  activityWindowDays: number | null;
  extra: Record<string, unknown>;
}

export async function getWorkspace(db: Database): Promise<Workspace | null> {
  const row = await db.selectFrom('workspace').selectAll().executeTakeFirst();
  if (!row) return null;
  return {
    name: row.name,
    industry: row.industry,
    timeZone: row.time_zone,
    currency: row.currency,
    activityWindowDays: row.activity_window_days,
    extra: row.extra ?? {},
  };
}

export async function requireWorkspace(db: Database): Promise<Workspace> {
  const ws = await getWorkspace(db);
  if (!ws) throw notFound('Workspace (run first-time setup)');
  return ws;
}

export async function saveWorkspace(db: Database, input: WorkspaceInput): Promise<Workspace> {
  const values = {
    name: input.name,
    industry: input.industry,
    time_zone: input.timeZone,
    currency: input.currency,
    activity_window_days: input.activityWindowDays ?? null,
  };
  await db
    .insertInto('workspace')
    .values({ id: 1, ...values })
    .onConflict((oc) => oc.column('id').doUpdateSet({ ...values, updated_at: new Date() }))
    .execute();
  return (await getWorkspace(db))!;
}

/** Feature settings kept under workspace.extra[feature]; merged, not replaced. */
export async function getFeatureSettings<T extends object>(db: Database, feature: string, defaults: T): Promise<T> {
  const ws = await getWorkspace(db);
  return { ...defaults, ...((ws?.extra?.[feature] as Partial<T>) ?? {}) };
}

export async function setFeatureSettings(db: Database, feature: string, value: object): Promise<void> {
  const ws = await requireWorkspace(db);
  const extra = { ...ws.extra, [feature]: { ...((ws.extra[feature] as object) ?? {}), ...value } };
  await db
    .updateTable('workspace')
    .set({ extra: JSON.stringify(extra), updated_at: new Date() })
    .execute();
}
