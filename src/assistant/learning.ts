// Unanswered questions grouped by meaning, so the owner sees "12 people asked about gift cards"
// rather than 12 lines. Each message becomes its content words (stemmed, stop words out) plus the
// character 4-grams inside them (typos, inflections), each weighed by how rare it is among the
// messages; a message joins the group whose centroid it is closest to (cosine ≥ JOIN), else starts
// a group. Greedy, one pass, newest first: enough for
// the few hundred unanswered messages a small business sees in a quarter.
import { normalize, stem, stopWords, words } from './text.js';

export interface Unanswered {
  id: string;
  message: string;
  at: Date;
}

export interface Group {
  /** the most central message */
  representative: string;
  items: Unanswered[];
}

const JOIN = 0.4;

function vectorOf(text: string): Map<string, number> {
  const v = new Map<string, number>();
  const ws = words(normalize(text));
  const content = ws.filter((w) => !stopWords.has(w));
  for (const w of content.length ? content : ws) {
    const s = stem(w);
    v.set(`w:${s}`, (v.get(`w:${s}`) ?? 0) + 1);
    const padded = ` ${w} `;
    for (let i = 0; i + 4 <= padded.length; i++) {
      const g = `c:${padded.slice(i, i + 4)}`;
      v.set(g, (v.get(g) ?? 0) + 0.5);
    }
  }
  return v;
}

function norm(v: Map<string, number>): number {
  let s = 0;
  for (const x of v.values()) s += x * x;
  return Math.sqrt(s);
}

function cosine(a: Map<string, number>, b: Map<string, number>, nb = norm(b)): number {
  const na = norm(a);
  if (!na || !nb) return 0;
  let dot = 0;
  const [small, big] = a.size < b.size ? [a, b] : [b, a];
  for (const [k, x] of small) dot += x * (big.get(k) ?? 0);
  return dot / (na * nb);
}

/** Words shared by many of the messages ("sell") say little about what each is about (character grams keep their weight: they carry the typos). */
function weighByRarity(vectors: Map<string, number>[]): void {
  const df = new Map<string, number>();
  for (const v of vectors) for (const k of v.keys()) df.set(k, (df.get(k) ?? 0) + 1);
  const n = vectors.length;
  for (const v of vectors) for (const [k, x] of v) if (k.startsWith('w:')) v.set(k, x * Math.log(1 + n / df.get(k)!));
}

export function groupByMeaning(items: Unanswered[]): Group[] {
  const sorted = [...items].sort((a, b) => b.at.getTime() - a.at.getTime());
  const vectors = sorted.map((i) => vectorOf(i.message));
  weighByRarity(vectors);
  const groups: { centroid: Map<string, number>; members: { item: Unanswered; v: Map<string, number> }[] }[] = [];
  for (const [n, item] of sorted.entries()) {
    const v = vectors[n]!;
    if (!v.size) continue;
    let best = -1;
    let bestSim = JOIN;
    for (let g = 0; g < groups.length; g++) {
      const sim = cosine(v, groups[g]!.centroid);
      if (sim >= bestSim) {
        best = g;
        bestSim = sim;
      }
    }
    if (best < 0) groups.push({ centroid: new Map(v), members: [{ item, v }] });
    else {
      const g = groups[best]!;
      g.members.push({ item, v });
      for (const [k, x] of v) g.centroid.set(k, (g.centroid.get(k) ?? 0) + x);
    }
  }
  return groups
    .map((g) => {
      const nc = norm(g.centroid);
      const rep = g.members.reduce((a, b) => (cosine(b.v, g.centroid, nc) > cosine(a.v, g.centroid, nc) ? b : a));
      return { representative: rep.item.message, items: g.members.map((m) => m.item) };
    })
    .sort((a, b) => b.items.length - a.items.length || b.items[0]!.at.getTime() - a.items[0]!.at.getTime());
}
