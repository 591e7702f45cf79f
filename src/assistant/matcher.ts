// The assistant's matcher: ranks knowledge-base entries for a message and says how sure it is.
// Ours, in TypeScript, in-process; no model download, no network.
//
// Features (text.ts): stemmed word unigrams, word bigrams and character 4–5-grams within words
// (3–5 in words of up to four letters),
// each group TF-IDF weighted with sublinear tf and L2-normalised, then joined with group weights.
// Words of the message that the knowledge base never uses still count in the norm (at the
// highest IDF), so a message about something else scores low everywhere.
//
// One pass over the phrasings' postings gives the cosine s_i of the message to every phrasing i;
// all three scores per entry come from that one vector:
//  - centroid: cosine to the entry's centroid = Σ_{i in entry} s_i / |Σ_{i in entry} x_i|,
//  - nearest: the best s_i among the entry's phrasings,
//  - linear: a softmax regression over the features, kept in its dual form: the weights of entry c
//    are Σ_i α_ic x_i, so its logit is Σ_i α_ic s_i. Trained by SGD on the phrasings (the update
//    for phrasing j only changes α_j), against each phrasing's NEIGHBOURS nearest phrasings; a
//    message's logits likewise come from its NEIGHBOURS nearest phrasings. α stays sparse (only
//    the entries a phrasing was confused with get a weight), so a message costs one postings pass
//    plus a few thousand multiply-adds, whatever the number of entries.
// Because every part is a sum over phrasings, a view of the matcher without some phrasings (a
// calibration fold, knowledge-index.ts) only retrains α on the neighbour rows computed once and
// drops the left-out s_i: no new vocabulary, vectors or postings.
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
  seed: number;
}

export const defaultMatcherOptions: MatcherOptions = {
  groupWeights: [0.35, 0.15, 0.5],
  scoreWeights: [0.2, 0.2, 0.6],
  epochs: 20,
  learningRate: 1,
  seed: 7,
};

/** Nearest phrasings the linear layer reads, in training and for a message. */
const NEIGHBOURS = 128;
/** SGD steps aimed at: many passes over a small knowledge base, few over a big one (more overfits). */
const TRAIN_STEPS = 10_000;
const MIN_EPOCHS = 5;
/** A class gets a gradient from a phrasing only when its probability is above this. */
const GRADIENT_FLOOR = 0.01;
/** Most entries one phrasing's α may name (its own and those it was confused with). */
const ALPHA_CLASSES = 12;

interface SparseVec {
  idx: Int32Array;
  val: Float32Array;
  /** share of the message's word weight (unigrams) that the knowledge base uses at all */
  known: number;
}

export interface Scored {
  entry: number;
  score: number;
}

export interface Scores {
  /** share of the message's word weight that the knowledge base uses at all (1 = every word) */
  known: number;
  combined: Float64Array;
  nearest: Float64Array;
  centroid: Float64Array;
  linear: Float64Array;
}

/** The trained part for a set of phrasings: all of them, or all but a held-out calibration fold. */
interface Layer {
  /** phrasings left out (1), or null for none */
  held: Uint8Array | null;
  /** entries with no phrasing left (1) */
  absent: Uint8Array;
  /** |Σ x_i|² over the entry's phrasings (the centroid's norm before normalising) */
  centNorm2: Float64Array;
  /** α in CSR form: phrasing i holds classes alphaClass[alphaStart[i] .. alphaStart[i+1]] */
  alphaStart: Int32Array;
  alphaClass: Int32Array;
  alphaVal: Float32Array;
}

