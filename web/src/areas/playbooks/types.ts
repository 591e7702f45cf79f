/** A trigger: its `type` and that type's fields (see triggers.tsx; other areas add types). */
export type Trigger = Record<string, unknown> & { type: string };

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
