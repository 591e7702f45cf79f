// The playbook engine's pure core: what a playbook is (trigger, conditions, steps), which
// customers a trigger picks, whether conditions hold, when a step should be skipped. Plain
// functions over plain data; the database edge is playbooks.service.ts.
import { z } from 'zod';
import { contributedTriggers, type PlaybookTriggerDef } from './playbooks.triggers.js';

export const eventTypes = ['customer.created', 'order.created', 'subscription.cancelled', 'survey.answered', 'ticket.resolved', 'health.dropped', 'cart.abandoned', 'payment.failed'] as const;
export type EventType = (typeof eventTypes)[number];

const builtInTriggers = [
  z.object({ type: z.literal('customer.created') }),
  z.object({ type: z.literal('order'), which: z.enum(['first', 'repeat', 'any']) }),
  z.object({ type: z.literal('subscription.cancelled') }),
  z.object({ type: z.literal('survey.answered'), kind: z.enum(['detractor', 'passive', 'promoter', 'any']) }),
  z.object({ type: z.literal('ticket.resolved') }),
  z.object({ type: z.literal('health.dropped'), below: z.number().min(0).max(100) }),
  z.object({ type: z.literal('cart.abandoned') }),
  z.object({ type: z.literal('payment.failed') }),
  z.object({ type: z.literal('date'), date: z.enum(['birthday', 'anniversary', 'holiday']) }),
  z.object({ type: z.literal('no_touchpoint'), days: z.number().int().min(1).max(3650) }),
  z.object({
    type: z.literal('no_order'),
    /** a fixed number of days without an order … */
    days: z.number().int().min(1).max(3650).nullable().default(null),
    /** … or late against the customer's own rhythm: days since last order > factor × their average gap */
    ownCycleFactor: z.number().min(1).max(10).nullable().default(null),
  }),
  z.object({ type: z.literal('weekly'), weekday: z.number().int().min(1).max(7) }),
] as const;
export const triggerSchema = z.discriminatedUnion('type', [...builtInTriggers]);
export type Trigger = z.infer<typeof triggerSchema>;
export const builtInTriggerTypes: readonly string[] = builtInTriggers.map((t) => t.shape.type.value);
/** Each engine trigger's fields besides `type` (the trigger catalogue). */
export const builtInTriggerFields: Record<string, string[]> = Object.fromEntries(builtInTriggers.map((t) => [t.shape.type.value, Object.keys(t.shape).filter((k) => k !== 'type')]));

/** What the owner reads for each of the engine's own triggers (the trigger catalogue). */
export const builtInTriggerLabels: Record<Trigger['type'], string> = {
  'customer.created': 'a new customer',
  order: 'an order',
  'subscription.cancelled': 'a subscription is cancelled',
  'survey.answered': 'a survey answer',
  'ticket.resolved': 'a ticket is resolved',
  'health.dropped': 'health drops',
  'cart.abandoned': 'a cart is abandoned',
  'payment.failed': 'a payment fails',
  date: 'a date',
  no_touchpoint: 'no contact for a while',
  no_order: 'no order for a while',
  weekly: 'every week',
};

const withContributed = new Map<string, z.ZodType>();
/**
 * The trigger schema with the triggers other features contribute (playbooks.triggers.ts): one
 * discriminated union, so a bad field of any trigger is named. Contributed triggers keep their
 * fields in the stored definition; in code they are typed as the engine's `Trigger` and reach
 * only `eventMatches`' contributed branch.
 */
export function triggerSchemaWith(defs: readonly PlaybookTriggerDef[]): z.ZodType<Trigger> {
  const extra = defs.filter((d) => !builtInTriggerTypes.includes(d.type));
  if (extra.length === 0) return triggerSchema;
  const key = extra.map((d) => d.type).join('|');
  let schema = withContributed.get(key);
  if (!schema) {
    schema = z.discriminatedUnion('type', [...builtInTriggers, ...extra.map((d) => z.object({ type: z.literal(d.type), ...(d.fields ?? {}) }))]);
    withContributed.set(key, schema);
  }
  return schema as z.ZodType<Trigger>;
}
export const scheduledTriggerTypes = new Set(['date', 'no_touchpoint', 'no_order', 'weekly']);

