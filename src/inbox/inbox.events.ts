// Events the inbox records in the writing transaction (playbook triggers, metrics).
import type { Channel } from './inbox.tables.js';

export interface InboxEvents {
  'conversation.opened': { conversationId: string; customerId: string; channel: Channel; automatic: boolean };
  'conversation.resolved': { conversationId: string; customerId: string; channel: Channel; resolvedByUserId: string | null };
  'conversation.sla_breached': { conversationId: string; customerId: string; target: 'first_response' | 'resolution'; dueAt: string; assigneeUserId: string | null };
}

declare module '../platform/events/events.service.js' {
  interface EventMap extends InboxEvents {}
}
