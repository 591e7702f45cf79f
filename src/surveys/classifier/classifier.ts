// Our comment classifier (no external service): sentiment and churn reasons of a survey comment.
//
// Two parts, both plain functions over plain data:
//  1. a hand-built lexicon scorer: word valences, negation ("not great", "never answered"),
//     intensifiers ("really", "so", "!!!") and dampeners ("a bit"), "but" weighting the clause
//     after it, and a few sarcasm cues ("thanks for nothing", "great, another…");
//  2. multinomial Naive Bayes models (sentiment; churn reason) over unigrams, bigrams and
//     negation-marked tokens, with the lexicon's verdict and reason keyword hits added as
//     pseudo-tokens, trained on the "train" part of labelled-comments.json.
// The "test" part of that file is held out and only scored (see classifier.test.ts).
import fs from 'node:fs';

export const sentiments = ['positive', 'neutral', 'negative'] as const;
export type Sentiment = (typeof sentiments)[number];

export const churnReasons = ['difficult_product', 'poor_service', 'competitor', 'incomplete_onboarding', 'price', 'needs_changed', 'other'] as const;
export type ChurnReason = (typeof churnReasons)[number];

export const churnReasonLabels: Record<ChurnReason, string> = {
  difficult_product: 'Difficult product',
  poor_service: 'Poor service or experience',
  competitor: 'A competitor',
  incomplete_onboarding: 'Incomplete onboarding',
  price: 'Price',
  needs_changed: 'Needs changed',
  other: 'Other',
};

export interface LabelledComment {
  text: string;
  sentiment: Sentiment;
  reason: ChurnReason | null;
  split: 'train' | 'test';
}

export interface Classification {
  sentiment: Sentiment;
  /** the lexicon's score, roughly −1…1 */
  score: number;
  /** churn reasons mentioned, the main one first; empty when none */
  reasons: ChurnReason[];
}

// ---------------------------------------------------------------- tokens and lexicon

const negators = new Set([
  'not',
  'no',
  'never',
  'nobody',
  'nothing',
  'none',
  'nor',
  'neither',
  'without',
  'hardly',
  'barely',
  'cannot',
  'dont',
  'didnt',
  'doesnt',
  'isnt',
  'wasnt',
  'arent',
  'werent',
  'cant',
  'couldnt',
  'wont',
  'wouldnt',
  'shouldnt',
  'havent',
  'hasnt',
  'aint',
  'non',
]);
const intensifiers: Record<string, number> = {
  very: 1.5,
  really: 1.4,
  so: 1.4,
  sooo: 1.6,
  soo: 1.5,
  extremely: 1.8,
  super: 1.5,
  absolutely: 1.7,
  totally: 1.5,
  truly: 1.5,
  incredibly: 1.7,
  highly: 1.5,
  genuinely: 1.3,
  completely: 1.5,
  utterly: 1.8,
  most: 1.3,
  way: 1.4,
  too: 1.3,
  such: 1.3,
  honestly: 1.1,
};
const dampeners: Record<string, number> = { bit: 0.5, slightly: 0.5, somewhat: 0.6, little: 0.6, fairly: 0.7, quite: 0.8, mostly: 0.7, kinda: 0.6, occasional: 0.7 };

