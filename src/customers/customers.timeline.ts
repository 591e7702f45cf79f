// Who or what made a timeline entry, in words an owner understands. A touchpoint's `source` is
// '<prefix>' or '<prefix>:<id>' ('playbook:<uuid>', 'survey:<request id>', 'import'); the feature
// that writes entries with a prefix names them by contributing a `timelineSources` entry:
//
//   contributes: { timelineSources: [{ prefix: 'playbook', label: 'Playbook', name: async (db, ids) => … }] }
//
// so the customer page never shows a raw id, and a new area names its own entries without
// editing customers. A prefix nobody names reads as the prefix in words ('recovery' → 'Recovery').
import type { Database } from '../platform/db/database.js';
import { contributions } from '../platform/feature.js';

export interface TimelineSourceName {
  /** e.g. 'Playbook “Win back lapsed customers”' */
  label: string;
  /** the web app's page for it, e.g. '/playbooks/<id>' */
  link?: string | null;
}

export interface TimelineSourceDef {
  /** the part of `touchpoints.source` before the first ':' */
  prefix: string;
  /** what the owner reads when the source names no record, or `name` does not know it */
  label: string;
  /** names the records behind the ids (all of one page at once: one query, not one per entry) */
  name?: (db: Database, ids: string[]) => Promise<Map<string, TimelineSourceName>>;
}

declare module '../platform/feature.js' {
  interface FeatureContributions {
    /** names of the sources of timeline entries (touchpoints), by prefix */
    timelineSources: TimelineSourceDef[];
  }
}

/** The sources customers itself writes. */
export const customerTimelineSources: TimelineSourceDef[] = [
  { prefix: 'import', label: 'Import' },
  { prefix: 'api', label: 'Shop (API)' },
  { prefix: 'webhook', label: 'Shop (webhook)' },
  { prefix: 'user', label: 'Staff' },
  { prefix: 'system', label: 'Keepwell' },
  { prefix: 'demo', label: 'Demo data' },
];

/** 'playbook:abc' → ['playbook', 'abc']; 'import' → ['import', null]. */
export function splitSource(source: string): [prefix: string, id: string | null] {
  const at = source.indexOf(':');
  return at < 0 ? [source, null] : [source.slice(0, at), source.slice(at + 1) || null];
}

/** A prefix nobody names, in words: 'loyalty_rules' → 'Loyalty rules'. */
export function prefixInWords(prefix: string): string {
  const words = prefix.replace(/[-_.]+/g, ' ').trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : 'Keepwell';
}

/**
 * Names every distinct source of a page of entries, through the contributed definitions: one
 * `name()` call per prefix. A definition that fails leaves its plain label (the page still loads).
 */
export async function nameSources(db: Database, sources: readonly (string | null)[], defs: readonly TimelineSourceDef[] = contributions('timelineSources')): Promise<Map<string, TimelineSourceName>> {
  const byPrefix = new Map<string, Set<string>>();
  const out = new Map<string, TimelineSourceName>();
  for (const source of sources) {
    if (!source || out.has(source)) continue;
    const [prefix, id] = splitSource(source);
    const def = defs.find((d) => d.prefix === prefix);
    out.set(source, { label: def?.label ?? prefixInWords(prefix), link: null });
    if (def?.name && id) byPrefix.set(prefix, (byPrefix.get(prefix) ?? new Set()).add(id));
  }
  await Promise.all(
    [...byPrefix].map(async ([prefix, ids]) => {
      const def = defs.find((d) => d.prefix === prefix)!;
      let names: Map<string, TimelineSourceName>;
      try {
        names = await def.name!(db, [...ids]);
      } catch {
        return;
      }
      for (const [id, name] of names) out.set(`${prefix}:${id}`, { label: name.label, link: name.link ?? null });
    }),
  );
  return out;
}
