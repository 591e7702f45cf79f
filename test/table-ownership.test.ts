// Only the owning feature writes its tables (issue 11): a table belongs to the feature whose
// migrations create it, and no other feature's code inserts into, updates or deletes from it —
// through Kysely or in SQL text. Other features call the owner's functions from its index.ts.
// Tests and test helpers are left out (they may set up any history); so is the platform's own
// base layer (jobs, events, instance), which features reach through platform functions.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const src = path.resolve(import.meta.dirname, '../src');
const features = fs.readdirSync(src).filter((d) => !['platform', 'app', 'cli'].includes(d) && fs.statSync(path.join(src, d)).isDirectory());

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'testing' || e.name === 'fixtures' ? [] : sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** table -> owning feature, from the createTable calls in each feature's migrations */
function owners(): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of features)
    for (const file of sources(path.join(src, f)).filter((p) => p.endsWith('migrations.ts'))) for (const m of fs.readFileSync(file, 'utf8').matchAll(/createTable\('([a-z_]+)'\)/g)) out.set(m[1], f);
  return out;
}

const WRITES = [/\b(?:insertInto|updateTable|deleteFrom|mergeInto)\('([a-z_]+)'\)/g, /\b(?:insert\s+into|update|delete\s+from|truncate(?:\s+table)?)\s+([a-z_]+)\b/gi];

/** "file: writes table (owned by feature)" for every write outside the owner */
function foreignWrites(): string[] {
  const owner = owners();
  const found: string[] = [];
  for (const f of features)
    for (const file of sources(path.join(src, f))) {
      if (file.endsWith('migrations.ts')) continue;
      const text = fs.readFileSync(file, 'utf8');
      for (const re of WRITES)
        for (const m of text.matchAll(re)) {
          const table = m[1].toLowerCase();
          const by = owner.get(table);
          if (by && by !== f) found.push(`${path.relative(src, file)}: writes ${table} (owned by ${by})`);
        }
    }
  return [...new Set(found)];
}

describe('table ownership', () => {
  it('knows the owner of the main tables', () => {
    const owner = owners();
    expect(owner.get('customers')).toBe('customers');
    expect(owner.get('tasks')).toBe('tasks');
    expect(owner.get('emails')).toBe('mail');
    expect(owner.get('loyalty_ledger')).toBe('loyalty');
  });

  it('finds no feature writing another feature’s table', () => {
    expect(foreignWrites()).toEqual([]);
  });
});