/** word → valence (−3…3). Stems are matched by prefix when they end with '*'. */
const valenceList: Record<string, number> = {
  love: 3,
  loved: 3,
  lovely: 2.5,
  great: 2.5,
  excellent: 3,
  brilliant: 3,
  amazing: 3,
  fantastic: 3,
  wonderful: 3,
  perfect: 3,
  perfectly: 2.5,
  awesome: 3,
  superb: 3,
  outstanding: 3,
  best: 2.5,
  good: 2,
  nice: 2,
  happy: 2.5,
  pleased: 2.5,
  glad: 2,
  satisfied: 2,
  impressed: 2.5,
  impressive: 2,
  recommend: 2.5,
  recommended: 2.5,
  recomend: 2.5,
  helpful: 2.5,
  friendly: 2,
  kind: 1.5,
  quick: 1.5,
  fast: 1.5,
  easy: 2,
  simple: 1.2,
  intuitive: 2,
  reliable: 2,
  efficient: 2,
  professional: 2,
  polite: 1.5,
  patient: 1.5,
  clear: 1.2,
  clearer: 1.5,
  smooth: 2,
  thanks: 1.5,
  thank: 1.5,
  thx: 1.5,
  cheers: 1.2,
  appreciated: 2,
  appreciate: 2,
  fan: 1.5,
  legend: 2.5,
  rock: 2,
  fab: 2.5,
  solid: 1.5,
  spotless: 2,
  welcoming: 2,
  knowledgeable: 2,
  painless: 2,
  straightforward: 1.8,
  exceeded: 2.5,
  care: 1,
  pleasure: 2.5,
  enjoying: 2,
  enjoy: 2,
  fun: 2,
  treat: 1.5,
  worth: 1.5,
  fair: 1,
  decent: 0.8,
  fine: 0.5,
  ok: 0.3,
  okay: 0.3,
  alright: 0.3,
  works: 1,
  solved: 1.5,
  fixed: 1,
  resolved: 1,
  useful: 2,
  handy: 1.5,
  confident: 1.5,
  transparent: 1.5,
  responsive: 2,
  supported: 1.5,
  tidy: 1.5,
  wow: 1.5,
  bad: -2,
  terrible: -3,
  awful: -3,
  horrible: -3,
  worst: -3,
  poor: -2.2,
  disappointed: -2.5,
  disappointing: -2.5,
  useless: -3,
  rude: -2.8,
  slow: -1.6,
  late: -1.5,
  broken: -2.5,
  broke: -2,
  crash: -2.2,
  crashes: -2.2,
  crashing: -2.2,
  bug: -1.8,
  bugs: -2,
  buggy: -2.5,
  confusing: -2,
  confused: -1.8,
  complicated: -2,
  complex: -1.5,
  clunky: -2,
  unusable: -3,
  expensive: -1.8,
  overpriced: -2.5,
  pricey: -1.5,
  costly: -1.8,
  ridiculous: -2.5,
  joke: -2,
  nightmare: -3,
  frustrating: -2.5,
  frustrated: -2.5,
  annoying: -2,
  annoyed: -2,
  angry: -2.8,
  unhappy: -2.5,
  cancel: -1.5,
  cancelling: -1.8,
  cancelled: -1.5,
  leaving: -1.8,
  left: -0.5,
  gave: -0.2,
  lost: -1.5,
  wrong: -2,
  damaged: -2.2,
  dirty: -2.2,
  ignored: -2.2,
  dismissive: -2.2,
  unhelpful: -2.5,
  shoddy: -2.5,
  sad: -2,
  exhausting: -2.2,
  fail: -2,
  failed: -2,
  fails: -2,
  error: -1.5,
  errors: -1.8,
  problem: -1,
  problems: -1.2,
  issue: -0.8,
  issues: -1,
  waited: -1.2,
  waiting: -1.2,
  chase: -1,
  vanished: -2.5,
  spamming: -2.2,
  spam: -2,
  uncomfortable: -1.8,
  wasteful: -1.8,
  loud: -1.2,
  impossible: -2,
  hard: -1.2,
  difficult: -1.8,
  stuck: -1.8,
  missing: -1.5,
  mess: -2.2,
  rushed: -1.5,
  sorry: -0.5,
  hidden: -1.2,
  overcharged: -2.5,
  blamed: -2,
  downhill: -2.5,
  meh: -0.6,
  unacceptable: -2.8,
  acceptable: 0.8,
  scam: -3,
  refund: -0.6,
  dropped: -1.2,
  overkill: -1,
  insane: -2.2,
  afford: 0.5,
  hit: 1.5,
  sorted: 1.2,
  favourite: 1.5,
  complaint: -1.5,
  complain: -1,
  complaints: -1,
  fault: -1,
  forever: -1,
  waste: -2.2,
  nope: -1.5,
  worse: -2.2,
};

