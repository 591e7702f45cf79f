// The assistant at work: a visitor's message in, the bot's reply out — answered from an entry,
// a choice of 2–3 entries, "I don't know" with a person offered, or a hand-off. A hand-off opens
// an inbox conversation whose first message is the whole chat, so the agent sees everything and
// the visitor never repeats themselves; from then on a person owns the chat and the bot is silent.
// Every exchange is logged (decision, confidence, entry, rating) for the owner's figures.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import { chatToken, expectedWait, receiveMessage } from '../inbox/index.js';
import type { AppContext } from '../platform/context.js';
import type { Database } from '../platform/db/database.js';
import { HttpError, notFound } from '../platform/http/errors.js';
import { purposeKey } from '../platform/secret.js';
import { getWorkspace } from '../workspace/index.js';
import { type Knowledge, knowledge } from './assistant.kb.js';
import { type AssistantSettings, getAssistantSettings } from './assistant.settings.js';
import type { AssistantChatsTable, ClarifyOption, ExchangeKind, HandoffReason } from './assistant.tables.js';
import { defaultGreeting, emailIn, type EntryRef, handoffReply, type Plan, planReply } from './conversation.js';
import type { Decision } from './knowledge-index.js';
import { pickWithLlm, rephraseWithLlm } from './llm.js';
import { answerText, renderAnswer, type SafeBlock } from './markdown.js';
import { detectTone, wantsPerson } from './tone.js';

/** After an edit, a visitor's answer waits this long for the new index before the previous one answers. */
const FRESH_WAIT_MS = 3000;

/** Longest visitor line we take (the widget stops at 2,000). */
export const VISITOR_MAX_CHARS = 5000;
const STORED_MAX = 2000;

type Chat = Selectable<AssistantChatsTable>;

// ---- tokens -------------------------------------------------------------------------------------

export function assistantToken(secret: string, chatId: string): string {
  return `${chatId}.${createHmac('sha256', purposeKey(secret, 'assistant.chat')).update(`assistant-chat:${chatId}`).digest('base64url')}`;
}

export function verifyAssistantToken(secret: string, token: string | null | undefined): string {
  const t = String(token ?? '');
  const id = t.slice(0, Math.max(0, t.indexOf('.')));
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) throw new HttpError(403, 'forbidden', 'This chat token is not valid');
  const a = Buffer.from(assistantToken(secret, id));
  const b = Buffer.from(t);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new HttpError(403, 'forbidden', 'This chat token is not valid');
  return id;
}

// ---- views --------------------------------------------------------------------------------------

export interface ExchangeView {
  id: string;
  message: string;
  kind: ExchangeKind;
  reply: string;
  /** the answer's safe blocks (kind answer) */
  blocks: SafeBlock[];
  /** the entry answered with: the citation */
  entry: { id: string; question: string } | null;
  options: ClarifyOption[];
  offerPerson: boolean;
  helpful: boolean | null;
  viaLlm: boolean;
  createdAt: string;
}

export interface ChatView {
  token: string;
  owner: 'bot' | 'person';
  tone: 'warm' | 'terse';
  awaitingEmail: boolean;
  /** after a hand-off: the inbox chat the widget follows (its token, and the transcript message to start after) */
  inbox: { token: string; after: string | null } | null;
  exchanges: ExchangeView[];
}

async function loadChat(db: Database, id: string, lock = false): Promise<Chat> {
  let q = db.selectFrom('assistant_chats').selectAll().where('id', '=', id);
  if (lock) q = q.forUpdate();
  const c = await q.executeTakeFirst();
  if (!c) throw new HttpError(403, 'forbidden', 'This chat token is not valid');
  return c as Chat;
}

