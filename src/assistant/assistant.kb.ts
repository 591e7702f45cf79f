// The knowledge base: FAQ entries (staff edit, import and export them) and the in-process index
// the assistant answers from. Every change bumps assistant_state.kb_version in its transaction;
// each process compares that counter with the version its index was built from before answering,
// so an edit takes effect at once here and on the next message in any other process.
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { sql, type Selectable } from 'kysely';
import { z } from 'zod';
import type { Database } from '../platform/db/database.js';
import { notFound } from '../platform/http/errors.js';
import { Worker } from 'node:worker_threads';
import type { WorkerData, WorkerReply, WorkerRequest } from './index-worker.js';
import { type Calibration, type Decision, KnowledgeIndex } from './knowledge-index.js';
import type { MatcherEntry } from './matcher.js';
import { type SafeBlock, renderAnswer, safeHref } from './markdown.js';
import { type AssistantEntriesTable, type EntryLink, type EntryStatus, entryStatuses } from './assistant.tables.js';

export const QUESTION_MAX = 500;
export const ANSWER_MAX = 20_000;

const line = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `is longer than ${max} characters`)
    .refine((s) => !s.includes('\u0000'), 'holds a NUL character');

export const linkInput = z.object({
  title: line(200).pipe(z.string().min(1, 'is required')),
  url: z
    .string()
    .trim()
    .max(2000, 'is longer than 2000 characters')
    .refine((u) => safeHref(u) !== undefined, 'must be an http(s) or mailto address'),
});

export const entryInput = z.object({
  question: line(QUESTION_MAX).pipe(z.string().min(1, 'is required')),
  phrasings: z.array(line(QUESTION_MAX)).max(200, 'at most 200 phrasings').default([]),
  answer: line(ANSWER_MAX).pipe(z.string().min(1, 'is required')),
  tags: z
    .array(line(50).pipe(z.string().min(1, 'must not be empty')))
    .max(30, 'at most 30 tags')
    .default([]),
  links: z.array(linkInput).max(20, 'at most 20 links').default([]),
  status: z.enum(entryStatuses).default('draft'),
});
export type EntryInput = z.input<typeof entryInput>;
type ParsedEntry = z.output<typeof entryInput>;

export interface Entry {
  id: string;
  question: string;
  phrasings: string[];
  answer: string;
  /** the answer as safe blocks (what the widget shows) */
  blocks: SafeBlock[];
  tags: string[];
  links: EntryLink[];
  status: EntryStatus;
  createdAt: string;
  updatedAt: string;
}

type Row = Selectable<AssistantEntriesTable>;

