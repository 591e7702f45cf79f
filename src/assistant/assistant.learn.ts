// Learning from the log: the questions the bot could not answer (don't know, a choice it had to
// offer, an answer rated unhelpful), grouped by meaning, each turned in one step into a new entry
// or a new phrasing of an existing one — after which it no longer counts as unanswered.
import { z } from 'zod';
import { visitorMessages } from '../inbox/index.js';
import type { AppContext } from '../platform/context.js';
import { HttpError } from '../platform/http/errors.js';
import { addPhrasing, createEntry, entryInput, knowledge } from './assistant.kb.js';
import { groupByMeaning } from './learning.js';

const WINDOW_DAYS = 90;

export async function unansweredGroups(ctx: AppContext, limit = 20) {
  const since = new Date(ctx.now().getTime() - WINDOW_DAYS * 86400_000);
  const rows = await ctx.db
    .selectFrom('assistant_exchanges')
    .select(['id', 'message', 'created_at', 'kind', 'helpful'])
    .where('created_at', '>=', since)
    .where('learned_entry_id', 'is', null)
    .where('dismissed', '=', false)
    .where('chosen', '=', false)
    .where((eb) => eb.or([eb('kind', 'in', ['clarify', 'dont_know']), eb('helpful', '=', false)]))
    .orderBy('created_at', 'desc')
    .limit(2000)
    .execute();
  const k = await knowledge(ctx.db);
  const groups = groupByMeaning(rows.map((r) => ({ id: r.id, message: r.message, at: new Date(r.created_at) })));
  return Promise.all(
    groups.slice(0, limit).map(async (g) => {
      const d = await k.decide(g.representative);
      const best = d.ranked[0];
      const e = best ? k.entries.get(best.entryId) : undefined;
      return {
        representative: g.representative,
        count: g.items.length,
        lastAt: g.items[0]!.at.toISOString(),
        exchangeIds: g.items.map((i) => i.id),
        examples: [...new Set(g.items.map((i) => i.message))].slice(0, 5),
        /** the closest entry: a likely place for a new phrasing */
        closest: e ? { id: e.id, question: e.question, confidence: d.confidence } : null,
      };
    }),
  );
}

export const learnInput = z.discriminatedUnion('mode', [
  z.object({
    mode: z.literal('phrasing'),
    exchangeIds: z.array(z.string().uuid()).min(1).max(2000),
    entryId: z.string().uuid(),
    /** the wording to add (default: the group's messages) */
    phrasings: z.array(z.string().trim().min(1).max(500)).max(20).optional(),
  }),
  z.object({
    mode: z.literal('entry'),
    exchangeIds: z.array(z.string().uuid()).min(0).max(2000),
    entry: entryInput,
  }),
  z.object({ mode: z.literal('dismiss'), exchangeIds: z.array(z.string().uuid()).min(1).max(2000) }),
]);

export async function learn(ctx: AppContext, input: z.infer<typeof learnInput>): Promise<{ entryId: string | null; marked: number }> {
  const messages = input.exchangeIds.length ? await ctx.db.selectFrom('assistant_exchanges').select(['id', 'message']).where('id', 'in', input.exchangeIds).execute() : [];
  if (input.exchangeIds.length && !messages.length) throw new HttpError(404, 'not_found', 'None of these questions were found');
  let entryId: string | null = null;
  if (input.mode === 'phrasing') {
    const wordings = input.phrasings ?? [...new Set(messages.map((m) => m.message.trim()).filter((m) => m.length <= 500))].slice(0, 20);
    for (const p of wordings) await addPhrasing(ctx.db, input.entryId, p, ctx.now());
    entryId = input.entryId;
  } else if (input.mode === 'entry') {
    entryId = (await createEntry(ctx.db, input.entry, ctx.now())).id;
  }
  const ids = messages.map((m) => m.id);
  if (!ids.length) return { entryId, marked: 0 };
  const r = await ctx.db
    .updateTable('assistant_exchanges')
    .set(input.mode === 'dismiss' ? { dismissed: true } : { learned_entry_id: entryId })
    .where('id', 'in', ids)
    .executeTakeFirst();
  return { entryId, marked: Number(r.numUpdatedRows) };
}

/**
 * Chats a person took over and answered: the visitor's question and the agent's first reply, so
 * the owner saves the reply as a new entry (or the question as a phrasing) in one step.
 */
export async function teamAnswers(ctx: AppContext, limit = 20) {
  const since = new Date(ctx.now().getTime() - WINDOW_DAYS * 86400_000);
  const chats = await ctx.db
    .selectFrom('assistant_chats')
    .select(['id', 'inbox_conversation_id', 'inbox_transcript_message_id', 'handed_off_at', 'handoff_reason'])
    .where('owner', '=', 'person')
    .where('inbox_conversation_id', 'is not', null)
    .where('handed_off_at', '>=', since)
    .orderBy('handed_off_at', 'desc')
    .limit(200)
    .execute();
  const out = [];
  for (const c of chats) {
    if (out.length >= limit) break;
    const xs = await ctx.db.selectFrom('assistant_exchanges').select(['id', 'message', 'kind', 'learned_entry_id', 'dismissed']).where('chat_id', '=', c.id).orderBy('seq').execute();
    if (xs.some((x) => x.learned_entry_id || x.dismissed)) continue;
    // the question the bot could not answer: the last one it was unsure about, else the first
    const question = [...xs].reverse().find((x) => x.kind === 'clarify' || x.kind === 'dont_know') ?? xs.find((x) => x.kind !== 'handoff') ?? xs[0];
    if (!question) continue;
    const messages = await visitorMessages(ctx, c.inbox_conversation_id!, c.inbox_transcript_message_id, 50);
    const reply = messages.find((m) => m.from === 'agent');
    if (!reply) continue;
    out.push({
      chatId: c.id,
      handedOffAt: new Date(c.handed_off_at!).toISOString(),
      reason: c.handoff_reason,
      question: question.message,
      reply: { text: reply.text, agentName: reply.agentName, at: reply.createdAt },
      exchangeIds: xs.map((x) => x.id),
    });
  }
  return out;
}
