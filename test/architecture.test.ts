// The feature contract holds (rules and reasons in .dependency-cruiser.cjs): no import cycles,
// the platform imports no feature, features meet only through each other's index.ts, and only
// src/app lists the manifests.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { features } from '../src/app/features.js';
import { loadFeatures } from '../src/platform/feature.js';

const root = path.resolve(import.meta.dirname, '..');

describe('architecture', () => {
  it('obeys the dependency rules', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], {
      cwd: root,
      encoding: 'utf8',
    });
    const report = `${r.stdout}\n${r.stderr}`;
    expect(report).not.toMatch(/error /);
    expect(r.status, report).toBe(0);
  });

  it('has one manifest per feature folder, each listed once, with migrations in its own numbers', async () => {
    const names = features.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    const migrationNames = (await loadFeatures()).flatMap((f) => Object.keys(f.migrations ?? {}));
    expect(new Set(migrationNames).size).toBe(migrationNames.length);
    for (const name of migrationNames) expect(name).toMatch(/^\d{4}_[a-z0-9_]+$/);
  });
});
