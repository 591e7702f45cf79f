export type Trigger =
  | { type: 'customer.created' | 'subscription.cancelled' | 'ticket.resolved' | 'cart.abandoned' | 'payment.failed' }
  | { type: 'order'; which: 'first' | 'repeat' | 'any' }
  | { type: 'survey.answered'; kind: 'detractor' | 'passive' | 'promoter' | 'any' }
  | { type: 'health.dropped'; below: number }
  | { type: 'tier.reached'; tier: string | null }
  | { type: 'date'; date: 'birthday' | 'anniversary' | 'holiday' }
  | { type: 'no_touchpoint'; days: number }
  | { type: 'no_order'; days: number | null; ownCycleFactor: number | null }
  | { type: 'weekly'; weekday: number };

export interface Condition {
  field: string;
  op: string;
  value: string | number | boolean;
}

export type Action =
  | { type: 'email'; kind: 'marketing' | 'transactional'; subject: string; html: string; text: string }
  | { type: 'task'; title: string; details: string; dueInDays: number; assignTo: 'account_owner' | 'owner' | 'agent' }
  | { type: 'tag_add' | 'tag_remove'; tag: string }
  | { type: 'survey'; survey: 'nps' | 'csat' | 'ces' }
  | { type: 'promo'; prefix: string; percentOff: number }
  | { type: 'points'; points: number }
  | { type: 'webhook'; url: string };

export interface Step {
  name?: string;
  wait: { days: number; hours: number };
  action: Action;
  skipIf: ('ordered' | 'unsubscribed' | 'contacted' | 'not_reached')[];
  /** when the customer has no email address: skip the step (default) or make a task instead */
  ifNoChannel?: 'skip' | 'task';
}

export interface Playbook {
  id: string;
  key: string | null;
  name: string;
  description: string;
  enabled: boolean;
  trigger: Trigger;
  conditions: Condition[];
  steps: Step[];
  enrolled?: number;
  active?: number;
  /** threshold playbooks: existing customers included, dailyCap a day */
  includeExisting?: boolean;
  dailyCap?: number;
  enabledAt?: string | null;
}

export interface RunRow {
  id: string;
  at: string;
  step_index: number;
  action: string;
  status: 'done' | 'skipped' | 'failed';
  detail: string;
  playbook_id: string;
  playbook: string;
  customer_id: string;
  customer: string;
}

const weekdays = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export function describeTrigger(t: Trigger): string {
  switch (t.type) {
    case 'customer.created':
      return 'a new customer';
    case 'order':
      return t.which === 'any' ? 'every order' : `a ${t.which} order`;
    case 'subscription.cancelled':
      return 'a subscription is cancelled';
    case 'survey.answered':
      return t.kind === 'any' ? 'a survey answer' : `a ${t.kind} survey answer`;
    case 'ticket.resolved':
      return 'a ticket is resolved';
    case 'health.dropped':
      return `health drops below ${t.below}`;
    case 'cart.abandoned':
      return 'a cart is abandoned';
    case 'payment.failed':
      return 'a payment fails';
    case 'tier.reached':
      return t.tier ? `the loyalty tier ${t.tier} is reached` : 'a higher loyalty tier is reached';
    case 'date':
      return t.date === 'holiday' ? 'each holiday in the list' : `the customer's ${t.date}`;
    case 'no_touchpoint':
      return `no contact for ${t.days} days`;
    case 'no_order':
      return t.days !== null ? `no order for ${t.days} days` : `late against their own rhythm (×${t.ownCycleFactor})`;
    case 'weekly':
      return `every ${weekdays[t.weekday]}`;
  }
}

export function describeAction(a: Action): string {
  switch (a.type) {
    case 'email':
      return `${a.kind} email “${a.subject}”`;
    case 'task':
      return `task “${a.title}” for ${a.assignTo.replace('_', ' ')}`;
    case 'tag_add':
      return `add tag ${a.tag}`;
    case 'tag_remove':
      return `remove tag ${a.tag}`;
    case 'survey':
      return `send ${a.survey.toUpperCase()} survey`;
    case 'promo':
      return `promo code ${a.prefix}-… (${a.percentOff}% off)`;
    case 'points':
      return `award ${a.points} points`;
    case 'webhook':
      return `call ${a.url}`;
  }
}

export function describeWait(w: { days: number; hours: number }): string {
  if (!w.days && !w.hours) return 'at once';
  return `after ${[w.days ? `${w.days} day${w.days > 1 ? 's' : ''}` : '', w.hours ? `${w.hours} h` : ''].filter(Boolean).join(' ')}`;
}