export async function chatView(ctx: AppContext, chatId: string): Promise<ChatView> {
  const chat = await loadChat(ctx.db, chatId);
  const rows = await ctx.db
    .selectFrom('assistant_exchanges as x')
    .leftJoin('assistant_entries as e', 'e.id', 'x.entry_id')
    .select(['x.id', 'x.message', 'x.kind', 'x.reply', 'x.options', 'x.helpful', 'x.via_llm', 'x.tone', 'x.created_at', 'x.entry_id', 'e.question', 'e.answer'])
    .where('x.chat_id', '=', chatId)
    .orderBy('x.seq')
    .limit(500)
    .execute();
  return {
    token: assistantToken(ctx.secret, chatId),
    owner: chat.owner,
    tone: chat.tone,
    awaitingEmail: chat.awaiting_email,
    inbox: chat.inbox_conversation_id ? { token: chatToken(ctx.secret, chat.inbox_conversation_id), after: chat.inbox_transcript_message_id } : null,
    exchanges: rows.map((r) => ({
      id: r.id,
      message: r.message,
      kind: r.kind,
      reply: r.reply,
      // an answer the endpoint rephrased is shown as it was said (its reply is not the entry's text)
      blocks: r.kind === 'answer' && r.answer ? renderAnswer(r.via_llm && r.reply !== answerText(r.answer) ? r.reply : r.answer) : [],
      entry: r.entry_id && r.question ? { id: r.entry_id, question: r.question } : null,
      options: r.options,
      offerPerson: r.tone === 'terse' || r.kind === 'dont_know',
      helpful: r.helpful,
      viaLlm: r.via_llm,
      createdAt: new Date(r.created_at).toISOString(),
    })),
  };
}

// ---- what the widget shows before the first message ---------------------------------------------

export async function widgetConfig(ctx: AppContext) {
  const [settings, ws, k, wait] = await Promise.all([getAssistantSettings(ctx.db), getWorkspace(ctx.db), knowledge(ctx.db), expectedWait(ctx.db, ctx.now())]);
  const business = ws?.name ?? 'our';
  return {
    enabled: settings.enabled,
    name: settings.name,
    avatarUrl: settings.avatarUrl,
    business,
    greeting: settings.greeting || defaultGreeting(settings.name, business, topTopics(k)),
    capabilities: ['Instant answers from our help articles', 'Day and night, every day', 'A person whenever you ask'],
    people: { open: wait.open, message: wait.message },
  };
}

function topTopics(k: Knowledge): string[] {
  const count = new Map<string, number>();
  for (const e of k.entries.values()) for (const t of e.tags) count.set(t, (count.get(t) ?? 0) + 1);
  return [...count.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 3)
    .map(([t]) => t);
}

// ---- answering ----------------------------------------------------------------------------------

export interface AnswerInput {
  token?: string | null;
  text: string;
  /** a clarify button: answer this entry */
  entryId?: string | null;
}

export interface AnswerResult {
  chat: ChatView;
  /** the bot's reply (null when a person owns the chat: the message went to them) */
  reply: ExchangeView | null;
  /** the inbox message id when the message went to a person */
  forwardedMessageId: string | null;
}

function entryRef(k: Knowledge, id: string): EntryRef | undefined {
  const e = k.entries.get(id);
  return e && { id: e.id, question: e.question, text: answerText(e.answer) };
}

/** What the matcher, the tone and the hand-off detectors make of a message (also the "try it" box). */
export async function understand(k: Knowledge, message: string) {
  const decision: Decision = await k.decide(message);
  return { decision, tone: detectTone(message), wantsPerson: wantsPerson(message) };
}

async function createChat(db: Database, now: Date): Promise<Chat> {
  return (await db.insertInto('assistant_chats').values({ created_at: now, last_message_at: now }).returningAll().executeTakeFirstOrThrow()) as Chat;
}

async function chatFor(ctx: AppContext, token: string | null | undefined): Promise<Chat> {
  if (token) return loadChat(ctx.db, verifyAssistantToken(ctx.secret, token));
  return createChat(ctx.db, ctx.now());
}

