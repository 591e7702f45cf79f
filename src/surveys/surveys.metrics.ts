// Pure survey arithmetic: NPS, CSAT, CES, detractor/promoter rules, trends by month and segment.
import type { SurveyKind } from './surveys.kinds.js';

export interface ScoredAnswer {
  kind: SurveyKind;
  score: number | null;
  answeredAt: Date;
}

/**
 * Detractors get a close-the-loop task: NPS 0–6, CSAT 1–2, CES 1–3 (on the 1–7 ease scale, 1 =
 * very difficult), and every exit survey (a customer who left is always worth a call).
 */
export function isDetractor(kind: SurveyKind, score: number | null): boolean {
  if (kind === 'exit') return true;
  if (score === null) return false;
  if (kind === 'nps') return score <= 6;
  if (kind === 'csat') return score <= 2;
  return score <= 3;
}

/** Promoters are asked for a review or referral: NPS 9–10, CSAT 5, CES 6–7. */
export function isPromoter(kind: SurveyKind, score: number | null): boolean {
  if (score === null || kind === 'exit') return false;
  if (kind === 'nps') return score >= 9;
  if (kind === 'csat') return score >= 5;
  return score >= 6;
}

export interface NpsResult {
  n: number;
  promoters: number;
  passives: number;
  detractors: number;
  /** % promoters − % detractors, −100…100; null with no answers */
  score: number | null;
}

export function nps(scores: number[]): NpsResult {
  let p = 0;
  let d = 0;
  for (const s of scores) {
    if (s >= 9) p++;
    else if (s <= 6) d++;
  }
  const n = scores.length;
  return { n, promoters: p, passives: n - p - d, detractors: d, score: n ? Math.round(((p - d) / n) * 1000) / 10 : null };
}

export interface CsatResult {
  n: number;
  satisfied: number;
  /** % of answers 4 or 5 */
  score: number | null;
}

export function csat(scores: number[]): CsatResult {
  const satisfied = scores.filter((s) => s >= 4).length;
  return { n: scores.length, satisfied, score: scores.length ? Math.round((satisfied / scores.length) * 1000) / 10 : null };
}

export interface CesResult {
  n: number;
  /** mean on the 1–7 scale (7 = very easy) */
  score: number | null;
}

export function ces(scores: number[]): CesResult {
  return { n: scores.length, score: scores.length ? Math.round((scores.reduce((a, b) => a + b, 0) / scores.length) * 100) / 100 : null };
}

export interface KindScores {
  nps: NpsResult;
  csat: CsatResult;
  ces: CesResult;
  exit: { n: number };
}

export function scoreAll(answers: ScoredAnswer[]): KindScores {
  const by = (k: SurveyKind) => answers.filter((a) => a.kind === k && a.score !== null).map((a) => a.score as number);
  return { nps: nps(by('nps')), csat: csat(by('csat')), ces: ces(by('ces')), exit: { n: answers.filter((a) => a.kind === 'exit').length } };
}

export const monthOf = (d: Date) => d.toISOString().slice(0, 7);

export interface MonthPoint {
  month: string;
  nps: number | null;
  npsN: number;
  csat: number | null;
  csatN: number;
  ces: number | null;
  cesN: number;
}

/** One point per calendar month (UTC) from the first to the last answer, gaps included. */
export function monthlyTrend(answers: ScoredAnswer[]): MonthPoint[] {
  if (!answers.length) return [];
  const groups = new Map<string, ScoredAnswer[]>();
  for (const a of answers) {
    const m = monthOf(a.answeredAt);
    let g = groups.get(m);
    if (!g) groups.set(m, (g = []));
    g.push(a);
  }
  const months = [...groups.keys()].sort();
  const out: MonthPoint[] = [];
  let [y, mo] = months[0].split('-').map(Number);
  const last = months[months.length - 1];
  for (;;) {
    const key = `${y}-${String(mo).padStart(2, '0')}`;
    const s = scoreAll(groups.get(key) ?? []);
    out.push({ month: key, nps: s.nps.score, npsN: s.nps.n, csat: s.csat.score, csatN: s.csat.n, ces: s.ces.score, cesN: s.ces.n });
    if (key >= last) break;
    mo++;
    if (mo > 12) {
      mo = 1;
      y++;
    }
  }
  return out;
}

export interface SegmentPoint {
  segment: string;
  n: number;
  nps: number | null;
  csat: number | null;
  ces: number | null;
}

/** Scores per segment; an answer counts in every segment its customer belongs to. */
export function bySegment(answers: (ScoredAnswer & { segments: string[] })[]): SegmentPoint[] {
  const groups = new Map<string, ScoredAnswer[]>();
  for (const a of answers) {
    for (const seg of a.segments.length ? a.segments : ['(none)']) {
      let g = groups.get(seg);
      if (!g) groups.set(seg, (g = []));
      g.push(a);
    }
  }
  return [...groups.entries()]
    .map(([segment, g]) => {
      const s = scoreAll(g);
      return { segment, n: g.length, nps: s.nps.score, csat: s.csat.score, ces: s.ces.score };
    })
    .sort((a, b) => b.n - a.n || a.segment.localeCompare(b.segment));
}
