// Tone and hand-off detection, ours: a lexicon with weights, negation ("not angry", "no rush"),
// shouting (capitals, "!!", "?!"), repetition ("third time", "still"), urgency and threats to
// leave. Tested on fixtures/tone.csv (labelled messages kept in the repo; README has the figures).
import { normalize } from './text.js';

export type Tone = 'warm' | 'terse';

const phrases: [string, number][] = [
  // anger, frustration
  ['ridiculous', 2],
  ['unacceptable', 2.5],
  ['terrible', 1.5],
  ['worst', 2],
  ['useless', 2],
  ['angry', 2],
  ['furious', 2.5],
  ['fed up', 2.5],
  ['sick of', 2.5],
  ['sick and tired', 3],
  ['tired of', 2],
  ['scam', 2],
  ['pathetic', 2.5],
  ['disgusting', 2.5],
  ['disgraceful', 2.5],
  ['awful', 1.5],
  ['horrible', 2],
  ['horrendous', 2],
  ['a joke', 1.5],
  ['incompetent', 2.5],
  ['hate', 1.5],
  ['annoyed', 2],
  ['annoying', 1.5],
  ['frustrated', 2],
  ['frustrating', 2],
  ['livid', 2.5],
  ['outrageous', 2.5],
  ['rubbish', 2],
  ['shocking', 1.5],
  ['appalling', 2.5],
  ['fuming', 2.5],
  ['upset', 2],
  ['pissed', 2.5],
  ['joke of a', 2],
  ['waste of time', 2.5],
  ['wasted', 1.5],
  ['nobody answers', 2],
  ['no one answers', 2],
  ['nobody replied', 2],
  ['no one replied', 2],
  ['no one has replied', 2],
  ['nobody has replied', 2],
  ['no response', 1.5],
  ['no reply', 1.5],
  ['ignored', 2],
  ['ignoring', 2],
  ['lied', 2],
  ['lying', 2],
  ['rip off', 2.5],
  ['ripoff', 2.5],
  ['ripped off', 2.5],
  ['stole', 2],
  ['steal', 1.5],
  ['fraud', 1.5],
  ['never again', 2.5],
  ['had enough', 2.5],
  ['enough is enough', 3],
  ['what the hell', 2.5],
  ['are you kidding', 2],
  ['you kidding me', 2],
  ['seriously', 1],
  ['unbelievable', 2],
  ['cannot believe', 1.5],
  ['can not believe', 1.5],
  ['do not work', 0.5],
  ['still not', 1.5],
  ['still no', 1.2],
  ['still waiting', 1.8],
  ['still have not', 1.5],
  ['again', 1],
  ['third time', 2.5],
  ['second time', 2],
  ['fourth time', 2.5],
  ['how many times', 2.5],
  ['for the last time', 3],
  ['every single time', 2],
  ['for weeks', 1.2],
  ['for days', 1],
  ['for hours', 1],
  ['months', 0.5],
  ['weeks', 0.5],
  ['sort it out', 2],
  ['fix this', 1.2],
  ['fix it now', 2.5],
  ['money back now', 2.5],
  ['disappointed', 1.5],
  ['very disappointed', 2],
  ['not happy', 2.2],
  ['not ok', 1.5],
  ['not okay', 1.5],
  ['not acceptable', 2.5],
  ['complaint', 1.5],
  ['complain', 1.5],
  ['lawyer', 2.5],
  ['solicitor', 2.5],
  ['sue', 2],
  ['chargeback', 2],
  ['report you', 2.5],
  ['trading standards', 2.5],
  ['ombudsman', 2],
  ['cancel everything', 2.5],
  ['close my account', 1.2],
  ['leaving', 1],
  ['switching to', 1.2],
  ['bad review', 2],
  ['1 star', 2],
  ['one star', 2],
  ['stupid', 2],
  ['idiot', 2.5],
  ['idiots', 2.5],
  ['clueless', 2],
  ['garbage', 2],
  ['trash', 1.5],
  ['sucks', 2],
  ['nightmare', 2],
  ['hopeless', 2],
  ['broken again', 2.5],
  ['fed-up', 2.5],
  ['grr', 1.5],
  ['argh', 1.5],
  ['ugh', 1.2],
  // profanity
  ['damn', 1.8],
  ['dammit', 2],
  ['hell', 1],
  ['crap', 2],
  ['crappy', 2],
  ['shit', 2.5],
  ['shitty', 2.5],
  ['fuck', 3],
  ['fucking', 3],
  ['wtf', 2.5],
  ['ffs', 2.5],
  ['bloody', 1.5],
  ['bs', 1.5],
  ['bullshit', 3],
  // urgency
  ['urgent', 2.5],
  ['urgently', 2.5],
  ['asap', 2],
  ['immediately', 2],
  ['right now', 2],
  ['right away', 1.5],
  ['emergency', 2.5],
  ['as soon as possible', 1.8],
  ['straight away', 1.5],
  ['need it today', 2],
  ['by today', 1.5],
  ['cannot wait', 1.5],
  ['can not wait', 1.5],
  ['time sensitive', 2],
  ['critical', 2],
  ['desperate', 2],
  ['desperately', 2],
  ['help me now', 2.5],
  ['now please', 1],
  ['losing money', 2],
  ['locked out', 1.2],
  ['deadline', 1.5],
  ['hurry', 2],
  ['disgrace', 2.5],
  ['hate', 2],
  ['losing patience', 2.5],
  ['lost patience', 2.5],
  ['theft', 2],
  ['dispute', 1.5],
  ['done with you', 2.5],
  ['keeps happening', 2],
  ['keep happening', 2],
  ['how hard can it be', 2.5],
  ['so called', 2],
  ['got nothing', 1.5],
  ['still nothing', 2],
  ['stop sending', 1.5],
  ['losing customers', 2],
  ['complained', 2],
  ['nobody helping', 2],
  ['nobody is helping', 2],
  ['no one is helping', 2],
  ['no one helping', 2],
  ['the hell', 2.5],
  ['joke', 1.5],
  ['not again', 1.5],
  ['so difficult', 1],
  ['been a month', 1.5],
  ['demand', 2],
  ['wasted my', 2.5],
  ['unacceptably', 2.5],
  ['extremely', 0.8],
  ['really upset', 2.5],
  ['at my wits end', 2.5],
];

