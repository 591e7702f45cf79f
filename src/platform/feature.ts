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

/**
 * What a feature plugs into the platform. Most of it is returned by `load()`, which imports the
 * feature's modules (routes, services, the libraries they use) only when a server, worker,
 * migration, demo or test needs them — `keepwell --help` or a report on a file never does:
 *
 *   export const tasksFeature: Feature = {
 *     name: 'tasks',
 *     commands: async (program) => (await import('./tasks.cli.js')).registerTaskCommands(program),
 *     load: async () => {
 *       const { taskMigrations } = await import('./tasks.migrations.js');
 *       const { taskRoutes } = await import('./tasks.routes.js');
 *       return { migrations: taskMigrations, routes: taskRoutes };
 *     },
 *   };
 */
export interface FeatureParts {
  /** numbered migrations in the feature's own range (DEVELOPING.md) */
  migrations?: MigrationSet;
  routes?: RegisterRoutes;
  jobs?: Record<string, JobHandler>;
  batchJobs?: Record<string, BatchJobHandler>;
  schedules?: Schedule[];
  /** handlers of events recorded by any feature (delivered at least once: make them idempotent) */
  subscribers?: EventSubscriber[];
  /** adds the feature's part of the demo business (features seed in list order) */
  demo?: (demo: DemoSeedContext) => Promise<void>;
  /** started with the server and `keepwell worker`; returns its stop function */
  background?: StartBackground;
  /** who is calling (the accounts feature reads sessions and API tokens) */
  authenticate?: (req: FastifyRequest, ctx: AppContext) => Promise<AuthUser | null | undefined>;
  /** what the feature adds to other features' extension points */
  contributes?: Partial<FeatureContributions>;
  /**
   * `keepwell secret rotate`: re-seal or invalidate what the feature keeps under the old instance
   * secret, in the rotation's transaction (`db`); returns what changed, for the operator to read.
   */
  onSecretRotated?: (db: Database, secrets: { previous: string; current: string }) => Promise<string | string[] | undefined>;
}

export interface Feature extends FeatureParts {
  /** folder name, also the key of its settings */
  name: string;
  /** `keepwell <command>` subcommands; import the command module lazily, and what an action needs inside the action */
  commands?: (program: Command) => void | Promise<void>;
  /** imports the feature's parts; called once per process by `loadFeatures()` (parts given here override the manifest's own) */
  load?: () => Promise<FeatureParts>;
}

let installed: readonly Feature[] | null = null;
let loading: Promise<readonly Feature[]> | null = null;
let loaded: readonly Feature[] | null = null;
const loadListeners: ((features: readonly Feature[]) => void)[] = [];

/** Installs the feature list for this process (idempotent for the same list). Imports nothing: see loadFeatures(). */
export function installFeatures(list: readonly Feature[]): void {
  if (installed === list) return;
  const names = new Set<string>();
  for (const f of list) {
    if (names.has(f.name)) throw new Error(`feature "${f.name}" is listed twice`);
    names.add(f.name);
  }
  installed = list;
  loading = null;
  loaded = null;
}

function installedList(): readonly Feature[] {
  if (!installed) throw new Error('No features installed: call installFeatures(features) from src/app/features.ts at start-up');
  return installed;
}

/**
 * Imports every installed feature's parts (once per process) and indexes them (jobs, events).
 * Opening a database (its migrations), createContext() and buildServer() call it; so does a
 * test's set-up. Returns the features with their parts.
 */
export function loadFeatures(): Promise<readonly Feature[]> {
  const list = installedList();
  loading ??= (async () => {
    const all = await Promise.all(list.map(async (f): Promise<Feature> => (f.load ? { ...f, ...(await f.load()) } : f)));
    if (installed !== list) return all; // another list was installed meanwhile (tests)
    loaded = all;
    for (const listen of loadListeners) listen(all);
    return all;
  })();
  return loading;
}

/** The installed features with their parts; throws when they are not loaded yet. */
export function installedFeatures(): readonly Feature[] {
  installedList();
  if (!loaded) throw new Error('Features are installed but not loaded: await loadFeatures() first (opening a database or createContext() does)');
  return loaded;
}

/** Lets a platform module (jobs, events) index the features' parts once they are loaded. */
export function onFeaturesLoaded(listen: (features: readonly Feature[]) => void): void {
  loadListeners.push(listen);
  if (loaded) listen(loaded);
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
