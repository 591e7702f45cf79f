// Assistant: the knowledge base the website assistant answers from (list, search, edit, draft or
// publish, CSV import and export), a "try it" box that shows what the assistant would do and how
// sure it is, and what it learned: containment per day, ratings and the unanswered questions
// grouped by meaning, each turned into an entry or a phrasing in one step. Settings (name, avatar,
// greeting, where the widget may appear, the optional language-model endpoint) are a Settings section.
// Answers are shown from the server's safe blocks as text nodes: never as HTML.
import { type FormEvent, type ReactNode, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api } from '../../api';
import { FormError } from '../../shell/FormError';
import { formatDate, formatDateTime, formatNumber, formatPercent, useWorkspaceTimeZone } from '../../shell/format';
import { useMe } from '../../shell/me';
import type { AreaRoute, WebArea } from '../../shell/types';
import { useApi } from '../../shell/useApi';
import { Link } from 'react-router';

interface Inline {
  text: string;
  strong?: boolean;
  em?: boolean;
  code?: boolean;
  href?: string;
  br?: boolean;
}
type Block = { type: 'p'; inline: Inline[] } | { type: 'list'; ordered: boolean; items: Inline[][] } | { type: 'code'; text: string };
interface Entry {
  id: string;
  question: string;
  phrasings: string[];
  answer: string;
  blocks: Block[];
  tags: string[];
  links: { title: string; url: string }[];
  status: 'draft' | 'published';
  updatedAt: string;
}
interface ImportResult {
  created: number;
  updated: number;
  errors: { line: number; message: string }[];
}
interface TryResult {
  decision: 'answer' | 'clarify' | 'dont_know';
  confidence: number;
  ranked: { entryId: string; question: string; score: number }[];
  entry: Entry | null;
  reply: string;
  replyText: string;
  options: { entryId: string; question: string }[];
  tone: { frustrated: boolean; cues: string[] };
  wantsPerson: boolean;
  thresholds: { answer: number; clarify: number };
  entries: number;
}
interface Metrics {
  days: number;
  chats: number;
  handedOff: number;
  contained: number;
  containmentRate: number | null;
  helpful: { up: number; down: number; rate: number | null };
  decisions: Record<string, number>;
  handoffReasons: Record<string, number>;
  daily: { day: string; chats: number; contained: number }[];
}
interface Group {
  representative: string;
  count: number;
  lastAt: string;
  exchangeIds: string[];
  examples: string[];
  closest: { id: string; question: string; confidence: number } | null;
}
interface TeamAnswer {
  chatId: string;
  handedOffAt: string;
  reason: string | null;
  question: string;
  reply: { text: string; agentName: string | null; at: string };
  exchangeIds: string[];
}
interface Settings {
  enabled: boolean;
  name: string;
  avatarUrl: string;
  greeting: string;
  allowedOrigins: string[];
  widgetKey: string;
  llm: { enabled: boolean; url: string; model: string; rephrase: boolean; hasApiKey: boolean };
}

const decisionLabel: Record<string, string> = { answer: 'Answers', clarify: 'Offers a choice', dont_know: "Doesn't know", handoff: 'Hands over', ask_email: 'Asks for an email' };

/** An answer's safe blocks as React elements (text only; links http(s)/mailto). */
export function AnswerBlocks({ blocks }: { blocks: Block[] }) {
  const inline = (parts: Inline[]) =>
    parts.map((i, n) => {
      if (i.br) return <br key={n} />;
      let node: ReactNode = i.text;
      if (i.code) node = <code>{node}</code>;
      if (i.em) node = <em>{node}</em>;
      if (i.strong) node = <strong>{node}</strong>;
      if (i.href && /^(https?:|mailto:)/i.test(i.href))
        node = (
          <a href={i.href} target="_blank" rel="noopener noreferrer nofollow">
            {node}
          </a>
        );
      return <span key={n}>{node}</span>;
    });
  return (
    <div className="answer" style={{ overflowWrap: 'anywhere' }}>
      {blocks.map((b, n) =>
        b.type === 'p' ? (
          <p key={n} style={{ margin: '0 0 .5rem' }}>
            {inline(b.inline)}
          </p>
        ) : b.type === 'code' ? (
          <pre key={n} style={{ whiteSpace: 'pre-wrap' }}>
            {b.text}
          </pre>
        ) : b.ordered ? (
          <ol key={n}>
            {b.items.map((it, k) => (
              <li key={k}>{inline(it)}</li>
            ))}
          </ol>
        ) : (
          <ul key={n}>
            {b.items.map((it, k) => (
              <li key={k}>{inline(it)}</li>
            ))}
          </ul>
        ),
      )}
    </div>
  );
}