// "not angry", "no rush": a marker right after a negation does not count; calm phrases subtract.
const calming: [string, number][] = [
  ['no rush', -3],
  ['no hurry', -3],
  ['not urgent', -3],
  ['not in a hurry', -3],
  ['whenever you can', -2.5],
  ['whenever you get', -2.5],
  ['when you get a chance', -2.5],
  ['when you have time', -2.5],
  ['no worries', -2],
  ['no problem', -1.5],
  ['take your time', -3],
  ['not angry', -3],
  ['not upset', -3],
  ['not complaining', -3],
  ['not a complaint', -3],
  ['just asking', -2],
  ['just curious', -2.5],
  ['just wondering', -2.5],
  ['out of curiosity', -2.5],
  ['thank you so much', -2],
  ['thanks so much', -2],
  ['thanks a lot', -1],
  ['much appreciated', -1.5],
  ['appreciate it', -1.5],
  ['love', -1.5],
  ['great', -1],
  ['awesome', -1.5],
  ['amazing', -1.5],
  ['happy', -1],
  ['quick question', -1.5],
  ['love your', -2],
  ['hope you are well', -2],
  ['have a nice day', -2],
  ['not frustrated', -3],
  ['not mad', -3],
  ['no stress', -3],
  ['not a big deal', -3],
  ['no big deal', -3],
  ['not a problem', -2],
];

const descriptive = new Set([
  'delivery',
  'shipping',
  'service',
  'services',
  'option',
  'options',
  'contact',
  'number',
  'line',
  'appointment',
  'appointments',
  'fee',
  'fees',
  'plan',
  'birds',
  'bird',
  'care',
  'repair',
  'repairs',
  'kit',
  'mode',
  'button',
]);
const describers = new Set(['urgent', 'asap', 'emergency', 'critical', 'angry', 'express', 'immediately', 'hurry', 'complaint', 'complain']);
const negators = new Set(['not', 'no', 'never', 'nothing', 'without', 'isnt', 'arent', 'am']);

const lexicon = new Map<string, number>([...phrases, ...calming]);
const maxLen = Math.max(...[...lexicon.keys()].map((k) => k.split(' ').length));

export interface ToneResult {
  frustrated: boolean;
  score: number;
  /** the cues that counted, for the "try it" box */
  cues: string[];
}

export const TONE_THRESHOLD = 2;