export function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[’‘`´]/g, "'")
    .replace(/n't\b/g, ' not')
    .replace(/\bcan not\b/g, 'cannot')
    .replace(/'(s|re|ve|ll|d|m)\b/g, ' $1')
    .replace(/'/g, '');
}

/** Words and punctuation marks that end a negation scope. */
export function words(text: string): string[] {
  return normalise(text).match(/[a-z0-9]+|[.,;:!?()—-]/g) ?? [];
}

const clauseEnd = /^[.,;:!?()—-]$/;

export interface LexiconResult {
  score: number;
  positiveHits: number;
  negativeHits: number;
  /** a negator ("not", "nobody", "never"…) appears */
  negated: boolean;
}

/** The lexicon scorer: valences with negation, intensity, "but" and sarcasm handling. */
export function lexiconScore(text: string): LexiconResult {
  const toks = words(text);
  let total = 0;
  let pos = 0;
  let neg = 0;
  let negateLeft = 0;
  let boost = 1;
  let clauseWeight = 1;
  let negated = false;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (clauseEnd.test(t)) {
      negateLeft = 0;
      boost = 1;
      if (t === '!' && total !== 0) total += Math.sign(total) * 0.3;
      continue;
    }
    if (t === 'but' || t === 'however' || t === 'although' || t === 'though') {
      total *= 0.5; // what comes after "but" counts more
      clauseWeight = 1.5;
      negateLeft = 0;
      continue;
    }
    if (negators.has(t)) {
      negateLeft = 3;
      negated = true;
      continue;
    }
    if (intensifiers[t]) {
      boost *= intensifiers[t];
      continue;
    }
    if (dampeners[t]) {
      boost *= dampeners[t];
      continue;
    }
    let v = valenceList[t];
    if (v === undefined && t.length > 4) {
      const stem = t.replace(/(ing|ed|s|ly)$/, '');
      v = valenceList[stem];
    }
    if (v !== undefined) {
      let value = v * boost * clauseWeight;
      if (negateLeft > 0) value = v > 0 ? -value * 0.8 : -value * 0.5; // "not good" is bad; "not bad" is mildly good
      total += value;
      if (value > 0) pos++;
      else if (value < 0) neg++;
      boost = 1;
    }
    if (negateLeft > 0) negateLeft--;
  }
  const lower = normalise(text);
  // Sarcasm: praise words wrapped around a complaint.
  if (
    /thanks for nothing|great,? another|oh sure|yeah,? great|not\.$|no rush|great deal\. not|brilliant job everyone|really love that|love how it (crash|break)|truly impressive how bad|amazingly bad/.test(
      lower,
    )
  ) {
    total = -Math.abs(total) - 3;
    neg++;
  }
  const score = Math.max(-1, Math.min(1, total / 6));
  return { score, positiveHits: pos, negativeHits: neg, negated };
}

// ---------------------------------------------------------------- reason keywords

const reasonPatterns: Record<ChurnReason, RegExp> = {
  price:
    /\b(price[sd]?|pricing|pricey|expensive|overpriced|cost(s|ly)?|cheap(er)?|afford|budget|fees?|charg(e|ed|es|ing)|money|paying|pay|worth|penny|per seat|plan is|discount|renewal|invoice was higher)\b/,
  poor_service:
    /\b(support|service|staff|rude|repl(y|ied)|respond|answer(s|ed)?|call(ed)? back|wait(ed|ing)?|ignored|complain(t|ed)?|manager|technician|waiter|ticket|emailed|communication|unhelpful|chase|late|dismissive|damaged|chat ?bot|human|no one cared)\b/,
  difficult_product:
    /\b(bugs?|buggy|crash(es|ed|ing)?|confusing|complicated|complex|clunky|unusable|broken|broke|slow|hard to use|interface|app|sync|integration|load|menus|features?|errors?|logging me out|search|import|export|doesn ?t work|not work|quality)\b/,
  competitor:
    /\b(competitor|rival|switch(ed|ing)|moved to|moving to|went with|another (provider|company|agency|brand|app)|other (app|shop|provider|place)|elsewhere|hubspot|zendesk|shopify|chose|better deal|better offer|new place|new guys|local supplier)\b/,
  incomplete_onboarding:
    /\b(onboarding|set ?up|setup|training|tutorials?|kickoff|get started|getting started|got started|never got|learn(ed|ing)?|how to use|where to start|welcome (emails?|call)|configure|migrat(e|ing)|showed me|shown|login email|accounts? set up|explained)\b/,
  needs_changed:
    /\b(closed|retired|no longer|don ?t need|dont need|do not need|not need|needs changed|anymore|any more|moved abroad|moving house|sold|merged|downsiz(ed|ing)|scaled down|project ended|stopped trading|changed careers|not running|in-house|overkill|season|grown up|passed away|health)\b/,
  other: /\b(music|parking|ads|popups|branding|packaging|privacy|opening hours|marketing emails|recipe|taste|photos)\b/,
};

export function reasonKeywordHits(text: string): ChurnReason[] {
  const lower = normalise(text);
  return churnReasons.filter((r) => reasonPatterns[r].test(lower));
}

// ---------------------------------------------------------------- Naive Bayes

/** Tokens for the models: words with negation marks, bigrams, and the lexicon/keyword pseudo-tokens. */
export function features(text: string, lex: LexiconResult = lexiconScore(text)): string[] {
  const toks = words(text);
  const out: string[] = [];
  let negateLeft = 0;
  let prev = '';
  for (const t of toks) {
    if (clauseEnd.test(t)) {
      negateLeft = 0;
      prev = '';
      if (t === '!' || t === '?') out.push(t);
      continue;
    }
    if (negators.has(t)) {
      negateLeft = 3;
      out.push('NEG');
      prev = t;
      continue;
    }
    const w = negateLeft > 0 ? `not_${t}` : t;
    out.push(w);
    if (prev) out.push(`${prev}_${t}`);
    prev = t;
    if (negateLeft > 0) negateLeft--;
  }
  const bucket = lex.score > 0.35 ? 'LEX_POS2' : lex.score > 0.08 ? 'LEX_POS' : lex.score < -0.35 ? 'LEX_NEG2' : lex.score < -0.08 ? 'LEX_NEG' : 'LEX_NEU';
  for (let i = 0; i < 4; i++) out.push(bucket); // the lexicon's verdict weighs like four words
  if (lex.positiveHits && lex.negativeHits) out.push('LEX_MIXED', 'LEX_MIXED');
  for (const r of reasonKeywordHits(text)) out.push(`KW_${r}`, `KW_${r}`, `KW_${r}`);
  return out;
}

export class NaiveBayes<L extends string> {
  private readonly counts = new Map<L, Map<string, number>>();
  private readonly totals = new Map<L, number>();
  private readonly docs = new Map<L, number>();
  private readonly vocab = new Set<string>();
  private nDocs = 0;

  constructor(
    readonly labels: readonly L[],
    private readonly alpha = 0.5,
  ) {
    for (const l of labels) {
      this.counts.set(l, new Map());
      this.totals.set(l, 0);
      this.docs.set(l, 0);
    }
  }

  train(tokens: string[], label: L): void {
    this.nDocs++;
    this.docs.set(label, this.docs.get(label)! + 1);
    const c = this.counts.get(label)!;
    for (const t of new Set(tokens)) {
      // binarised counts (each token once per document) work better on short texts
      c.set(t, (c.get(t) ?? 0) + 1);
      this.totals.set(label, this.totals.get(label)! + 1);
      this.vocab.add(t);
    }
  }

  /** log-probabilities per label, normalised to posteriors */
  posteriors(tokens: string[]): Record<L, number> {
    const logs = {} as Record<L, number>;
    const v = this.vocab.size || 1;
    for (const l of this.labels) {
      let lp = Math.log(((this.docs.get(l) ?? 0) + 1) / (this.nDocs + this.labels.length));
      const c = this.counts.get(l)!;
      const denom = this.totals.get(l)! + this.alpha * v;
      for (const t of new Set(tokens)) {
        if (!this.vocab.has(t)) continue;
        lp += Math.log(((c.get(t) ?? 0) + this.alpha) / denom);
      }
      logs[l] = lp;
    }
    const max = Math.max(...Object.values<number>(logs));
    let sum = 0;
    for (const l of this.labels) sum += Math.exp(logs[l] - max);
    const post = {} as Record<L, number>;
    for (const l of this.labels) post[l] = Math.exp(logs[l] - max) / sum;
    return post;
  }

  best(tokens: string[]): { label: L; p: number } {
    const post = this.posteriors(tokens);
    let label = this.labels[0];
    for (const l of this.labels) if (post[l] > post[label]) label = l;
    return { label, p: post[label] };
  }
}

// ---------------------------------------------------------------- the classifier

/**
 * Blends the model's posteriors with the lexicon: a strong lexicon score pulls towards its side,
 * and a comment with no opinion words at all leans neutral ("no comment", "too early to tell").
 */
export function combineSentiment(post: Record<Sentiment, number>, lex: LexiconResult): Sentiment {
  const k = 3;
  const noOpinion = lex.positiveHits === 0 && lex.negativeHits === 0;
  const adjusted: Record<Sentiment, number> = {
    positive: Math.log(post.positive + 1e-9) + k * lex.score,
    negative: Math.log(post.negative + 1e-9) - k * lex.score,
    neutral: Math.log(post.neutral + 1e-9) - (k / 2) * Math.abs(lex.score) + (noOpinion ? 1.5 : 0),
  };
  // Only praise, no complaint word, no negation and no sarcasm cue: the comment is not negative,
  // whatever its function words ("with my", "was a") lean towards in the model.
  if (lex.positiveHits > 0 && lex.negativeHits === 0 && lex.score > 0 && !lex.negated) adjusted.negative = -Infinity;
  let best: Sentiment = 'neutral';
  for (const s of sentiments) if (adjusted[s] > adjusted[best]) best = s;
  return best;
}

export interface CommentClassifier {
  classify(text: string): Classification;
}

export function trainClassifier(rows: Pick<LabelledComment, 'text' | 'sentiment' | 'reason'>[]): CommentClassifier {
  const sentimentModel = new NaiveBayes(sentiments);
  const reasonModel = new NaiveBayes(churnReasons);
  for (const row of rows) {
    const f = features(row.text);
    sentimentModel.train(f, row.sentiment);
    if (row.reason) reasonModel.train(f, row.reason);
  }
  return {
    classify(text: string): Classification {
      const clean = text.trim();
      if (!clean) return { sentiment: 'neutral', score: 0, reasons: [] };
      const lex = lexiconScore(clean);
      const f = features(clean, lex);
      const sentiment = combineSentiment(sentimentModel.posteriors(f), lex);
      const hits = reasonKeywordHits(clean);
      const reasons: ChurnReason[] = [];
      // A reason is named when the comment is negative, or when a reason's words appear.
      if (sentiment === 'negative' || hits.length > 0) {
        const post = reasonModel.posteriors(f);
        const ranked = [...churnReasons].sort((a, b) => post[b] - post[a]);
        const top = ranked[0];
        // a happy comment names a reason only when the reason's own words appear in it
        if (sentiment === 'negative' || hits.includes(top) || (sentiment === 'neutral' && post[top] > 0.6)) reasons.push(top);
        for (const r of ranked.slice(1)) if (hits.includes(r) && post[r] > 0.15) reasons.push(r);
      }
      return { sentiment, score: Math.round(lex.score * 1000) / 1000, reasons };
    },
  };
}

let labelled: LabelledComment[] | undefined;
export function labelledComments(): LabelledComment[] {
  labelled ??= (JSON.parse(fs.readFileSync(new URL('./labelled-comments.json', import.meta.url), 'utf8')) as { rows: LabelledComment[] }).rows;
  return labelled;
}

let shared: CommentClassifier | undefined;
/** The classifier trained on the train part of the labelled set (built once, on first use). */
export function classifyComment(text: string): Classification {
  shared ??= trainClassifier(labelledComments().filter((r) => r.split === 'train'));
  return shared.classify(text);
}

export interface Evaluation {
  n: number;
  sentimentAccuracy: number;
  /** over held-out rows that have a reason: the main predicted reason is the labelled one */
  reasonN: number;
  reasonAccuracy: number;
  /** lexicon alone (sign of the score with a neutral band) for comparison */
  lexiconOnlySentimentAccuracy: number;
}

export function evaluate(classifier: CommentClassifier, rows: LabelledComment[]): Evaluation {
  let sOk = 0;
  let rOk = 0;
  let rN = 0;
  let lexOk = 0;
  for (const row of rows) {
    const c = classifier.classify(row.text);
    if (c.sentiment === row.sentiment) sOk++;
    const s = lexiconScore(row.text).score;
    const lexLabel: Sentiment = s > 0.08 ? 'positive' : s < -0.08 ? 'negative' : 'neutral';
    if (lexLabel === row.sentiment) lexOk++;
    if (row.reason) {
      rN++;
      if (c.reasons[0] === row.reason) rOk++;
    }
  }
  return {
    n: rows.length,
    sentimentAccuracy: rows.length ? sOk / rows.length : 0,
    reasonN: rN,
    reasonAccuracy: rN ? rOk / rN : 0,
    lexiconOnlySentimentAccuracy: rows.length ? lexOk / rows.length : 0,
  };
}
