import { describe, expect, it } from 'vitest';
import {
  evaluateConditions,
  evaluateScheduledTriggers,
  eventMatches,
  playbookDefinition,
  promoCode,
  scheduledOccurrence,
  segmentOf,
  stepSkipReason,
  stepSchema,
  type CustomerFacts,
  type Trigger,
} from './playbooks.core.js';
import { readyMadePlaybooks } from './playbooks.library.js';
import { renderEmail, sampleVariables, TemplateError } from './playbooks.templates.js';

const DAY = 86400_000;
const now = new Date('2027-03-01T09:00:00Z');
const facts = (over: Partial<CustomerFacts> = {}): CustomerFacts => ({
  id: 'c1',
  name: 'Ada Lovelace',
  email: 'ada@example.test',
  tags: ['vip'],
  retentionDriver: 'responsiveness',
  marketingConsent: true,
  unsubscribed: false,
  country: 'NL',
  city: 'Utrecht',
  ownerUserId: null,
  clvMinor: 50_000,
  ordersCount: 3,
  firstOrderAt: now.getTime() - 100 * DAY,
  lastOrderAt: now.getTime() - 40 * DAY,
  lastTouchpointAt: now.getTime() - 10 * DAY,
  birthday: '1990-03-01',
  acquiredAt: new Date('2024-03-01T12:00:00Z').getTime(),
  ...over,
});
const clock = {
  now,
  today: '2027-03-01',
  holidays: [
    { date: '12-25', name: 'Christmas' },
    { date: '2027-03-01', name: 'Spring sale' },
  ],
};

describe('conditions', () => {
  it('checks tags, CLV, retention driver and consent', () => {
    expect(
      evaluateConditions(
        [
          { field: 'tags', op: 'has', value: 'VIP' },
          { field: 'clv_minor', op: 'gte', value: 40_000 },
        ],
        facts(),
      ).ok,
    ).toBe(true);
    expect(evaluateConditions([{ field: 'clv_minor', op: 'gte', value: 60_000 }], facts())).toEqual({ ok: false, failed: 'clv minor ≥ 60000' });
    expect(evaluateConditions([{ field: 'retention_driver', op: 'eq', value: 'value' }], facts()).ok).toBe(false);
    expect(evaluateConditions([{ field: 'tags', op: 'not_has', value: 'project' }], facts()).ok).toBe(true);
    expect(evaluateConditions([{ field: 'marketing_consent', op: 'eq', value: true }], facts({ unsubscribed: true })).ok).toBe(false);
  });
  it('puts customers in value segments from their own history', () => {
    const at = now.getTime();
    expect(segmentOf(facts(), at)).toBe('repeat');
    expect(segmentOf(facts({ lastOrderAt: at - 200 * DAY }), at)).toBe('lapsed');
    expect(segmentOf(facts({ acquiredAt: at - 10 * DAY }), at)).toBe('new');
    expect(segmentOf(facts({ ordersCount: 1 }), at)).toBe('one_time');
    expect(segmentOf(facts({ ordersCount: 0, lastOrderAt: null }), at)).toBe('prospect');
    expect(evaluateConditions([{ field: 'segment', op: 'eq', value: 'repeat' }], facts(), at).ok).toBe(true);
    expect(evaluateConditions([{ field: 'segment', op: 'eq', value: 'lapsed' }], facts(), at)).toEqual({ ok: false, failed: 'segment is lapsed' });
    expect(
      playbookDefinition.safeParse({
        name: 'x',
        trigger: { type: 'customer.created' },
        conditions: [{ field: 'segment', op: 'eq', value: 'gold' }],
        steps: [{ action: { type: 'tag_add', tag: 'a' } }],
      }).success,
    ).toBe(false);
  });

  it('rejects an operator that does not fit the field', () => {
    const r = playbookDefinition.safeParse({
      name: 'x',
      trigger: { type: 'customer.created' },
      conditions: [{ field: 'tags', op: 'gte', value: 3 }],
      steps: [{ action: { type: 'tag_add', tag: 'a' } }],
    });
    expect(r.success).toBe(false);
  });
});

