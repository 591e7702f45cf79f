// Recovery hears of survey answers through the event surveys record with each answer (their
// index offers no scores): each answer is kept once (keyed on the response), so an apology's
// outcome can say whether the customer's next score after the incident rose or fell.
import { sql } from 'kysely';
import { subscriber } from '../platform/events/events.service.js';

export const recoverySubscribers = [
  subscriber({
    name: 'recovery.survey-answered',
    on: ['survey.answered'],
    handle: async (ctx, event) => {
      const p = event.payload;
      await sql`
        insert into recovery_survey_scores (response_id, customer_id, survey, score, category, answered_at)
        values (${p.responseId}, ${p.customerId}, ${p.survey}, ${p.score}, ${p.category}, ${event.createdAt})
        on conflict (response_id) do nothing`.execute(ctx.db);
    },
  }),
];