export const conditionFields = ['tags', 'segment', 'retention_driver', 'marketing_consent', 'country', 'city', 'clv_minor', 'orders_count', 'has_email'] as const;

/** Value segments, from the customer's own history (first match wins). */
export const segments = ['lapsed', 'new', 'repeat', 'one_time', 'prospect'] as const;
export type Segment = (typeof segments)[number];

export function segmentOf(f: Pick<CustomerFacts, 'ordersCount' | 'lastOrderAt' | 'acquiredAt'>, now: number): Segment {
  const DAY_MS = 86400_000;
  if (f.ordersCount > 0 && f.lastOrderAt !== null && now - f.lastOrderAt > 180 * DAY_MS) return 'lapsed';
  if (now - f.acquiredAt <= 90 * DAY_MS) return 'new';
  if (f.ordersCount >= 2) return 'repeat';
  if (f.ordersCount === 1) return 'one_time';
  return 'prospect';
}
export const conditionSchema = z
  .object({
    field: z.enum(conditionFields),
    op: z.enum(['eq', 'neq', 'has', 'not_has', 'gte', 'lte']),
    value: z.union([z.string().max(200), z.number(), z.boolean()]),
  })
  .superRefine((c, ctx) => {
    const numeric = c.field === 'clv_minor' || c.field === 'orders_count';
    const bool = c.field === 'marketing_consent' || c.field === 'has_email';
    const ok =
      c.field === 'tags'
        ? (c.op === 'has' || c.op === 'not_has') && typeof c.value === 'string'
        : numeric
          ? ['eq', 'neq', 'gte', 'lte'].includes(c.op) && typeof c.value === 'number'
          : bool
            ? (c.op === 'eq' || c.op === 'neq') && typeof c.value === 'boolean'
            : c.field === 'segment'
              ? (c.op === 'eq' || c.op === 'neq') && (segments as readonly unknown[]).includes(c.value)
              : (c.op === 'eq' || c.op === 'neq') && typeof c.value === 'string';
    if (!ok) ctx.addIssue({ code: 'custom', message: `operator ${c.op} with a ${typeof c.value} does not fit field ${c.field}`, path: ['op'] });
  });
export type Condition = z.infer<typeof conditionSchema>;

const template = z.string().max(50_000);
export const actionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('email'), kind: z.enum(['marketing', 'transactional']), subject: z.string().min(1).max(500), html: template, text: template }),
  z.object({
    type: z.literal('task'),
    title: z.string().min(1).max(300),
    details: z.string().max(5000).default(''),
    dueInDays: z.number().int().min(0).max(365).default(0),
    assignTo: z.enum(['account_owner', 'owner', 'agent']).default('account_owner'),
  }),
  z.object({ type: z.literal('tag_add'), tag: z.string().trim().min(1).max(60) }),
  z.object({ type: z.literal('tag_remove'), tag: z.string().trim().min(1).max(60) }),
  z.object({ type: z.literal('survey'), survey: z.enum(['nps', 'csat', 'ces']) }),
  z.object({ type: z.literal('promo'), prefix: z.string().regex(/^[A-Z0-9]{1,12}$/, 'use 1–12 capital letters or digits'), percentOff: z.number().int().min(1).max(100) }),
  z.object({ type: z.literal('points'), points: z.number().int().min(1).max(1_000_000) }),
  z.object({
    type: z.literal('webhook'),
    url: z
      .string()
      .url()
      .regex(/^https?:\/\//, 'must be http(s)'),
  }),
]);
export type Action = z.infer<typeof actionSchema>;