describe('triggers', () => {
  it('matches events, first versus repeat orders and survey kinds', () => {
    const t = (x: Trigger) => x;
    expect(eventMatches(t({ type: 'order', which: 'first' }), { type: 'order.created', data: { first: true } })).toBe(true);
    expect(eventMatches(t({ type: 'order', which: 'first' }), { type: 'order.created', data: { first: false } })).toBe(false);
    expect(eventMatches(t({ type: 'order', which: 'repeat' }), { type: 'order.created', data: { first: false } })).toBe(true);
    expect(eventMatches(t({ type: 'survey.answered', kind: 'detractor' }), { type: 'survey.answered', data: { kind: 'passive' } })).toBe(false);
    expect(eventMatches(t({ type: 'survey.answered', kind: 'detractor' }), { type: 'survey.answered', data: { kind: 'detractor' } })).toBe(true);
    expect(eventMatches(t({ type: 'health.dropped', below: 40 }), { type: 'health.dropped', data: { score: 35, previous: 55 } })).toBe(true);
    expect(eventMatches(t({ type: 'health.dropped', below: 40 }), { type: 'health.dropped', data: { score: 35, previous: 38 } })).toBe(false);
    expect(eventMatches(t({ type: 'cart.abandoned' }), { type: 'payment.failed', data: {} })).toBe(false);
  });

  it('fires date triggers once per occurrence', () => {
    expect(scheduledOccurrence({ type: 'date', date: 'birthday' }, facts(), clock)).toBe('birthday:2027');
    expect(scheduledOccurrence({ type: 'date', date: 'birthday' }, facts({ birthday: '1990-03-02' }), clock)).toBeNull();
    // 29 February is celebrated on 28 February in other years
    const feb28 = { ...clock, today: '2027-02-28', now: new Date('2027-02-28T09:00:00Z') };
    expect(scheduledOccurrence({ type: 'date', date: 'birthday' }, facts({ birthday: '2000-02-29' }), feb28)).toBe('birthday:2027');
    expect(scheduledOccurrence({ type: 'date', date: 'anniversary' }, facts(), clock)).toBe('anniversary:2027');
    expect(scheduledOccurrence({ type: 'date', date: 'anniversary' }, facts({ acquiredAt: new Date('2027-03-01T00:00:00Z').getTime() }), clock)).toBeNull();
    expect(scheduledOccurrence({ type: 'date', date: 'holiday' }, facts(), clock)).toBe('holiday:Spring sale:2027');
    expect(scheduledOccurrence({ type: 'weekly', weekday: 1 }, facts(), clock)).toBe('week:2027-W09');
    expect(scheduledOccurrence({ type: 'weekly', weekday: 5 }, facts(), clock)).toBeNull();
  });

  it('fires inactivity triggers once per lapse, and against the customer own rhythm', () => {
    expect(scheduledOccurrence({ type: 'no_touchpoint', days: 60 }, facts(), clock)).toBeNull();
    const quiet = facts({ lastTouchpointAt: now.getTime() - 61 * DAY });
    expect(scheduledOccurrence({ type: 'no_touchpoint', days: 60 }, quiet, clock)).toBe(`quiet-since:${new Date(quiet.lastTouchpointAt!).toISOString().slice(0, 10)}`);
    // 3 orders over 60 days: a 30-day rhythm; 40 days since the last is not yet 2x late, 61 is
    const byCycle: Trigger = { type: 'no_order', days: null, ownCycleFactor: 2 };
    expect(scheduledOccurrence(byCycle, facts(), clock)).toBeNull();
    expect(scheduledOccurrence(byCycle, facts({ firstOrderAt: now.getTime() - 121 * DAY, lastOrderAt: now.getTime() - 61 * DAY }), clock)).toMatch(/^no-order-since:/);
    expect(scheduledOccurrence({ type: 'no_order', days: 30, ownCycleFactor: null }, facts(), clock)).toMatch(/^no-order-since:/);
    expect(scheduledOccurrence({ type: 'no_order', days: 30, ownCycleFactor: null }, facts({ lastOrderAt: null, ordersCount: 0 }), clock)).toBeNull();
  });

  it('evaluates many customers against many playbooks, conditions included', () => {
    const customers = [facts({ id: 'a' }), facts({ id: 'b', birthday: null }), facts({ id: 'c', tags: [] })];
    const out = evaluateScheduledTriggers(
      [
        { id: 'bday', trigger: { type: 'date', date: 'birthday' }, conditions: [{ field: 'tags', op: 'has', value: 'vip' }] },
        { id: 'evt', trigger: { type: 'customer.created' }, conditions: [] },
      ],
      customers,
      clock,
    );
    expect(out).toEqual([{ playbookId: 'bday', customerId: 'a', occurrenceKey: 'birthday:2027' }]);
  });
});