type Tab = 'kb' | 'try' | 'learn';

function AssistantPage() {
  const [tab, setTab] = useState<Tab>('kb');
  const m = useApi<Metrics>('/api/assistant/metrics?days=30');
  return (
    <div className="page">
      <h1>Assistant</h1>
      <p className="muted" style={{ marginTop: 0 }}>
        Answers website visitors from your FAQ, day and night; says when it does not know; hands the chat to a person with the whole conversation.
      </p>
      {m.data && (
        <div className="kpis" data-testid="assistant-kpis">
          <div className="kpi">
            <div className="value" data-testid="containment">
              {formatPercent(m.data.containmentRate)}
            </div>
            <div className="label">chats answered without a person (30 days)</div>
          </div>
          <div className="kpi">
            <div className="value">{formatNumber(m.data.chats)}</div>
            <div className="label">chats · {formatNumber(m.data.handedOff)} handed to a person</div>
          </div>
          <div className="kpi">
            <div className="value">{formatPercent(m.data.helpful.rate)}</div>
            <div className="label">
              answers rated helpful ({m.data.helpful.up} helpful, {m.data.helpful.down} not)
            </div>
          </div>
        </div>
      )}
      <div className="inline-form" role="tablist" style={{ margin: '1rem 0' }}>
        {(
          [
            ['kb', 'Knowledge base'],
            ['try', 'Try it'],
            ['learn', 'Learning'],
          ] as [Tab, string][]
        ).map(([t, label]) => (
          <button key={t} role="tab" className={`btn ${tab === t ? 'primary' : ''}`} aria-selected={tab === t} onClick={() => setTab(t)}>
            {label}
          </button>
        ))}
      </div>
      {tab === 'kb' && <KnowledgeBase />}
      {tab === 'try' && <TryIt />}
      {tab === 'learn' && <Learning metrics={m.data} reloadMetrics={m.reload} />}
    </div>
  );
}

// ---- knowledge base ----------------------------------------------------------------------------

interface Draft {
  question: string;
  phrasings: string;
  answer: string;
  tags: string;
  links: string;
  status: 'draft' | 'published';
}
const emptyDraft: Draft = { question: '', phrasings: '', answer: '', tags: '', links: '', status: 'draft' };
const toDraft = (e: Entry): Draft => ({
  question: e.question,
  phrasings: e.phrasings.join('\n'),
  answer: e.answer,
  tags: e.tags.join(', '),
  links: e.links.map((l) => `${l.title} | ${l.url}`).join('\n'),
  status: e.status,
});
const lines = (s: string) =>
  s
    .split('\n')
    .map((x) => x.trim())
    .filter(Boolean);
const fromDraft = (d: Draft) => ({
  question: d.question,
  phrasings: lines(d.phrasings),
  answer: d.answer,
  tags: d.tags
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
  links: lines(d.links).map((l) => {
    const bar = l.lastIndexOf('|');
    return bar < 0 ? { title: l, url: l } : { title: l.slice(0, bar).trim(), url: l.slice(bar + 1).trim() };
  }),
  status: d.status,
});