/** not_reached: no earlier message of this enrolment reached them (each was skipped for want of a channel), so a follow-up would follow up nothing */
export const skipReasons = ['ordered', 'unsubscribed', 'contacted', 'not_reached'] as const;
export type SkipIf = (typeof skipReasons)[number];

export const stepSchema = z.object({
  name: z.string().max(120).optional(),
  /** wait before this step, counted from the previous one (or from entering) */
  wait: z.object({ days: z.number().int().min(0).max(365).default(0), hours: z.number().int().min(0).max(23).default(0) }).default({ days: 0, hours: 0 }),
  action: actionSchema,
  /** skip this step when, since the customer entered: they ordered again, unsubscribed, or someone contacted them */
  skipIf: z.array(z.enum(skipReasons)).default([]),
  /** when the customer lacks the channel this step needs (an email address): skip it, or make a task for a person instead */
  ifNoChannel: z.enum(['skip', 'task']).optional(),
});
export type Step = z.infer<typeof stepSchema>;

export const playbookDefinition = z.object({
  name: z.string().trim().min(1, 'is required').max(200),
  description: z.string().max(2000).default(''),
  trigger: z.lazy(() => triggerSchemaWith(contributedTriggers())),
  conditions: z.array(conditionSchema).max(20).default([]),
  steps: z.array(stepSchema).min(1, 'needs at least one step').max(20),
});
export type PlaybookDefinition = z.infer<typeof playbookDefinition>;

/** What the engine knows about a customer when it decides. Times are epoch ms. */
export interface CustomerFacts {
  id: string;
  name: string;
  email: string | null;
  tags: string[];
  retentionDriver: string | null;
  marketingConsent: boolean;
  unsubscribed: boolean;
  country: string | null;
  city: string | null;
  ownerUserId: string | null;
  /** value to date: paid orders, minor units */
  clvMinor: number;
  ordersCount: number;
  firstOrderAt: number | null;
  lastOrderAt: number | null;
  lastTouchpointAt: number | null;
  /** YYYY-MM-DD */
  birthday: string | null;
  acquiredAt: number;
}

export interface ConditionResult {
  ok: boolean;
  /** the first condition that failed, in words */
  failed?: string;
}

export function describeCondition(c: Condition): string {
  const op = { eq: 'is', neq: 'is not', has: 'has', not_has: 'does not have', gte: '≥', lte: '≤' }[c.op];
  return `${c.field.replace('_', ' ')} ${op} ${String(c.value)}`;
}

function conditionHolds(c: Condition, f: CustomerFacts, now: number): boolean {
  const cmp = (actual: unknown): boolean => {
    switch (c.op) {
      case 'eq':
        return typeof actual === 'string' && typeof c.value === 'string' ? actual.toLowerCase() === c.value.toLowerCase() : actual === c.value;
      case 'neq':
        return typeof actual === 'string' && typeof c.value === 'string' ? actual.toLowerCase() !== c.value.toLowerCase() : actual !== c.value;
      case 'gte':
        return typeof actual === 'number' && actual >= Number(c.value);
      case 'lte':
        return typeof actual === 'number' && actual <= Number(c.value);
      default:
        return false;
    }
  };
  switch (c.field) {
    case 'tags': {
      const has = f.tags.some((t) => t.toLowerCase() === String(c.value).toLowerCase());
      return c.op === 'has' ? has : !has;
    }
    case 'segment':
      return cmp(segmentOf(f, now));
    case 'retention_driver':
      return cmp(f.retentionDriver);
    case 'marketing_consent':
      return cmp(f.marketingConsent && !f.unsubscribed);
    case 'has_email':
      return cmp(f.email !== null && f.email !== '');
    case 'country':
      return cmp(f.country);
    case 'city':
      return cmp(f.city);
    case 'clv_minor':
      return cmp(f.clvMinor);
    case 'orders_count':
      return cmp(f.ordersCount);
  }
}

