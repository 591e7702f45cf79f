// The playbook step that sends a survey, contributed to playbooks through the surveys manifest.
import type { PlaybookActionRunner } from '../playbooks/index.js';
import { sendSurvey } from './surveys.service.js';

export const surveyStep: PlaybookActionRunner = {
  type: 'survey',
  async run(ctx, step) {
    if (step.action.type !== 'survey') return { status: 'failed', detail: `not a survey step: ${step.action.type}` };
    const kind = step.action.survey;
    const r = await sendSurvey(ctx, { customerId: step.customerId, kind, idempotencyKey: step.key, source: step.source });
    if (!r.sent) return { status: 'skipped', detail: `survey not sent: ${r.reason ?? 'no reason given'}` };
    return { status: 'done', detail: `${kind.toUpperCase()} survey sent`, touchpoint: { channel: 'survey', direction: 'out', summary: `${step.playbookName}: ${kind.toUpperCase()} survey sent` } };
  },
};
