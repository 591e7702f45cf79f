// The assistant's matcher: ranks knowledge-base entries for a message and says how sure it is.
// Ours, in TypeScript, in-process; no model download, no network.
//
// Features (text.ts): stemmed word unigrams, word bigrams and character 3–5-grams within words,
// each group TF-IDF weighted with sublinear tf and L2-normalised, then joined with group weights.
// Words of the message that the knowledge base never uses still count in the norm (at the
// highest IDF), so a message about something else scores low everywhere.
//
// Three scores per entry, combined with fixed weights:
//  - cosine to the entry's centroid (mean of its phrasings),
//  - best cosine to any one of its phrasings (nearest neighbour),
//  - a discriminative linear layer: multiclass hinge-loss SGD (Crammer–Singer, averaged), trained
//    on the phrasings, started from zero; weights are sparse (feature → entry), so it scales with
//    the knowledge base rather than entries × vocabulary.
//
// Calibration (calibrate.ts) turns the combined score into a confidence from the knowledge base
// itself: held-out phrasings (k-fold over phrasings) give examples of in-scope messages, held-out
// entries (k-fold over entries) give examples of near-domain out-of-scope messages.
import { textFeatures } from './text.js';

export interface MatcherEntry {
  id: string;
  phrasings: string[];
}

export interface MatcherOptions {
  /** weights of the feature groups (unigrams, bigrams, character n-grams) */
  groupWeights: [number, number, number];
  /** weights of centroid, nearest-phrasing and linear scores in the combined score */
  scoreWeights: [number, number, number];
  epochs: number;
  learningRate: number;
  l2: number;
  seed: number;
}

/** Most weights the linear layer keeps (entries × features), 8M floats = 32 MB. */
const LINEAR_BUDGET = 8_000_000;
/** Most multiply-adds spent training the linear layer (about a few seconds). */
const LINEAR_WORK = 3e9;

export const defaultMatcherOptions: MatcherOptions = {
  groupWeights: [0.35, 0.15, 0.5],
  scoreWeights: [0.2, 0.2, 0.6],
  epochs: 20,
  learningRate: 1,
  l2: 1e-4,
  seed: 7,
};

interface SparseVec {
  idx: Int32Array;
  val: Float32Array;
}

/** Feature-major sparse matrix: for feature f, rows[start[f]..start[f+1]) with values. */
interface Postings {
  start: Int32Array;
  rows: Int32Array;
  vals: Float32Array;
}

export interface Scored {
  entry: number;
  score: number;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function buildPostings(nFeatures: number, vecs: SparseVec[]): Postings {
  const counts = new Int32Array(nFeatures + 1);
  for (const v of vecs) for (let i = 0; i < v.idx.length; i++) counts[v.idx[i]! + 1]!++;
  for (let f = 0; f < nFeatures; f++) counts[f + 1]! += counts[f]!;
  const start = counts.slice();
  const fill = counts.slice();
  const rows = new Int32Array(start[nFeatures]!);
  const vals = new Float32Array(start[nFeatures]!);
  vecs.forEach((v, r) => {
    for (let i = 0; i < v.idx.length; i++) {
      const f = v.idx[i]!;
      const at = fill[f]!++;
      rows[at] = r;
      vals[at] = v.val[i]!;
    }
  });
  return { start, rows, vals };
}

export class Matcher {
  readonly entries: readonly MatcherEntry[];
  readonly options: MatcherOptions;
  private readonly vocab = new Map<string, number>();
  private idf!: Float32Array;
  private maxIdf = [1, 1, 1];
  private phrasingEntry!: Int32Array;
  private phr!: Postings;
  private cent!: Postings;
  private linRow!: Int32Array;
  private linW!: Float32Array;
  // scratch buffers (one query at a time; matching is synchronous)
  private phrScores!: Float64Array;
  private scratch!: [Float64Array, Float64Array, Float64Array, Float64Array];

  constructor(entries: readonly MatcherEntry[], options: Partial<MatcherOptions> = {}) {
    this.entries = entries;
    this.options = { ...defaultMatcherOptions, ...options };
    this.train();
  }

  get size(): number {
    return this.entries.length;
  }

  private featureKeys(text: string): [string[], string[], string[]] {
    const f = textFeatures(text);
    return [f.unigrams.map((u) => 'w' + u), f.bigrams.map((b) => 'b' + b), f.chars.map((c) => 'c' + c)];
  }

