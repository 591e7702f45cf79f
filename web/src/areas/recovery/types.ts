// What the recovery API answers, as the web app reads it.
export const incidentKinds = ['delivery', 'billing', 'quality', 'service', 'outage', 'data', 'other'] as const;

export interface IncidentRow {
  id: string;
  title: string;
  severity: string;
  kind: string;
  status: string;
  happenedAt: string;
  affected: number;
  apologised: number;
}
export interface Incident {
  id: string;
  title: string;
  what: string;
  happenedAt: string;
  severity: string;
  kind: string;
  cause: string;
  fix: string;
  prevention: string;
  status: string;
  affectedQuery: { from: string | null; to: string | null; tag: string | null; plan?: string | null; conversationTag?: string | null } | null;
  publicNote: string;
  publicPath: string | null;
  publishedAt: string | null;
}
export interface NextSurvey {
  /** nps | csat | ces … (scores compare only within one survey) */
  survey: string;
  score: number | null;
  category: 'detractor' | 'passive' | 'promoter';
  /** change from the last answer to the same survey before the incident (null: none to compare) */
  change: number | null;
  previousCategory: 'detractor' | 'passive' | 'promoter' | null;
}
export interface Outcome {
  status: 'returned' | 'left' | 'no_order' | 'waiting';
  daysToNextOrder: number | null;
  left: boolean;
  healthChange: number | null;
  hoursToApology: number | null;
  group: 'on_time' | 'late' | 'none';
  /** the first survey answer within the window after the incident (null: none yet) */
  nextSurvey?: NextSurvey | null;
}
export interface Affected {
  customerId: string;
  name: string;
  email: string | null;
  paidMinor: number;
  currency: string;
  addedBy: string;
  lifetimeValueMinor: number;
  orders: number;
  clv: number | null;
  health: number | null;
  healthAtAdd: number | null;
  apology: { id: string; channel: string; sentAt: string } | null;
  outcome: Outcome;
}
export interface GroupResult {
  group: 'on_time' | 'late' | 'none';
  label: string;
  customers: number;
  decided: number;
  returned: number;
  left: number;
  waiting: number;
  returnRate: number | null;
  interval: [number, number] | null;
  medianHoursToApology: number | null;
  meanHealthChange: number | null;
  surveys?: { answered: number; promoters: number; passives: number; detractors: number; rose: number; fell: number };
}
export interface Results {
  windowDays: number;
  groups: GroupResult[];
  note: string;
  byKind: { kind: string; kept: number; of: number; waiting: number }[];
}
export type Compensation =
  | { kind: 'refund'; amountMinor: number; currency: string; sharePercent: number }
  | { kind: 'credit'; amountMinor: number; currency: string }
  | { kind: 'promo'; percentOff: number }
  | { kind: 'none' };
export interface Warning {
  kind: string;
  message: string;
}
export interface DraftResponse {
  draft: { subject: string; text: string; parts: Record<string, string> };
  compensation: Compensation;
  paidMinor: number;
  currency: string;
  warnings: Warning[];
  kind: string;
  trackRecord: { kind: string; kept: number; of: number; waiting: number; windowDays: number };
}
export interface Template {
  id: string;
  name: string;
  kind: string;
  subject: string;
  body: string;
}
export interface Apology {
  id: string;
  incidentId: string;
  incidentTitle: string;
  customerId: string;
  customerName: string;
  channel: string;
  subject: string;
  body: string;
  compensation: Compensation;
  promoCode: string | null;
  sentAt: string;
  outcome: Outcome | null;
}