function toEntry(r: Row): Entry {
  return {
    id: r.id,
    question: r.question,
    phrasings: r.phrasings,
    answer: r.answer,
    blocks: renderAnswer(r.answer),
    tags: r.tags,
    links: r.links,
    status: r.status,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

function clean(e: ParsedEntry) {
  const uniq = (xs: string[]) => [...new Set(xs.map((x) => x.trim()).filter(Boolean))];
  return {
    question: e.question,
    phrasings: uniq(e.phrasings).filter((p) => p.toLowerCase() !== e.question.toLowerCase()),
    answer: e.answer,
    tags: uniq(e.tags.map((t) => t.toLowerCase())),
    links: JSON.stringify(e.links.map((l) => ({ title: l.title, url: safeHref(l.url)! }))),
    status: e.status,
  };
}

async function bump(db: Database): Promise<void> {
  await db
    .updateTable('assistant_state')
    .set((eb) => ({ kb_version: eb('kb_version', '+', 1) }))
    .where('id', '=', 1)
    .execute();
}

export async function listEntries(db: Database, filter: { q?: string; status?: EntryStatus; tag?: string } = {}): Promise<Entry[]> {
  let q = db.selectFrom('assistant_entries').selectAll().orderBy('question').orderBy('id').limit(2000);
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.tag) q = q.where(sql<boolean>`${filter.tag.toLowerCase()} = any(tags)`);
  if (filter.q?.trim()) {
    const like = `%${filter.q.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where((eb) =>
      eb.or([eb('question', 'ilike', like), eb('answer', 'ilike', like), eb(sql`array_to_string(phrasings, ' ')`, 'ilike', like), eb(sql`array_to_string(tags, ' ')`, 'ilike', like)]),
    );
  }
  return (await q.execute()).map((r) => toEntry(r as Row));
}

export async function getEntry(db: Database, id: string): Promise<Entry> {
  const r = await db.selectFrom('assistant_entries').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw notFound('Entry');
  return toEntry(r as Row);
}

export async function createEntry(db: Database, input: EntryInput, now = new Date()): Promise<Entry> {
  const v = clean(entryInput.parse(input));
  const row = await db.transaction().execute(async (trx) => {
    const r = await trx
      .insertInto('assistant_entries')
      .values({ ...v, created_at: now, updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    await bump(trx);
    return r;
  });
  return toEntry(row as Row);
}

export async function updateEntry(db: Database, id: string, patch: Partial<EntryInput>, now = new Date()): Promise<Entry> {
  return db.transaction().execute(async (trx) => {
    const cur = await trx.selectFrom('assistant_entries').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!cur) throw notFound('Entry');
    const merged = entryInput.parse({ question: cur.question, phrasings: cur.phrasings, answer: cur.answer, tags: cur.tags, links: cur.links, status: cur.status, ...patch });
    const r = await trx
      .updateTable('assistant_entries')
      .set({ ...clean(merged), updated_at: now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await bump(trx);
    return toEntry(r as Row);
  });
}

/** Adds a way of asking to an entry (from the unanswered list); nothing when it is already there. */
export async function addPhrasing(db: Database, id: string, phrasing: string, now = new Date()): Promise<Entry> {
  const e = await getEntry(db, id);
  const p = phrasing.trim().slice(0, QUESTION_MAX);
  if (!p || [e.question, ...e.phrasings].some((x) => x.toLowerCase() === p.toLowerCase())) return e;
  return updateEntry(db, id, { phrasings: [...e.phrasings, p] }, now);
}

export async function deleteEntry(db: Database, id: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const r = await trx.deleteFrom('assistant_entries').where('id', '=', id).executeTakeFirst();
    if (!Number(r.numDeletedRows)) throw notFound('Entry');
    await bump(trx);
  });
}

// ---- CSV ----------------------------------------------------------------------------------------
// One row per entry: id,question,phrasings,answer,tags,links,status — phrasings one per line inside
// the cell, tags separated by commas, links one per line as "title | url". The evaluation format
// (entry,question,answer: one row per phrasing) is read as well.

export const CSV_HEADER = ['id', 'question', 'phrasings', 'answer', 'tags', 'links', 'status'] as const;

export function entriesToCsv(entries: Entry[]): string {
  return stringify(
    entries.map((e) => [e.id, e.question, e.phrasings.join('\n'), e.answer, e.tags.join(', '), e.links.map((l) => `${l.title} | ${l.url}`).join('\n'), e.status]),
    { header: true, columns: [...CSV_HEADER] },
  );
}

export interface ImportResult {
  created: number;
  updated: number;
  errors: { line: number; message: string }[];
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function zodMessage(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || 'row'} ${i.message}`).join('; ');
}

/** Reads an FAQ CSV; good rows are saved, each bad row is reported by its line number. */
export async function importEntriesCsv(db: Database, text: string, now = new Date()): Promise<ImportResult> {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, info: true }) as never;
  } catch (err) {
    const e = err as { lines?: number; message: string };
    return { created: 0, updated: 0, errors: [{ line: e.lines ?? 1, message: `the file is not readable CSV: ${e.message}` }] };
  }
  if (!records.length) return { created: 0, updated: 0, errors: [{ line: 1, message: `the file is empty (expected the header ${CSV_HEADER.join(',')})` }] };
  const head = records[0]!.record.map((h) => h.trim().toLowerCase());
  const rows = records.slice(1);
  if (rows.length > 5000) return { created: 0, updated: 0, errors: [{ line: 1, message: `at most 5,000 rows per import (found ${rows.length})` }] };
  const col = (name: string) => head.indexOf(name);
  const result: ImportResult = { created: 0, updated: 0, errors: [] };
  const items: { line: number; id: string | null; input: unknown }[] = [];

  if (col('entry') >= 0 && col('question') >= 0 && col('phrasings') < 0) {
    // evaluation format: rows of one entry become one entry (first question, the rest phrasings)
    const byKey = new Map<string, { line: number; questions: string[]; answer: string }>();
    for (const { record, info } of rows) {
      const key = (record[col('entry')] ?? '').trim();
      const q = (record[col('question')] ?? '').trim();
      if (!key || !q) {
        result.errors.push({ line: info.lines, message: !key ? '"entry" is empty' : '"question" is empty' });
        continue;
      }
      const g = byKey.get(key) ?? { line: info.lines, questions: [], answer: '' };
      g.questions.push(q);
      g.answer ||= (record[col('answer')] ?? '').trim();
      byKey.set(key, g);
    }
    for (const [key, g] of byKey)
      items.push({ line: g.line, id: null, input: { question: g.questions[0], phrasings: g.questions.slice(1), answer: g.answer || `(answer for ${key})`, tags: [], status: 'draft' } });
  } else {
    const missing = ['question', 'answer'].filter((h) => col(h) < 0);
    if (missing.length) return { created: 0, updated: 0, errors: [{ line: 1, message: `the header must name ${CSV_HEADER.join(',')} (missing ${missing.join(', ')})` }] };
    const cell = (r: string[], name: string) => (col(name) >= 0 ? (r[col(name)] ?? '') : '');
    for (const { record, info } of rows) {
      const links: { title: string; url: string }[] = [];
      let linkError: string | null = null;
      for (const l of cell(record, 'links')
        .split(/\r?\n/)
        .map((s) => s.trim())
        .filter(Boolean)) {
        const bar = l.lastIndexOf('|');
        if (bar < 0) {
          linkError = `link "${l.slice(0, 80)}" must be written "title | url"`;
          break;
        }
        links.push({ title: l.slice(0, bar).trim(), url: l.slice(bar + 1).trim() });
      }
      if (linkError) {
        result.errors.push({ line: info.lines, message: linkError });
        continue;
      }
      const id = cell(record, 'id').trim();
      if (id && !uuid.test(id)) {
        result.errors.push({ line: info.lines, message: `"id" ${JSON.stringify(id.slice(0, 60))} is not an entry id (leave it empty for a new entry)` });
        continue;
      }
      const status = cell(record, 'status').trim().toLowerCase() || 'draft';
      items.push({
        line: info.lines,
        id: id || null,
        input: {
          question: cell(record, 'question'),
          phrasings: cell(record, 'phrasings')
            .split(/\r?\n/)
            .map((s) => s.trim())
            .filter(Boolean),
          answer: cell(record, 'answer'),
          tags: cell(record, 'tags')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
          links,
          status,
        },
      });
    }
  }

  const good: { line: number; id: string | null; v: ReturnType<typeof clean> }[] = [];
  for (const it of items) {
    const parsed = entryInput.safeParse(it.input);
    if (!parsed.success) result.errors.push({ line: it.line, message: zodMessage(parsed.error) });
    else good.push({ line: it.line, id: it.id, v: clean(parsed.data) });
  }
  if (good.length) {
    await db.transaction().execute(async (trx) => {
      const ids = good.map((g) => g.id).filter((x): x is string => Boolean(x));
      const known = new Set(ids.length ? (await trx.selectFrom('assistant_entries').select('id').where('id', 'in', ids).execute()).map((r) => r.id) : []);
      for (const g of good) {
        if (g.id && known.has(g.id)) {
          await trx
            .updateTable('assistant_entries')
            .set({ ...g.v, updated_at: now })
            .where('id', '=', g.id)
            .execute();
          result.updated++;
        } else {
          await trx
            .insertInto('assistant_entries')
            .values({ ...(g.id ? { id: g.id } : {}), ...g.v, created_at: now, updated_at: now })
            .execute();
          result.created++;
        }
      }
      await bump(trx);
    });
  }
  result.errors.sort((a, b) => a.line - b.line);
  return result;
}

