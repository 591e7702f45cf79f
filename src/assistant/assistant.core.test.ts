import { describe, expect, it } from 'vitest';
import { type ChatState, defaultGreeting, emailIn, type EntryRef, planReply } from './conversation.js';
import type { Decision } from './knowledge-index.js';
import { groupByMeaning } from './learning.js';
import { answerText, renderAnswer, safeHref } from './markdown.js';

const entries: Record<string, EntryRef> = {
  a: { id: 'a', question: 'How long does delivery take?', text: '1–2 working days.' },
  b: { id: 'b', question: 'How much is delivery?', text: '£3.50.' },
  c: { id: 'c', question: 'Do you ship abroad?', text: 'To the EU.' },
};
const decision = (kind: Decision['kind'], ids: string[] = [], confidence = 0.5): Decision => ({ kind, entryIds: ids, confidence, ranked: ids.map((entryId) => ({ entryId, score: 0.5 })) });
const turn = (d: Decision, extra: { frustrated?: boolean; wantsPerson?: boolean; chosenEntryId?: string } = {}) => ({
  message: 'm',
  decision: d,
  frustrated: false,
  wantsPerson: false,
  entry: (id: string) => entries[id],
  ...extra,
});
const warm: ChatState = { tone: 'warm', unsureStreak: 0 };

describe('planReply', () => {
  it("answers with the entry's own text", () => {
    const p = planReply(warm, turn(decision('answer', ['a'], 0.9)));
    expect(p).toMatchObject({ kind: 'answer', entryId: 'a', reply: '1–2 working days.', handoff: null, offerPerson: false, state: { tone: 'warm', unsureStreak: 0 } });
  });
  it('offers 2–3 buttons when unsure, and hands over when unsure twice in a row', () => {
    const first = planReply(warm, turn(decision('clarify', ['a', 'b', 'c'])));
    expect(first.kind).toBe('clarify');
    expect(first.options.map((o) => o.entryId)).toEqual(['a', 'b', 'c']);
    const second = planReply(first.state, turn(decision('dont_know')));
    expect(second).toMatchObject({ kind: 'handoff', handoff: 'unsure' });
    // an answer in between resets the count
    const answered = planReply(first.state, turn(decision('answer', ['a'], 0.9)));
    expect(planReply(answered.state, turn(decision('dont_know'))).kind).toBe('dont_know');
  });
  it('turns terse for good on frustration: an answer with a person offered; no answer means a hand-off', () => {
    const angry = planReply(warm, turn(decision('answer', ['a'], 0.9), { frustrated: true }));
    expect(angry).toMatchObject({ kind: 'answer', offerPerson: true, state: { tone: 'terse' } });
    const calmLater = planReply(angry.state, turn(decision('clarify', ['a', 'b'])));
    expect(calmLater.state.tone).toBe('terse');
    expect(calmLater.reply).not.toMatch(/want to get this right/);
    expect(planReply(warm, turn(decision('dont_know'), { frustrated: true }))).toMatchObject({ kind: 'handoff', handoff: 'upset' });
  });
  it('hands over on request, whatever the matcher says; a pressed button answers that entry', () => {
    expect(planReply(warm, turn(decision('answer', ['a'], 0.99), { wantsPerson: true }))).toMatchObject({ kind: 'handoff', handoff: 'asked' });
    expect(planReply({ tone: 'warm', unsureStreak: 1 }, turn(decision('dont_know'), { chosenEntryId: 'c' }))).toMatchObject({ kind: 'answer', entryId: 'c', confidence: 1 });
  });
  it("says it doesn't know rather than offering one lone choice", () => {
    expect(planReply(warm, turn(decision('clarify', ['a', 'zz']))).kind).toBe('dont_know');
  });
});

describe('answers in Markdown', () => {
  it('keeps a safe subset as data; markup stays text; only http(s) and mailto links', () => {
    const blocks = renderAnswer('**Bold** <b>x</b> [ok](https://a.test) [no](javascript:alert(1)) [rel](/x)\n\n- one\n- two');
    expect(blocks[0]).toEqual({
      type: 'p',
      inline: [{ text: 'Bold', strong: true }, { text: ' <b>x</b> ' }, { text: 'ok', href: 'https://a.test/' }, { text: ' [no](javascript:alert(1)) ' }, { text: 'rel' }],
    });
    expect(blocks[1]).toEqual({ type: 'list', ordered: false, items: [[{ text: 'one' }], [{ text: 'two' }]] });
    expect(safeHref('data:text/html,x')).toBeUndefined();
    expect(answerText('See [us](https://a.test/r).')).toBe('See us (https://a.test/r).');
  });
});

describe('unanswered questions grouped by meaning', () => {
  it('puts rewordings and typos together, other questions apart, the biggest group first', () => {
    const at = new Date('2026-12-01T10:00:00Z');
    const items = ['are your bags recyclable', 'is the bag recyclable?', 'are your bags recycable', 'do you sell tea', 'tea?', 'can I book a tasting'].map((message, i) => ({
      id: String(i),
      message,
      at: new Date(at.getTime() - i * 1000),
    }));
    const groups = groupByMeaning(items);
    expect(groups.map((g) => g.items.map((x) => x.id).sort())).toEqual([['0', '1', '2'], ['3', '4'], ['5']]);
  });
});

describe('small helpers', () => {
  it('finds an email address in a message; the greeting says what the assistant does', () => {
    expect(emailIn('sure, it is vera@example.test thanks')).toBe('vera@example.test');
    expect(emailIn('no address here')).toBeNull();
    expect(defaultGreeting('Robin', 'Fern & Finch', ['delivery', 'returns'])).toMatch(/about delivery and returns straight away, day and night.*person/);
  });
});