/** Whether all conditions hold (`now` matters for the segment). */
export function evaluateConditions(conditions: Condition[], facts: CustomerFacts, now: number = Date.now()): ConditionResult {
  for (const c of conditions) if (!conditionHolds(c, facts, now)) return { ok: false, failed: describeCondition(c) };
  return { ok: true };
}

// ---- events ----

export interface EventInput {
  /** an engine event type, or a contributed trigger's type */
  type: string;
  data: Record<string, unknown>;
}

/**
 * Whether an event fires a trigger. `order.created` carries data.first (true for a first order).
 * A contributed trigger fires on events of its own type, when its `matches` (if any) agrees.
 */
export function eventMatches(trigger: Trigger, event: EventInput, contributed: readonly PlaybookTriggerDef[] = []): boolean {
  switch (trigger.type) {
    case 'customer.created':
    case 'subscription.cancelled':
    case 'ticket.resolved':
    case 'cart.abandoned':
    case 'payment.failed':
      return event.type === trigger.type;
    case 'order':
      if (event.type !== 'order.created') return false;
      return trigger.which === 'any' || (trigger.which === 'first') === Boolean(event.data.first);
    case 'survey.answered':
      return event.type === 'survey.answered' && (trigger.kind === 'any' || event.data.kind === trigger.kind);
    case 'health.dropped': {
      if (event.type !== 'health.dropped') return false;
      const score = Number(event.data.score);
      const previous = event.data.previous === undefined || event.data.previous === null ? Infinity : Number(event.data.previous);
      return Number.isFinite(score) && score < trigger.below && previous >= trigger.below;
    }
    default: {
      const type: string = trigger.type;
      const def = contributed.find((d) => d.type === type);
      return Boolean(def) && event.type === type && (def!.matches?.(trigger as Record<string, unknown>, event.data) ?? true);
    }
  }
}

// ---- schedules (date and inactivity) ----

const DAY = 86400_000;

/** YYYY-MM-DD of an instant in a time zone. */
export { localDate } from '../platform/time.js';