// ---- the index ----------------------------------------------------------------------------------
// One worker thread per database holds the index (index-worker.ts). The first request builds it in
// full; after that an edit of the knowledge base is applied to it with KnowledgeIndex.sync() — the
// batch form of upsert/remove, one rebuild of the matcher from cached features — so the edit is
// matched at once, and the thresholds are calibrated again in a second, short-lived worker (a full
// build of the same entries, which takes seconds) and handed to the serving one (useCalibration).
// Meanwhile visitors are answered with the previous thresholds; the result is then exactly what a
// full rebuild answers. A worker that cannot start (or dies) is replaced by an index in this thread.

export interface Knowledge {
  version: number;
  entries: Map<string, Entry>;
  calibration: { answerThreshold: number; clarifyThreshold: number };
  /** where the index lives: its own thread, or this one when a worker could not start */
  thread: 'worker' | 'main';
  decide(text: string): Promise<Decision>;
}

/** The live index of one database: edits are applied to it in place. */
interface IndexHandle {
  thread: 'worker' | 'main';
  /** false once its worker died: the next request builds the index again */
  alive(): boolean;
  calibration: Calibration;
  decide(text: string): Promise<Decision>;
  sync(entries: MatcherEntry[]): Promise<void>;
  useCalibration(c: Calibration): void;
  stop(): void;
}

