// Adds this feature's part of the demo business, after customers and orders are in: two years of
// NPS (after the first month, then twice a year), CSAT after some orders, CES after support
// contacts, and exit surveys after cancelled subscriptions — answered at realistic rates, with
// scores that follow each customer's satisfaction and improve slowly over time, comments tagged by
// the classifier, and close-the-loop tasks for the last month's detractors.
// Deterministic: the same demo seed and `today` give the same answers.
import type { Insertable } from 'kysely';
import type { DemoSeedContext } from '../platform/feature.js';
import { Rng } from '../platform/random.js';
import { insertHistory, type TouchpointsTable } from '../customers/index.js';
import { insertPastTasks, type PastTask } from '../tasks/index.js';
import { classifyComment, type ChurnReason } from './classifier/classifier.js';
import { kindInfo, type SurveyKind } from './surveys.kinds.js';
import { isDetractor } from './surveys.metrics.js';
import { firstName, suggestedReply } from './surveys.service.js';
import type { SurveyRequestsTable, SurveyResponsesTable } from './surveys.tables.js';

const DAY = 86_400_000;

const positive = [
  'Best coffee I have had in years, and it always arrives the day after roasting.',
  'Love the subscription, never run out any more. Thank you!',
  'Lovely people, quick replies, great beans.',
  'The Christmas gift box was a huge hit with my dad.',
  'Really helpful advice on grind size for my aeropress, thanks.',
  'Consistently excellent. Our customers notice the difference.',
  'Fast delivery and the bags are fully recyclable, brilliant',
  'Super friendly service when my parcel went missing, sorted in a day.',
  'Great value for speciality coffee. Recommended to all my friends.',
  'Easy to pause my subscription when I went on holiday. Perfect.',
  'the single origin from Rwanda is amazing',
  'Always a pleasure, you guys rock',
  'Knowledgeable team, they helped me pick beans for my new espresso machine.',
  'Parcel fits through the letterbox, which is genius. Love it.',
  'Our office switched to your beans and everyone is happier. Excellent.',
  'Quick reply to my question about decaf, very helpful.',
  'Brilliant tasting notes card in every bag, really nice touch.',
  'Easy to change my grind online, thank you!',
];
const neutral = [
  'Good coffee, delivery took a bit longer this time.',
  'Fine. I mostly buy at the market stall.',
  'Nice beans but a little pricey for every day.',
  'It was ok, the decaf is not my favourite.',
  'Decent, though the website is a bit fiddly on my phone.',
  'No complaints really.',
  'Okay overall. The filter roast is better than the espresso.',
  'Average. Some months the beans are better than others.',
  'Does the job, I have not tried the other blends yet.',
];
const negative: [string, ChurnReason][] = [
  ['Way too expensive after the price rise, I can get good beans cheaper at the supermarket.', 'price'],
  ['The subscription price went up again with no warning.', 'price'],
  ['Delivery charge is more than the coffee, not worth it.', 'price'],
  ['Waited a week for a reply about my split bag. Not good enough.', 'poor_service'],
  ['My order arrived late twice and nobody told me why.', 'poor_service'],
  ['The beans tasted stale and the reply to my complaint was rude.', 'poor_service'],
  ['Checkout kept failing and the discount code never worked.', 'difficult_product'],
  ['Your website is confusing, I could not change my delivery address.', 'difficult_product'],
  ['Switched to another roaster closer to home.', 'competitor'],
  ['A rival roastery offered our cafe a better wholesale deal.', 'competitor'],
  ['Never got the brewing guide I was promised when I signed up, so the first bags were wasted.', 'incomplete_onboarding'],
  ['Nobody showed us how to set up the wholesale account, gave up.', 'incomplete_onboarding'],
  ['We closed the cafe, no longer need wholesale beans.', 'needs_changed'],
  ['Moved abroad, so I had to stop.', 'needs_changed'],
  ['Stopped drinking coffee for health reasons.', 'needs_changed'],
  ['Too much plastic in the packaging.', 'other'],
  ['Charged twice for one bag and the refund took weeks.', 'poor_service'],
  ['The parcel never arrived and nobody answered the phone.', 'poor_service'],
  ['Too pricey now, I am cutting back on spending.', 'price'],
  ['Found a cheaper subscription with another roaster.', 'competitor'],
  ['The subscription page is really hard to use, could not skip a month.', 'difficult_product'],
];
const cancelToReason: Record<string, ChurnReason> = {
  price: 'price',
  'needs changed': 'needs_changed',
  competitor: 'competitor',
  'poor experience': 'poor_service',
  'difficult product': 'difficult_product',
  'incomplete onboarding': 'incomplete_onboarding',
};