function KnowledgeBase() {
  const tz = useWorkspaceTimeZone();
  const [q, setQ] = useState('');
  const [status, setStatus] = useState('');
  const list = useApi<{ entries: Entry[] }>(`/api/assistant/entries?${new URLSearchParams({ ...(q.trim() ? { q: q.trim() } : {}), ...(status ? { status } : {}) })}`);
  const [editing, setEditing] = useState<{ id: string | null; draft: Draft; saved?: Entry } | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const [imported, setImported] = useState<ImportResult | null>(null);

  const save = async (e: FormEvent, publish?: boolean) => {
    e.preventDefault();
    if (!editing) return;
    setErr(null);
    const body = fromDraft({ ...editing.draft, ...(publish === undefined ? {} : { status: publish ? 'published' : 'draft' }) });
    try {
      const saved = editing.id ? await api.patch<Entry>(`/api/assistant/entries/${editing.id}`, body) : await api.post<Entry>('/api/assistant/entries', body);
      setEditing({ id: saved.id, draft: toDraft(saved), saved });
      list.reload();
    } catch (x) {
      setErr(x);
    }
  };
  const remove = async () => {
    if (!editing?.id || !window.confirm('Delete this entry? The assistant stops using it at once.')) return;
    await api.delete(`/api/assistant/entries/${editing.id}`);
    setEditing(null);
    list.reload();
  };
  const importFile = async (file: File | undefined) => {
    if (!file) return;
    setErr(null);
    setImported(null);
    try {
      setImported(await api.post<ImportResult>('/api/assistant/entries/import', { csv: await file.text() }));
      list.reload();
    } catch (x) {
      setErr(x);
    }
  };
  const set = (k: keyof Draft) => (e: { target: { value: string } }) => editing && setEditing({ ...editing, draft: { ...editing.draft, [k]: e.target.value } });

  return (
    <div className="grid" style={{ gridTemplateColumns: 'repeat(auto-fit, minmax(min(100%, 380px), 1fr))', alignItems: 'start' }}>
      <section className="card" style={{ minWidth: 0 }}>
        <div className="inline-form" style={{ marginTop: 0 }}>
          <input aria-label="Search the FAQ" placeholder="Search questions, answers, tags" value={q} onChange={(e) => setQ(e.target.value)} style={{ flex: '1 1 12rem' }} />
          <select aria-label="Status" value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">All</option>
            <option value="published">Published</option>
            <option value="draft">Drafts</option>
          </select>
          <button className="btn primary" type="button" onClick={() => (setErr(null), setEditing({ id: null, draft: emptyDraft }))}>
            New entry
          </button>
        </div>
        <div className="inline-form">
          <a className="btn" href="/api/assistant/entries.csv" download style={{ textDecoration: 'none' }}>
            Export CSV
          </a>
          <label className="btn" style={{ cursor: 'pointer' }}>
            Import CSV
            <input type="file" accept=".csv,text/csv" aria-label="Import CSV" style={{ display: 'none' }} onChange={(e) => void importFile(e.target.files?.[0])} />
          </label>
          <span className="muted" style={{ fontSize: '.85rem' }}>
            Columns: question, answer, phrasings (one per line), tags, links ("title | url"), status, id
          </span>
        </div>
        {imported && (
          <div role="status" data-testid="import-result" style={{ marginBottom: '.75rem' }}>
            Imported: {imported.created} new, {imported.updated} updated{imported.errors.length ? `, ${imported.errors.length} rows refused:` : '.'}
            {imported.errors.length > 0 && (
              <ul className="error" style={{ margin: '.25rem 0' }}>
                {imported.errors.slice(0, 50).map((x) => (
                  <li key={x.line}>
                    Line {x.line}: {x.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        {list.error && <p className="error">{list.error}</p>}
        <div className="table-scroll">
          <table data-testid="entries">
            <thead>
              <tr>
                <th>Question</th>
                <th>Tags</th>
                <th>Status</th>
                <th className="nowrap">Updated</th>
              </tr>
            </thead>
            <tbody>
              {list.data?.entries.map((e) => (
                <tr key={e.id} aria-selected={editing?.id === e.id}>
                  <td>
                    <button className="link" type="button" onClick={() => (setErr(null), setEditing({ id: e.id, draft: toDraft(e), saved: e }))} style={{ textAlign: 'left' }}>
                      {e.question}
                    </button>
                    {e.phrasings.length > 0 && <div className="muted" style={{ fontSize: '.8rem' }}>{`+${e.phrasings.length} phrasing${e.phrasings.length > 1 ? 's' : ''}`}</div>}
                  </td>
                  <td>{e.tags.join(', ')}</td>
                  <td>
                    <span className={`badge ${e.status === 'published' ? 'good' : 'warn'}`}>{e.status}</span>
                  </td>
                  <td className="nowrap">{formatDate(e.updatedAt, tz)}</td>
                </tr>
              ))}
              {list.data && list.data.entries.length === 0 && (
                <tr>
                  <td colSpan={4} className="muted">
                    No entries{q ? ' match' : ' yet: add one, or import a CSV'}.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      </section>
      {editing && (
        <section className="card" style={{ minWidth: 0 }} data-testid="entry-editor">
          <h2 style={{ marginTop: 0 }}>{editing.id ? 'Edit entry' : 'New entry'}</h2>
          <form onSubmit={(e) => save(e)} style={{ display: 'grid', gap: '.6rem' }}>
            <label>
              Question
              <input value={editing.draft.question} onChange={set('question')} required maxLength={500} />
            </label>
            <label>
              Other ways customers ask it (one per line)
              <textarea rows={3} value={editing.draft.phrasings} onChange={set('phrasings')} />
            </label>
            <label>
              Answer (Markdown: **bold**, *italic*, lists, links)
              <textarea rows={6} value={editing.draft.answer} onChange={set('answer')} required maxLength={20000} />
            </label>
            <label>
              Tags (comma-separated)
              <input value={editing.draft.tags} onChange={set('tags')} />
            </label>
            <label>
              Links (one per line: title | https://…)
              <textarea rows={2} value={editing.draft.links} onChange={set('links')} />
            </label>
            <FormError error={err} />
            <div className="inline-form" style={{ marginTop: 0 }}>
              <button className="btn" type="submit">
                Save {editing.draft.status === 'published' ? '' : 'draft'}
              </button>
              {editing.draft.status === 'published' ? (
                <button className="btn" type="button" onClick={(e) => save(e, false)}>
                  Unpublish
                </button>
              ) : (
                <button className="btn primary" type="button" onClick={(e) => save(e, true)}>
                  Publish
                </button>
              )}
              {editing.id && (
                <button className="btn" type="button" onClick={remove}>
                  Delete
                </button>
              )}
              <button className="btn" type="button" onClick={() => setEditing(null)}>
                Close
              </button>
            </div>
          </form>
          {editing.saved && (
            <>
              <h3>What visitors see</h3>
              <div className="card" style={{ background: '#f6f7f9' }} data-testid="answer-preview">
                <AnswerBlocks blocks={editing.saved.blocks} />
                {editing.saved.links.map((l) => (
                  <div key={l.url}>
                    <a href={l.url} target="_blank" rel="noopener noreferrer nofollow">
                      {l.title}
                    </a>
                  </div>
                ))}
              </div>
              <p className="muted" style={{ fontSize: '.85rem' }}>
                {editing.saved.status === 'published' ? 'Published: the assistant uses it now.' : 'Draft: the assistant does not use it until you publish it.'} Saved{' '}
                {formatDateTime(editing.saved.updatedAt, tz)}.
              </p>
            </>
          )}
        </section>
      )}
    </div>
  );
}

// ---- try it ------------------------------------------------------------------------------------

function TryIt() {
  const [message, setMessage] = useState('');
  const [r, setR] = useState<TryResult | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const ask = async (e: FormEvent) => {
    e.preventDefault();
    setErr(null);
    try {
      setR(await api.post<TryResult>('/api/assistant/try', { message }));
    } catch (x) {
      setErr(x);
    }
  };
  return (
    <section className="card">
      <form className="inline-form" style={{ marginTop: 0 }} onSubmit={ask}>
        <input aria-label="A visitor's message" placeholder="Type what a visitor might ask" value={message} onChange={(e) => setMessage(e.target.value)} style={{ flex: '1 1 16rem' }} required />
        <button className="btn primary" type="submit">
          Ask
        </button>
      </form>
      <FormError error={err} />
      {r && (
        <div data-testid="try-result" style={{ marginTop: '1rem' }}>
          <p>
            <span className={`badge ${r.decision === 'answer' ? 'good' : r.decision === 'clarify' ? 'warn' : 'bad'}`} data-testid="try-decision">
              {decisionLabel[r.decision]}
            </span>{' '}
            confidence <strong data-testid="try-confidence">{formatPercent(r.confidence)}</strong>{' '}
            <span className="muted">
              (answers at {formatPercent(r.thresholds.answer)} or more; calibrated on your {r.entries} published entries)
            </span>
          </p>
          <div className="progress" aria-label="Confidence">
            <div style={{ width: `${Math.round(r.confidence * 100)}%` }} />
          </div>
          {r.tone.frustrated && <p className="badge bad">Upset or urgent ({r.tone.cues.join(', ')}): the assistant turns short and offers a person</p>}
          {r.wantsPerson && <p className="badge warn">Asks for a person: handed over</p>}
          {r.entry && (
            <div className="card" style={{ background: '#f6f7f9', marginTop: '.75rem' }}>
              <div className="muted" style={{ fontSize: '.85rem' }}>
                From “{r.entry.question}”
              </div>
              <AnswerBlocks blocks={r.entry.blocks} />
            </div>
          )}
          {r.reply === 'clarify' && (
            <p>
              {r.replyText} {r.options.map((o) => `“${o.question}”`).join(' · ')}
            </p>
          )}
          {r.reply === 'dont_know' && <p>{r.replyText}</p>}
          <h3>Closest entries</h3>
          <ol>
            {r.ranked.map((x) => (
              <li key={x.entryId}>
                {x.question} <span className="muted">score {x.score.toFixed(2)}</span>
              </li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}

// ---- learning ----------------------------------------------------------------------------------

function Learning({ metrics, reloadMetrics }: { metrics: Metrics | null; reloadMetrics: () => void }) {
  const tz = useWorkspaceTimeZone();
  const groups = useApi<{ groups: Group[] }>('/api/assistant/unanswered');
  const [adding, setAdding] = useState<{ group: Group; answer: string; question: string } | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const learn = async (body: unknown, message: string) => {
    setErr(null);
    try {
      await api.post('/api/assistant/unanswered/learn', body);
      setDone(message);
      setAdding(null);
      groups.reload();
      reloadMetrics();
    } catch (x) {
      setErr(x);
    }
  };
  const data = (metrics?.daily ?? []).map((d) => ({ day: d.day.slice(5), 'Answered by the assistant': d.contained, 'Handed to a person': d.chats - d.contained }));
  return (
    <>
      <section className="card">
        <h2 style={{ marginTop: 0 }}>Chats per day</h2>
        {data.length === 0 ? (
          <p className="muted">No chats yet. Put the widget on your website (Settings → Assistant).</p>
        ) : (
          <div data-testid="containment-chart" style={{ width: '100%', height: 240 }}>
            <ResponsiveContainer width="100%" height={240}>
              <BarChart data={data}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="day" fontSize={11} />
                <YAxis allowDecimals={false} fontSize={11} width={28} />
                <Tooltip />
                <Legend />
                <Bar dataKey="Answered by the assistant" stackId="a" fill="#2f5d50" isAnimationActive={false} />
                <Bar dataKey="Handed to a person" stackId="a" fill="#f2b134" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          </div>
        )}
        {metrics && (
          <p className="muted" style={{ fontSize: '.85rem' }}>
            {Object.entries(metrics.decisions)
              .map(([k, n]) => `${decisionLabel[k] ?? k}: ${n}`)
              .join(' · ')}
          </p>
        )}
      </section>
      <section className="card" style={{ marginTop: '1rem' }}>
        <h2 style={{ marginTop: 0 }}>Questions it could not answer</h2>
        <p className="muted" style={{ marginTop: 0 }}>
          Grouped by meaning (last 90 days). Add the answer as a new entry, or add the wording to the entry that should have answered.
        </p>
        {done && <p role="status">{done}</p>}
        <FormError error={err} />
        {groups.data?.groups.length === 0 && <p className="muted">Nothing unanswered.</p>}
        <ul style={{ listStyle: 'none', padding: 0, margin: 0, display: 'grid', gap: '.75rem' }} data-testid="unanswered">
          {groups.data?.groups.map((g) => (
            <li key={g.exchangeIds[0]} className="card" style={{ background: '#fafbfc', minWidth: 0 }}>
              <div style={{ display: 'flex', gap: '.5rem', flexWrap: 'wrap', alignItems: 'baseline' }}>
                <strong style={{ overflowWrap: 'anywhere' }}>“{g.representative}”</strong>
                <span className="badge">
                  {g.count} {g.count === 1 ? 'time' : 'times'}
                </span>
                <span className="muted" style={{ fontSize: '.8rem' }}>
                  last {formatDateTime(g.lastAt, tz)}
                </span>
              </div>
              {g.examples.length > 1 && (
                <div className="muted" style={{ fontSize: '.85rem', overflowWrap: 'anywhere' }}>
                  also: {g.examples.slice(1).join(' · ')}
                </div>
              )}
              <div className="inline-form">
                <button className="btn primary" type="button" onClick={() => setAdding({ group: g, question: g.representative, answer: '' })}>
                  Add to FAQ
                </button>
                {g.closest && (
                  <button
                    className="btn"
                    type="button"
                    onClick={() => learn({ mode: 'phrasing', exchangeIds: g.exchangeIds, entryId: g.closest!.id }, `Added as a way of asking “${g.closest!.question}”.`)}
                  >
                    Add as a phrasing of “{g.closest.question}”
                  </button>
                )}
                <button className="btn" type="button" onClick={() => learn({ mode: 'dismiss', exchangeIds: g.exchangeIds }, 'Dismissed.')}>
                  Dismiss
                </button>
              </div>
              {adding?.group === g && (
                <form
                  style={{ display: 'grid', gap: '.5rem', marginTop: '.5rem' }}
                  onSubmit={(e) => {
                    e.preventDefault();
                    const others = g.examples.filter((x) => x !== adding.question);
                    void learn(
                      { mode: 'entry', exchangeIds: g.exchangeIds, entry: { question: adding.question, phrasings: others, answer: adding.answer, status: 'published' } },
                      `Published “${adding.question}”: the assistant answers it now.`,
                    );
                  }}
                >
                  <label>
                    Question
                    <input value={adding.question} onChange={(e) => setAdding({ ...adding, question: e.target.value })} required />
                  </label>
                  <label>
                    Answer
                    <textarea rows={3} value={adding.answer} onChange={(e) => setAdding({ ...adding, answer: e.target.value })} required />
                  </label>
                  <div className="inline-form" style={{ marginTop: 0 }}>
                    <button className="btn primary" type="submit">
                      Publish entry
                    </button>
                    <button className="btn" type="button" onClick={() => setAdding(null)}>
                      Cancel
                    </button>
                  </div>
                </form>
              )}
            </li>
          ))}
        </ul>
      </section>
      <TeamAnswers onSaved={(m) => (setDone(m), groups.reload())} />
    </>
  );
}

function TeamAnswers({ onSaved }: { onSaved: (message: string) => void }) {
  const tz = useWorkspaceTimeZone();
  const list = useApi<{ answers: TeamAnswer[] }>('/api/assistant/team-answers');
  const [editing, setEditing] = useState<{ chatId: string; question: string; answer: string } | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const save = async (e: FormEvent, a: TeamAnswer) => {
    e.preventDefault();
    if (!editing) return;
    setErr(null);
    try {
      const phrasings = editing.question.trim() === a.question.trim() ? [] : [a.question];
      await api.post('/api/assistant/unanswered/learn', { mode: 'entry', exchangeIds: a.exchangeIds, entry: { question: editing.question, phrasings, answer: editing.answer, status: 'published' } });
      setEditing(null);
      list.reload();
      onSaved(`Published “${editing.question}”: the assistant answers it now.`);
    } catch (x) {
      setErr(x);
    }
  };
  if (!list.data || list.data.answers.length === 0) return null;
  return (
    <section className="card" style={{ marginTop: '1rem' }} data-testid="team-answers">
      <h2 style={{ marginTop: 0 }}>Answers from your team</h2>
      <p className="muted" style={{ marginTop: 0 }}>
        Chats a person took over. Save the reply as an FAQ entry and the assistant answers it next time.
      </p>
      <FormError error={err} />
      <ul style={{ listStyle: 'none', padding: 0, margin: 0, display: 'grid', gap: '.75rem' }}>
        {list.data.answers.map((a) => (
          <li key={a.chatId} className="card" style={{ background: '#fafbfc', minWidth: 0, overflowWrap: 'anywhere' }}>
            <div>
              <strong>Visitor:</strong> {a.question}
            </div>
            <div>
              <strong>{a.reply.agentName ?? 'Agent'}:</strong> {a.reply.text}
            </div>
            <div className="muted" style={{ fontSize: '.8rem' }}>
              handed over {formatDateTime(a.handedOffAt, tz)}
            </div>
            {editing?.chatId === a.chatId ? (
              <form style={{ display: 'grid', gap: '.5rem', marginTop: '.5rem' }} onSubmit={(e) => save(e, a)}>
                <label>
                  Question
                  <input value={editing.question} onChange={(e) => setEditing({ ...editing, question: e.target.value })} required />
                </label>
                <label>
                  Answer
                  <textarea rows={3} value={editing.answer} onChange={(e) => setEditing({ ...editing, answer: e.target.value })} required />
                </label>
                <div className="inline-form" style={{ marginTop: 0 }}>
                  <button className="btn primary" type="submit">
                    Publish entry
                  </button>
                  <button className="btn" type="button" onClick={() => setEditing(null)}>
                    Cancel
                  </button>
                </div>
              </form>
            ) : (
              <div className="inline-form">
                <button className="btn primary" type="button" onClick={() => setEditing({ chatId: a.chatId, question: a.question, answer: a.reply.text })}>
                  Save reply as FAQ entry
                </button>
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

// ---- settings ----------------------------------------------------------------------------------

function AssistantSettings() {
  const me = useMe();
  const s = useApi<Settings>('/api/assistant/settings');
  const [form, setForm] = useState<(Omit<Settings, 'allowedOrigins'> & { origins: string; apiKey: string }) | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  if (s.error) return <p className="error">{s.error}</p>;
  if (!s.data) return <p className="loading">Loading…</p>;
  const f = form ?? { ...s.data, origins: s.data.allowedOrigins.join('\n'), apiKey: '' };
  const owner = me?.role === 'owner';
  const update = (patch: Partial<typeof f>) => (setSaved(false), setForm({ ...f, ...patch }));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setErr(null);
    try {
      const r = await api.put<Settings>('/api/assistant/settings', {
        enabled: f.enabled,
        name: f.name,
        avatarUrl: f.avatarUrl,
        greeting: f.greeting,
        allowedOrigins: lines(f.origins),
        llm: { enabled: f.llm.enabled, url: f.llm.url, model: f.llm.model, rephrase: f.llm.rephrase, ...(f.apiKey ? { apiKey: f.apiKey } : {}) },
      });
      setForm({ ...r, origins: r.allowedOrigins.join('\n'), apiKey: '' });
      setSaved(true);
      s.reload();
    } catch (x) {
      setErr(x);
    }
  };
  const snippet = `<script src="${window.location.origin}/widget.js?key=${s.data.widgetKey}" async></script>`;
  return (
    <form onSubmit={submit} style={{ display: 'grid', gap: '.6rem', minWidth: 0 }} data-testid="assistant-settings">
      <label style={{ display: 'flex', flexDirection: 'row', gap: '.5rem', alignItems: 'center' }}>
        <input type="checkbox" style={{ width: 'auto', margin: 0 }} checked={f.enabled} onChange={(e) => update({ enabled: e.target.checked })} disabled={!owner} /> Website assistant on
      </label>
      <label>
        Name
        <input value={f.name} onChange={(e) => update({ name: e.target.value })} maxLength={40} disabled={!owner} />
      </label>
      <label>
        Avatar image (https address; empty shows the initial)
        <input value={f.avatarUrl} onChange={(e) => update({ avatarUrl: e.target.value })} placeholder="https://…" disabled={!owner} />
      </label>
      <label>
        Greeting (empty: says what it can do, that it answers at once, day and night, and that a person is there on request)
        <textarea rows={2} value={f.greeting} onChange={(e) => update({ greeting: e.target.value })} maxLength={500} disabled={!owner} />
      </label>
      <label>
        Websites that may show the widget (one per line, like https://shop.example; empty: any)
        <textarea rows={2} value={f.origins} onChange={(e) => update({ origins: e.target.value })} disabled={!owner} />
      </label>
      <div>
        <div>Put this on every page of your website, before &lt;/body&gt;:</div>
        <code data-testid="widget-snippet" style={{ display: 'block', overflowWrap: 'anywhere', background: '#f6f7f9', padding: '.5rem', borderRadius: 6 }}>
          {snippet}
        </code>
      </div>
      <fieldset style={{ border: '1px solid #e3e6eb', borderRadius: 8, minWidth: 0 }}>
        <legend>Optional: a language model (OpenAI-compatible)</legend>
        <p className="muted" style={{ marginTop: 0, fontSize: '.85rem' }}>
          Off by default; the assistant works fully without it. When on, it is only asked which of the entries the assistant is unsure between answers the question; the visitor still gets that entry's
          own answer, unless you also let it rephrase answers (below).
        </p>
        <label style={{ display: 'flex', flexDirection: 'row', gap: '.5rem', alignItems: 'center' }}>
          <input type="checkbox" style={{ width: 'auto', margin: 0 }} checked={f.llm.enabled} onChange={(e) => update({ llm: { ...f.llm, enabled: e.target.checked } })} disabled={!owner} /> Use it
        </label>
        <label>
          Endpoint URL
          <input value={f.llm.url} onChange={(e) => update({ llm: { ...f.llm, url: e.target.value } })} placeholder="https://api.example.com/v1" disabled={!owner} />
        </label>
        <label>
          API key {f.llm.hasApiKey && <span className="muted">(set; leave empty to keep it)</span>}
          <input type="password" value={f.apiKey} onChange={(e) => update({ apiKey: e.target.value })} autoComplete="off" disabled={!owner} />
        </label>
        <label>
          Model
          <input value={f.llm.model} onChange={(e) => update({ llm: { ...f.llm, model: e.target.value } })} disabled={!owner} />
        </label>
        <label style={{ display: 'flex', flexDirection: 'row', gap: '.5rem', alignItems: 'center' }}>
          <input type="checkbox" style={{ width: 'auto', margin: 0 }} checked={f.llm.rephrase} onChange={(e) => update({ llm: { ...f.llm, rephrase: e.target.checked } })} disabled={!owner} /> Also let
          it rephrase the chosen answer in the assistant's tone
        </label>
        <p className="muted" style={{ margin: 0, fontSize: '.85rem' }}>
          It sees only that entry, never the visitor's message; a reply with a number or address the entry does not hold, or no reply within 4 seconds, and the visitor gets the entry's own text.
        </p>
      </fieldset>
      <FormError error={err} />
      {owner && (
        <div className="inline-form" style={{ marginTop: 0 }}>
          <button className="btn primary" type="submit">
            Save
          </button>
          {saved && <span role="status">Saved.</span>}
        </div>
      )}
    </form>
  );
}

/** The owner's dashboard: how much the assistant answers on its own, and what it could not. */
function AssistantCard() {
  const m = useApi<Metrics>('/api/assistant/metrics?days=30');
  if (!m.data || m.data.chats === 0) return null;
  const unsure = (m.data.decisions.dont_know ?? 0) + (m.data.decisions.clarify ?? 0);
  return (
    <section className="card" data-testid="assistant-card">
      <h2 style={{ marginTop: 0 }}>Website assistant</h2>
      <div className="kpi">
        <div className="value">{formatPercent(m.data.containmentRate)}</div>
        <div className="label">
          of {formatNumber(m.data.chats)} chats answered without a person (30 days); {formatNumber(unsure)} {unsure === 1 ? 'question' : 'questions'} it could not answer at once
        </div>
      </div>
      <p style={{ marginBottom: 0 }}>
        <Link to="/assistant">Teach it what it missed →</Link>
      </p>
    </section>
  );
}

const routes: AreaRoute[] = [{ path: 'assistant', element: <AssistantPage /> }];

export const area: WebArea = {
  nav: { to: '/assistant', label: 'Assistant', order: 50 },
  routes,
  dashboardCards: [{ id: 'assistant', order: 30, element: <AssistantCard /> }],
  settingsSections: [{ id: 'assistant', title: 'Website assistant', order: 50, element: <AssistantSettings /> }],
};
