// One migration set, numbered, gathered from the installed features' manifests. Each feature
// owns a range of numbers (DEVELOPING.md); names sort in the order they apply.
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { installedFeatures, loadFeatures } from '../feature.js';

export type MigrationSet = Record<string, Migration>;

// `Kysely<any>`: migrations run against the schema as it was, not as the types say it is now.
export type MigrationDb = Kysely<any>;

/** Every installed feature's migrations; a name used twice is a mistake caught here. */
export function allMigrations(): MigrationSet {
  const all: MigrationSet = {};
  for (const f of installedFeatures()) {
    for (const [name, m] of Object.entries(f.migrations ?? {})) {
      if (all[name]) throw new Error(`migration ${name} is declared twice (second time by ${f.name})`);
      all[name] = m;
    }
  }
  return all;
}

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    await loadFeatures();
    return allMigrations();
  },
};
