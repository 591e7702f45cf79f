// The code is formatted and linted by Biome (biome.json): `npx biome check --write .` fixes
// what it can. Warnings are shown but do not fail; errors and unformatted files do.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

describe('style', () => {
  it('is formatted and passes the linter', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'node_modules/@biomejs/biome/bin/biome'), 'ci', '--max-diagnostics=30', '--diagnostic-level=error'], { cwd: root, encoding: 'utf8' });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  });
});
