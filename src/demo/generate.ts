// Generates the demo business from a seed: plain rows, no database. Same seed, same data.
//
// The business is "Driftwood Coffee Co.", a small coffee roastery in Cornwall selling beans online, by
// subscription and wholesale to cafés. About 2,000 customers were acquired over the two years before `today`,
// acquisition growing over time and peaking before Christmas. Each customer buys like the BG/NBD model assumes
// (purchase rate λ ~ Gamma, drop-out chance p ~ Beta after each repeat purchase), thinned by a seasonal
// curve (busy Nov–Dec, quiet summer); spend per order follows a Gamma–Gamma style model (a per-customer mean
// spend, orders scattered around it). Subscriptions churn month by month with a per-customer Beta churn chance
// (the sBG model). Everything comes from one seeded PRNG (sfc32), so the same seed and `today` give the same data.
import type { Insertable } from 'kysely';
import type { BillingInterval, CustomersTable, OrderStatus, OrdersTable, RetentionDriver, SubscriptionsTable, TouchpointChannel, TouchpointsTable } from '../customers/index.js';
import type { WorkspaceInput } from '../workspace/index.js';
import { Rng } from '../platform/random.js';
import { cities, coffees, emailDomains, firstNames, lastNames, streets, wholesaleNames } from './names.js';

export interface DemoStaff {
  name: string;
  email: string;
  role: 'owner' | 'agent';
}

export interface DemoBusiness {
  workspace: WorkspaceInput;
  /** staff[0] is the owner */
  staff: DemoStaff[];
  customers: (Insertable<CustomersTable> & { id: string; owner_staff_index: number | null })[];
  orders: Insertable<OrdersTable>[];
  subscriptions: Insertable<SubscriptionsTable>[];
  touchpoints: Insertable<TouchpointsTable>[];
}

const DAY = 86_400_000;
const HISTORY_DAYS = 730;
const CUSTOMER_COUNT = 2000;
const CURRENCY = 'GBP';

/** Relative order volume by UTC month (Jan..Dec): Christmas gifting peak, quiet summer holidays. */
export const demoSeasonality = [0.95, 0.85, 0.9, 0.95, 0.95, 0.8, 0.68, 0.7, 0.95, 1.05, 1.4, 1.75] as const;
const SEASON_MAX = Math.max(...demoSeasonality);

/** Relative activity by UTC hour: people order in the morning, at lunch and in the evening. */
const hourWeights = [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 3, 4, 4, 4, 5, 4, 4, 4, 4, 4, 5, 6, 6, 5, 3, 2].map((w, h) => [h, w] as const);

// ---------------------------------------------------------------------------------------------------------------
// Helpers

const season = (t: number) => demoSeasonality[new Date(t).getUTCMonth()];

/** Moves `t` to a plausible time of day on the same UTC day, never past `limit`. */
function atTimeOfDay(rng: Rng, t: number, limit: number): number {
  const dayStart = Math.floor(t / DAY) * DAY;
  const hour = rng.weighted(hourWeights);
  const out = dayStart + hour * 3_600_000 + rng.int(3_600_000);
  if (out <= limit) return out;
  return dayStart + Math.floor(rng.next() * Math.max(0, limit - dayStart));
}

function addMonths(t: number, months: number): number {
  const d = new Date(t);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, lastDay));
  return d.getTime();
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const slug = (s: string) =>
  s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]/g, '');
const INWARD_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

type Kind = 'retail' | 'wholesale';

interface Draft {
  id: string;
  kind: Kind;
  name: string;
  email: string;
  phone: string | null;
  phoneNormalized: string | null;
  birthday: string | null;
  address: string | null;
  city: string | null;
  postalCode: string | null;
  acquiredAt: number;
  consent: boolean;
  unsubscribedAt: number | null;
  orders: { at: number; amount: number; status: OrderStatus }[];
  subscription: { plan: string; amount: number; interval: BillingInterval; startedAt: number; canceledAt: number | null; reason: string | null } | null;
  project: boolean;
  ownerStaffIndex: number | null;
}

