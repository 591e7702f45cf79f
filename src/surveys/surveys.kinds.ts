// The survey kinds, their scales and their wording.
export const surveyKinds = ['nps', 'csat', 'ces', 'exit'] as const;
export type SurveyKind = (typeof surveyKinds)[number];

export interface KindInfo {
  label: string;
  /** inclusive score range; null for the exit survey (reasons instead of a score) */
  scale: { min: number; max: number; low: string; high: string } | null;
  question: (business: string) => string;
  subject: (business: string) => string;
}

export const kindInfo: Record<SurveyKind, KindInfo> = {
  nps: {
    label: 'NPS',
    scale: { min: 0, max: 10, low: 'Not at all likely', high: 'Extremely likely' },
    question: (b) => `How likely are you to recommend ${b} to a friend or colleague?`,
    subject: (b) => `Would you recommend ${b}? (one click)`,
  },
  csat: {
    label: 'CSAT',
    scale: { min: 1, max: 5, low: 'Very unsatisfied', high: 'Very satisfied' },
    question: (b) => `How satisfied are you with ${b}?`,
    subject: (b) => `How did we do? – ${b}`,
  },
  ces: {
    label: 'CES',
    scale: { min: 1, max: 7, low: 'Very difficult', high: 'Very easy' },
    question: () => 'How easy was it to get the help you needed?',
    subject: (b) => `Was it easy to get help from ${b}?`,
  },
  exit: {
    label: 'Exit survey',
    scale: null,
    question: (b) => `We're sorry to see you go. Why did you stop doing business with ${b}?`,
    subject: (b) => `Can you tell ${b} why you left? (one minute)`,
  },
};

export function validScore(kind: SurveyKind, score: number): boolean {
  const s = kindInfo[kind].scale;
  return s !== null && Number.isInteger(score) && score >= s.min && score <= s.max;
}
