// The product's live index (assistant.kb.ts): an edit of the knowledge base is applied to the
// serving worker with KnowledgeIndex.sync (upsert/remove), takes effect at once, and — once the
// background calibration is in — answers exactly what a full rebuild of the same entries answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../app/testing/test-database.js';
import type { OpenDatabase } from '../platform/db/database.js';
import { createEntry, deleteEntry, knowledge, publishedEntries, settledKnowledge, stopKnowledge, updateEntry } from './assistant.kb.js';
import { demoFaq } from './assistant.demo.js';
import { KnowledgeIndex } from './knowledge-index.js';

describe('the live knowledge index', () => {
  let database: OpenDatabase;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    database = await createTestDatabase();
    for (const e of demoFaq) ids.set(e.question, (await createEntry(database.db, { ...e, status: 'published' })).id);
  }, 120_000);
  afterAll(async () => {
    if (database) stopKnowledge(database.db);
    await database?.close();
  });

  const messages = [
    ...demoFaq.flatMap((e) => [e.question, ...e.phrasings]),
    'do you sell loose leaf tea?',
    'green tea',
    'where is the cafe',
    'what is the weather like',
    'I want my money back',
    'hours on sunday?',
  ];

  async function fullRebuildAnswers() {
    const { matcherEntries } = await publishedEntries(database.db);
    const index = new KnowledgeIndex(matcherEntries);
    return messages.map((m) => index.decide(m));
  }

  it('an edit is matched at once, and after calibration answers as a full rebuild does', async () => {
    const db = database.db;
    const before = await settledKnowledge(db);
    expect(before.thread).toBe('worker');
    const deleted = demoFaq[3]!.question;
    const edited = demoFaq[5]!;

    await createEntry(db, { question: 'Do you sell tea?', phrasings: ['loose leaf tea', 'green tea or black tea', 'do you have tea leaves'], answer: 'Yes: three teas.', status: 'published' });
    await updateEntry(db, ids.get(edited.question)!, { phrasings: [...edited.phrasings, 'is there a café at the roastery'] });
    await deleteEntry(db, ids.get(deleted)!);

    // at once: the serving index holds the edit (the thresholds are still the previous ones)
    const k = await knowledge(db, { fresh: true });
    expect(k.version).toBeGreaterThan(before.version);
    const tea = await k.decide('do you sell loose leaf tea?');
    expect(k.entries.get(tea.ranked[0]!.entryId)?.question).toBe('Do you sell tea?');
    const gone = await k.decide(deleted);
    expect(gone.ranked.map((r) => r.entryId)).not.toContain(ids.get(deleted));
    expect(k.entries.has(ids.get(deleted)!)).toBe(false);

    // settled: the calibration of the edited entries is in; every answer equals a full rebuild's
    const settled = await settledKnowledge(db);
    const live = await Promise.all(messages.map((m) => settled.decide(m)));
    expect(live).toEqual(await fullRebuildAnswers());
    const again = await settled.decide('do you sell loose leaf tea?');
    expect(again.kind).toBe('answer');
    expect(settled.entries.get(again.entryIds[0]!)?.question).toBe('Do you sell tea?');
  }, 180_000);

  it('a draft is not indexed, and publishing it is an edit like any other', async () => {
    const db = database.db;
    const draft = await createEntry(db, { question: 'Can I bring my dog?', phrasings: ['are dogs allowed', 'pets in the shop'], answer: 'Dogs are welcome.', status: 'draft' });
    let k = await knowledge(db, { fresh: true });
    expect(k.entries.has(draft.id)).toBe(false);
    expect((await k.decide('are dogs allowed in the shop')).ranked.map((r) => r.entryId)).not.toContain(draft.id);
    await updateEntry(db, draft.id, { status: 'published' });
    k = await knowledge(db, { fresh: true });
    expect((await k.decide('are dogs allowed in the shop')).ranked[0]?.entryId).toBe(draft.id);
    const settled = await settledKnowledge(db);
    expect(await Promise.all(messages.map((m) => settled.decide(m)))).toEqual(await fullRebuildAnswers());
  }, 180_000);
});