export async function answer(ctx: AppContext, input: AnswerInput): Promise<AnswerResult> {
  const text = input.text.trim();
  if (!text) throw new HttpError(400, 'validation', 'Invalid input: text is required', [{ field: 'body.text', message: 'is required' }]);
  if (text.length > VISITOR_MAX_CHARS)
    throw new HttpError(400, 'validation', `Invalid input: text is longer than ${VISITOR_MAX_CHARS.toLocaleString('en')} characters`, [
      { field: 'body.text', message: `is longer than ${VISITOR_MAX_CHARS} characters` },
    ]);
  const chat = await chatFor(ctx, input.token);
  const now = ctx.now();

  // A person owns the chat: the message goes to them; the bot stays silent.
  if (chat.owner === 'person' && chat.inbox_conversation_id) {
    const r = await receiveMessage(ctx, { channel: 'chat', conversationId: chat.inbox_conversation_id, from: {}, subject: '', text, receivedAt: now });
    await ctx.db.updateTable('assistant_chats').set({ last_message_at: now }).where('id', '=', chat.id).execute();
    return { chat: await chatView(ctx, chat.id), reply: null, forwardedMessageId: r.messageId };
  }

  const settings = await getAssistantSettings(ctx.db);
  const k = await knowledge(ctx.db, { waitMs: FRESH_WAIT_MS });
  const u = await understand(k, text);
  const chosen = input.entryId && k.entries.has(input.entryId) ? input.entryId : null;
  let plan: Plan;
  if (!settings.enabled) plan = { kind: 'handoff', entryId: null, options: [], confidence: 0, reply: '', offerPerson: false, state: { tone: chat.tone, unsureStreak: 0 }, handoff: 'asked' };
  else
    plan = planReply(
      { tone: chat.tone, unsureStreak: chat.unsure_streak },
      { message: text, decision: u.decision, frustrated: u.tone.frustrated, wantsPerson: u.wantsPerson, chosenEntryId: chosen, entry: (id) => entryRef(k, id) },
    );
  // Closed hours, waiting for an email: an address in the message completes the hand-off.
  const email = chat.awaiting_email ? emailIn(text) : null;
  if (email) plan = { ...plan, kind: 'handoff', handoff: chat.handoff_reason ?? 'asked', entryId: null, options: [] };

  let viaLlm = false;
  if (plan.kind === 'clarify' && settings.llm.enabled && settings.llm.url) {
    const candidates = plan.options.map((o) => entryRef(k, o.entryId)).filter((e): e is EntryRef => Boolean(e));
    const picked = await pickWithLlm(settings.llm, text, candidates);
    const e = picked ? entryRef(k, picked) : undefined;
    if (e) {
      viaLlm = true;
      plan = { ...plan, kind: 'answer', entryId: e.id, options: [], reply: e.text, state: { ...plan.state, unsureStreak: 0 } };
    }
  }

  let rephrased = false;
  if (plan.kind === 'answer' && plan.entryId && settings.llm.enabled && settings.llm.rephrase && settings.llm.url) {
    const e = entryRef(k, plan.entryId);
    if (e) {
      const r = await rephraseWithLlm(settings.llm, e, plan.state.tone);
      if (r.rephrased) {
        rephrased = viaLlm = true;
        plan = { ...plan, reply: r.text };
      }
    }
  }

  return finish(ctx, chat, settings, k, text, plan, { chosen: Boolean(chosen), viaLlm, rephrased, email });
}

/** The visitor pressed "Talk to a person" (optionally with their email, when nobody is in). */
export async function requestPerson(ctx: AppContext, input: { token?: string | null; email?: string | null }): Promise<AnswerResult> {
  const chat = await chatFor(ctx, input.token);
  if (chat.owner === 'person') return { chat: await chatView(ctx, chat.id), reply: null, forwardedMessageId: null };
  const settings = await getAssistantSettings(ctx.db);
  const k = await knowledge(ctx.db);
  const plan: Plan = {
    kind: 'handoff',
    entryId: null,
    options: [],
    confidence: 0,
    reply: '',
    offerPerson: false,
    state: { tone: chat.tone, unsureStreak: 0 },
    handoff: chat.handoff_reason ?? 'asked',
  };
  return finish(ctx, chat, settings, k, input.email ? input.email : 'Talk to a person', plan, { chosen: true, viaLlm: false, email: input.email ?? null });
}