/** Scores as if some phrasings were not in the knowledge base (entries left with none score -Infinity). */
export interface MatcherView {
  scoreAll(text: string): Scores;
  /** whether the entry has phrasings left in this view */
  present(entry: number): boolean;
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

/** A phrasing's features as strings, by group (kept between builds so an edit re-splits only what changed). */
export type FeatureKeys = [string[], string[], string[]];

function featureKeys(text: string): FeatureKeys {
  const f = textFeatures(text);
  return [f.unigrams.map((u) => 'w' + u), f.bigrams.map((b) => 'b' + b), f.chars.map((c) => 'c' + c)];
}

export class Matcher {
  readonly entries: readonly MatcherEntry[];
  readonly options: MatcherOptions;
  private readonly vocab = new Map<string, number>();
  private idf = new Float32Array(0);
  private maxIdf = 1;
  /** phrasings are numbered entry by entry: entry c holds phrasings entryStart[c] .. entryStart[c+1] */
  private entryStart!: Int32Array;
  private phrasingEntry!: Int32Array;
  private postStart!: Int32Array;
  private postRows!: Int32Array;
  private postVals!: Float32Array;
  /** cosines between the phrasings of each entry (entry c's block starts at gramStart[c]) */
  private gramStart!: Int32Array;
  private gram!: Float32Array;
  /** each phrasing's nearest phrasings (itself included) and their cosines, for training */
  private nbStart!: Int32Array;
  private nbIdx!: Int32Array;
  private nbSim!: Float32Array;
  private layer!: Layer;
  // scratch buffers (one query at a time; matching is synchronous)
  private sims!: Float64Array;
  private readonly histScratch = new Int32Array(1024);
  private nbScratch!: Int32Array;
  private scratch!: Scores;

  /** the phrasings' features of this build, by text: pass it to the next build of an edited knowledge base */
  readonly featureCache = new Map<string, FeatureKeys>();

  constructor(entries: readonly MatcherEntry[], options: Partial<MatcherOptions> = {}, previous?: ReadonlyMap<string, FeatureKeys>) {
    this.entries = entries;
    this.options = { ...defaultMatcherOptions, ...options };
    this.build(previous ?? new Map());
  }

  get size(): number {
    return this.entries.length;
  }

  get phrasings(): number {
    return this.phrasingEntry.length;
  }

  present(entry: number): boolean {
    return !this.layer.absent[entry];
  }

  /** Phrasings are numbered entry by entry: entry c holds [first, end). */
  phrasingRange(entry: number): [number, number] {
    return [this.entryStart[entry]!, this.entryStart[entry + 1]!];
  }

  /** Sparse TF-IDF vector; unknown features add to the norm only. */
  vectorize(text: string, keys: FeatureKeys = featureKeys(text)): SparseVec {
    const idx: number[] = [];
    const val: number[] = [];
    let known = 0;
    keys.forEach((group, g) => {
      const gw = this.options.groupWeights[g]!;
      if (!group.length || gw === 0) return;
      const counts = new Map<string, number>();
      for (const k of group) counts.set(k, (counts.get(k) ?? 0) + 1);
      let norm = 0;
      let knownNorm = 0;
      const from = idx.length;
      for (const [k, c] of counts) {
        const f = this.vocab.get(k);
        const w = (1 + Math.log(c)) * (f === undefined ? this.maxIdf : this.idf[f]!);
        norm += w * w;
        if (f !== undefined) {
          idx.push(f);
          val.push(w);
          knownNorm += w * w;
        }
      }
      if (g === 0) known = Math.sqrt(knownNorm / (norm || 1));
      const scale = Math.sqrt(gw) / Math.sqrt(norm || 1);
      for (let i = from; i < idx.length; i++) val[i]! *= scale;
    });
    return { idx: Int32Array.from(idx), val: Float32Array.from(val), known };
  }

