// The feature contract. Each feature folder exports one `Feature` (its manifest) and the few
// functions other features may call; `src/app/features.ts` lists the features and hands the list
// to `installFeatures` at every entry point (server, worker, CLI, tests). The platform reads what it
// needs from that list and imports no feature.
//
// A feature that offers an extension point (playbooks: actions; customers: timeline kinds …)
// declares it by augmenting `FeatureContributions`:
//
//   declare module '../platform/feature.js' {
//     interface FeatureContributions { playbookActions: PlaybookActionDef[] }
//   }
//
// and other features fill it in their manifest's `contributes`; `contributions(key)` gathers them.
import type { Command } from 'commander';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from './context.js';
import type { AuthUser } from './http/access.js';
import type { Database } from './db/database.js';
import type { MigrationSet } from './db/migrations.js';
import type { EventSubscriber } from './events/events.service.js';
import type { App } from './http/server.js';
import type { BatchJobHandler, JobHandler, Schedule } from './jobs/jobs.service.js';

export type RegisterRoutes = (app: App, ctx: AppContext) => Promise<void>;
export type StartBackground = (ctx: AppContext) => () => Promise<void>;

/** What a feature's demo seeder gets: the database, the seed, the demo's "today", staff ids (owner first). */
export interface DemoSeedContext {
  db: Database;
  seed: number;
  today: Date;
  staffIds: string[];
  log: (message: string) => void;
}

// Extension points, each added by the feature that owns it (see the header).
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface FeatureContributions {}

export interface Feature {
  /** folder name, also the key of its settings */
  name: string;
  /** numbered migrations in the feature's own range (DEVELOPING.md) */
  migrations?: MigrationSet;
  routes?: RegisterRoutes;
  jobs?: Record<string, JobHandler>;
  batchJobs?: Record<string, BatchJobHandler>;
  schedules?: Schedule[];
  /** handlers of events recorded by any feature (delivered at least once: make them idempotent) */
  subscribers?: EventSubscriber[];
  /** `keepwell <command>` subcommands */
  commands?: (program: Command) => void;
  /** adds the feature's part of the demo business (features seed in list order) */
  demo?: (demo: DemoSeedContext) => Promise<void>;
  /** started with the server and `keepwell worker`; returns its stop function */
  background?: StartBackground;
  /** who is calling (the accounts feature reads sessions and API tokens) */
  authenticate?: (req: FastifyRequest, ctx: AppContext) => Promise<AuthUser | null | undefined>;
  /** what the feature adds to other features' extension points */
  contributes?: Partial<FeatureContributions>;
}

let installed: readonly Feature[] | null = null;
const installListeners: ((features: readonly Feature[]) => void)[] = [];

/** Installs the feature list for this process (idempotent for the same list). */
export function installFeatures(list: readonly Feature[]): void {
  if (installed === list) return;
  const names = new Set<string>();
  for (const f of list) {
    if (names.has(f.name)) throw new Error(`feature "${f.name}" is listed twice`);
    names.add(f.name);
  }
  installed = list;
  for (const listen of installListeners) listen(list);
}

/** The installed features; throws when an entry point forgot `installFeatures`. */
export function installedFeatures(): readonly Feature[] {
  if (!installed) throw new Error('No features installed: call installFeatures(features) from src/app/features.ts at start-up');
  return installed;
}

/** Lets a platform module (jobs, events) index the list when it is installed. */
export function onFeaturesInstalled(listen: (features: readonly Feature[]) => void): void {
  installListeners.push(listen);
  if (installed) listen(installed);
}

/** Everything the installed features contribute to one extension point, in list order. */
export function contributions<K extends keyof FeatureContributions>(key: K): FeatureContributions[K] extends readonly (infer T)[] ? T[] : never {
  const all: unknown[] = [];
  for (const f of installedFeatures()) {
    const c: unknown = f.contributes?.[key];
    if (Array.isArray(c)) all.push(...(c as unknown[]));
  }
  return all as FeatureContributions[K] extends readonly (infer T)[] ? T[] : never;
}
