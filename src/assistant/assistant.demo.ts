// The demo business's FAQ (Driftwood Coffee Co., a roastery selling beans online, by subscription
// and to cafés) and a month of website chats answered by the real matcher and conversation rules,
// so the Assistant page opens on believable figures: containment, ratings, unanswered questions.
import type { DemoSeedContext } from '../platform/feature.js';
import { Rng } from '../platform/random.js';
import type { Insertable } from 'kysely';
import type { AssistantChatsTable, AssistantExchangesTable, ClarifyOption, ExchangeKind } from './assistant.tables.js';
import { type ChatState, planReply } from './conversation.js';
import { KnowledgeIndex } from './knowledge-index.js';
import { answerText } from './markdown.js';
import { detectTone, wantsPerson } from './tone.js';

const DAY = 86_400_000;

export const demoFaq: { question: string; phrasings: string[]; answer: string; tags: string[]; links?: { title: string; url: string }[] }[] = [
  {
    question: 'How long does delivery take?',
    phrasings: ['When will my coffee arrive?', 'How many days for shipping?', 'What are your delivery times?', 'how long to get my order'],
    answer: 'We roast on **Monday, Wednesday and Friday** and post the same day. UK delivery takes 1–2 working days by Royal Mail Tracked 48.',
    tags: ['delivery'],
  },
  {
    question: 'How much is delivery?',
    phrasings: ['What does shipping cost?', 'Is delivery free?', 'postage price', 'Do you charge for shipping'],
    answer: 'UK delivery is **£3.50**, free on orders over £30 and on every subscription.',
    tags: ['delivery'],
  },
  {
    question: 'Do you deliver outside the UK?',
    phrasings: ['Do you ship to Europe?', 'international shipping', 'Can you send coffee to Ireland?', 'Do you post abroad'],
    answer: 'Yes, to the EU, Norway and Switzerland: 3–6 working days, £9.50 per order. Import duties may apply outside the EU.',
    tags: ['delivery'],
  },
  {
    question: 'Where is my order?',
    phrasings: ['Track my parcel', 'My order has not arrived', 'tracking number', 'my coffee still hasnt come'],
    answer:
      'Your tracking link is in the "Your coffee is on its way" email we send on the roast day. If it has been more than 3 working days since then, reply to that email or ask for a person here and we will chase Royal Mail.',
    tags: ['orders', 'delivery'],
  },
  {
    question: 'Can I change or cancel my order?',
    phrasings: ['I want to cancel my order', 'change the address on my order', 'edit my order', 'I ordered the wrong grind'],
    answer: 'Yes, until we roast it (8:00 on the next roast day). Ask for a person here with your order number and what to change.',
    tags: ['orders'],
  },
  {
    question: 'How does the coffee subscription work?',
    phrasings: ['Tell me about subscriptions', 'How does the coffee club work?', 'regular delivery of beans', 'sign up for a subscription'],
    answer:
      'Choose a coffee (or "Roaster\'s choice"), a bag size and how often: every 1, 2 or 4 weeks. We roast and post it on your day, with free delivery. You can skip, pause or cancel any time before the next roast.',
    tags: ['subscriptions'],
  },
  {
    question: 'How do I pause or skip a subscription delivery?',
    phrasings: ['skip next delivery', 'pause my subscription', 'I am going on holiday, can I stop my coffee', 'delay my next bag'],
    answer: 'In **My account → Subscription**, press *Skip next* or *Pause* (up to 3 months). Changes made before 8:00 on the roast day apply to that delivery.',
    tags: ['subscriptions'],
    links: [{ title: 'My account', url: 'https://driftwood.example/account' }],
  },
  {
    question: 'How do I cancel my subscription?',
    phrasings: ['cancel subscription', 'stop my coffee club', 'I want to end my subscription', 'unsubscribe from deliveries'],
    answer: 'In **My account → Subscription → Cancel**. There is no minimum term and no fee; a bag already roasted still comes.',
    tags: ['subscriptions'],
    links: [{ title: 'My account', url: 'https://driftwood.example/account' }],
  },
  {
    question: 'Can I change the coffee in my subscription?',
    phrasings: ['swap my subscription coffee', 'change grind on subscription', 'different beans next time', 'change bag size'],
    answer: 'Yes: **My account → Subscription → Change coffee**. You can change the coffee, grind, bag size and frequency for every delivery from the next roast day.',
    tags: ['subscriptions'],
  },
  {
    question: 'What grind should I choose?',
    phrasings: ['Which grind for a cafetiere?', 'grind for espresso machine', 'what grind for aeropress', 'should I buy whole beans'],
    answer:
      'Whole beans stay fresh longest. If you want it ground:\n\n- **Espresso** for espresso machines and moka pots\n- **Filter** for V60, Chemex, AeroPress and drip machines\n- **Cafetière** (coarse) for French press',
    tags: ['coffee'],
  },
  {
    question: 'How should I store my coffee?',
    phrasings: ['How long does coffee stay fresh?', 'should I keep beans in the fridge', 'best before date on coffee', 'storing beans'],
    answer: 'In the bag it came in (it has a one-way valve), sealed, somewhere cool and dark. Not in the fridge. Beans are at their best 5–30 days after roasting.',
    tags: ['coffee'],
  },
  {
    question: 'Do you have decaf?',
    phrasings: ['decaffeinated coffee', 'caffeine free options', 'Is there a decaf', 'swiss water decaf'],
    answer: 'Yes: our **Harbour Decaf**, a Colombian coffee decaffeinated by the Swiss Water process (no chemicals), in beans and every grind.',
    tags: ['coffee'],
  },
  {
    question: 'Are your coffees organic and fairly traded?',
    phrasings: ['Is your coffee ethical?', 'fair trade coffee', 'how do you source your beans', 'do you pay farmers fairly'],
    answer: 'We buy from importers who pay at least 25% above the Fairtrade minimum and publish the price. Three of our coffees are certified organic; each product page says which.',
    tags: ['coffee'],
  },
  {
    question: 'What is your returns policy?',
    phrasings: ['Can I return coffee?', 'refund for coffee I did not like', 'send back my order', 'I want a refund'],
    answer: 'If a coffee is not for you, tell us within 30 days and we will send a different one or refund you: no need to post anything back.',
    tags: ['returns'],
  },
  {
    question: 'My bag arrived damaged',
    phrasings: ['the parcel was broken', 'bag split in the post', 'coffee spilled in the box', 'damaged delivery'],
    answer: 'Sorry about that. Send us a photo (ask for a person here) and we will roast and post a replacement on the next roast day, free.',
    tags: ['returns', 'delivery'],
  },
  {
    question: 'Do you sell gift cards?',
    phrasings: ['gift voucher', 'Can I buy a gift subscription?', 'present for a coffee lover', 'e-gift card'],
    answer: 'Yes: gift cards from £10 (sent by email on the day you choose) and gift subscriptions of 3, 6 or 12 months.',
    tags: ['gifts'],
  },
  {
    question: 'Do you supply cafés and offices?',
    phrasings: ['wholesale coffee', 'trade account', 'coffee for my café', 'office coffee supply'],
    answer: 'Yes. Wholesale starts at 6 kg a month with free delivery, barista training and equipment advice. Write to **wholesale@driftwood.example** and Tom will call you.',
    tags: ['wholesale'],
  },
  {
    question: 'Can I visit the roastery?',
    phrasings: ['where are you based', 'roastery address', 'can I collect my order', 'opening hours of the shop'],
    answer: 'Our roastery shop is at Unit 4, Harbour Road, Penryn. Open Tuesday–Saturday, 9:00–16:00; you can also collect online orders there.',
    tags: ['shop'],
  },
  {
    question: 'What payment methods do you accept?',
    phrasings: ['Can I pay with PayPal?', 'do you take Apple Pay', 'payment options', 'pay by card'],
    answer: 'Visa, Mastercard, American Express, Apple Pay, Google Pay and PayPal. Subscriptions are charged on the roast day.',
    tags: ['orders'],
  },
  {
    question: 'How do I use a promo code?',
    phrasings: ['discount code not working', 'where do I enter a voucher', 'apply coupon', 'my code is invalid'],
    answer: 'Enter it in the **Promo code** box on the basket page before paying. A code works once per customer and cannot be added after an order is placed.',
    tags: ['orders'],
  },
];