// ---------------------------------------------------------------------------------------------------------------

export function generateDemoBusiness(options: { seed: number; today: Date }): DemoBusiness {
  const rng = new Rng(options.seed);
  const today = options.today.getTime();
  const start = today - HISTORY_DAYS * DAY;

  const staff: DemoStaff[] = [
    { name: 'Maya Thompson', email: 'owner@demo.keepwell.test', role: 'owner' },
    { name: 'Sam Okafor', email: 'sam@demo.keepwell.test', role: 'agent' },
    { name: 'Priya Shah', email: 'priya@demo.keepwell.test', role: 'agent' },
    { name: 'Tom Fletcher', email: 'tom@demo.keepwell.test', role: 'agent' },
  ];

  const usedEmails = new Set<string>(staff.map((s) => s.email));
  const uniqueEmail = (local: string, domain: string) => {
    let email = `${local}@${domain}`;
    for (let n = 2; usedEmails.has(email); n++) email = `${local}${n === 2 ? rng.int(90) + 10 : n}@${domain}`;
    usedEmails.add(email);
    return email;
  };

  /** Acquisition time: grows ~2.5× over the two years and follows the seasonal curve (rejection sampling). */
  const acquisitionTime = () => {
    for (;;) {
      const u = rng.next();
      const t = start + u * (today - start);
      const density = (0.55 + 0.9 * u) * season(t);
      if (rng.next() * 1.45 * SEASON_MAX < density) return atTimeOfDay(rng, t, today);
    }
  };

  const wholesalePool = [...wholesaleNames];
  const drafts: Draft[] = [];
  for (let i = 0; i < CUSTOMER_COUNT; i++) {
    const kind: Kind = wholesalePool.length > 0 && rng.chance(0.014) ? 'wholesale' : 'retail';
    const acquiredAt = acquisitionTime();
    const [cityName, prefixes] = rng.weighted(cities.map((c) => [c, c[2]] as const));
    let name: string;
    let email: string;
    let phone: string | null = null;
    let phoneNormalized: string | null = null;
    let birthday: string | null = null;
    if (kind === 'wholesale') {
      name = wholesalePool.splice(rng.int(wholesalePool.length), 1)[0];
      const domain = `${slug(name.replace(/^The /, ''))}.co.uk`;
      email = uniqueEmail(rng.pick(['hello', 'orders', 'info', 'accounts']), domain);
      const area = rng.pick(['01326', '01736', '01872', '01208', '0117', '0207']);
      const local = pad(rng.int(area.length === 5 ? 1_000_000 : 10_000_000), area.length === 5 ? 6 : 7);
      phone = `${area} ${local}`;
      phoneNormalized = `44${area.slice(1)}${local}`;
    } else {
      const first = rng.pick(firstNames);
      const last = rng.pick(lastNames);
      name = `${first} ${last}`;
      const f = slug(first);
      const l = slug(last);
      const year = pad((1950 + rng.int(55)) % 100, 2);
      const local = rng.weighted([
        [`${f}.${l}`, 35],
        [`${f}${l}`, 15],
        [`${f[0]}${l}`, 12],
        [`${f}.${l}${year}`, 10],
        [`${f}_${l}`, 5],
        [`${f}${year}`, 8],
        [`${l}.${f}`, 5],
        [`${f}${l[0]}`, 5],
        [`${f}.${l}${rng.int(900) + 10}`, 5],
      ] as const);
      email = uniqueEmail(local, rng.weighted(emailDomains));
      if (rng.chance(0.55)) {
        const digits = `7${pad(rng.int(1_000_000_000), 9)}`;
        phone = rng.chance(0.7) ? `0${digits.slice(0, 4)} ${digits.slice(4)}` : `+44 ${digits.slice(0, 4)} ${digits.slice(4)}`;
        phoneNormalized = `44${digits}`;
      }
      if (rng.chance(0.6)) {
        const age = Math.min(80, Math.max(19, Math.round(40 + 13 * rng.normal())));
        const born = new Date(Date.UTC(new Date(today).getUTCFullYear() - age, 0, 1) + rng.int(365) * DAY);
        birthday = born.toISOString().slice(0, 10);
      }
    }
    const hasAddress = kind === 'wholesale' || rng.chance(0.88);
    const consent = rng.chance(kind === 'wholesale' ? 0.5 : 0.7);
    const unsubscribedAt = !consent && rng.chance(0.25) ? acquiredAt + rng.next() * (today - acquiredAt) : null;
    drafts.push({
      id: rng.uuid(),
      kind,
      name,
      email,
      phone,
      phoneNormalized,
      birthday,
      address: hasAddress ? `${1 + rng.int(kind === 'wholesale' ? 60 : 140)} ${rng.pick(streets)}` : null,
      city: hasAddress ? cityName : null,
      postalCode: hasAddress ? `${rng.pick(prefixes)} ${rng.int(10)}${rng.pick([...INWARD_LETTERS])}${rng.pick([...INWARD_LETTERS])}` : null,
      acquiredAt,
      consent,
      unsubscribedAt,
      orders: [],
      subscription: null,
      project: kind === 'retail' && rng.chance(0.02),
      ownerStaffIndex: null,
    });
  }
  drafts.sort((a, b) => a.acquiredAt - b.acquiredAt);

  // Orders: a BG/NBD-like buying process per customer, thinned by season.
  for (const c of drafts) {
    const wholesale = c.kind === 'wholesale';
    if (!wholesale && rng.chance(0.025)) continue; // signed up (newsletter, market stall) but never ordered
    let first = c.acquiredAt;
    if (!wholesale && rng.chance(0.08)) first = c.acquiredAt + rng.exponential(1 / 14) * DAY; // ordered a while after signing up
    if (first > today) continue;
    const rate = wholesale ? rng.gamma(4, 1 / (4 * 16)) : Math.min(1 / 9, rng.gamma(0.6, 1 / (0.6 * 22))); // purchases per day
    const dropout = wholesale ? rng.beta(1, 30) : rng.beta(1.2, 5);
    const meanSpend = wholesale ? Math.max(120, rng.gamma(6, 290 / 6)) : Math.min(90, Math.max(12, rng.gamma(4, 30 / 4)));
    const spend = (t: number) => {
      const gift = !wholesale && new Date(t).getUTCMonth() >= 10 ? 1.2 : 1;
      const pounds = Math.max(wholesale ? 60 : 6.5, rng.gamma(wholesale ? 10 : 8, (meanSpend * gift) / (wholesale ? 10 : 8)));
      return Math.round((pounds * 100) / 5) * 5;
    };
    const times = [first];
    let t = first;
    for (;;) {
      t += rng.exponential(rate * SEASON_MAX) * DAY;
      if (t > today) break;
      if (!rng.chance(season(t) / SEASON_MAX)) continue;
      // same-day repeats keep their order: never before the previous purchase
      const previous = times[times.length - 1];
      times.push(Math.min(today, Math.max(atTimeOfDay(rng, t, today), previous + (10 + rng.int(600)) * 60_000)));
      if (rng.chance(dropout)) break;
    }
    for (const at of times) {
      let status: OrderStatus = 'paid';
      if (today - at < 3 * DAY && rng.chance(0.45)) status = 'pending';
      else if (rng.chance(0.03)) status = 'refunded';
      else if (rng.chance(0.006)) status = 'cancelled';
      c.orders.push({ at, amount: spend(at), status });
    }
  }

  // Subscriptions: ~15% of retail customers; monthly churn with a per-subscriber Beta chance (sBG).
  const plans: [{ plan: string; amount: number; interval: BillingInterval }, number][] = [
    [{ plan: 'Monthly Beans', amount: 1800, interval: 'month' }, 55],
    [{ plan: 'Fortnightly Duo', amount: 3400, interval: 'month' }, 30],
    [{ plan: 'Annual Roaster', amount: 19000, interval: 'year' }, 15],
  ];
  const cancelReasons: [string | null, number][] = [
    ['price', 28],
    ['needs changed', 24],
    ['competitor', 12],
    ['poor experience', 10],
    ['difficult product', 8],
    ['incomplete onboarding', 10],
    [null, 8],
  ];
  for (const c of drafts) {
    if (c.kind !== 'retail' || !rng.chance(0.15)) continue;
    const startedAt = c.acquiredAt + (rng.chance(0.5) ? 0 : rng.exponential(1 / 60) * DAY);
    if (startedAt > today) continue;
    const plan = rng.weighted(plans);
    const yearly = plan.interval === 'year';
    const churn = yearly ? rng.beta(2, 4) : rng.beta(1.2, 9);
    let canceledAt: number | null = null;
    for (let period = 1; ; period++) {
      const renewal = addMonths(startedAt, yearly ? 12 * period : period);
      // The first month loses more people (onboarding, wrong grind), later months fewer.
      const chance = !yearly && period === 1 ? Math.min(0.9, churn * 1.8) : churn;
      if (rng.chance(chance)) {
        const previous = addMonths(startedAt, yearly ? 12 * (period - 1) : period - 1);
        const at = previous + rng.next() * (renewal - previous);
        if (at <= today) canceledAt = at;
        break;
      }
      if (renewal > today) break;
    }
    c.subscription = {
      ...plan,
      startedAt,
      canceledAt,
      reason: canceledAt === null ? null : rng.weighted(cancelReasons),
    };
  }

  // Tags, owners and retention drivers.
  const paidTotal = (c: Draft) => c.orders.reduce((s, o) => s + (o.status === 'paid' ? o.amount : 0), 0);
  const retailTotals = drafts
    .filter((c) => c.kind === 'retail')
    .map(paidTotal)
    .sort((a, b) => b - a);
  const vipThreshold = retailTotals[Math.floor(retailTotals.length * 0.04)] ?? Infinity;
  const drivers: [RetentionDriver | null, number][] = [
    ['value', 25],
    ['consistency', 20],
    ['responsiveness', 15],
    ['convenience', 10],
    ['feature', 10],
    [null, 20],
  ];

  const customers: DemoBusiness['customers'] = drafts.map((c, i) => {
    const vip = c.kind === 'retail' && paidTotal(c) >= vipThreshold && paidTotal(c) > 0;
    const tags: string[] = [];
    if (c.kind === 'wholesale') tags.push('wholesale');
    if (vip) tags.push('vip');
    if (c.project) tags.push('project');
    if (c.subscription) tags.push('subscriber');
    if (c.consent && rng.chance(0.7)) tags.push('newsletter');
    let owner: number | null = null;
    if (c.kind === 'wholesale') owner = rng.chance(0.75) ? 1 : 0;
    else if (c.project) owner = 2;
    else if (vip) owner = rng.chance(0.6) ? rng.int(staff.length) : null;
    else if (rng.chance(0.12)) owner = 1 + rng.int(staff.length - 1);
    c.ownerStaffIndex = owner;
    let driver: RetentionDriver | null;
    if (vip && rng.chance(0.7)) driver = 'vip';
    else if (c.kind === 'wholesale') driver = rng.pick(['responsiveness', 'consistency'] as const);
    else if (c.subscription && rng.chance(0.6)) driver = 'convenience';
    else driver = rng.weighted(drivers);
    const acquired = new Date(c.acquiredAt);
    return {
      id: c.id,
      external_id: `cus_${pad(i + 1, 6)}`,
      name: c.name,
      email: c.email,
      email_normalized: c.email,
      phone: c.phone,
      phone_normalized: c.phoneNormalized,
      birthday: c.birthday,
      address: c.address,
      city: c.city,
      postal_code: c.postalCode,
      country: c.address ? 'GB' : null,
      tags,
      owner_staff_index: owner,
      acquired_at: acquired,
      marketing_consent: c.consent,
      unsubscribed_at: c.unsubscribedAt === null ? null : new Date(c.unsubscribedAt),
      retention_driver: driver,
      created_at: acquired,
      updated_at: acquired,
    };
  });

  const orderRows = drafts.flatMap((c) => c.orders.map((o) => ({ customer: c.id, ...o }))).sort((a, b) => a.at - b.at);
  const orders: Insertable<OrdersTable>[] = orderRows.map((o, i) => ({
    id: rng.uuid(),
    external_id: `ord_${pad(i + 1, 6)}`,
    customer_id: o.customer,
    amount_minor: o.amount,
    currency: CURRENCY,
    ordered_at: new Date(o.at),
    status: o.status,
    created_at: new Date(o.at),
  }));

  const subscriptions: Insertable<SubscriptionsTable>[] = drafts
    .filter((c) => c.subscription !== null)
    .map((c, i) => {
      const s = c.subscription!;
      return {
        id: rng.uuid(),
        external_id: `sub_${pad(i + 1, 5)}`,
        customer_id: c.id,
        plan: s.plan,
        amount_minor: s.amount,
        currency: CURRENCY,
        interval: s.interval,
        started_at: new Date(s.startedAt),
        canceled_at: s.canceledAt === null ? null : new Date(s.canceledAt),
        cancel_reason: s.reason,
        created_at: new Date(s.startedAt),
      };
    });

  const touchpoints = generateTouchpoints(rng, drafts, today);

  return {
    workspace: { name: 'Driftwood Coffee Co.', industry: 'consumer_services', timeZone: 'Europe/London', currency: CURRENCY },
    staff,
    customers,
    orders,
    subscriptions,
    touchpoints,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Touchpoints

type Direction = 'in' | 'out' | 'internal';

const retailTopics: [TouchpointChannel, Direction, string[], number][] = [
  [
    'email',
    'in',
    [
      'Asked which grind to choose for a {brewer}',
      'Asked when the {coffee} will be back in stock',
      'Wanted to change the delivery address for the next order',
      'Asked about plastic-free packaging',
      'Asked for tasting notes on the {coffee}',
      'Parcel marked delivered but not received — asked us to check with the courier',
      'Asked if we ship to Ireland',
      'Wrote to say the {coffee} was the best they have had this year',
    ],
    30,
  ],
  [
    'email',
    'out',
    [
      'Sent the {brewer} brewing guide after their question',
      'Followed up on the late delivery with a tracking link',
      'Sent a thank-you note with a sample of {coffee}',
      'Replied with grind advice for a {brewer}',
      'Let them know {coffee} is back in stock',
    ],
    22,
  ],
  [
    'chat',
    'in',
    [
      'Chat: asked about the difference between the espresso and filter roasts',
      'Chat: wanted a gift card for a friend',
      'Chat: asked how long beans stay fresh once opened',
      'Chat: checkout would not accept their discount code',
      'Chat: asked whether {coffee} works in a {brewer}',
    ],
    18,
  ],
  ['call', 'in', ['Called about a damaged bag in their last parcel', 'Called to ask about corporate gifting for Christmas', 'Phoned to check the dispatch day'], 8],
  ['call', 'out', ['Called to apologise for the mixed-up order and arranged a replacement', 'Called back about their gift order'], 5],
  [
    'note',
    'internal',
    ['Prefers whole beans; uses a {brewer}', 'Regular at the Falmouth market stall', 'Bought for their office — possible wholesale lead', 'Sensitive to acidity; recommended {coffee}'],
    12,
  ],
];

const wholesaleTopics: [TouchpointChannel, Direction, string[], number][] = [
  [
    'meeting',
    'out',
    [
      'Quarterly review at the café: volumes, seasonal menu and {coffee} for the guest grinder',
      'Barista training session on the new espresso recipe',
      'Cupping session to choose the next house blend',
    ],
    20,
  ],
  ['call', 'in', ["Called to top up this week's order — running low on {coffee}", 'Grinder issue: asked for a technician recommendation', 'Asked to move the delivery day to Thursday'], 25],
  ['call', 'out', ['Checked in on how the new {coffee} is selling', 'Called about the price change for next quarter'], 15],
  ['email', 'in', ["Sent this month's standing order changes", 'Asked for an invoice copy for the accountant', 'Asked about compostable retail bags for their shelf'], 25],
  ['email', 'out', ['Sent the wholesale price list for next quarter', 'Sent the recipe card for {coffee}'], 15],
  ['note', 'internal', ['Pays on 30-day terms; always on time', 'Owner is thinking about a second site next year', 'Uses a two-group La Marzocco; 18 g in, 38 g out'], 10],
];

const brewers = ['V60', 'AeroPress', 'French press', 'moka pot', 'bean-to-cup machine', 'Chemex', 'espresso machine'];

function fill(rng: Rng, template: string): string {
  return template.replace('{coffee}', () => rng.pick(coffees)).replace('{brewer}', () => rng.pick(brewers));
}

function generateTouchpoints(rng: Rng, drafts: Draft[], today: number): Insertable<TouchpointsTable>[] {
  const rows: { customer: string; channel: TouchpointChannel; direction: Direction; at: number; summary: string }[] = [];
  const add = (customer: string, channel: TouchpointChannel, direction: Direction, at: number, summary: string) => {
    if (at <= today) rows.push({ customer, channel, direction, at: atTimeOfDay(rng, at, today), summary });
  };
  for (const c of drafts) {
    const wholesale = c.kind === 'wholesale';
    const lastOrder = c.orders.length ? c.orders[c.orders.length - 1].at : c.acquiredAt;
    // Contact happens while the relationship is active, trailing off after the last order.
    const activeUntil = Math.min(today, lastOrder + (wholesale ? 20 : 40) * DAY);
    const span = Math.max(DAY, activeUntil - c.acquiredAt);
    const firstOrder = c.orders[0];
    if (firstOrder && !wholesale && rng.chance(0.35)) {
      add(c.id, 'email', 'out', firstOrder.at + (1 + rng.int(3)) * DAY, 'Welcome email with brewing tips after their first order');
    }
    if (!wholesale && rng.chance(0.3)) continue; // never got in touch
    const topics = wholesale ? wholesaleTopics : retailTopics;
    const count = wholesale ? Math.round(span / (18 * DAY)) + rng.int(3) : rng.poisson(0.6 + 0.25 * Math.min(c.orders.length, 12));
    for (let k = 0; k < count; k++) {
      const [channel, direction, templates] = rng.weighted(topics.map((t) => [t, t[3]] as const));
      add(c.id, channel, direction, c.acquiredAt + rng.next() * span, fill(rng, rng.pick(templates)));
    }
    for (const o of c.orders) {
      if (o.status !== 'refunded') continue;
      const reason = rng.pick(['the bag arrived split', 'they ordered the wrong grind', 'the parcel never arrived', 'the beans tasted stale']);
      add(c.id, 'email', 'in', o.at + (2 + rng.int(6)) * DAY, `Asked for a refund: ${reason}`);
      add(c.id, 'email', 'out', o.at + (3 + rng.int(6)) * DAY, 'Refund issued with an apology');
    }
    const s = c.subscription;
    if (s) {
      if (rng.chance(0.5)) add(c.id, 'email', 'out', s.startedAt + DAY, `Welcome to ${s.plan}: first delivery dispatched`);
      if (s.canceledAt !== null) {
        const why = s.reason ? ` (reason: ${s.reason})` : '';
        add(c.id, rng.chance(0.6) ? 'email' : 'chat', 'in', s.canceledAt, `Cancelled the ${s.plan} subscription${why}`);
      }
    }
  }
  rows.sort((a, b) => a.at - b.at);
  return rows.map((r) => ({
    id: rng.uuid(),
    customer_id: r.customer,
    channel: r.channel,
    direction: r.direction,
    occurred_at: new Date(r.at),
    summary: r.summary,
    source: 'import',
    user_id: null,
    created_at: new Date(r.at),
  }));
}