async function finish(
  ctx: AppContext,
  chat: Chat,
  settings: AssistantSettings,
  k: Knowledge,
  text: string,
  plan: Plan,
  extra: { chosen: boolean; viaLlm: boolean; rephrased?: boolean; email: string | null },
): Promise<AnswerResult> {
  const now = ctx.now();
  let kind = plan.kind;
  let reply = plan.reply;
  const email = extra.email ?? chat.email;
  let inbox: { conversationId: string; messageId: string } | null = null;
  if (plan.handoff) {
    const wait = await expectedWait(ctx.db, now);
    if (!wait.open && !email) {
      kind = 'ask_email';
      reply = handoffReply(plan.state.tone, false, wait.message, null);
    } else {
      kind = 'handoff';
      reply = handoffReply(plan.state.tone, wait.open, wait.message, wait.open ? null : email);
      const transcript = await transcriptOf(ctx.db, chat.id, settings.name, plan.handoff, text);
      const r = await receiveMessage(ctx, {
        // open: a live chat; closed: the person answers by email
        channel: wait.open ? 'chat' : 'form',
        from: { email, name: null },
        subject: `Website chat: ${firstLine(await firstMessage(ctx.db, chat.id, text))}`,
        text: transcript,
        receivedAt: now,
        priority: plan.handoff === 'upset' ? 'high' : undefined,
        tags: ['assistant', `handoff-${plan.handoff}`],
      });
      inbox = { conversationId: r.conversationId, messageId: r.messageId };
    }
  }
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('assistant_exchanges')
      .values({
        chat_id: chat.id,
        message: text.slice(0, STORED_MAX),
        kind,
        confidence: Number.isFinite(plan.confidence) ? plan.confidence : 0,
        entry_id: plan.entryId,
        options: JSON.stringify(plan.options),
        reply,
        tone: plan.state.tone,
        chosen: extra.chosen,
        via_llm: extra.viaLlm,
        created_at: now,
      })
      .execute();
    await trx
      .updateTable('assistant_chats')
      .set({
        tone: plan.state.tone,
        unsure_streak: plan.state.unsureStreak,
        last_message_at: now,
        ...(kind === 'ask_email' ? { awaiting_email: true, handoff_reason: plan.handoff } : {}),
        ...(inbox
          ? {
              owner: 'person' as const,
              awaiting_email: false,
              handoff_reason: plan.handoff,
              handed_off_at: now,
              inbox_conversation_id: inbox.conversationId,
              inbox_transcript_message_id: inbox.messageId,
              email,
            }
          : {}),
      })
      .where('id', '=', chat.id)
      .execute();
  });
  const view = await chatView(ctx, chat.id);
  const last = view.exchanges.at(-1) ?? null;
  if (last && last.kind === 'answer' && plan.entryId && !extra.rephrased) {
    const e = k.entries.get(plan.entryId);
    if (e) last.blocks = e.blocks;
  }
  return { chat: view, reply: last, forwardedMessageId: null };
}

function firstLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 80 ? `${t.slice(0, 77)}…` : t;
}

async function firstMessage(db: Database, chatId: string, fallback: string): Promise<string> {
  const r = await db.selectFrom('assistant_exchanges').select('message').where('chat_id', '=', chatId).orderBy('seq').limit(1).executeTakeFirst();
  return r?.message ?? fallback;
}

const reasons: Record<HandoffReason, string> = {
  asked: 'the visitor asked for a person',
  unsure: 'the assistant was unsure twice in a row',
  upset: 'the visitor was upset and the assistant had no answer',
};

