// For other features' tests: answer a survey request the way the customer's link does (the
// signed token, then the same answer path), so a test needs no mail sink to read the link from.
import type { AppContext } from '../../platform/context.js';
import { type AnswerInput, linkForRequest, openByToken, recordAnswer } from '../surveys.service.js';

export async function answerSurveyRequest(ctx: AppContext, requestId: string, input: AnswerInput) {
  const link = await linkForRequest(ctx, requestId);
  if (!link) throw new Error(`no survey request ${requestId}`);
  const token = new URL(link).pathname.split('/p/s/')[1];
  const opened = await openByToken(ctx, token);
  if (opened.status !== 'ok') throw new Error(`survey request ${requestId} is ${opened.status}`);
  return recordAnswer(ctx, opened.request, input);
}