function inProcess(matcherEntries: MatcherEntry[]): IndexHandle {
  const index = new KnowledgeIndex(matcherEntries);
  return {
    thread: 'main',
    alive: () => true,
    get calibration() {
      return index.calibration;
    },
    decide: async (text) => index.decide(text),
    sync: async (entries) => void index.sync(entries),
    useCalibration: (c) => index.useCalibration(c),
    stop: () => undefined,
  };
}

const workerUrl = new URL('./index-worker.mjs', import.meta.url);

function inWorker(matcherEntries: MatcherEntry[]): Promise<IndexHandle> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl, { workerData: { role: 'serve', entries: matcherEntries } satisfies WorkerData });
    worker.unref();
    const pending = new Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>();
    let next = 0;
    let ready = false;
    let dead: Error | null = null;
    const die = (err: Error) => {
      dead ??= err;
      for (const p of pending.values()) p.reject(err);
      pending.clear();
      if (!ready) reject(err);
    };
    const ask = (request: (id: number) => WorkerRequest) =>
      new Promise<WorkerReply>((res, rej) => {
        if (dead) return rej(dead);
        const id = ++next;
        pending.set(id, { resolve: res, reject: rej });
        worker.postMessage(request(id));
      });
    worker.on('error', die);
    worker.on('exit', (code) => die(new Error(`the knowledge index worker stopped (exit ${code})`)));
    worker.on('message', (m: WorkerReply) => {
      if (m.kind === 'ready') {
        ready = true;
        const handle: IndexHandle = {
          thread: 'worker',
          alive: () => !dead,
          calibration: m.calibration,
          decide: async (text) => {
            const r = await ask((id) => ({ kind: 'decide', id, text }));
            return (r as Extract<WorkerReply, { kind: 'decision' }>).decision;
          },
          sync: async (entries) => void (await ask((id) => ({ kind: 'sync', id, entries }))),
          useCalibration: (c) => {
            handle.calibration = c;
            worker.postMessage({ kind: 'calibration', calibration: c } satisfies WorkerRequest);
          },
          stop: () => void worker.terminate(),
        };
        resolve(handle);
      } else if (m.kind === 'decision' || m.kind === 'synced' || m.kind === 'failed') {
        const p = pending.get(m.id);
        pending.delete(m.id);
        if (m.kind === 'failed') p?.reject(new Error(m.message));
        else p?.resolve(m);
      }
    });
  });
}

/** The calibration of a full build of these entries, computed in a thread of its own. */
function calibrateInWorker(matcherEntries: MatcherEntry[]): Promise<Calibration> {
  return new Promise((resolve, reject) => {
    let worker: Worker;
    try {
      worker = new Worker(workerUrl, { workerData: { role: 'calibrate', entries: matcherEntries } satisfies WorkerData });
    } catch (err) {
      return reject(err);
    }
    worker.unref();
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`the calibration worker stopped (exit ${code})`)));
    worker.on('message', (m: WorkerReply) => {
      if (m.kind !== 'calibrated') return;
      resolve(m.calibration);
      void worker.terminate();
    });
  });
}

/** The published entries as the matcher indexes them (the same order for a full build and an edit). */
export async function publishedEntries(db: Database): Promise<{ entries: Map<string, Entry>; matcherEntries: MatcherEntry[] }> {
  const list = await listEntries(db, { status: 'published' });
  return { entries: new Map(list.map((e) => [e.id, e])), matcherEntries: list.map((e) => ({ id: e.id, phrasings: [e.question, ...e.phrasings] })) };
}

interface Slot {
  handle?: Promise<IndexHandle>;
  /** the handle once built */
  built?: IndexHandle;
  /** the newest version applied to the index, with its entries */
  serving?: Knowledge;
  /** the edit being applied, and its version */
  syncing?: Promise<Knowledge>;
  syncingVersion?: number;
  /** the background calibration running, and the entries of the newest edit still to calibrate */
  calibrating?: Promise<void>;
  calibrationWanted?: MatcherEntry[];
  /** every sync and calibration, in order (one at a time: the edits apply in version order) */
  queue: Promise<unknown>;
  stopped?: boolean;
}

const slots = new WeakMap<object, Slot>();

async function currentVersion(db: Database): Promise<number> {
  const r = await db.selectFrom('assistant_state').select('kb_version').where('id', '=', 1).executeTakeFirst();
  return Number(r?.kb_version ?? 0);
}

