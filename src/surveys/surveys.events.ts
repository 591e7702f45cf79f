// The event surveys record with every answer (see platform/events): playbooks and the
// detractor task subscribe to it.
import type { AppContext } from '../platform/context.js';
import { subscriber } from '../platform/events/events.service.js';
import { closeTheLoopFor } from './surveys.service.js';

declare module '../platform/events/events.service.js' {
  interface EventMap {
    'survey.answered': {
      requestId: string;
      responseId: string;
      customerId: string;
      /** nps | csat | ces | exit … */
      survey: string;
      category: 'detractor' | 'passive' | 'promoter';
      score: number | null;
      /** churn reasons chosen or found in the comment, main one first */
      reasons: string[];
    };
  }
}

export const surveySubscribers = [
  subscriber({
    name: 'surveys.close-the-loop',
    on: ['survey.answered'],
    handle: async (ctx: AppContext, event) => {
      if (event.payload.category === 'detractor') await closeTheLoopFor(ctx, event.payload.requestId, event.payload.responseId);
    },
  }),
];