/** Frustration, anger or urgency in one message. */
export function detectTone(message: string): ToneResult {
  const raw = message.slice(0, 2000);
  const ws = normalize(raw).split(' ').filter(Boolean);
  let score = 0;
  const cues: string[] = [];
  for (let i = 0; i < ws.length; i++) {
    for (let n = maxLen; n >= 1; n--) {
      if (i + n > ws.length) continue;
      const phrase = ws.slice(i, i + n).join(' ');
      const w = lexicon.get(phrase);
      if (w === undefined) continue;
      // "not angry", "never frustrated", "no emergency": a negated marker does not count
      const prev = ws[i - 1];
      const prev2 = ws[i - 2];
      // "urgent delivery", "emergency contact", "angry birds": a marker naming a kind of thing
      const next = ws[i + n];
      if (w > 0 && next && descriptive.has(next) && describers.has(phrase)) break;
      if (w > 0 && ((prev && negators.has(prev) && prev !== 'am') || (prev2 === 'not' && prev === 'really') || (prev2 === 'not' && prev === 'that') || (prev2 === 'not' && prev === 'too'))) {
        break;
      }
      score += w;
      cues.push(phrase);
      i += n - 1;
      break;
    }
  }
  // shouting: words in capitals, repeated ! or ?!
  const caps = raw.match(/\b[A-Z]{3,}\b/g)?.filter((w) => !['ASAP', 'FAQ', 'USA', 'API', 'PDF', 'URL', 'VAT', 'ATM', 'PIN', 'SMS', 'CEO', 'EUR', 'USD', 'GBP', 'ID'].includes(w)) ?? [];
  const letters = raw.replace(/[^A-Za-z]/g, '');
  if (caps.length >= 2 && letters.length >= 8 && caps.join('').length / letters.length > 0.4) {
    score += 2;
    cues.push('capitals');
  } else if (caps.length >= 1) {
    score += caps.some((w) => w.length >= 4) ? 1 : 0.5;
    cues.push('capitals');
  }
  const bangs = (raw.match(/!{2,}|\?!|!\?/g) ?? []).length;
  if (bangs) {
    score += Math.min(2, 1.2 * bangs);
    cues.push('!!');
  } else if ((raw.match(/!/g) ?? []).length >= 1 && score > 0) {
    score += 0.5;
  }
  if (/\?{3,}/.test(raw)) {
    score += 1;
    cues.push('???');
  }
  return { frustrated: score >= TONE_THRESHOLD, score: Math.round(score * 100) / 100, cues };
}

// ------------------------------------------------------------------------------------ hand-off

const personWords = [
  'person',
  'human',
  'agent',
  'someone',
  'somebody',
  'representative',
  'rep',
  'operator',
  'staff',
  'manager',
  'supervisor',
  'people',
  'advisor',
  'adviser',
  'employee',
  'humans',
  'agents',
  'representive',
  'represenative',
  'reprensentative',
  'rep',
];
const askWords = ['talk', 'speak', 'chat', 'connect', 'transfer', 'put', 'get', 'want', 'need', 'give', 'call', 'contact', 'reach', 'escalate'];

function editDistance1(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) {
    // substitution or transposition
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  const [s, l] = a.length < b.length ? [a, b] : [b, a];
  return s.slice(i) === l.slice(i + 1);
}

function fuzzyIn(word: string, list: string[]): boolean {
  return list.some((t) => (t.length >= 5 && word.length >= 4 ? editDistance1(word, t) : word === t));
}

/** "talk to a person", "agent", "human please", "representive" … (not "are you a human?"). */
export function wantsPerson(message: string): boolean {
  const text = normalize(message.slice(0, 500));
  if (!text) return false;
  if (/\b(are|r) (you|u) (a |an )?(real |actual )?(human|person|bot|robot|ai|machine|real)\b/.test(text) && !/\b(talk|speak|want|need)\b/.test(text)) return false;
  if (/\b(do not|dont|never|no need to|not) (want |need )?(to )?(talk|speak|chat)\b/.test(text)) return false;
  if (/\bescalate\b/.test(text)) return true;
  const ws = text.split(' ');
  const singlePerson = personWords.filter((p) => !['people', 'someone', 'somebody'].includes(p));
  // a short message that is mostly the request: "agent", "human please", "representative!!"
  const content = ws.filter((w) => !['please', 'pls', 'plz', 'a', 'an', 'the', 'now', 'i', 'want', 'need', 'to', 'me', 'with', 'give', 'get', 'can', 'could', 'you', 'my', 'just'].includes(w));
  if (content.length >= 1 && content.length <= 2 && content.some((w) => fuzzyIn(w, singlePerson))) return true;
  if (/\b(live|real) (chat|agent|person|human|support|people)\b/.test(text)) return true;
  if (/\b(customer service|customer support|support team)\b/.test(text) && /\b(talk|speak|contact|reach|call|connect|get|put|transfer|through)\b/.test(text)) return true;
  for (let i = 0; i < ws.length; i++) {
    if (!fuzzyIn(ws[i]!, askWords)) continue;
    for (let j = i + 1; j < Math.min(ws.length, i + 7); j++) if (fuzzyIn(ws[j]!, personWords)) return true;
  }
  return false;
}
