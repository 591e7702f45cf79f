// Text preparation for the assistant's matcher and tone detector: normalising, splitting into
// words, a small English stemmer of ours, and the features (word unigrams, word bigrams and
// character n-grams) the matcher weighs. No model, no download: plain functions over strings.

/** Messages longer than this are cut before matching (a 100 KB paste answers as fast as a line). */
export const MAX_MESSAGE_CHARS = 1000;

const contractions: [RegExp, string][] = [
  [/\bcan['’]?t\b/g, 'can not'],
  [/\bwon['’]t\b/g, 'will not'],
  [/\bshan['’]t\b/g, 'shall not'],
  [/\b(\w+)n['’]t\b/g, '$1 not'],
  [/\b(\w+)['’]re\b/g, '$1 are'],
  [/\b(\w+)['’]ve\b/g, '$1 have'],
  [/\b(\w+)['’]ll\b/g, '$1 will'],
  [/\b(\w+)['’]d\b/g, '$1 would'],
  [/\bi['’]m\b/g, 'i am'],
  [/\b(it|that|what|where|how|there|who|he|she)['’]s\b/g, '$1 is'],
];
// Apostrophe-less spellings people type ("dont", "cant", "didnt").
const bareNegations: Record<string, string> = {
  dont: 'do not',
  doesnt: 'does not',
  didnt: 'did not',
  cant: 'can not',
  cannot: 'can not',
  wont: 'will not',
  isnt: 'is not',
  arent: 'are not',
  wasnt: 'was not',
  werent: 'were not',
  havent: 'have not',
  hasnt: 'has not',
  hadnt: 'had not',
  couldnt: 'could not',
  wouldnt: 'would not',
  shouldnt: 'should not',
  aint: 'is not',
  im: 'i am',
  ive: 'i have',
  whats: 'what is',
  wheres: 'where is',
  hows: 'how is',
};

/** Lower case, accents folded, contractions expanded, everything but letters and digits a space. */
export function normalize(text: string): string {
  let t = text.length > MAX_MESSAGE_CHARS ? text.slice(0, MAX_MESSAGE_CHARS) : text;
  t = t
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
  for (const [re, to] of contractions) t = t.replace(re, to);
  t = t.replace(/['’]s\b/g, '').replace(/['’]/g, '');
  t = t.replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  if (!t) return t;
  return t
    .split(' ')
    .map((w) => bareNegations[w] ?? w)
    .join(' ');
}

export function words(normalized: string): string[] {
  return normalized ? normalized.split(' ') : [];
}

// Function words: kept for bigrams (word order, "not"), dropped as unigrams.
export const stopWords = new Set(
  (
    'a an the and or but if of at by for with about to from in on into onto over under again then once here there ' +
    'i me my myself we our ours you your yours he him his she her it its they them their this that these those ' +
    'am is are was were be been being have has had having do does did doing would should could will shall ' +
    'just so than too very s t also please hi hello hey thanks thank some any all own same such only ' +
    'as up down out off until while'
  ).split(' '),
);

/** A light English suffix stripper: consistent rather than linguistically perfect. */
export function stem(w: string): string {
  if (w.length <= 3 || /\d/.test(w)) return w;
  let s = w;
  if (s.endsWith('ies') && s.length > 4) s = s.slice(0, -3) + 'y';
  else if (s.endsWith('sses')) s = s.slice(0, -2);
  else if (s.endsWith('s') && !s.endsWith('ss') && !s.endsWith('us') && !s.endsWith('is')) s = s.slice(0, -1);
  const strip = (suffix: string, min: number): boolean => {
    if (s.endsWith(suffix) && s.length - suffix.length >= min) {
      s = s.slice(0, -suffix.length);
      return true;
    }
    return false;
  };
  if (strip('ational', 3)) s += 'ate';
  else if (strip('ization', 3)) s += 'ize';
  else if (strip('fulness', 3) || strip('iveness', 3)) s += '';
  else if (strip('ation', 3)) s += 'ate';
  else if (strip('ingly', 3) || strip('edly', 3)) s = undouble(s);
  else if (strip('ing', 3) || strip('ed', 3)) s = undouble(s);
  else if (strip('ment', 4) || strip('ness', 3) || strip('ful', 3) || strip('ly', 3)) s += '';
  if (s.endsWith('ll') && s.length > 4) s = s.slice(0, -1);
  if (s.endsWith('e') && s.length > 3) s = s.slice(0, -1);
  if (s.endsWith('y') && s.length > 3) s = s.slice(0, -1) + 'i';
  return s;
}

function undouble(s: string): string {
  const n = s.length;
  if (n >= 3 && s[n - 1] === s[n - 2] && !'lsz'.includes(s[n - 1]!)) return s.slice(0, -1);
  return s;
}

/** The three feature groups of a message, as strings (the matcher counts and weighs them). */
export interface TextFeatures {
  unigrams: string[];
  bigrams: string[];
  chars: string[];
}

export function textFeatures(text: string): TextFeatures {
  const norm = normalize(text);
  const ws = words(norm);
  const stems = ws.map(stem);
  const unigrams: string[] = [];
  for (let i = 0; i < stems.length; i++) if (!stopWords.has(ws[i]!)) unigrams.push(stems[i]!);
  // a message of stop words only ("how do i") still has its words
  if (!unigrams.length) unigrams.push(...stems);
  const bigrams: string[] = [];
  for (let i = 0; i + 1 < stems.length; i++) bigrams.push(stems[i] + ' ' + stems[i + 1]);
  const chars: string[] = [];
  for (const w of ws) {
    const p = ` ${w} `;
    if (p.length <= 5) {
      chars.push(p);
      if (p.length < 3) continue;
    }
    // 4- and 5-grams carry typos and inflections; 3-grams only in short words, where a typo
    // leaves no longer gram intact (3-grams of long words are many, common, and slow to match)
    const from = p.length <= 6 ? 3 : 4;
    for (let n = from; n <= 5; n++) for (let i = 0; i + n <= p.length; i++) chars.push(p.slice(i, i + n));
  }
  return { unigrams, bigrams, chars };
}
