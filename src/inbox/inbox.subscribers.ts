// What the inbox does when its own events are delivered (at least once: idempotent).
// CSAT after resolution: one survey per conversation (event key conversation:<id>), so a
// conversation reopened and resolved again is never surveyed twice; the surveys feature applies
// its own cooldowns, consent and "no email address" rules. Automatic conversations are skipped.
import { subscriber } from '../platform/events/events.service.js';
import { sendSurvey } from '../surveys/index.js';
import { acknowledge } from './autoack.js';
import './inbox.events.js';

export const inboxSubscribers = [
  subscriber({
    name: 'inbox.csat-after-resolution',
    on: ['conversation.resolved'],
    handle: async (ctx, event) => {
      const c = await ctx.db.selectFrom('conversations').select(['automatic', 'channel']).where('id', '=', event.payload.conversationId).executeTakeFirst();
      if (!c || c.automatic) return;
      const r = await sendSurvey(ctx, {
        customerId: event.payload.customerId,
        kind: 'csat',
        eventKey: `conversation:${event.payload.conversationId}`,
        source: `inbox:${event.payload.conversationId}`,
      });
      if (!r.sent) ctx.log.debug({ conversationId: event.payload.conversationId, reason: r.reason }, 'inbox: no CSAT survey after resolution');
    },
  }),
  subscriber({
    name: 'inbox.auto-acknowledgement',
    on: ['conversation.opened'],
    handle: async (ctx, event) => {
      if (event.payload.channel !== 'email' || event.payload.automatic) return;
      const r = await acknowledge(ctx, event.payload.conversationId);
      ctx.log.debug({ conversationId: event.payload.conversationId, outcome: r }, 'inbox: auto-acknowledgement');
    },
  }),
];
