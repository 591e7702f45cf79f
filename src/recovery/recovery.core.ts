// The apology, as plain functions: the five parts in order (restore value, own it, explain the
// cause, describe the fix, express regret), a compensation suggestion scaled to what the
// customer paid, and a checker of ours that warns about blame-shifting, excuses, conditional
// apologies, and missing or out-of-order parts. Tested on a labelled set of sentences
// (fixtures/apology-sentences.csv).

export const parts = ['restore', 'own', 'explain', 'fix', 'regret'] as const;
export type Part = (typeof parts)[number];
export const partNames: Record<Part, string> = {
  restore: 'restore lost value',
  own: 'own it',
  explain: 'explain the cause',
  fix: 'describe the fix',
  regret: 'express regret',
};

export const severities = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof severities)[number];

// ---- compensation ----

export interface CompensationLimits {
  /** at most this share of what the customer paid for the affected orders (percent) */
  maxSharePercent: number;
  /** and never more than this, in minor units of the workspace currency */
  maxAmountMinor: number;
  /** a promo code for customers who paid nothing in the affected window (percent off) */
  promoPercent: number;
}
export const defaultLimits: CompensationLimits = { maxSharePercent: 50, maxAmountMinor: 10_000, promoPercent: 15 };

export type Compensation =
  | { kind: 'refund'; amountMinor: number; currency: string; sharePercent: number }
  | { kind: 'credit'; amountMinor: number; currency: string }
  | { kind: 'promo'; percentOff: number }
  | { kind: 'none' };

const severityShare: Record<Severity, number> = { low: 10, medium: 20, high: 35, critical: 50 };

/**
 * A refund share of what the customer paid for the affected orders, larger for worse incidents,
 * within the owner's limits; a promo code when they paid nothing in the window.
 */
export function suggestCompensation(paidMinor: number, currency: string, severity: Severity, limits: CompensationLimits = defaultLimits): Compensation {
  if (paidMinor <= 0) return limits.promoPercent > 0 ? { kind: 'promo', percentOff: limits.promoPercent } : { kind: 'none' };
  const share = Math.min(severityShare[severity], limits.maxSharePercent);
  const amount = Math.min(Math.floor((paidMinor * share) / 100), limits.maxAmountMinor);
  if (amount <= 0) return { kind: 'none' };
  return { kind: 'refund', amountMinor: amount, currency, sharePercent: share };
}

export function formatMoney(minor: number, currency: string): string {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).format(minor / 100);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
}

// ---- composing ----

export interface ApologyInput {
  customerName: string;
  businessName: string;
  signer: string;
  what: string;
  cause: string;
  fix: string;
  prevention: string;
  compensation: Compensation;
  /** the promo code made for this apology, when the compensation is one */
  code?: string | null;
}

export interface Draft {
  subject: string;
  parts: Record<Part, string>;
  text: string;
}

const sentence = (s: string) => {
  const t = s.trim().replace(/\s+/g, ' ');
  if (!t) return '';
  return /[.!?]$/.test(t) ? t : `${t}.`;
};
const lowerFirst = (s: string) => (s ? s.charAt(0).toLowerCase() + s.slice(1) : s);

export function composeApology(a: ApologyInput): Draft {
  const first = a.customerName.split(/\s+/)[0] || a.customerName;
  const c = a.compensation;
  const restore =
    c.kind === 'refund'
      ? `We are refunding ${formatMoney(c.amountMinor, c.currency)} of what you paid, and you do not need to do anything to receive it.`
      : c.kind === 'credit'
        ? `We have added ${formatMoney(c.amountMinor, c.currency)} of credit to your account.`
        : c.kind === 'promo'
          ? `Your next order is ${c.percentOff}% off with the code ${a.code ?? '(made when this is sent)'}.`
          : 'Tell us what this cost you and we will make it right.';
  const own = `We got this wrong: ${lowerFirst(sentence(a.what))} That is our responsibility.`;
  const explain = `What happened: ${lowerFirst(sentence(a.cause))}`;
  const fix = `What we changed: ${lowerFirst(sentence(a.fix))}${a.prevention.trim() ? ` To stop it happening again, ${lowerFirst(sentence(a.prevention))}` : ''}`;
  const regret = `We are sorry, ${first}. Thank you for your patience with us.`;
  const p: Record<Part, string> = { restore, own, explain, fix, regret };
  const text = [`Dear ${first},`, ...parts.map((k) => p[k]), `${a.signer}\n${a.businessName}`].join('\n\n');
  return { subject: `We are sorry — ${a.businessName}`, parts: p, text };
}