function view(handle: IndexHandle, version: number, entries: Map<string, Entry>): Knowledge {
  return {
    version,
    entries,
    get calibration() {
      return { answerThreshold: handle.calibration.answerThreshold, clarifyThreshold: handle.calibration.clarifyThreshold };
    },
    thread: handle.thread,
    decide: (text) => handle.decide(text),
  };
}

/** Applies the knowledge base at `version` to the index (built in full the first time). */
function applyVersion(db: Database, slot: Slot, version: number): Promise<Knowledge> {
  const run = slot.queue.then(async () => {
    const { entries, matcherEntries } = await publishedEntries(db);
    let handle: IndexHandle;
    if (!slot.handle) {
      slot.handle = inWorker(matcherEntries).catch(() => inProcess(matcherEntries));
      handle = await slot.handle;
      slot.built = handle;
    } else {
      handle = await slot.handle;
      await handle.sync(matcherEntries);
      recalibrateLater(slot, matcherEntries);
    }
    const k = view(handle, version, entries);
    if (!slot.serving || slot.serving.version < version) slot.serving = k;
    return k;
  });
  slot.queue = run.catch(() => undefined);
  return run;
}

/** Calibrates for the newest entries in the background; one calibration at a time, the latest wins. */
function recalibrateLater(slot: Slot, matcherEntries: MatcherEntry[]): void {
  slot.calibrationWanted = matcherEntries;
  if (slot.calibrating) return;
  slot.calibrating = (async () => {
    while (slot.calibrationWanted && !slot.stopped) {
      const entries = slot.calibrationWanted;
      slot.calibrationWanted = undefined;
      const handle = await slot.handle!;
      let calibration: Calibration;
      if (handle.thread === 'worker') {
        try {
          calibration = await calibrateInWorker(entries);
        } catch {
          calibration = new KnowledgeIndex(entries).calibration;
        }
      } else calibration = new KnowledgeIndex(entries).calibration;
      // applied in order with the edits: the serving index holds these entries unless a newer
      // edit came meanwhile (then a newer calibration follows; these thresholds are closer anyway)
      await (slot.queue = slot.queue.then(() => !slot.stopped && handle.useCalibration(calibration)).catch(() => undefined));
    }
  })().finally(() => {
    slot.calibrating = undefined;
  });
}

/**
 * The published entries, indexed, for this database. When the knowledge base changed (here or in
 * another process) the edit is applied to the index in the background; until that is done the
 * previous version answers, unless `fresh` asks to wait for it (or `waitMs` for at most that long).
 */
export async function knowledge(db: Database, options: { fresh?: boolean; waitMs?: number } = {}): Promise<Knowledge> {
  let slot = slots.get(db);
  if (slot?.built && !slot.built.alive()) slot = undefined; // its worker died: build again
  if (!slot) {
    slot = { queue: Promise.resolve() };
    slots.set(db, slot);
  }
  const version = await currentVersion(db);
  if (slot.serving?.version === version) return slot.serving;
  if (!slot.syncing || slot.syncingVersion !== version) {
    const s = slot;
    const syncing = applyVersion(db, s, version);
    const done = () => {
      if (s.syncing === syncing) s.syncing = undefined;
    };
    syncing.then(done, done);
    slot.syncing = syncing;
    slot.syncingVersion = version;
  }
  const serving = slot.serving;
  if (!serving || options.fresh) return slot.syncing!;
  if (!options.waitMs) return serving;
  // an edit applies in a moment: wait that long rather than answer from the old version
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Knowledge>((r) => {
    timer = setTimeout(() => r(serving), options.waitMs);
  });
  return Promise.race([slot.syncing!.catch(() => serving), late]).finally(() => clearTimeout(timer));
}

/** Waits until the latest edit is applied and its thresholds calibrated (tests, the demo). */
export async function settledKnowledge(db: Database): Promise<Knowledge> {
  for (;;) {
    const k = await knowledge(db, { fresh: true });
    const slot = slots.get(db)!;
    await slot.calibrating;
    await slot.queue;
    if ((await currentVersion(db)) === k.version && !slot.calibrating && !slot.calibrationWanted) return slot.serving ?? k;
  }
}

/** Stops the index workers of a database (tests, shutdown). */
export function stopKnowledge(db: Database): void {
  const slot = slots.get(db);
  if (!slot) return;
  slot.stopped = true;
  slot.handle?.then((h) => h.stop()).catch(() => undefined);
  slots.delete(db);
}
