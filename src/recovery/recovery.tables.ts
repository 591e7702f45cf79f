// Tables of recovery: incidents, the customers each one affected, and the apologies sent.
import type { ColumnType, Generated } from 'kysely';
import type { IncidentKind, Severity } from './recovery.core.js';

type Ts = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTs = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T> = ColumnType<T, string, string>;

export interface AffectedQuery {
  /** customers with an order between these instants */
  from?: string | null;
  to?: string | null;
  /** customers carrying this tag */
  tag?: string | null;
  /** customers with a subscription to this plan (running at the incident, or started after it) */
  plan?: string | null;
  /** customers with an inbox conversation carrying this tag */
  conversationTag?: string | null;
}

export interface RecoveryIncidentsTable {
  id: Generated<string>;
  title: string;
  what: string;
  happened_at: Ts;
  severity: Severity;
  cause: string;
  fix: string;
  prevention: string;
  status: ColumnType<'open' | 'resolved', 'open' | 'resolved' | undefined, 'open' | 'resolved'>;
  /** the saved query that found (some of) the affected customers */
  affected_query: Json<AffectedQuery | null> | null;
  /** delivery, billing, quality, service, outage, data, other: templates are per kind */
  kind: ColumnType<IncidentKind, IncidentKind | undefined, IncidentKind>;
  /** the optional public note (plain text) shown at /p/incidents/<slug> once published */
  public_note: ColumnType<string, string | undefined, string>;
  /** random, unguessable; set when first published */
  public_slug: string | null;
  published_at: NullableTs;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface RecoveryAffectedTable {
  incident_id: string;
  customer_id: string;
  /** paid for orders in the query's window (all paid orders when picked by hand), workspace currency */
  paid_minor: number;
  currency: string;
  added_by: 'hand' | 'query';
  /** health (0–100) and CLV (major units) when added, from the analytics report (null: not scored) */
  health_at_add: number | null;
  clv_at_add: ColumnType<string | null, number | null | undefined, number | null>;
  created_at: Generated<Date>;
}

export interface RecoveryApologiesTable {
  id: Generated<string>;
  incident_id: string;
  customer_id: string;
  channel: 'email' | 'call' | 'letter';
  subject: string;
  body: string;
  compensation: Json<Record<string, unknown>>;
  /** the checker's warnings when it was sent (sent anyway by the owner) */
  warnings: Json<unknown[]>;
  email_id: string | null;
  promo_code: string | null;
  created_by: string | null;
  sent_at: Ts;
}

export interface RecoveryTemplatesTable {
  id: Generated<string>;
  name: string;
  kind: IncidentKind;
  subject: string;
  /** text with {{first_name}}, {{amount}}, {{percent}}, {{code}} placeholders */
  body: string;
  from_apology_id: string | null;
  created_by: string | null;
  created_at: Generated<Date>;
}

export interface RecoverySurveyScoresTable {
  /** the survey response (surveys' id): one row per answer however often it is announced */
  response_id: string;
  customer_id: string;
  /** nps | csat | ces | exit … */
  survey: string;
  /** on the survey's own scale (NPS 0–10, CSAT 1–5, CES 1–7); null for reasons only */
  score: number | null;
  category: 'detractor' | 'passive' | 'promoter';
  /** when the event recording the answer was written (the answer's transaction) */
  answered_at: Ts;
}

export interface RecoveryTables {
  recovery_survey_scores: RecoverySurveyScoresTable;
  recovery_templates: RecoveryTemplatesTable;
  recovery_incidents: RecoveryIncidentsTable;
  recovery_affected: RecoveryAffectedTable;
  recovery_apologies: RecoveryApologiesTable;
}

declare module '../platform/db/schema.js' {
  interface DB extends RecoveryTables {}
}
