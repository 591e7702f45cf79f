// Tables of the surveys feature (migrations numbered 0400–0499 in surveys.migrations.ts).
import type { ColumnType, Generated } from 'kysely';

type Ts = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTs = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T> = ColumnType<T, string | undefined, string>;

export type SurveyKindColumn = 'nps' | 'csat' | 'ces' | 'exit';

export interface CustomQuestion {
  id: string;
  text: string;
}

/** One survey asked of one customer about one event; at most one per customer+kind+event. */
export interface SurveyRequestsTable {
  id: Generated<string>;
  customer_id: string;
  kind: SurveyKindColumn;
  /** what the survey is about: 'ticket:<id>', 'order:<id>', 'manual:<uuid>', 'nps:<date>' … */
  event_key: string;
  /** 'sent' (email queued), 'created' (link made, no email: no address), 'answered' */
  status: 'created' | 'sent' | 'answered';
  /** custom questions as they were when asked */
  questions: Json<CustomQuestion[]>;
  email_id: string | null;
  /** who or what asked: 'user:<id>', 'playbook:<id>', 'demo' */
  source: string | null;
  sent_at: Ts;
  expires_at: Ts;
  created_at: Generated<Date>;
}

/** The answer to a request (one per request: clicking again changes it). */
export interface SurveyResponsesTable {
  id: Generated<string>;
  request_id: string;
  customer_id: string;
  kind: SurveyKindColumn;
  /** NPS 0–10, CSAT 1–5, CES 1–7; null for an exit survey answered with reasons only */
  score: number | null;
  comment: string | null;
  /** answers to custom questions by question id */
  answers: Json<Record<string, string>>;
  /** reasons the customer picked on an exit survey */
  chosen_reasons: ColumnType<string[], string[] | undefined, string[]>;
  /** classifier output for the comment */
  sentiment: 'positive' | 'neutral' | 'negative' | null;
  sentiment_score: number | null;
  churn_reasons: ColumnType<string[], string[] | undefined, string[]>;
  /** the close-the-loop task for a detractor */
  task_id: string | null;
  answered_at: Ts;
  updated_at: Ts;
  /** first answer: the thank-you email was queued */
  thanked_at: NullableTs;
}

export interface SurveyTables {
  survey_requests: SurveyRequestsTable;
  survey_responses: SurveyResponsesTable;
}

declare module '../platform/db/schema.js' {
  interface DB extends SurveyTables {}
}