// ---- checking ----

export type WarningKind = 'blame' | 'excuse' | 'conditional' | 'missing_part' | 'order';
export interface Warning {
  kind: WarningKind;
  message: string;
  sentence?: string;
  part?: Part;
}

/** Blame on someone else: a courier, a supplier, the customer, "circumstances". */
const blame: RegExp[] = [
  /\b(our|the) (courier|carrier|supplier|vendor|partner|provider|hosting provider|payment provider|warehouse partner|delivery company|postal service|subcontractor|manufacturer|third[- ]party)s?\b[^.!?]*\b(fail|mess|lost|delay|mistake|error|fault|did not|didn't|forgot|broke)/i,
  /\b(third[- ]party|external) (error|issue|problem|failure|outage)s?\b/i,
  /\bbeyond (our|anyone's) control\b/i,
  /\b(circumstances|factors|events) (beyond|outside)\b/i,
  /\bnot (our|my) fault\b/i,
  /\b(was|is) (the )?fault of\b/i,
  /\b(blame|blamed) (lies|rests) with\b/i,
  /\b(you|your) (should have|failed to|did not|didn't|forgot to|entered|provided the wrong|gave us the wrong)\b/i,
  /\bdue to (an? )?(error|mistake|failure|issue) (by|on the part of|from) (the|our|a|your)\b/i,
  /\b(caused|created) by (the|our|a|your) (courier|carrier|supplier|vendor|partner|provider|customer|bank)\b/i,
  /\bout of our hands\b/i,
];

/** Excuses: it was hard for us, it was unusual, everybody has this. */
const excuse: RegExp[] = [
  /\b(unprecedented|unusually high|unexpected(ly)? high|exceptional(ly)? high|record) (demand|volume|number)/i,
  /\b(we were|we're|we are|the team (was|is)) (very |extremely |incredibly )?(busy|short[- ]staffed|overwhelmed|stretched)\b/i,
  /\b(these things|mistakes|things like this|it) happens?\b/i,
  /\bhappens to (everyone|the best|all of us)\b/i,
  /\bas you (can|may) imagine\b/i,
  /\b(technically|strictly speaking)\b[^.!?]*\b(correct|within|allowed|policy)/i,
  /\bin our defen[cs]e\b/i,
  /\bit (was|is) (only|just) (a|one) (small|minor|tiny)\b/i,
  /\bonly (a few|a small number of|a handful of) (customers|people|orders) (were|was) affected\b/i,
  /\b(holiday|peak|busy) (season|period|rush)\b[^.!?]*\b(delay|late|slow|caused|meant)/i,
  /\bdespite our best efforts\b/i,
  /\bno system is perfect\b/i,
];

/** Conditional or non-apologies: if you were inconvenienced, sorry you feel that way. */
const conditional: RegExp[] = [
  /\b(if|to the extent that|in case) (you|anyone|any customer|some customers)( were| was| have been| felt| feel| experienced| may have| might have| had)\b/i,
  /\bif (this|that|it) (caused|has caused|may have caused|was|has been)\b/i,
  /\b(any|whatever) inconvenience (this|that|it)? ?(may|might) have\b/i,
  /\b(may|might) have (caused|been) (any |some )?(inconvenience|trouble|frustration|upset)/i,
  /\b(any|whatever) (inconvenience|trouble|frustration|upset)\b[^.!?]*\b(may|might) have\b/i,
  /\bsorry (you|that you) (feel|felt|see it|think)\b/i,
  /\bsorry if\b/i,
  /\bapologi[sz]e if\b/i,
  /\bmistakes were made\b/i,
];

const cues: Record<Part, RegExp[]> = {
  restore: [
    /\b(refund|refunding|refunded|credit|credited|voucher|promo code|code [A-Z0-9-]{6,}|discount|% off|free of charge|on us|make (it|this) right|reimburse|compensat|replacement|replace|re-?ship|send you a new)\b/i,
  ],
  own: [
    /\b(we got (this|it) wrong|our (mistake|fault|error|responsibility)|we (made|caused) (a |this |the )?(mistake|error|problem)|we take (full )?responsibility|that is on us|we let you down|we failed|we dropped the ball|we messed up|(is|was) our responsibility)\b/i,
  ],
  explain: [/\b(what happened|the cause|was caused by|because|the reason|the root cause|this happened when|it turned out)\b/i],
  fix: [
    /\b(what we changed|we have (fixed|changed|replaced|updated|put)|we('ve| have) now|we fixed|from now on|to stop it happening|to prevent|will not happen again|won't happen again|so that this|we now check|going forward|never again)\b/i,
  ],
  regret: [/\b(sorry|apologi[sz]e|apologies|regret|we feel terrible)\b/i],
};

/** Splits text into sentences (keeps codes and amounts whole). */
export function sentences(text: string): string[] {
  return text
    .replace(/\r/g, '')
    .split(/(?<=[.!?])\s+(?=[A-Z"'“(])|\n{1,}/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export type SentenceLabel = 'ok' | 'blame' | 'excuse' | 'conditional';

/** What a single sentence does wrong, if anything (the labelled set tests this). */
export function classifySentence(s: string): SentenceLabel {
  if (conditional.some((r) => r.test(s))) return 'conditional';
  if (blame.some((r) => r.test(s))) return 'blame';
  if (excuse.some((r) => r.test(s))) return 'excuse';
  return 'ok';
}

/** The parts a sentence carries (a sentence may carry none or several). */
export function partsOf(s: string): Part[] {
  const plain = s.replace(/\b[A-Z0-9]+-[A-Z0-9]{6,}\b/g, 'CODE'); // a code (SORRY-…) says nothing about the parts
  return parts.filter((p) => cues[p].some((r) => r.test(plain)));
}

const kindMessage: Record<Exclude<SentenceLabel, 'ok'>, string> = {
  blame: 'shifts the blame: own what went wrong, whoever was involved',
  excuse: 'sounds like an excuse: explain plainly, without pleading',
  conditional: 'is a conditional apology: say what went wrong and that you are sorry, without "if"',
};

/** Warnings for a whole apology: sentence faults, and parts missing or out of order. */
export function checkApology(text: string): Warning[] {
  const warnings: Warning[] = [];
  const ss = sentences(text);
  const firstAt: Partial<Record<Part, number>> = {};
  ss.forEach((s, i) => {
    const label = classifySentence(s);
    if (label !== 'ok') warnings.push({ kind: label, message: `"${s.length > 120 ? `${s.slice(0, 117)}…` : s}" ${kindMessage[label]}`, sentence: s });
    for (const p of partsOf(s)) if (firstAt[p] === undefined) firstAt[p] = i;
  });
  for (const p of parts) if (firstAt[p] === undefined) warnings.push({ kind: 'missing_part', part: p, message: `The part "${partNames[p]}" is missing` });
  const present = parts.filter((p) => firstAt[p] !== undefined);
  for (let i = 1; i < present.length; i++) {
    const prev = present[i - 1];
    const cur = present[i];
    if (firstAt[cur]! < firstAt[prev]!) {
      warnings.push({ kind: 'order', part: cur, message: `"${partNames[cur]}" comes before "${partNames[prev]}": the order is restore, own, explain, fix, regret` });
      break;
    }
  }
  return warnings;
}

// ---- incident kinds and templates ----

export const incidentKinds = ['delivery', 'billing', 'quality', 'service', 'outage', 'data', 'other'] as const;
export type IncidentKind = (typeof incidentKinds)[number];

/** The placeholders a template may carry; anything else in braces is left as written. */
export const templateTokens = ['first_name', 'amount', 'percent', 'code', 'business', 'signer'] as const;
export type TemplateVars = Partial<Record<(typeof templateTokens)[number], string>>;

/** Fills the known placeholders ({{ first_name }} and the like); {{code}} stays when no code is given (it is made on sending). */
export function renderTemplate(text: string, vars: TemplateVars): string {
  return text.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (whole, name: string) => {
    const v = vars[name as keyof TemplateVars];
    return v === undefined ? (name === 'code' ? '{{code}}' : whole) : v;
  });
}

/** A sent apology made reusable: the customer's first name, the promo code and the amount become placeholders. */
export function templateFromApology(body: string, a: { firstName: string; code?: string | null; amountText?: string | null; percent?: number | null }): string {
  const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  let t = body;
  if (a.code) t = t.split(a.code).join('{{code}}');
  if (a.amountText) t = t.split(a.amountText).join('{{amount}}');
  if (a.percent != null) t = t.replace(new RegExp(`\\b${a.percent}% off`, 'g'), '{{percent}}% off');
  if (a.firstName.trim()) t = t.replace(new RegExp(`\\b${escapeRe(a.firstName.trim())}\\b`, 'g'), '{{first_name}}');
  return t;
}

// ---- outcomes ----

/** An apology later than this after the incident counts as late. */
export const LATE_APOLOGY_DAYS = 7;

export interface OutcomeInput {
  happenedAt: number;
  apologisedAt: number | null;
  /** the customer's first order (paid or pending) after the incident */
  nextOrderAt: number | null;
  /** unsubscribed, erased or cancelled a subscription after the incident */
  leftAt: number | null;
  healthAtAdd: number | null;
  healthNow: number | null;
  /** the customer's first survey answer after the incident, and their last one of the same survey before it */
  surveyAfter?: SurveyScore | null;
  surveyBefore?: SurveyScore | null;
}

export interface SurveyScore {
  /** nps | csat | ces … (scores compare only within one survey: their scales differ) */
  survey: string;
  score: number | null;
  category: 'detractor' | 'passive' | 'promoter';
}

export interface NextSurvey extends SurveyScore {
  /** the score's change from the last answer to the same survey before the incident (null: none to compare) */
  change: number | null;
  previousCategory: SurveyScore['category'] | null;
}

export type OutcomeStatus = 'returned' | 'left' | 'no_order' | 'waiting';
export type ApologyGroup = 'on_time' | 'late' | 'none';

export interface Outcome {
  /** returned: ordered again within the window; left: unsubscribed / erased / cancelled without ordering again;
   *  no_order: the window passed without an order; waiting: the window is still open */
  status: OutcomeStatus;
  daysToNextOrder: number | null;
  left: boolean;
  healthChange: number | null;
  hoursToApology: number | null;
  group: ApologyGroup;
  /** the next survey answer after the incident, within the window (null: none yet) */
  nextSurvey: NextSurvey | null;
}

const DAY_MS = 86400_000;

export function outcomeOf(i: OutcomeInput, windowDays: number, now: number): Outcome {
  const windowEnd = i.happenedAt + windowDays * DAY_MS;
  const returned = i.nextOrderAt !== null && i.nextOrderAt <= windowEnd;
  const left = i.leftAt !== null && i.leftAt <= now;
  const status: OutcomeStatus = returned ? 'returned' : left ? 'left' : now < windowEnd ? 'waiting' : 'no_order';
  const hoursToApology = i.apologisedAt === null ? null : Math.max(0, (i.apologisedAt - i.happenedAt) / 3600_000);
  return {
    status,
    daysToNextOrder: i.nextOrderAt === null ? null : Math.max(0, Math.round((i.nextOrderAt - i.happenedAt) / DAY_MS)),
    left,
    healthChange: i.healthAtAdd !== null && i.healthNow !== null ? Math.round(i.healthNow - i.healthAtAdd) : null,
    hoursToApology,
    group: hoursToApology === null ? 'none' : hoursToApology > LATE_APOLOGY_DAYS * 24 ? 'late' : 'on_time',
    nextSurvey: nextSurveyOf(i.surveyAfter ?? null, i.surveyBefore ?? null),
  };
}

/** The next answer after the incident, with its change from the last one to the same survey before it. */
export function nextSurveyOf(after: SurveyScore | null, before: SurveyScore | null): NextSurvey | null {
  if (!after) return null;
  const same = before !== null && before.survey === after.survey;
  return {
    ...after,
    change: same && after.score !== null && before.score !== null ? Math.round((after.score - before.score) * 10) / 10 : null,
    previousCategory: same ? before.category : null,
  };
}

export interface GroupSummary {
  group: ApologyGroup;
  customers: number;
  /** outcomes known (the window passed, or they returned or left) */
  decided: number;
  returned: number;
  left: number;
  waiting: number;
  /** returned ÷ decided (null with none decided) */
  returnRate: number | null;
  /** 95% Wilson interval of the return rate */
  interval: [number, number] | null;
  medianHoursToApology: number | null;
  meanHealthChange: number | null;
  /** next survey answers after the incident: how many, by category, and how many scored higher / lower than before */
  surveys: { answered: number; promoters: number; passives: number; detractors: number; rose: number; fell: number };
}

/** The 95% Wilson score interval of k successes in n. */
export function wilson(k: number, n: number): [number, number] | null {
  if (n <= 0) return null;
  const z = 1.96;
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [Math.max(0, c - h), Math.min(1, c + h)];
}

const median = (xs: number[]) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export function summarise(outcomes: Outcome[]): GroupSummary[] {
  return (['on_time', 'late', 'none'] as const).map((group) => {
    const g = outcomes.filter((o) => o.group === group);
    const returned = g.filter((o) => o.status === 'returned').length;
    const left = g.filter((o) => o.status === 'left').length;
    const waiting = g.filter((o) => o.status === 'waiting').length;
    const decided = g.length - waiting;
    const changes = g.map((o) => o.healthChange).filter((x): x is number => x !== null);
    return {
      group,
      customers: g.length,
      decided,
      returned,
      left,
      waiting,
      returnRate: decided ? returned / decided : null,
      interval: wilson(returned, decided),
      medianHoursToApology: median(g.map((o) => o.hoursToApology).filter((x): x is number => x !== null)),
      meanHealthChange: changes.length ? changes.reduce((a, b) => a + b, 0) / changes.length : null,
      surveys: surveySummary(g.map((o) => o.nextSurvey).filter((x): x is NextSurvey => x !== null)),
    };
  });
}

function surveySummary(next: NextSurvey[]): GroupSummary['surveys'] {
  const count = (f: (s: NextSurvey) => boolean) => next.filter(f).length;
  return {
    answered: next.length,
    promoters: count((s) => s.category === 'promoter'),
    passives: count((s) => s.category === 'passive'),
    detractors: count((s) => s.category === 'detractor'),
    rose: count((s) => s.change !== null && s.change > 0),
    fell: count((s) => s.change !== null && s.change < 0),
  };
}

/** What the numbers can bear: a plain note when the groups are small. */
export function sampleNote(groups: GroupSummary[]): string {
  const small = groups.filter((g) => g.decided > 0 && g.decided < 30);
  if (groups.every((g) => g.decided === 0)) return 'No outcomes yet: a customer counts once they order again, leave, or the window passes.';
  if (!small.length) return 'Each group has at least 30 customers with a known outcome; the ranges show how far chance alone could move each rate.';
  return `Small samples (${small.map((g) => `${g.decided} ${groupLabel[g.group]}`).join(', ')}): a difference of a few customers swings the rates; read the ranges, not the points.`;
}

export const groupLabel: Record<ApologyGroup, string> = {
  on_time: `apologised within ${LATE_APOLOGY_DAYS} days`,
  late: 'apologised later',
  none: 'no apology',
};
