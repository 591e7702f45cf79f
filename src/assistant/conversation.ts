// What the bot says next, as a pure function of the chat so far and one message: the matcher's
// decision, the tone detector and the hand-off detector in; the reply, the new chat state and
// whether to hand over to a person out. The edges (assistant.service.ts) store and deliver it.
//
// Rules:
// - once a message shows frustration, anger or urgency the chat is terse for good: short, factual
//   replies, a person offered first;
// - hand-off when the visitor asks for a person, after two unsure replies in a row (clarify or
//   don't know), or when an upset visitor would get anything but an answer;
// - every answer is an entry's own text with the entry cited; "clarify" offers 2–3 entries.
import type { Decision } from './knowledge-index.js';
import type { ClarifyOption, ExchangeKind, HandoffReason } from './assistant.tables.js';

export interface ChatState {
  tone: 'warm' | 'terse';
  unsureStreak: number;
}

export interface EntryRef {
  id: string;
  question: string;
  /** the answer as plain text */
  text: string;
}

export interface Turn {
  message: string;
  decision: Decision;
  frustrated: boolean;
  wantsPerson: boolean;
  /** the visitor pressed a clarify button for this entry */
  chosenEntryId?: string | null;
  entry: (id: string) => EntryRef | undefined;
}

export interface Plan {
  kind: ExchangeKind;
  entryId: string | null;
  options: ClarifyOption[];
  confidence: number;
  /** the bot's words around the entry (the entry's text is shown from the entry itself) */
  reply: string;
  /** show the "talk to a person" offer first */
  offerPerson: boolean;
  state: ChatState;
  handoff: HandoffReason | null;
}

export function planReply(state: ChatState, turn: Turn): Plan {
  const tone: ChatState['tone'] = state.tone === 'terse' || turn.frustrated ? 'terse' : 'warm';
  const terse = tone === 'terse';
  const confidence = turn.decision.confidence;
  const base = { confidence, options: [] as ClarifyOption[], entryId: null as string | null };
  if (turn.wantsPerson) return { ...base, kind: 'handoff', reply: '', offerPerson: false, state: { tone, unsureStreak: 0 }, handoff: 'asked' };

  const chosen = turn.chosenEntryId ? turn.entry(turn.chosenEntryId) : undefined;
  const answered = chosen ?? (turn.decision.kind === 'answer' ? turn.entry(turn.decision.entryIds[0]!) : undefined);
  if (answered) {
    return {
      ...base,
      confidence: chosen ? 1 : confidence,
      kind: 'answer',
      entryId: answered.id,
      reply: answered.text,
      offerPerson: terse,
      state: { tone, unsureStreak: 0 },
      handoff: null,
    };
  }

  const unsureStreak = state.unsureStreak + 1;
  if (terse && turn.frustrated) return { ...base, kind: 'handoff', reply: '', offerPerson: false, state: { tone, unsureStreak }, handoff: 'upset' };
  if (unsureStreak >= 2) return { ...base, kind: 'handoff', reply: '', offerPerson: false, state: { tone, unsureStreak }, handoff: 'unsure' };

  const options = turn.decision.kind === 'clarify' ? turn.decision.entryIds.map((id) => turn.entry(id)).filter((e): e is EntryRef => Boolean(e)) : [];
  if (options.length >= 2) {
    return {
      ...base,
      kind: 'clarify',
      options: options.slice(0, 3).map((e) => ({ entryId: e.id, question: e.question })),
      reply: terse ? 'Pick the closest one, or ask for a person:' : 'I want to get this right. Did you mean one of these?',
      offerPerson: terse,
      state: { tone, unsureStreak },
      handoff: null,
    };
  }
  return {
    ...base,
    kind: 'dont_know',
    reply: terse
      ? 'I don\'t have an answer to that. A person can take over: press "Talk to a person".'
      : "I'm sorry, I don't know that one: I only answer from our help articles, and none of them covers it. Could you put it another way, or shall I pass you to a person? They'll see this chat, so you won't need to repeat yourself.",
    offerPerson: true,
    state: { tone, unsureStreak },
    handoff: null,
  };
}

/** The bot's words when it hands over (the wait comes from the inbox). */
export function handoffReply(tone: ChatState['tone'], open: boolean, waitMessage: string, email: string | null): string {
  if (!open)
    return email
      ? `Thanks. A person will answer you at ${email}. ${waitMessage}`
      : tone === 'terse'
        ? `${waitMessage} Leave your email address here and a person will answer you then.`
        : `${waitMessage} If you leave your email address here, a person will answer you then, with this whole chat in front of them.`;
  return tone === 'terse'
    ? `Passed to a person, with this chat. ${waitMessage}`
    : `I've passed this chat to our team, with everything you've written, so you won't need to repeat yourself. ${waitMessage}`;
}

/** The greeting: who the assistant is, what it can do, that it answers at once day and night. */
export function defaultGreeting(name: string, business: string, topics: string[]): string {
  const about = topics.length ? ` about ${topics.length > 1 ? `${topics.slice(0, -1).join(', ')} and ${topics.at(-1)}` : topics[0]}` : '';
  return `Hi, I'm ${name}, ${business}'s assistant. I answer questions${about} straight away, day and night, from our help articles. Want a person instead? Just ask, or press "Talk to a person".`;
}

const EMAIL = /[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}/i;
/** An email address in a message (closed hours: the visitor leaves one for the hand-off). */
export function emailIn(message: string): string | null {
  const m = EMAIL.exec(message.slice(0, 2000));
  return m && m[0].length <= 254 ? m[0] : null;
}