  /** Sparse TF-IDF vector; unknown features add to the norm only. */
  vectorize(text: string): SparseVec {
    const groups = this.featureKeys(text);
    const idx: number[] = [];
    const val: number[] = [];
    groups.forEach((keys, g) => {
      const gw = this.options.groupWeights[g]!;
      if (!keys.length || gw === 0) return;
      const counts = new Map<string, number>();
      for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
      let norm = 0;
      const from = idx.length;
      for (const [k, c] of counts) {
        const f = this.vocab.get(k);
        const w = (1 + Math.log(c)) * (f === undefined ? this.maxIdf[g]! : this.idf[f]!);
        norm += w * w;
        if (f !== undefined) {
          idx.push(f);
          val.push(w);
        }
      }
      const scale = Math.sqrt(gw) / Math.sqrt(norm || 1);
      for (let i = from; i < idx.length; i++) val[i]! *= scale;
    });
    return { idx: Int32Array.from(idx), val: Float32Array.from(val) };
  }

  private train(): void {
    const { entries } = this;
    const texts: string[] = [];
    const labels: number[] = [];
    entries.forEach((e, i) => {
      for (const p of e.phrasings) {
        texts.push(p);
        labels.push(i);
      }
    });
    this.phrasingEntry = Int32Array.from(labels);
    // vocabulary and document frequencies over phrasings
    const keysPerText = texts.map((t) => this.featureKeys(t));
    const df: number[] = [];
    const group: number[] = [];
    for (const groups of keysPerText) {
      groups.forEach((keys, g) => {
        for (const k of new Set(keys)) {
          let f = this.vocab.get(k);
          if (f === undefined) {
            f = df.length;
            this.vocab.set(k, f);
            df.push(0);
            group.push(g);
          }
          df[f]!++;
        }
      });
    }
    const n = texts.length;
    this.idf = Float32Array.from(df, (d) => Math.log((n + 1) / (d + 1)) + 1);
    this.maxIdf = [0, 1, 2].map(() => Math.log(n + 1) + 1);
    const nF = df.length;
    const vecs = texts.map((t) => this.vectorize(t));
    this.phr = buildPostings(nF, vecs);

    // centroids
    const C = entries.length;
    const cents: SparseVec[] = [];
    const acc = new Map<number, number>();
    let at = 0;
    for (let c = 0; c < C; c++) {
      acc.clear();
      const k = entries[c]!.phrasings.length;
      for (let j = 0; j < k; j++) {
        const v = vecs[at + j]!;
        for (let i = 0; i < v.idx.length; i++) acc.set(v.idx[i]!, (acc.get(v.idx[i]!) ?? 0) + v.val[i]!);
      }
      at += k;
      let norm = 0;
      for (const w of acc.values()) norm += w * w;
      norm = Math.sqrt(norm) || 1;
      const idx = Int32Array.from(acc.keys());
      const val = Float32Array.from(acc.values(), (w) => w / norm);
      cents.push({ idx, val });
    }
    this.cent = buildPostings(nF, cents);
    this.trainLinear(nF, vecs, labels, C, df);
    this.phrScores = new Float64Array(n);
    this.scratch = [new Float64Array(C), new Float64Array(C), new Float64Array(C), new Float64Array(C)];
  }