describe('steps', () => {
  it('skips a step whose condition no longer holds, with the reason', () => {
    const step = stepSchema.parse({ action: { type: 'task', title: 'x' }, skipIf: ['ordered', 'contacted'] });
    expect(stepSkipReason(step, facts(), { orderedSince: true, contactedSince: false })).toBe('customer ordered again');
    expect(stepSkipReason(step, facts(), { orderedSince: false, contactedSince: true })).toBe('customer was contacted since');
    expect(stepSkipReason(step, facts(), { orderedSince: false, contactedSince: false })).toBeNull();
    const mail = stepSchema.parse({ action: { type: 'email', kind: 'marketing', subject: 's', html: 'h', text: 't' } });
    expect(stepSkipReason(mail, facts({ unsubscribed: true }), { orderedSince: false, contactedSince: false })).toBe('customer unsubscribed');
    expect(stepSkipReason(mail, facts({ email: null }), { orderedSince: false, contactedSince: false })).toBe('customer has no email address');
  });
  it('makes the same promo code for the same step every time', () => {
    expect(promoCode('BDAY', 'pb:e1:0')).toBe(promoCode('BDAY', 'pb:e1:0'));
    expect(promoCode('BDAY', 'pb:e1:0')).not.toBe(promoCode('BDAY', 'pb:e2:0'));
    expect(promoCode('BDAY', 'x')).toMatch(/^BDAY-[A-Z2-9]{6}$/);
  });
});

describe('templates', () => {
  it('renders HTML escaped and text as is', async () => {
    const r = await renderEmail({ subject: 'Hi {{ customer.first_name }}', html: '<p>{{ customer.name }}</p>', text: '{{ customer.name }}' }, { customer: { first_name: 'Bo', name: 'Bo <b>&</b>' } });
    expect(r).toEqual({ subject: 'Hi Bo', html: '<p>Bo &lt;b&gt;&amp;&lt;/b&gt;</p>', text: 'Bo <b>&</b>' });
  });
  it('a missing field is a clear error naming the part, field and place', async () => {
    const err = await renderEmail({ subject: 'ok', html: '<p>Hello\n{{ customer.nickname }}</p>', text: '' }, { customer: { name: 'x' } }).catch((e) => e);
    expect(err).toBeInstanceOf(TemplateError);
    expect(err.message).toBe('html: the field "customer.nickname" does not exist (line 2, column 4); check its spelling or remove it');
  });
  it('every ready-made playbook renders with the sample data', async () => {
    const vars = sampleVariables('Biz');
    const list = readyMadePlaybooks();
    expect(list.map((p) => p.key)).toEqual(['welcome', 'thank_you', 'project_update', 'stale_relationship', 'birthday', 'holiday', 'win_back', 'abandoned_cart', 'detractor', 'failed_payment']);
    for (const p of list) for (const s of p.steps) if (s.action.type === 'email') await expect(renderEmail(s.action, vars)).resolves.toBeTruthy();
  });
});

describe('template limits', () => {
  it('stops a runaway loop instead of hanging', async () => {
    const err = await renderEmail({ subject: 's', html: '{% for i in (1..100000000) %}{{ i }}{% endfor %}', text: '' }, {}).catch((e) => e);
    expect(err).toBeInstanceOf(TemplateError);
  });
});