  private build(previous: ReadonlyMap<string, FeatureKeys>): void {
    const { entries } = this;
    const C = entries.length;
    const texts: string[] = [];
    const labels: number[] = [];
    this.entryStart = new Int32Array(C + 1);
    entries.forEach((e, c) => {
      for (const p of e.phrasings) {
        texts.push(p);
        labels.push(c);
      }
      this.entryStart[c + 1] = texts.length;
    });
    const n = texts.length;
    this.phrasingEntry = Int32Array.from(labels);
    // vocabulary and document frequencies over phrasings (feature strings cached by text, so a
    // rebuild after editing one entry only splits the edited phrasings)
    const keysPerText = texts.map((t) => {
      const k = this.featureCache.get(t) ?? previous.get(t) ?? featureKeys(t);
      this.featureCache.set(t, k);
      return k;
    });
    const df: number[] = [];
    for (const groups of keysPerText) {
      for (const keys of groups) {
        for (const k of new Set(keys)) {
          let f = this.vocab.get(k);
          if (f === undefined) {
            f = df.length;
            this.vocab.set(k, f);
            df.push(0);
          }
          df[f]!++;
        }
      }
    }
    this.idf = Float32Array.from(df, (d) => Math.log((n + 1) / (d + 1)) + 1);
    this.maxIdf = Math.log(n + 1) + 1;
    const nF = df.length;
    const vecs = texts.map((t, i) => this.vectorize(t, keysPerText[i]));

    // feature-major postings over phrasings
    const start = new Int32Array(nF + 1);
    for (const v of vecs) for (let i = 0; i < v.idx.length; i++) start[v.idx[i]! + 1]!++;
    for (let f = 0; f < nF; f++) start[f + 1]! += start[f]!;
    const fill = start.slice();
    const rows = new Int32Array(start[nF]!);
    const vals = new Float32Array(start[nF]!);
    vecs.forEach((v, r) => {
      for (let i = 0; i < v.idx.length; i++) {
        const at = fill[v.idx[i]!]!++;
        rows[at] = r;
        vals[at] = v.val[i]!;
      }
    });
    this.postStart = start;
    this.postRows = rows;
    this.postVals = vals;
    this.sims = new Float64Array(n);
    this.nbScratch = new Int32Array(n);
    this.scratch = { known: 0, combined: new Float64Array(C), nearest: new Float64Array(C), centroid: new Float64Array(C), linear: new Float64Array(C) };

    // each phrasing against all: the neighbour rows the linear layer trains on, and the cosines
    // within each entry (centroid norms for any subset of its phrasings)
    this.gramStart = new Int32Array(C + 1);
    for (let c = 0; c < C; c++) {
      const k = this.entryStart[c + 1]! - this.entryStart[c]!;
      this.gramStart[c + 1] = this.gramStart[c]! + k * k;
    }
    this.gram = new Float32Array(this.gramStart[C]!);
    const s = this.sims;
    const M = Math.min(n, NEIGHBOURS);
    this.nbStart = new Int32Array(n + 1);
    const nbIdx: number[] = [];
    const nbSim: number[] = [];
    for (let j = 0; j < n; j++) {
      this.similarities(vecs[j]!);
      const c = labels[j]!;
      const from = this.entryStart[c]!;
      const k = this.entryStart[c + 1]! - from;
      for (let i = 0; i < k; i++) this.gram[this.gramStart[c]! + (j - from) * k + i] = s[from + i]!;
      const near = this.nearestPhrasings(M);
      if (!near.includes(j)) {
        nbIdx.push(j);
        nbSim.push(s[j]!);
      }
      for (const i of near) {
        nbIdx.push(i);
        nbSim.push(s[i]!);
      }
      this.nbStart[j + 1] = nbIdx.length;
    }
    this.nbIdx = Int32Array.from(nbIdx);
    this.nbSim = Float32Array.from(nbSim);
    this.layer = this.trainLayer(null);
  }

  /** The same matcher as if the `held` phrasings (1) were not there: α retrained without them. */
  without(held: Uint8Array): MatcherView {
    const layer = this.trainLayer(held);
    return { scoreAll: (text) => this.score(layer, this.vectorize(text)), present: (entry) => !layer.absent[entry] };
  }

  /** s_i = cosine of the vector to every phrasing (into this.sims). */
  private similarities(q: SparseVec): void {
    const s = this.sims;
    s.fill(0);
    const { postStart, postRows, postVals } = this;
    for (let i = 0; i < q.idx.length; i++) {
      const f = q.idx[i]!;
      const qv = q.val[i]!;
      const end = postStart[f + 1]!;
      for (let k = postStart[f]!; k < end; k++) s[postRows[k]!]! += qv * postVals[k]!;
    }
  }