  /**
   * Softmax regression trained with SGD on the phrasings. Dense weights, feature-major, over at
   * most LINEAR_BUDGET / entries features (the most frequent ones) so memory stays bounded.
   */
  private trainLinear(nF: number, vecs: SparseVec[], labels: number[], C: number, df: number[]): void {
    const maxF = Math.max(1, Math.floor(LINEAR_BUDGET / Math.max(C, 1)));
    const row = new Int32Array(nF).fill(-1);
    let order = Array.from({ length: nF }, (_, f) => f);
    if (nF > maxF) order = order.sort((a, b) => df[b]! - df[a]!).slice(0, maxF);
    for (const [i, f] of order.entries()) row[f] = i;
    const W = new Float32Array(order.length * C);
    const z = new Float64Array(C);
    const rnd = mulberry32(this.options.seed);
    const ex = vecs.map((_, i) => i);
    const { learningRate, l2 } = this.options;
    // bounded work: fewer passes over large knowledge bases (each pass costs phrasings × entries × features)
    let nnz = 0;
    for (const v of vecs) nnz += v.idx.length;
    const epochs = Math.max(2, Math.min(this.options.epochs, Math.floor(LINEAR_WORK / Math.max(1, nnz * C))));
    let step = 0;
    const total = epochs * ex.length;
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (let i = ex.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [ex[i], ex[j]] = [ex[j]!, ex[i]!];
      }
      for (const r of ex) {
        const x = vecs[r]!;
        const y = labels[r]!;
        z.fill(0);
        for (let i = 0; i < x.idx.length; i++) {
          const rw = row[x.idx[i]!]!;
          if (rw < 0) continue;
          const xv = x.val[i]!;
          const base = rw * C;
          for (let c = 0; c < C; c++) z[c] += W[base + c]! * xv;
        }
        let mx = -Infinity;
        for (let c = 0; c < C; c++) if (z[c]! > mx) mx = z[c]!;
        let sum = 0;
        for (let c = 0; c < C; c++) {
          z[c] = Math.exp(z[c]! - mx);
          sum += z[c]!;
        }
        const lr = learningRate * (1 - step / total) + 0.01;
        step++;
        for (let c = 0; c < C; c++) z[c] = (z[c]! / sum - (c === y ? 1 : 0)) * lr;
        const decay = 1 - lr * l2;
        for (let i = 0; i < x.idx.length; i++) {
          const rw = row[x.idx[i]!]!;
          if (rw < 0) continue;
          const xv = x.val[i]!;
          const base = rw * C;
          for (let c = 0; c < C; c++) W[base + c] = W[base + c]! * decay - z[c]! * xv;
        }
      }
    }
    this.linRow = row;
    this.linW = W;
  }

  /** All entries' combined scores for a message (higher is better), plus the parts; the arrays are reused by the next call. */
  scoreAll(text: string): { combined: Float64Array; nearest: Float64Array; centroid: Float64Array; linear: Float64Array } {
    const q = this.vectorize(text);
    const C = this.entries.length;
    // scratch buffers reused between calls (no garbage per message): valid until the next call
    const [centroid, linear, nearest, combined] = this.scratch;
    centroid.fill(0);
    linear.fill(0);
    nearest.fill(0);
    const phrS = this.phrScores;
    phrS.fill(0);
    for (let i = 0; i < q.idx.length; i++) {
      const f = q.idx[i]!;
      const qv = q.val[i]!;
      for (const [P, S] of [
        [this.cent, centroid],
        [this.phr, phrS],
      ] as const) {
        const end = P.start[f + 1]!;
        for (let k = P.start[f]!; k < end; k++) S[P.rows[k]!] += qv * P.vals[k]!;
      }
      const rw = this.linRow[f]!;
      if (rw >= 0) {
        const W = this.linW;
        const base = rw * C;
        for (let c = 0; c < C; c++) linear[c] += W[base + c]! * qv;
      }
    }
    const pe = this.phrasingEntry;
    for (let p = 0; p < pe.length; p++) if (phrS[p]! > nearest[pe[p]!]!) nearest[pe[p]!] = phrS[p]!;
    // the linear layer as probabilities
    let mx = -Infinity;
    for (let c = 0; c < C; c++) if (linear[c]! > mx) mx = linear[c]!;
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(linear[c]! - mx);
    for (let c = 0; c < C; c++) linear[c] = Math.exp(linear[c]! - mx) / sum;
    const [a, b, d] = this.options.scoreWeights;
    for (let c = 0; c < C; c++) combined[c] = a * centroid[c]! + b * nearest[c]! + d * linear[c]!;
    return { combined, nearest, centroid, linear };
  }

  /** The best entries for a message, best first. */
  rank(text: string, k = 3): Scored[] {
    const { combined } = this.scoreAll(text);
    return topK(combined, k);
  }
}

export function topK(scores: Float64Array, k: number): Scored[] {
  const out: Scored[] = [];
  for (let c = 0; c < scores.length; c++) {
    const s = scores[c]!;
    if (out.length < k || s > out[out.length - 1]!.score) {
      let i = out.length < k ? out.length : k - 1;
      if (out.length < k) out.push({ entry: c, score: s });
      while (i > 0 && out[i - 1]!.score < s) {
        out[i] = out[i - 1]!;
        i--;
      }
      out[i] = { entry: c, score: s };
    }
  }
  return out;
}