/** The whole chat as text: the first message of the inbox conversation. */
async function transcriptOf(db: Database, chatId: string, botName: string, reason: HandoffReason, last: string): Promise<string> {
  const rows = await db
    .selectFrom('assistant_exchanges as x')
    .leftJoin('assistant_entries as e', 'e.id', 'x.entry_id')
    .select(['x.message', 'x.reply', 'x.kind', 'e.question'])
    .where('x.chat_id', '=', chatId)
    .orderBy('x.seq')
    .limit(200)
    .execute();
  const lines = [`Chat with ${botName}, the website assistant. Handed over because ${reasons[reason]}.`, ''];
  for (const r of rows) {
    lines.push(`Visitor: ${r.message}`);
    const cite = r.kind === 'answer' && r.question ? ` [FAQ: ${r.question}]` : '';
    lines.push(`${botName}: ${r.reply.replace(/\n{2,}/g, '\n')}${cite}`);
  }
  lines.push(`Visitor: ${last.slice(0, STORED_MAX)}`);
  return lines.join('\n');
}

export async function rate(ctx: AppContext, token: string, exchangeId: string, helpful: boolean): Promise<void> {
  const chatId = verifyAssistantToken(ctx.secret, token);
  const r = await ctx.db.updateTable('assistant_exchanges').set({ helpful }).where('id', '=', exchangeId).where('chat_id', '=', chatId).where('kind', '=', 'answer').executeTakeFirst();
  if (!Number(r.numUpdatedRows)) throw notFound('Answer');
}

// ---- measurement --------------------------------------------------------------------------------

export async function assistantMetrics(ctx: AppContext, days: number) {
  const since = new Date(ctx.now().getTime() - days * 86400_000);
  const ws = await getWorkspace(ctx.db);
  const tz = ws?.timeZone ?? 'UTC';
  const chats = await ctx.db
    .selectFrom('assistant_chats as c')
    .select([
      sql<string>`to_char(c.created_at at time zone ${tz}, 'YYYY-MM-DD')`.as('day'),
      (eb) => eb.fn.countAll<string>().as('chats'),
      sql<string>`count(*) filter (where c.owner = 'person')`.as('handed_off'),
    ])
    .where('c.created_at', '>=', since)
    .where((eb) => eb.exists(eb.selectFrom('assistant_exchanges as x').select('x.id').whereRef('x.chat_id', '=', 'c.id')))
    .groupBy('day')
    .orderBy('day')
    .execute();
  const ex = await ctx.db
    .selectFrom('assistant_exchanges')
    .select(['kind', (eb) => eb.fn.countAll<string>().as('n'), sql<string>`count(*) filter (where helpful)`.as('up'), sql<string>`count(*) filter (where helpful = false)`.as('down')])
    .where('created_at', '>=', since)
    .groupBy('kind')
    .execute();
  const reasonsRows = await ctx.db
    .selectFrom('assistant_chats')
    .select(['handoff_reason', (eb) => eb.fn.countAll<string>().as('n')])
    .where('created_at', '>=', since)
    .where('owner', '=', 'person')
    .groupBy('handoff_reason')
    .execute();
  const total = chats.reduce((a, r) => a + Number(r.chats), 0);
  const handedOff = chats.reduce((a, r) => a + Number(r.handed_off), 0);
  const up = ex.reduce((a, r) => a + Number(r.up), 0);
  const down = ex.reduce((a, r) => a + Number(r.down), 0);
  return {
    days,
    chats: total,
    handedOff,
    contained: total - handedOff,
    /** chats that ended without a person ÷ chats with at least one message */
    containmentRate: total ? (total - handedOff) / total : null,
    helpful: { up, down, rate: up + down ? up / (up + down) : null },
    decisions: Object.fromEntries(ex.map((r) => [r.kind, Number(r.n)])) as Partial<Record<ExchangeKind, number>>,
    handoffReasons: Object.fromEntries(reasonsRows.map((r) => [r.handoff_reason ?? 'asked', Number(r.n)])),
    daily: chats.map((r) => ({ day: r.day, chats: Number(r.chats), contained: Number(r.chats) - Number(r.handed_off) })),
  };
}