function isLeap(y: number) {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Month-day of an anniversary in a given year: 29 Feb falls on 28 Feb in other years. */
function monthDayIn(monthDay: string, year: number): string {
  return monthDay === '02-29' && !isLeap(year) ? '02-28' : monthDay;
}

function isoWeek(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  const day = (d.getUTCDay() + 6) % 7;
  d.setUTCDate(d.getUTCDate() - day + 3);
  const firstThursday = new Date(Date.UTC(d.getUTCFullYear(), 0, 4));
  const week = 1 + Math.round(((d.getTime() - firstThursday.getTime()) / DAY - 3 + ((firstThursday.getUTCDay() + 6) % 7)) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

export interface Holiday {
  /** MM-DD (every year) or YYYY-MM-DD (that year only) */
  date: string;
  name: string;
}

export interface ScanClock {
  now: Date;
  /** the workspace's today, YYYY-MM-DD */
  today: string;
  holidays: Holiday[];
}

interface DerivedClock {
  year: number;
  md: string;
  now: number;
  weekday: number;
  week: string;
  holidayKey: string | null;
}
const derived = new WeakMap<ScanClock, DerivedClock>();
function derive(clock: ScanClock): DerivedClock {
  let d = derived.get(clock);
  if (!d) {
    const year = Number(clock.today.slice(0, 4));
    const md = clock.today.slice(5);
    const h = clock.holidays.find((x) => x.date === clock.today || x.date === md);
    d = {
      year,
      md,
      now: clock.now.getTime(),
      weekday: ((new Date(`${clock.today}T00:00:00Z`).getUTCDay() + 6) % 7) + 1,
      week: isoWeek(clock.today),
      holidayKey: h ? `holiday:${h.name}:${year}` : null,
    };
    derived.set(clock, d);
  }
  return d;
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The occurrence this scheduled trigger fires for this customer today, or null. Once per occurrence. */
export function scheduledOccurrence(trigger: Trigger, f: CustomerFacts, clock: ScanClock): string | null {
  const { year, md, now, weekday, week, holidayKey } = derive(clock);
  switch (trigger.type) {
    case 'date':
      if (trigger.date === 'birthday') {
        if (!f.birthday) return null;
        return monthDayIn(f.birthday.slice(5, 10), year) === md ? `birthday:${year}` : null;
      }
      if (trigger.date === 'anniversary') {
        const acquired = dayOf(f.acquiredAt);
        if (Number(acquired.slice(0, 4)) >= year) return null;
        return monthDayIn(acquired.slice(5), year) === md ? `anniversary:${year}` : null;
      }
      return holidayKey;
    case 'no_touchpoint': {
      const last = f.lastTouchpointAt ?? f.acquiredAt;
      return now - last >= trigger.days * DAY ? `quiet-since:${dayOf(last)}` : null;
    }
    case 'no_order': {
      if (f.lastOrderAt === null) return null;
      const since = now - f.lastOrderAt;
      if (trigger.days !== null && since >= trigger.days * DAY) return `no-order-since:${dayOf(f.lastOrderAt)}`;
      if (trigger.ownCycleFactor !== null && f.ordersCount >= 2 && f.firstOrderAt !== null) {
        const cycle = (f.lastOrderAt - f.firstOrderAt) / (f.ordersCount - 1);
        if (cycle >= DAY && since > Math.max(7 * DAY, trigger.ownCycleFactor * cycle)) return `no-order-since:${dayOf(f.lastOrderAt)}`;
      }
      return null;
    }
    case 'weekly':
      return weekday === trigger.weekday ? `week:${week}` : null;
    default:
      return null;
  }
}

/**
 * When a threshold trigger (no order / no contact for so long) was crossed by this customer, as
 * epoch ms, or null for triggers that have no threshold (dates, weekly: they fire on the day).
 * A playbook switched on enrols only customers who cross after it was switched on, unless the
 * owner chose to include existing ones.
 */
export function thresholdCrossedAt(trigger: Trigger, f: CustomerFacts): number | null {
  switch (trigger.type) {
    case 'no_touchpoint':
      return (f.lastTouchpointAt ?? f.acquiredAt) + trigger.days * DAY;
    case 'no_order': {
      if (f.lastOrderAt === null) return null;
      const at: number[] = [];
      if (trigger.days !== null) at.push(f.lastOrderAt + trigger.days * DAY);
      if (trigger.ownCycleFactor !== null && f.ordersCount >= 2 && f.firstOrderAt !== null) {
        const cycle = (f.lastOrderAt - f.firstOrderAt) / (f.ordersCount - 1);
        if (cycle >= DAY) at.push(f.lastOrderAt + Math.max(7 * DAY, trigger.ownCycleFactor * cycle));
      }
      return at.length ? Math.min(...at) : null;
    }
    default:
      return null;
  }
}

export interface ScanPlaybook {
  id: string;
  trigger: Trigger;
  conditions: Condition[];
  /** when it was switched on; customers past its threshold before then are "existing" */
  enabledAt?: Date | null;
}

export interface Backlog {
  /** customers already past the threshold when it was switched on, most valuable first */
  existing: Enrollment[];
}

/**
 * Splits today's due enrolments of threshold playbooks into those who crossed since the playbook
 * was switched on (they enter) and those who were already past it (existing: they enter only if
 * the owner chose so, a daily cap at a time, most valuable first).
 */
export function splitByEnabledAt(due: Enrollment[], playbooks: ScanPlaybook[], customers: CustomerFacts[]): { fresh: Enrollment[]; existing: Enrollment[] } {
  const pb = new Map(playbooks.map((p) => [p.id, p]));
  const facts = new Map(customers.map((f) => [f.id, f]));
  const fresh: Enrollment[] = [];
  const existing: Enrollment[] = [];
  for (const d of due) {
    const p = pb.get(d.playbookId);
    const f = facts.get(d.customerId);
    const crossed = p && f ? thresholdCrossedAt(p.trigger, f) : null;
    if (crossed === null || !p?.enabledAt || crossed >= p.enabledAt.getTime()) fresh.push(d);
    else existing.push(d);
  }
  existing.sort((a, b) => (facts.get(b.customerId)?.clvMinor ?? 0) - (facts.get(a.customerId)?.clvMinor ?? 0) || a.customerId.localeCompare(b.customerId));
  return { fresh, existing };
}

export interface Enrollment {
  playbookId: string;
  customerId: string;
  occurrenceKey: string;
}

/** Evaluates every scheduled playbook over every customer: which enrollments are due today. */
export function evaluateScheduledTriggers(playbooks: ScanPlaybook[], customers: CustomerFacts[], clock: ScanClock): Enrollment[] {
  const out: Enrollment[] = [];
  const scheduled = playbooks.filter((p) => scheduledTriggerTypes.has(p.trigger.type));
  for (const f of customers) {
    for (const p of scheduled) {
      const key = scheduledOccurrence(p.trigger, f, clock);
      if (key && evaluateConditions(p.conditions, f, clock.now.getTime()).ok) out.push({ playbookId: p.id, customerId: f.id, occurrenceKey: key });
    }
  }
  return out;
}

// ---- steps ----

export interface SinceEnrolled {
  orderedSince: boolean;
  contactedSince: boolean;
  /** an earlier step of this enrolment went out to the customer by a channel (null: no earlier step needed one) */
  reached?: boolean | null;
}

/** The channel an action reaches the customer through: email, survey and promo code go by email. */
export function channelNeeded(action: Action): 'email' | null {
  return action.type === 'email' || action.type === 'survey' || action.type === 'promo' ? 'email' : null;
}

/** The channel this step needs and the customer lacks, or null. */
export function missingChannel(step: Step, f: CustomerFacts): 'email' | null {
  const needs = channelNeeded(step.action);
  return needs === 'email' && !f.email ? 'email' : null;
}

/** The task made instead of a step whose channel the customer lacks (when the step says so). */
export function fallbackTask(step: Step, f: CustomerFacts): Extract<Action, { type: 'task' }> {
  const what = step.name ?? (step.action.type === 'email' ? step.action.subject : step.action.type === 'survey' ? `${step.action.survey.toUpperCase()} survey` : step.action.type);
  return {
    type: 'task',
    title: `Reach {{ customer.name }} another way: ${what}`.slice(0, 300),
    details: `This step would have gone by email, but ${f.name} has no email address. Call, message or see them instead.`,
    dueInDays: 0,
    assignTo: 'account_owner',
  };
}

/** Why a step should not run now (its condition no longer holds), or null to run it. */
export function stepSkipReason(step: Step, f: CustomerFacts, since: SinceEnrolled): string | null {
  for (const s of step.skipIf) {
    if (s === 'ordered' && since.orderedSince) return 'customer ordered again';
    if (s === 'unsubscribed' && (f.unsubscribed || !f.marketingConsent)) return 'customer unsubscribed';
    if (s === 'contacted' && since.contactedSince) return 'customer was contacted since';
    if (s === 'not_reached' && since.reached === false) return 'no earlier message reached the customer (no email address), so there is nothing to follow up';
  }
  if (missingChannel(step, f) === 'email' && step.ifNoChannel !== 'task') return 'customer has no email address';
  if (step.action.type === 'email' && step.action.kind === 'marketing' && f.unsubscribed) return 'customer unsubscribed';
  return null;
}

export function waitMs(step: Step): number {
  return step.wait.days * DAY + step.wait.hours * 3600_000;
}

/** A promo code that is the same every time for one enrollment step (so a retry issues no second code). */
export function promoCode(prefix: string, seed: string): string {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  let code = '';
  let x = h >>> 0;
  for (let i = 0; i < 6; i++) {
    code += alphabet[x % alphabet.length];
    x = Math.floor(x / alphabet.length) + (i + 1) * 7919;
  }
  return `${prefix}-${code}`;
}
