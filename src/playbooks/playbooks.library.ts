// Ready-made playbooks: installed switched off, the owner switches them on and edits them.
// Service messages to a customer (welcome, onboarding, receipts, a failed payment) are
// transactional; greetings, reminders and offers are marketing (consent, unsubscribe, cap).
import type { Database } from '../platform/db/database.js';
import { playbookDefinition, type PlaybookDefinition } from './playbooks.core.js';
import { savePlaybook } from './playbooks.service.js';

type ReadyMade = PlaybookDefinition & { key: string };

const p = (s: string) =>
  s
    .trim()
    .split(/\n\s*\n/)
    .map((para) => `<p>${para.trim().replace(/\n\s*/g, '<br>')}</p>`)
    .join('\n');
const email = (kind: 'marketing' | 'transactional', subject: string, body: string) => ({ type: 'email' as const, kind, subject, html: p(body), text: body.trim().replace(/\n[ \t]+/g, '\n') + '\n' });
const wait = (days: number, hours = 0) => ({ days, hours });

const library: ReadyMade[] = [
  {
    key: 'welcome',
    name: 'Welcome and onboarding',
    description: 'A welcome when someone becomes a customer, a note to confirm their priorities and milestones the next day, and a check-in on day 7.',
    trigger: { type: 'customer.created' },
    conditions: [{ field: 'has_email', op: 'eq', value: true }],
    steps: [
      {
        name: 'Welcome',
        wait: wait(0),
        skipIf: [],
        action: email(
          'transactional',
          'Welcome to {{ business.name }}, {{ customer.first_name }}',
          `Hi {{ customer.first_name }},

Welcome to {{ business.name }} — we are glad you are here.

Over the next days we will check that everything is set up the way you need it. If anything is unclear, just reply to this email; a person reads every reply.

{{ owner.name }}`,
        ),
      },
      {
        name: 'Priorities and milestones',
        wait: wait(1),
        skipIf: [],
        action: email(
          'transactional',
          'What matters most to you, {{ customer.first_name }}?',
          `Hi {{ customer.first_name }},

To make sure we work on what matters to you, could you reply with:

1. your top priorities for the coming weeks, and
2. the milestones by which you will know it is going well?

We will confirm them and keep you posted against them.

{{ owner.name }}, {{ business.name }}`,
        ),
      },
      {
        name: 'Day 7 check-in',
        wait: wait(6),
        skipIf: ['contacted'],
        action: email(
          'transactional',
          'How is your first week going?',
          `Hi {{ customer.first_name }},

It has been a week. How is it going so far? Is there anything we could do better or faster?

Reply to this email and it comes straight to me.

{{ owner.name }}`,
        ),
      },
    ],
  },
  {
    key: 'thank_you',
    name: 'Thank-you after a sale',
    description: 'Thanks the customer right after an order, and checks in two weeks later unless someone already spoke to them.',
    trigger: { type: 'order', which: 'any' },
    conditions: [{ field: 'has_email', op: 'eq', value: true }],
    steps: [
      {
        name: 'Thank you',
        wait: wait(0),
        skipIf: [],
        action: email(
          'transactional',
          'Thank you for your order, {{ customer.first_name }}',
          `Hi {{ customer.first_name }},

Thank you for your order ({{ order.amount }} on {{ order.date }}). It means a lot to a business our size.

{{ owner.name }}, {{ business.name }}`,
        ),
      },
      {
        name: 'Two-week check-in',
        wait: wait(14),
        skipIf: ['contacted'],
        action: email(
          'transactional',
          'Is everything as you hoped?',
          `Hi {{ customer.first_name }},

Two weeks ago you ordered from us. Is everything as you hoped? If not, reply and we will put it right.

{{ owner.name }}`,
        ),
      },
    ],
  },
  {
    key: 'project_update',
    name: 'Weekly progress update (project clients)',
    description: "Every Friday, a task for the account owner to send each project client (tag 'project') their progress update.",
    trigger: { type: 'weekly', weekday: 5 },
    conditions: [{ field: 'tags', op: 'has', value: 'project' }],
    steps: [
      {
        name: 'Progress update',
        wait: wait(0),
        skipIf: [],
        action: {
          type: 'task',
          title: 'Send the weekly progress update to {{ customer.name }}',
          details: 'What was done this week, what is next, anything you need from them.',
          dueInDays: 0,
          assignTo: 'account_owner',
        },
      },
    ],
  },
  {
    key: 'stale_relationship',
    name: 'Stale relationship',
    description:
      'When no one has been in touch with a repeat customer (still buying) for 60 days, a task for their account owner to call. Lapsed customers are win-back’s job, so the Today list holds relationships worth a call, not everyone.',
    trigger: { type: 'no_touchpoint', days: 60 },
    conditions: [{ field: 'segment', op: 'eq', value: 'repeat' }],
    steps: [
      {
        name: 'Call',
        wait: wait(0),
        skipIf: [],
        action: {
          type: 'task',
          title: 'Call {{ customer.name }} — no contact for 60 days',
          details: 'A short personal call: how are things, anything we can help with? Value to date: {{ customer.clv }}.',
          dueInDays: 0,
          assignTo: 'account_owner',
        },
      },
    ],
  },
  {
    key: 'birthday',
    name: 'Birthday greeting',
    description: 'A birthday email with a small gift code, on the day.',
    trigger: { type: 'date', date: 'birthday' },
    conditions: [],
    steps: [
      { name: 'Gift code', wait: wait(0), skipIf: ['unsubscribed'], action: { type: 'promo', prefix: 'BDAY', percentOff: 10 } },
      {
        name: 'Greeting',
        wait: wait(0),
        skipIf: ['unsubscribed'],
        action: email(
          'marketing',
          'Happy birthday, {{ customer.first_name }}!',
          `Hi {{ customer.first_name }},

Everyone at {{ business.name }} wishes you a happy birthday.

A small gift from us: {{ promo.percent_off }}% off your next purchase with the code {{ promo.code }}.`,
        ),
      },
    ],
  },
  {
    key: 'holiday',
    name: 'Holiday greetings',
    description: "A greeting on each day in the workspace's holiday list.",
    trigger: { type: 'date', date: 'holiday' },
    conditions: [{ field: 'orders_count', op: 'gte', value: 1 }],
    steps: [
      {
        name: 'Greeting',
        wait: wait(0),
        skipIf: ['unsubscribed'],
        action: email(
          'marketing',
          'Warm wishes from {{ business.name }}',
          `Hi {{ customer.first_name }},

Thank you for being our customer this year. Warm wishes from all of us at {{ business.name }}.`,
        ),
      },
    ],
  },
  {
    key: 'win_back',
    name: 'Win-back',
    description: 'When a repeat customer is late against their own rhythm (twice their usual gap), a personal offer, then a call if they have not ordered a week later.',
    trigger: { type: 'no_order', days: null, ownCycleFactor: 2 },
    conditions: [{ field: 'orders_count', op: 'gte', value: 2 }],
    steps: [
      { name: 'Offer code', wait: wait(0), skipIf: ['ordered'], action: { type: 'promo', prefix: 'MISSYOU', percentOff: 15 } },
      {
        name: 'Personal offer',
        wait: wait(0),
        skipIf: ['ordered', 'unsubscribed'],
        action: email(
          'marketing',
          'We miss you, {{ customer.first_name }}',
          `Hi {{ customer.first_name }},

It has been a while since we last saw you, and we would love to welcome you back.

Here is {{ promo.percent_off }}% off your next order with the code {{ promo.code }}.

{{ owner.name }}, {{ business.name }}`,
        ),
      },
      {
        name: 'Call if still away',
        wait: wait(7),
        // the call follows up the offer: without an email address the offer never went out
        skipIf: ['ordered', 'contacted', 'not_reached'],
        action: {
          type: 'task',
          title: 'Call {{ customer.name }}: late against their usual rhythm',
          details: 'They received a {{ promo.percent_off }}% offer ({{ promo.code }}) a week ago and have not ordered.',
          dueInDays: 0,
          assignTo: 'account_owner',
        },
      },
    ],
  },
  {
    key: 'abandoned_cart',
    name: 'Abandoned cart',
    description: 'Reminders one hour and 24 hours after a cart is left behind (POST /api/events/cart-abandoned), unless they ordered meanwhile.',
    trigger: { type: 'cart.abandoned' },
    conditions: [],
    steps: [
      {
        name: 'After 1 hour',
        wait: wait(0, 1),
        skipIf: ['ordered', 'unsubscribed'],
        action: email(
          'marketing',
          'You left something in your cart',
          `Hi {{ customer.first_name }},

You left something in your cart at {{ business.name }}. It is still there for you: {{ event.cart_url }}`,
        ),
      },
      {
        name: 'After 24 hours',
        wait: wait(0, 23),
        skipIf: ['ordered', 'unsubscribed'],
        action: email(
          'marketing',
          'Still thinking it over?',
          `Hi {{ customer.first_name }},

Your cart is still waiting: {{ event.cart_url }}

If something held you back, reply and tell us — we are happy to help.`,
        ),
      },
    ],
  },
  {
    key: 'detractor',
    name: 'Detractor follow-up',
    description: 'When a customer answers a survey as a detractor, a task for the owner to call them the same day.',
    trigger: { type: 'survey.answered', kind: 'detractor' },
    conditions: [],
    steps: [
      {
        name: 'Call back today',
        wait: wait(0),
        skipIf: [],
        action: {
          type: 'task',
          title: 'Call {{ customer.name }} today — unhappy survey answer ({{ event.score }})',
          details: 'Listen first, own what went wrong, agree what we will do. Topic: {{ event.category }}.',
          dueInDays: 0,
          assignTo: 'owner',
        },
      },
    ],
  },
  {
    key: 'failed_payment',
    name: 'Failed payment',
    description: 'When a subscription payment fails (POST /api/events/payment-failed): a friendly reminder with a link to update the card, then a task if it is still not fixed 3 days later.',
    trigger: { type: 'payment.failed' },
    conditions: [],
    steps: [
      {
        name: 'Friendly reminder',
        wait: wait(0),
        skipIf: [],
        action: email(
          'transactional',
          'Your payment did not go through',
          `Hi {{ customer.first_name }},

Your last payment of {{ event.amount }} did not go through — it happens, usually an expired card.

You can update your card here: {{ event.update_card_url }}

Nothing else changes; thank you for staying with {{ business.name }}.`,
        ),
      },
      {
        name: 'Task if not fixed',
        wait: wait(3),
        skipIf: ['ordered', 'contacted'],
        action: { type: 'task', title: 'Payment still failing for {{ customer.name }}', details: 'Call or write personally; offer help updating the card.', dueInDays: 0, assignTo: 'account_owner' },
      },
    ],
  },
];

export function readyMadePlaybooks(): ReadyMade[] {
  return library.map((r) => ({ ...playbookDefinition.parse(r), key: r.key }));
}

/** Installs the ready-made playbooks that are missing (switched off). */
export async function installReadyMade(db: Database, options: { enable?: boolean } = {}): Promise<number> {
  const have = new Set((await db.selectFrom('playbooks').select('key').where('key', 'is not', null).execute()).map((r) => r.key));
  let n = 0;
  for (const r of readyMadePlaybooks()) {
    if (have.has(r.key)) continue;
    const { key, ...def } = r;
    try {
      await savePlaybook(db, def, { key, enabled: options.enable ?? false });
      n++;
    } catch (err) {
      if (!/duplicate key|unique/i.test(String((err as Error).message))) throw err; // installed concurrently
    }
  }
  return n;
}