/** What demo visitors write: paraphrases, questions the FAQ does not cover, upset messages, requests for a person. */
const demoMessages = [
  'when will my beans get here',
  'how long is shipping',
  'is postage free over 30',
  'do you ship to germany',
  'where is my parcel',
  'my order hasnt arrived yet',
  'can I skip a delivery next week',
  'how do i pause my coffee club',
  'cancel my subscription please',
  'what grind for a v60',
  'do you have decaf coffee',
  'can i return a coffee i didnt like',
  'do you sell gift vouchers',
  'can I pay with paypal',
  'promo code does not work',
  'do you sell tea?',
  'do you have any tea',
  'do you sell coffee machines',
  'which grinder should I buy',
  'are your bags recyclable',
  'is the packaging compostable',
  'do you do coffee tasting events',
  'can I book a cupping session',
  'this is ridiculous, my order is a week late!!!',
  'I need this urgently, where is my order',
  'talk to a person',
  'can i speak to someone',
  'how much caffeine is in espresso',
  'change my delivery address',
  'wholesale prices for my cafe',
];

export async function seedAssistantDemo(demo: DemoSeedContext): Promise<void> {
  const { db } = demo;
  const have = await db.selectFrom('assistant_entries').select('id').limit(1).execute();
  if (have.length) return;
  const created = demo.today;
  const rows = await db
    .insertInto('assistant_entries')
    .values(
      demoFaq.map((e) => ({
        question: e.question,
        phrasings: e.phrasings,
        answer: e.answer,
        tags: e.tags,
        links: JSON.stringify(e.links ?? []),
        status: 'published' as const,
        created_at: new Date(created.getTime() - 60 * DAY),
        updated_at: new Date(created.getTime() - 60 * DAY),
      })),
    )
    .returning(['id', 'question', 'phrasings', 'answer'])
    .execute();
  // A draft the owner is still writing.
  await db
    .insertInto('assistant_entries')
    .values({ question: 'Do you sell tea?', phrasings: [], answer: 'Not yet: we are testing two teas from …', tags: ['shop'], links: '[]', status: 'draft' })
    .execute();
  await db
    .updateTable('assistant_state')
    .set((eb) => ({ kb_version: eb('kb_version', '+', 1) }))
    .where('id', '=', 1)
    .execute();

  const index = new KnowledgeIndex(rows.map((r) => ({ id: r.id, phrasings: [r.question, ...r.phrasings] })));
  const byId = new Map(rows.map((r) => [r.id, { id: r.id, question: r.question, text: answerText(r.answer) }]));
  const rng = new Rng((demo.seed ^ 0xa551) >>> 0);
  const chats = 180;
  const chatRows: Insertable<AssistantChatsTable>[] = [];
  const exchangeRows: Insertable<AssistantExchangesTable>[] = [];
  for (let c = 0; c < chats; c++) {
    const start = new Date(demo.today.getTime() - rng.int(30) * DAY - rng.int(DAY));
    let state: ChatState = { tone: 'warm', unsureStreak: 0 };
    let handedOff: 'asked' | 'unsure' | 'upset' | null = null;
    const exchanges: { message: string; kind: ExchangeKind; confidence: number; entry_id: string | null; options: ClarifyOption[]; reply: string; tone: 'warm' | 'terse'; helpful: boolean | null }[] =
      [];
    const turns = 1 + rng.int(3);
    for (let t = 0; t < turns && !handedOff; t++) {
      const message = demoMessages[rng.int(demoMessages.length)]!;
      const plan = planReply(state, {
        message,
        decision: index.decide(message),
        frustrated: detectTone(message).frustrated,
        wantsPerson: wantsPerson(message),
        entry: (id) => byId.get(id),
      });
      state = plan.state;
      if (plan.handoff) handedOff = plan.handoff;
      exchanges.push({
        message,
        kind: plan.handoff ? 'handoff' : plan.kind,
        confidence: plan.confidence,
        entry_id: plan.entryId,
        options: plan.options,
        reply: plan.handoff ? "I've passed this chat to our team, with everything you've written." : plan.reply,
        tone: plan.state.tone,
        helpful: plan.kind === 'answer' && rng.chance(0.4) ? rng.chance(0.85) : null,
      });
    }
    const chatId = rng.uuid();
    chatRows.push({
      id: chatId,
      tone: state.tone,
      unsure_streak: state.unsureStreak,
      owner: handedOff ? 'person' : 'bot',
      handoff_reason: handedOff,
      handed_off_at: handedOff ? start : null,
      created_at: start,
      last_message_at: start,
    });
    exchangeRows.push(...exchanges.map((x, i) => ({ ...x, chat_id: chatId, options: JSON.stringify(x.options), created_at: new Date(start.getTime() + i * 40_000) })));
  }
  // two statements for the lot (a demo database is seeded in one go)
  await db.insertInto('assistant_chats').values(chatRows).execute();
  await db.insertInto('assistant_exchanges').values(exchangeRows).execute();
  demo.log(`Assistant: ${rows.length} FAQ entries and ${chats} website chats`);
}