interface Plan {
  customerId: string;
  kind: SurveyKind;
  eventKey: string;
  at: number;
  exitReason?: ChurnReason | null;
}

export async function seedSurveyDemo(demo: DemoSeedContext): Promise<void> {
  const { db } = demo;
  const today = demo.today.getTime();
  const rng = new Rng((demo.seed ^ 0x51e7) >>> 0);
  const customers = await db.selectFrom('customers').select(['id', 'name', 'email', 'tags', 'acquired_at', 'owner_user_id']).where('erased_at', 'is', null).orderBy('id').execute();
  if (customers.length === 0) return;
  const lastOrder = new Map<string, number>();
  const orders = await db.selectFrom('orders').select(['id', 'customer_id', 'ordered_at']).where('status', '=', 'paid').orderBy('id').execute();
  for (const o of orders) lastOrder.set(o.customer_id, Math.max(lastOrder.get(o.customer_id) ?? 0, o.ordered_at.getTime()));
  const subs = await db.selectFrom('subscriptions').select(['id', 'customer_id', 'canceled_at', 'cancel_reason']).where('canceled_at', 'is not', null).orderBy('id').execute();
  const contacts = await db
    .selectFrom('touchpoints')
    .select(['id', 'customer_id', 'occurred_at'])
    .where('direction', '=', 'in')
    .where('channel', 'in', ['call', 'chat', 'email'])
    .orderBy('id')
    .execute();

  // Who gets asked what, when.
  const plans: Plan[] = [];
  for (const c of customers) {
    const start = c.acquired_at.getTime() + 30 * DAY;
    const alive = Math.min(today, (lastOrder.get(c.id) ?? c.acquired_at.getTime()) + 120 * DAY);
    for (let at = start, i = 0; at < alive; at += 180 * DAY, i++) plans.push({ customerId: c.id, kind: 'nps', eventKey: `nps:${i}`, at: at + rng.int(5) * DAY });
  }
  for (const o of orders) if (rng.chance(0.06)) plans.push({ customerId: o.customer_id, kind: 'csat', eventKey: `order:${o.id}`, at: o.ordered_at.getTime() + 3 * DAY });
  for (const t of contacts) if (rng.chance(0.5)) plans.push({ customerId: t.customer_id, kind: 'ces', eventKey: `ticket:${t.id}`, at: t.occurred_at.getTime() + DAY });
  for (const s of subs)
    plans.push({
      customerId: s.customer_id,
      kind: 'exit',
      eventKey: `cancelled:${s.id}`,
      at: s.canceled_at!.getTime() + DAY,
      exitReason: s.cancel_reason ? (cancelToReason[s.cancel_reason] ?? 'other') : null,
    });

  // A latent satisfaction per customer (vip and wholesale happier, cancelled less so).
  const cancelled = new Set(subs.map((s) => s.customer_id));
  const mood = new Map<string, number>();
  for (const c of customers) {
    let m = rng.normal();
    if (c.tags.includes('vip')) m += 0.9;
    if (c.tags.includes('wholesale')) m += 0.3;
    if (cancelled.has(c.id)) m -= 0.8;
    mood.set(c.id, m);
  }
  const byId = new Map(customers.map((c) => [c.id, c]));
  const business = (await db.selectFrom('workspace').select('name').executeTakeFirst())?.name ?? 'Demo business';

  const requests: (Insertable<SurveyRequestsTable> & { id: string })[] = [];
  const responses: (Insertable<SurveyResponsesTable> & { id: string })[] = [];
  const touchpoints: Insertable<TouchpointsTable>[] = [];
  const tasks: (PastTask & { id: string })[] = [];
  const seen = new Set<string>();
  const uuid = () => {
    const h = Array.from({ length: 32 }, () => rng.int(16).toString(16)).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[rng.int(4)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };

  for (const p of plans) {
    if (p.at >= today) continue;
    const c = byId.get(p.customerId);
    if (!c?.email) continue;
    const key = `${p.customerId}|${p.kind}|${p.eventKey}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const id = uuid();
    const answerRate = { nps: 0.38, csat: 0.45, ces: 0.4, exit: 0.3 }[p.kind];
    // answers come up to three days after the request, and never after today
    const answered = rng.chance(answerRate) && p.at + 3 * DAY < today;
    requests.push({
      id,
      customer_id: c.id,
      kind: p.kind,
      event_key: p.eventKey,
      status: answered ? 'answered' : 'sent',
      questions: '[]',
      source: 'demo',
      sent_at: new Date(p.at),
      expires_at: new Date(p.at + 30 * DAY),
    });
    if (!answered) continue;
    const answeredAt = p.at + Math.floor(rng.next() * 3 * DAY);
    // satisfaction drifts up by about a point across the two years (the business got better)
    const progress = 1 - (today - answeredAt) / (730 * DAY);
    const s = (mood.get(c.id) ?? 0) + 0.8 * progress + 0.5 * rng.normal();
    const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.round(v)));
    let score: number | null = null;
    if (p.kind === 'nps') score = clamp(7.4 + 1.9 * s, 0, 10);
    else if (p.kind === 'csat') score = clamp(4 + 0.9 * s, 1, 5);
    else if (p.kind === 'ces') score = clamp(5.2 + 1.3 * s, 1, 7);
    const detractor = isDetractor(p.kind, score);
    const promoterish = p.kind !== 'exit' && score !== null && (p.kind === 'nps' ? score >= 9 : p.kind === 'csat' ? score >= 5 : score >= 6);
    let comment: string | null = null;
    let chosen: ChurnReason[] = [];
    if (p.kind === 'exit') {
      chosen = p.exitReason ? [p.exitReason] : [];
      const matching = negative.filter(([, r]) => r === p.exitReason);
      if (rng.chance(0.7)) comment = (matching.length ? rng.pick(matching) : rng.pick(negative))[0];
    } else if (rng.chance(detractor ? 0.7 : 0.4)) {
      comment = detractor ? rng.pick(negative)[0] : promoterish ? rng.pick(positive) : rng.pick(neutral);
    }
    const tags = comment ? classifyComment(comment) : null;
    const churn = [...new Set([...chosen, ...(tags?.reasons ?? [])])];
    const rid = uuid();
    responses.push({
      id: rid,
      request_id: id,
      customer_id: c.id,
      kind: p.kind,
      score,
      comment,
      answers: '{}',
      chosen_reasons: chosen,
      sentiment: tags?.sentiment ?? null,
      sentiment_score: tags?.score ?? null,
      churn_reasons: churn,
      answered_at: new Date(answeredAt),
      updated_at: new Date(answeredAt),
      thanked_at: new Date(answeredAt),
    });
    touchpoints.push({
      customer_id: c.id,
      channel: 'survey',
      direction: 'in',
      occurred_at: new Date(answeredAt),
      summary: `${kindInfo[p.kind].label} answered${score !== null ? `: ${score}` : ''}`,
      source: `survey:${id}`,
    });
    if (detractor && today - answeredAt < 30 * DAY) {
      const label = kindInfo[p.kind].label;
      const due = new Date(answeredAt);
      tasks.push({
        id: uuid(),
        customerId: c.id,
        assigneeUserId: c.owner_user_id,
        source: `survey:${id}`,
        idempotencyKey: `survey-detractor:${id}`,
        title: p.kind === 'exit' ? `Exit survey from ${c.name}: follow up` : `Detractor: ${c.name} gave ${label} ${score}: reply personally`,
        details: [
          `${label}${score !== null ? ` score ${score}` : ''}.`,
          comment ? `Comment: "${comment}"` : 'No comment yet.',
          '',
          'Suggested reply:',
          suggestedReply({ kind: p.kind, score, firstName: firstName(c.name), business, reasons: churn as ChurnReason[], comment }),
        ].join('\n'),
        dueAt: due,
        createdAt: due,
        doneAt: today - answeredAt > 5 * DAY && rng.chance(0.8) ? new Date(answeredAt + DAY) : null,
      });
      responses[responses.length - 1].task_id = tasks[tasks.length - 1].id;
    }
  }

  await db.transaction().execute(async (trx) => {
    const chunk = <T>(rows: T[], size = 500) => Array.from({ length: Math.ceil(rows.length / size) }, (_, i) => rows.slice(i * size, (i + 1) * size));
    for (const part of chunk(requests)) await trx.insertInto('survey_requests').values(part).execute();
    await insertPastTasks(trx, tasks);
    for (const part of chunk(responses)) await trx.insertInto('survey_responses').values(part).execute();
    await insertHistory(trx, { touchpoints });
  });
  demo.log(`Surveys: ${requests.length} sent, ${responses.length} answered, ${tasks.length} detractor follow-ups.`);
}
