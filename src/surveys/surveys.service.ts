// Surveys: sending, answering, understanding and closing the loop.
import type { AppContext } from '../platform/context.js';

export type SurveyKind = 'nps' | 'csat' | 'ces' | 'exit';

export interface SendSurveyInput {
  customerId: string;
  kind: SurveyKind;
  /** what the survey is about, e.g. 'ticket:<id>' or 'order:<id>'; one survey per customer+kind+eventKey */
  eventKey: string;
}

/** Sends one survey to a customer (playbooks call this). Never sends twice for the same event. */
export async function sendSurvey(ctx: AppContext, input: SendSurveyInput): Promise<{ sent: boolean; reason?: string }> {
  void ctx;
  void input;
  return { sent: false, reason: 'not_built_yet' };
}