  /**
   * Softmax regression by SGD in its dual form: logit_c(x_j) = Σ_i α_ic K(x_i, x_j) over j's
   * neighbours. Only α_j changes when phrasing j is the example. Classes all of whose α are zero
   * share one logit (0), so they are handled together (the softmax ignores a shift common to all).
   */
  private trainLayer(held: Uint8Array | null): Layer {
    const C = this.entries.length;
    const n = this.phrasingEntry.length;
    const labels = this.phrasingEntry;
    const { nbStart, nbIdx, nbSim } = this;
    const isHeld = (i: number) => held !== null && held[i] === 1;
    // centroid norms over the phrasings kept; an entry with none left is absent
    const absent = new Uint8Array(C);
    const centNorm2 = new Float64Array(C);
    for (let c = 0; c < C; c++) {
      const from = this.entryStart[c]!;
      const k = this.entryStart[c + 1]! - from;
      let sum = 0;
      let kept = 0;
      for (let a = 0; a < k; a++) {
        if (isHeld(from + a)) continue;
        kept++;
        for (let b = 0; b < k; b++) if (!isHeld(from + b)) sum += this.gram[this.gramStart[c]! + a * k + b]!;
      }
      centNorm2[c] = sum;
      if (!kept) absent[c] = 1;
    }
    const K = ALPHA_CLASSES;
    // α_j in slots j*K .. j*K+count[j]; slot 0 is the phrasing's own entry
    const aClass = new Int32Array(n * K).fill(-1);
    const aVal = new Float32Array(n * K);
    const count = new Uint8Array(n);
    for (let j = 0; j < n; j++) {
      aClass[j * K] = labels[j]!;
      count[j] = 1;
    }
    const z = new Float64Array(C);
    const touched = new Int32Array(C);
    const mark = new Uint8Array(C);
    const rnd = mulberry32(this.options.seed);
    const order: number[] = [];
    for (let i = 0; i < n; i++) if (!isHeld(i)) order.push(i);
    const epochs = C < 2 ? 0 : Math.min(this.options.epochs, Math.max(MIN_EPOCHS, Math.round(TRAIN_STEPS / Math.max(1, order.length))));
    const total = epochs * order.length;
    let step = 0;
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      for (const j of order) {
        let nt = 0;
        for (let k = nbStart[j]!, rowEnd = nbStart[j + 1]!; k < rowEnd; k++) {
          const kv = nbSim[k]!;
          const i = nbIdx[k]!;
          if (held !== null && held[i] === 1) continue;
          for (let t = i * K, end = t + count[i]!; t < end; t++) {
            const c = aClass[t]!;
            if (!mark[c]) {
              mark[c] = 1;
              touched[nt++] = c;
              z[c] = 0;
            }
            z[c]! += aVal[t]! * kv;
          }
        }
        const y = labels[j]!;
        if (!mark[y]) {
          mark[y] = 1;
          touched[nt++] = y;
          z[y] = 0;
        }
        // softmax over touched classes plus (C - nt) classes at logit 0
        let mx = 0;
        for (let t = 0; t < nt; t++) if (z[touched[t]!]! > mx) mx = z[touched[t]!]!;
        const rest = Math.exp(-mx);
        let sum = (C - nt) * rest;
        for (let t = 0; t < nt; t++) {
          const c = touched[t]!;
          z[c] = Math.exp(z[c]! - mx);
          sum += z[c]!;
        }
        const lr = this.options.learningRate * (1 - step / total) + 0.01;
        step++;
        const pRest = rest / sum;
        const base = j * K;
        for (let t = 0; t < nt; t++) {
          const c = touched[t]!;
          mark[c] = 0;
          // gradient relative to the untouched classes' (their shared shift cancels in the softmax)
          const g = z[c]! / sum - pRest - (c === y ? 1 : 0);
          if (c !== y && g < GRADIENT_FLOOR) continue;
          let slot = -1;
          for (let u = base, end = base + count[j]!; u < end; u++)
            if (aClass[u] === c) {
              slot = u;
              break;
            }
          if (slot < 0) {
            if (count[j]! >= K) continue;
            slot = base + count[j]!++;
            aClass[slot] = c;
          }
          aVal[slot]! -= lr * g;
        }
      }
    }
    const aStart = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) aStart[i + 1] = aStart[i]! + (isHeld(i) ? 0 : count[i]!);
    const alphaClass = new Int32Array(aStart[n]!);
    const alphaVal = new Float32Array(aStart[n]!);
    for (let i = 0; i < n; i++) {
      if (isHeld(i)) continue;
      alphaClass.set(aClass.subarray(i * K, i * K + count[i]!), aStart[i]!);
      alphaVal.set(aVal.subarray(i * K, i * K + count[i]!), aStart[i]!);
    }
    return { held, absent, centNorm2, alphaStart: aStart, alphaClass, alphaVal };
  }

  /** All entries' scores for a message (higher is better): combined, and its parts. The arrays are reused by the next call. */
  scoreAll(text: string): Scores {
    return this.score(this.layer, this.vectorize(text));
  }

  private score(layer: Layer, q: SparseVec): Scores {
    const C = this.entries.length;
    const { combined, nearest, centroid, linear } = this.scratch;
    this.scratch.known = q.known;
    this.similarities(q);
    const s = this.sims;
    const n = s.length;
    const { held, absent, centNorm2, alphaStart, alphaClass, alphaVal } = layer;
    if (held) for (let i = 0; i < n; i++) if (held[i]) s[i] = 0;
    linear.fill(0);
    for (let c = 0; c < C; c++) {
      let sum = 0;
      let best = 0;
      const to = this.entryStart[c + 1]!;
      for (let i = this.entryStart[c]!; i < to; i++) {
        const v = s[i]!;
        sum += v;
        if (v > best) best = v;
      }
      const n2 = centNorm2[c]!;
      centroid[c] = n2 > 1e-12 ? sum / Math.sqrt(n2) : 0;
      nearest[c] = best;
    }
    // the linear layer over the message's nearest phrasings only, as it was trained
    const nb = this.nearestPhrasings(NEIGHBOURS);
    for (let t = 0; t < nb.length; t++) {
      const i = nb[t]!;
      const v = s[i]!;
      for (let k = alphaStart[i]!; k < alphaStart[i + 1]!; k++) linear[alphaClass[k]!]! += alphaVal[k]! * v;
    }
    // the linear layer as probabilities over the entries present
    let mx = -Infinity;
    for (let c = 0; c < C; c++) if (!absent[c] && linear[c]! > mx) mx = linear[c]!;
    // most entries are untouched by the message's neighbours: logit 0, one exp for all of them
    const e0 = Math.exp(-mx);
    let sum = 0;
    for (let c = 0; c < C; c++) {
      const e = absent[c] ? 0 : linear[c] === 0 ? e0 : Math.exp(linear[c]! - mx);
      linear[c] = e;
      sum += e;
    }
    const [a, b, d] = this.options.scoreWeights;
    for (let c = 0; c < C; c++) {
      linear[c]! /= sum;
      combined[c] = absent[c] ? -Infinity : a * centroid[c]! + b * nearest[c]! + d * linear[c]!;
    }
    return this.scratch;
  }

  /**
   * Indices of (about) the m largest positive similarities in this.sims: a histogram of the values
   * finds the cut in two passes, without sorting (ties in the cut's bucket may add a few).
   */
  private nearestPhrasings(m: number): Int32Array {
    const s = this.sims;
    const n = s.length;
    const out = this.nbScratch;
    let max = 0;
    for (let i = 0; i < n; i++) if (s[i]! > max) max = s[i]!;
    if (max <= 0) return out.subarray(0, 0);
    const hist = this.histScratch;
    hist.fill(0);
    const B = hist.length;
    const scale = (B - 1) / max;
    for (let i = 0; i < n; i++) if (s[i]! > 0) hist[Math.floor(s[i]! * scale)]!++;
    let cut = B - 1;
    for (let acc = hist[cut]!; cut > 0 && acc < m; ) acc += hist[--cut]!;
    const floor = cut / scale;
    let count = 0;
    for (let i = 0; i < n; i++) if (s[i]! > 0 && s[i]! >= floor) out[count++] = i;
    return out.subarray(0, count);
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
    if (s === -Infinity) continue;
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
