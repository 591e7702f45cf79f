// Inbox: every conversation (email, chat, form, phone) in one list with saved views and the time
// left to each service-level target; the thread with reply, internal note and call log; the
// customer beside it; assign, snooze, resolve. Live: the staff event stream refreshes what shows.
// Messages are shown as text (never the sender's HTML).
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api';
import { FormError } from '../../shell/FormError';
import { formatDateTime, formatMoney, useWorkspaceTimeZone } from '../../shell/format';
import { useMe } from '../../shell/me';
import type { AreaRoute, WebArea } from '../../shell/types';
import { useApi } from '../../shell/useApi';
import { ServiceCard } from './service-card';
import { ServicePage } from './service-page';
import { AutoAckSettings, CannedRepliesSettings, ImapSettings, RoutingSettings, ServiceHoursSettings } from './settings';

type Status = 'open' | 'pending' | 'snoozed' | 'resolved';
type Channel = 'email' | 'chat' | 'form' | 'phone';

interface ListItem {
  id: string;
  channel: Channel;
  status: Status;
  subject: string;
  priority: string;
  snoozedUntil: string | null;
  assignee: { id: string; name: string | null } | null;
  customer: { id: string; name: string; email: string | null };
  timeLeftMs: number | null;
  firstRespondedAt: string | null;
  breached: boolean;
  slaPaused: boolean;
  automatic: boolean;
  snippet: string;
  lastMessageAt: string;
}
interface ListResponse {
  conversations: ListItem[];
  nextCursor: string | null;
}
interface Message {
  id: string;
  authorKind: 'customer' | 'agent' | 'note' | 'system';
  author: { id: string; name: string | null } | null;
  text: string;
  quoted: string | null;
  from: string | null;
  automatic: string | null;
  attachments: { id: string; filename: string; size: number; kept: boolean; url: string | null }[];
  call: { direction: string; durationSeconds: number; outcome: string } | null;
  createdAt: string;
}
interface Panel {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  tags: string[];
  retentionDriver: string | null;
  customerSince: string;
  value: { currency: string; totalMinor: number; orders: number; lastOrderAt: string | null }[];
  recentOrders: { id: string; amountMinor: number; currency: string; orderedAt: string; status: string }[];
  openTasks: { id: string; title: string; dueAt: string }[];
  otherConversations: { id: string; subject: string; status: Status; channel: Channel; lastMessageAt: string }[];
}
interface Detail {
  conversation: {
    id: string;
    channel: Channel;
    status: Status;
    subject: string;
    priority: string;
    snoozedUntil: string | null;
    assignee: { id: string; name: string | null } | null;
    replyTo: string | null;
    timeLeftMs: number | null;
    slaPaused: boolean;
    firstRespondedAt: string | null;
    automatic: boolean;
  };
  messages: Message[];
  customer: Panel | null;
  viewers?: Viewer[];
}
interface Viewer {
  id: string;
  name: string;
  typing: boolean;
}
interface LiveChange {
  conversationId: string;
  change: string;
  viewers?: Viewer[];
  typist?: { side: 'agent' | 'visitor'; name: string | null };
  authorKind?: string;
}
/** A "typing" ping shows this long unless another comes (the sender pings every few seconds). */
const TYPING_SHOWN_MS = 6000;
interface Agent {
  id: string;
  name: string;
  role: string;
  handle: string;
  away: boolean;
}

const views = [
  { key: 'open', label: 'Open' },
  { key: 'mine', label: 'Mine' },
  { key: 'unassigned', label: 'Unassigned' },
  { key: 'breaching', label: 'Breaching soon' },
  { key: 'pending', label: 'Pending' },
  { key: 'snoozed', label: 'Snoozed' },
  { key: 'resolved', label: 'Resolved' },
] as const;

const channelLabel: Record<Channel, string> = { email: 'Email', chat: 'Chat', form: 'Form', phone: 'Phone' };

function duration(ms: number): string {
  const m = Math.round(Math.abs(ms) / 60_000);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d`;
}

/** Time left to the nearest target, counted down in the browser between refreshes. */
function SlaBadge({ timeLeftMs, paused, loadedAt, status, answered }: { timeLeftMs: number | null; paused: boolean; loadedAt: number; status: Status; answered: boolean }) {
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 30_000);
    return () => clearInterval(t);
  }, []);
  if (status === 'resolved') return <span className="badge good">Resolved</span>;
  if (paused)
    return (
      <span className="badge" title="Waiting on the customer: the clock is paused">
        Paused
      </span>
    );
  if (timeLeftMs === null) return null;
  const left = timeLeftMs - (Date.now() - loadedAt);
  const what = answered ? 'Resolve' : 'Reply';
  const title = answered ? 'Time left to resolve (business hours)' : 'Time left for the first reply (business hours)';
  if (left < 0)
    return (
      <span className="badge bad" title={title}>
        {what} overdue {duration(left)}
      </span>
    );
  return (
    <span className={`badge ${left < 30 * 60_000 ? 'warn' : ''}`} title={title}>
      {what} in {duration(left)}
    </span>
  );
}

const money = (minor: number, currency: string) => formatMoney(minor, currency);

const css = `
.inbox { display: grid; grid-template-columns: minmax(260px, 340px) minmax(0, 1fr) minmax(220px, 280px); gap: 1rem; align-items: start; }
.inbox-list { padding: 0; overflow: hidden; }
.inbox-list .tools { padding: .75rem; border-bottom: 1px solid var(--line); display: flex; flex-direction: column; gap: .5rem; }
.inbox-views { display: flex; flex-wrap: wrap; gap: .25rem; }
.inbox-views button { font: inherit; font-size: .8rem; border: 1px solid var(--line); background: #fff; border-radius: 999px; padding: .15rem .6rem; cursor: pointer; }
.inbox-views button[aria-pressed=true] { background: var(--accent); color: #fff; border-color: var(--accent); }
.inbox-item { display: block; padding: .6rem .75rem; border-bottom: 1px solid var(--line); color: inherit; text-decoration: none; }
.inbox-item:hover, .inbox-item.active { background: #eef4ff; }
.inbox-item .row { display: flex; justify-content: space-between; gap: .5rem; align-items: baseline; }
.inbox-item .who { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.inbox-item .subject { font-size: .9rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.inbox-item .snippet { font-size: .85rem; color: var(--muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.thread-head { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; justify-content: space-between; }
.thread-actions { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; }
.thread-actions select, .thread-actions .btn { font-size: .85rem; padding: .3rem .55rem; }
.msgs { display: flex; flex-direction: column; gap: .6rem; margin: 1rem 0; }
.msg { border: 1px solid var(--line); border-radius: 10px; padding: .6rem .8rem; max-width: 92%; }
.msg.customer { align-self: flex-start; background: #fff; }
.msg.agent { align-self: flex-end; background: #eef4ff; border-color: #cfdcf7; }
.msg.note { align-self: stretch; background: #fff8e6; border-color: #f1dca7; }
.msg.system { align-self: center; background: #f1f3f6; font-size: .85rem; }
.msg .meta { font-size: .8rem; color: var(--muted); margin-bottom: .25rem; display: flex; gap: .5rem; flex-wrap: wrap; }
.msg .body { white-space: pre-wrap; overflow-wrap: anywhere; }
.msg .quoted { white-space: pre-wrap; color: var(--muted); font-size: .85rem; border-left: 3px solid var(--line); padding-left: .5rem; margin-top: .4rem; }
.composer textarea { width: 100%; min-height: 90px; }
.composer .tabs { display: flex; gap: .25rem; margin-bottom: .5rem; }
.panel dl { display: grid; grid-template-columns: auto 1fr; gap: .2rem .6rem; margin: 0 0 .75rem; font-size: .9rem; }
.panel dt { color: var(--muted); }
.panel dd { margin: 0; overflow-wrap: anywhere; }
.panel ul { margin: 0 0 .75rem; padding-left: 1.1rem; font-size: .9rem; }
.inbox-back { display: none; }
.collision { background: #fff4e0; border: 1px solid #f1c98a; border-radius: 8px; padding: .35rem .6rem; margin-top: .6rem; font-size: .88rem; }
@media (max-width: 1100px) { .inbox { grid-template-columns: minmax(240px, 320px) minmax(0, 1fr); } .inbox .panel { grid-column: 2; } }
@media (max-width: 800px) {
  .inbox { grid-template-columns: minmax(0, 1fr); }
  .inbox .panel { grid-column: 1; }
  .inbox.has-thread .inbox-list { display: none; }
  .inbox:not(.has-thread) .thread, .inbox:not(.has-thread) .panel { display: none; }
  .inbox-back { display: inline; }
  .msg { max-width: 100%; }
}
`;

/** Refetch after the staff stream reports a change (coalesced). */
function useLive(onChange: (e: LiveChange) => void) {
  const ref = useRef(onChange);
  ref.current = onChange;
  const [live, setLive] = useState(false);
  useEffect(() => {
    if (typeof EventSource === 'undefined') return;
    const es = new EventSource('/api/inbox/stream');
    es.addEventListener('ready', () => setLive(true));
    es.addEventListener('change', (ev) => {
      try {
        ref.current(JSON.parse((ev as MessageEvent).data));
      } catch {
        /* ignore a malformed event */
      }
    });
    es.onerror = () => setLive(false);
    return () => es.close();
  }, []);
  return live;
}

function InboxPage() {
  const { id } = useParams();
  const navigate = useNavigate();
  const me = useMe();
  const tz = useWorkspaceTimeZone();
  const [view, setView] = useState<string>('open');
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const listPath = `/api/inbox/conversations?view=${view}${search ? `&q=${encodeURIComponent(search)}` : ''}`;
  const list = useApi<ListResponse>(listPath);
  const [listLoadedAt, setListLoadedAt] = useState(Date.now());
  useEffect(() => {
    setListLoadedAt(Date.now());
  }, [list.data]);
  const detail = useApi<Detail>(id ? `/api/inbox/conversations/${id}` : null);
  const [detailLoadedAt, setDetailLoadedAt] = useState(Date.now());
  useEffect(() => {
    setDetailLoadedAt(Date.now());
  }, [detail.data]);

  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const pendingDetail = useRef(false);
  const [viewers, setViewers] = useState<{ id: string | undefined; list: Viewer[] }>({ id: undefined, list: [] });
  useEffect(() => {
    if (detail.data && detail.data.conversation.id === id) setViewers({ id, list: detail.data.viewers ?? [] });
  }, [detail.data, id]);
  // The chat visitor typing in the open conversation: shown until it lapses or their line arrives.
  const [visitorTyping, setVisitorTyping] = useState<{ id: string; until: number } | null>(null);
  useEffect(() => {
    if (!visitorTyping) return;
    const t = setTimeout(() => setVisitorTyping(null), Math.max(0, visitorTyping.until - Date.now()));
    return () => clearTimeout(t);
  }, [visitorTyping]);
  const live = useLive((e) => {
    if (e.change === 'presence') {
      if (e.conversationId === id) setViewers({ id, list: e.viewers ?? [] });
      return;
    }
    if (e.change === 'typing') {
      if (e.conversationId === id && e.typist?.side === 'visitor') setVisitorTyping({ id, until: Date.now() + TYPING_SHOWN_MS });
      return;
    }
    if (e.conversationId === id && e.authorKind === 'customer') setVisitorTyping(null);
    if (e.conversationId === id) pendingDetail.current = true;
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      list.reload();
      if (pendingDetail.current) {
        pendingDetail.current = false;
        detail.reload();
      }
    }, 250);
  });

  // Keyboard: j/k next/previous conversation, r reply, e resolve (not while typing).
  const items = list.data?.conversations ?? [];
  useEffect(() => {
    const onKey = (ev: KeyboardEvent) => {
      const tag = (ev.target as HTMLElement)?.tagName;
      if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || ev.metaKey || ev.ctrlKey || ev.altKey) return;
      const at = items.findIndex((c) => c.id === id);
      if (ev.key === 'j' && items.length) navigate(`/inbox/${items[Math.min(items.length - 1, at + 1)].id}`);
      if (ev.key === 'k' && items.length) navigate(`/inbox/${items[Math.max(0, at - 1)].id}`);
      if (ev.key === 'r') (document.getElementById('composer-text') as HTMLTextAreaElement | null)?.focus();
      if (ev.key === 'e' && id) void api.post(`/api/inbox/conversations/${id}/status`, { status: 'resolved' }).then(() => (detail.reload(), list.reload()));
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [items, id, navigate, detail, list]);

  const changed = useCallback(() => {
    detail.reload();
    list.reload();
  }, [detail, list]);

  return (
    <div className="page">
      <style>{css}</style>
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'baseline', flexWrap: 'wrap', gap: '.5rem' }}>
        <h1 style={{ margin: 0 }}>Inbox</h1>
        <span style={{ display: 'flex', gap: '.6rem', alignItems: 'center', flexWrap: 'wrap' }}>
          <span className="muted" data-testid="live">
            {live ? '● Live' : 'Connecting…'} · keys: j/k move, r reply, e resolve
          </span>
          {me.role === 'owner' && <Link to="/inbox/service">Service figures</Link>}
          <AwayToggle />
        </span>
      </div>
      <div className={`inbox${id ? ' has-thread' : ''}`}>
        <section className="card inbox-list" aria-label="Conversations">
          <div className="tools">
            <div className="inbox-views" role="group" aria-label="Views">
              {views.map((v) => (
                <button key={v.key} type="button" aria-pressed={view === v.key} onClick={() => setView(v.key)}>
                  {v.label}
                </button>
              ))}
            </div>
            <form
              onSubmit={(e) => {
                e.preventDefault();
                setSearch(q.trim());
              }}
            >
              <input aria-label="Search conversations" placeholder="Search subject, name, email" value={q} onChange={(e) => setQ(e.target.value)} style={{ width: '100%' }} />
            </form>
          </div>
          {list.error && <div className="error">{list.error}</div>}
          {!list.data && !list.error && <div className="loading">Loading…</div>}
          {list.data && items.length === 0 && (
            <p className="muted" style={{ padding: '.75rem' }}>
              Nothing here.
            </p>
          )}
          {items.map((c) => (
            <Link key={c.id} to={`/inbox/${c.id}`} className={`inbox-item${c.id === id ? ' active' : ''}`} data-testid="conversation-item">
              <div className="row">
                <span className="who">{c.customer.name}</span>
                <SlaBadge timeLeftMs={c.timeLeftMs} paused={c.slaPaused} loadedAt={listLoadedAt} status={c.status} answered={Boolean(c.firstRespondedAt)} />
              </div>
              <div className="subject">{c.subject}</div>
              <div className="snippet">{c.snippet}</div>
              <div className="row muted" style={{ fontSize: '.78rem' }}>
                <span>
                  {channelLabel[c.channel]}
                  {c.automatic ? ' · automatic' : ''}
                  {c.priority !== 'normal' ? ` · ${c.priority}` : ''}
                </span>
                <span>{c.assignee ? (c.assignee.id === me.id ? 'You' : c.assignee.name) : 'Unassigned'}</span>
              </div>
            </Link>
          ))}
        </section>
        {id ? (
          <Thread
            key={id}
            detail={detail.data}
            error={detail.error}
            loadedAt={detailLoadedAt}
            tz={tz}
            onChanged={changed}
            viewers={viewers.id === id ? viewers.list : []}
            visitorTyping={visitorTyping?.id === id}
          />
        ) : (
          <section className="card thread">
            <p className="muted">Choose a conversation. New email, chat and phone conversations appear here as they come in.</p>
          </section>
        )}
        {id && detail.data?.customer && <CustomerPanel p={detail.data.customer} tz={tz} conversationId={id} onChanged={changed} />}
      </div>
    </div>
  );
}

/** Says "I have this open" every 10 s while the thread shows, "left" when it goes. */
function usePresence(conversationId: string | undefined) {
  useEffect(() => {
    if (!conversationId) return;
    const say = (state: 'viewing' | 'left') => api.post(`/api/inbox/conversations/${conversationId}/presence`, { state }).catch(() => {});
    void say('viewing');
    const t = setInterval(() => void say('viewing'), 10_000);
    return () => {
      clearInterval(t);
      void say('left');
    };
  }, [conversationId]);
}

/** Agent available or away (away: routing gives them nothing new). */
function AwayToggle() {
  const me = useApi<{ away: boolean }>('/api/inbox/me');
  const [busy, setBusy] = useState(false);
  if (!me.data) return null;
  const away = me.data.away;
  return (
    <button
      type="button"
      className={`btn${away ? '' : ' primary'}`}
      style={{ fontSize: '.8rem', padding: '.2rem .6rem' }}
      aria-pressed={!away}
      data-testid="away-toggle"
      disabled={busy}
      title={away ? 'You get no new conversations. Click when you are back.' : 'New conversations may be routed to you. Click to step away.'}
      onClick={async () => {
        setBusy(true);
        try {
          await api.post('/api/inbox/me/away', { away: !away });
          me.reload();
        } finally {
          setBusy(false);
        }
      }}
    >
      {away ? 'Away' : 'Available'}
    </button>
  );
}

/** The customer's last line before a reply (the question it answers), for the FAQ form. */
function lastCustomerLineBefore(messages: Message[], id: string): string {
  const at = messages.findIndex((m) => m.id === id);
  const asked = messages
    .slice(0, at)
    .reverse()
    .find((m) => m.authorKind === 'customer');
  return (asked?.text ?? '').replace(/\s+/g, ' ').trim().slice(0, 300);
}

/**
 * "Save as FAQ answer": the reply becomes a draft entry of the assistant's knowledge base (its
 * API, POST /api/assistant/entries), with the customer's question as the entry's question; the
 * owner reviews and publishes it on the Assistant page.
 */
function SaveAsFaq({ answer, question }: { answer: string; question: string }) {
  const [open, setOpen] = useState(false);
  const [q, setQ] = useState(question);
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (saved)
    return (
      <div className="muted" role="status" style={{ fontSize: '.8rem' }} data-testid="faq-saved">
        Saved as a draft FAQ entry — publish it on the <Link to="/assistant">Assistant</Link> page.
      </div>
    );
  if (!open)
    return (
      <button type="button" className="link" style={{ fontSize: '.8rem' }} onClick={() => setOpen(true)}>
        Save as FAQ answer
      </button>
    );
  return (
    <form
      className="inline-form"
      style={{ marginTop: '.4rem' }}
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        try {
          const entry = await api.post<{ id: string }>('/api/assistant/entries', { question: q.trim(), answer, status: 'draft' });
          setSaved(entry.id);
        } catch (err) {
          setError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <input aria-label="FAQ question" value={q} maxLength={300} placeholder="The question this answers" onChange={(e) => setQ(e.target.value)} style={{ flex: 1, minWidth: 0 }} />
      <button type="submit" className="btn" disabled={busy || !q.trim()}>
        Save draft
      </button>
      <button type="button" className="link" onClick={() => setOpen(false)}>
        Cancel
      </button>
      <FormError error={error} />
    </form>
  );
}

function CollisionWarning({ viewers }: { viewers: Viewer[] }) {
  const me = useMe();
  const others = viewers.filter((v) => v.id !== me.id);
  if (!others.length) return null;
  const typing = others.filter((v) => v.typing);
  const names = (list: Viewer[]) => list.map((v) => v.name).join(', ');
  return (
    <div className="collision" role="status" data-testid="collision">
      {typing.length ? `${names(typing)} ${typing.length === 1 ? 'is' : 'are'} typing a reply here` : `${names(others)} also ${others.length === 1 ? 'has' : 'have'} this conversation open`}
      {typing.length > 0 && typing.length < others.length ? ` · ${names(others.filter((v) => !v.typing))} viewing` : ''}
    </div>
  );
}

function Thread({
  detail,
  error,
  loadedAt,
  tz,
  onChanged,
  viewers,
  visitorTyping,
}: {
  detail: Detail | null;
  error: string | null;
  loadedAt: number;
  tz: string | undefined;
  onChanged: () => void;
  viewers: Viewer[];
  visitorTyping: boolean;
}) {
  const agents = useApi<{ agents: Agent[] }>('/api/inbox/agents');
  usePresence(detail?.conversation.id);
  const [actionError, setActionError] = useState<unknown>(null);
  const [showQuoted, setShowQuoted] = useState<Record<string, boolean>>({});
  const end = useRef<HTMLDivElement | null>(null);
  const count = detail?.messages.length ?? 0;
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'nearest' });
  }, [count]);
  if (error) return <section className="card thread error">{error}</section>;
  if (!detail) return <section className="card thread loading">Loading…</section>;
  const c = detail.conversation;
  const act = async (path: string, body: unknown) => {
    setActionError(null);
    try {
      await api.post(`/api/inbox/conversations/${c.id}/${path}`, body);
      onChanged();
    } catch (e) {
      setActionError(e);
    }
  };
  const snoozeTo = (hours: number) => new Date(Date.now() + hours * 3600_000).toISOString();
  return (
    <section className="card thread" aria-label="Conversation">
      <Link to="/inbox" className="inbox-back">
        ← All conversations
      </Link>
      <div className="thread-head">
        <div>
          <h2 style={{ margin: 0 }} data-testid="thread-subject">
            {c.subject}
          </h2>
          <div className="muted">
            {channelLabel[c.channel]} · <span data-testid="thread-status">{c.status}</span>
            {c.status === 'snoozed' && c.snoozedUntil ? ` until ${formatDateTime(c.snoozedUntil, tz)}` : ''} ·{' '}
            <SlaBadge timeLeftMs={c.timeLeftMs} paused={c.slaPaused} loadedAt={loadedAt} status={c.status} answered={Boolean(c.firstRespondedAt)} />
          </div>
        </div>
        <div className="thread-actions">
          <select aria-label="Assignee" value={c.assignee?.id ?? ''} onChange={(e) => act('assign', { assigneeUserId: e.target.value || null })}>
            <option value="">Unassigned</option>
            {(agents.data?.agents ?? []).map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
          <select
            aria-label="Snooze"
            value=""
            onChange={(e) => {
              if (e.target.value) void act('status', { status: 'snoozed', until: snoozeTo(Number(e.target.value)) });
            }}
          >
            <option value="">Snooze…</option>
            <option value="1">1 hour</option>
            <option value="4">4 hours</option>
            <option value="24">1 day</option>
            <option value="168">1 week</option>
          </select>
          {c.status === 'resolved' ? (
            <button className="btn" onClick={() => act('status', { status: 'open' })}>
              Reopen
            </button>
          ) : (
            <button className="btn" onClick={() => act('status', { status: 'resolved' })}>
              Resolve
            </button>
          )}
        </div>
      </div>
      <CollisionWarning viewers={viewers} />
      <FormError error={actionError} />
      <div className="msgs" data-testid="messages">
        {detail.messages.map((m) => (
          <article key={m.id} className={`msg ${m.authorKind}`} data-testid={`msg-${m.authorKind}`}>
            <div className="meta">
              <strong>
                {m.authorKind === 'customer' ? (detail.customer?.name ?? m.from ?? 'Customer') : m.authorKind === 'note' ? `Note · ${m.author?.name ?? ''}` : (m.author?.name ?? 'Keepwell')}
              </strong>
              <span>{formatDateTime(m.createdAt, tz)}</span>
              {m.automatic && <span className="badge warn">{m.automatic === 'bounce' ? 'Bounce' : 'Auto-reply'} · not answered</span>}
              {m.call && <span className="badge">Call</span>}
            </div>
            <div className="body">{m.text}</div>
            {m.attachments.length > 0 && (
              <ul style={{ margin: '.4rem 0 0', paddingLeft: '1.1rem', fontSize: '.85rem' }}>
                {m.attachments.map((a) =>
                  a.url ? (
                    <li key={a.id}>
                      <a href={a.url} download>
                        {a.filename}
                      </a>{' '}
                      <span className="muted">({Math.ceil(a.size / 1024)} KB)</span>
                    </li>
                  ) : (
                    <li key={a.id} className="muted">
                      {a.filename} — not kept (over the size limit)
                    </li>
                  ),
                )}
              </ul>
            )}
            {m.authorKind === 'agent' && !m.call && <SaveAsFaq answer={m.text} question={lastCustomerLineBefore(detail.messages, m.id)} />}
            {m.quoted && (
              <>
                <button className="link" style={{ fontSize: '.8rem' }} onClick={() => setShowQuoted((s) => ({ ...s, [m.id]: !s[m.id] }))}>
                  {showQuoted[m.id] ? 'Hide quoted text' : 'Show quoted text'}
                </button>
                {showQuoted[m.id] && <div className="quoted">{m.quoted}</div>}
              </>
            )}
          </article>
        ))}
        {visitorTyping && (
          <div className="muted" role="status" data-testid="visitor-typing" style={{ fontStyle: 'italic', fontSize: '.85rem' }}>
            {detail.customer?.name || 'The visitor'} is typing…
          </div>
        )}
        <div ref={end} />
      </div>
      <Composer detail={detail} onSent={onChanged} agents={agents.data?.agents ?? []} />
    </section>
  );
}

function Composer({ detail, onSent, agents }: { detail: Detail; onSent: () => void; agents: Agent[] }) {
  const me = useMe();
  const canned = useApi<{ canned: { id: string; title: string }[] }>('/api/inbox/canned');
  const lastTyping = useRef(0);
  const typing = () => {
    if (Date.now() - lastTyping.current < 3000) return;
    lastTyping.current = Date.now();
    void api.post(`/api/inbox/conversations/${detail.conversation.id}/presence`, { state: 'typing' }).catch(() => {});
  };
  const insert = (snippet: string) => {
    const box = document.getElementById('composer-text') as HTMLTextAreaElement | null;
    const at = box ? box.selectionStart : text.length;
    const gap = at > 0 && !/\s/.test(text[at - 1]) ? ' ' : '';
    const next = `${text.slice(0, at)}${gap}${snippet}${text.slice(at)}`;
    setText(next);
    setTimeout(() => {
      box?.focus();
      box?.setSelectionRange(at + gap.length + snippet.length, at + gap.length + snippet.length);
    });
  };
  const insertCanned = async (cannedId: string) => {
    setError(null);
    try {
      const r = await api.post<{ text: string }>(`/api/inbox/conversations/${detail.conversation.id}/canned/${cannedId}`);
      insert(r.text);
    } catch (err) {
      setError(err);
    }
  };
  const c = detail.conversation;
  const [mode, setMode] = useState<'reply' | 'note' | 'call'>(c.automatic && detail.messages.every((m) => m.automatic || m.authorKind !== 'customer') ? 'note' : 'reply');
  const [text, setText] = useState('');
  const [after, setAfter] = useState<'pending' | 'open' | 'resolved'>(c.channel === 'chat' ? 'open' : 'pending');
  const [call, setCall] = useState({ direction: 'outbound', minutes: '0', outcome: 'answered' });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (mode === 'reply') await api.post(`/api/inbox/conversations/${c.id}/reply`, { text, status: after });
      else if (mode === 'note') await api.post(`/api/inbox/conversations/${c.id}/notes`, { text });
      else await api.post(`/api/inbox/conversations/${c.id}/calls`, { direction: call.direction, durationSeconds: Math.round(Number(call.minutes || 0) * 60), outcome: call.outcome, notes: text });
      setText('');
      onSent();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const to = c.channel === 'chat' ? 'the visitor (live chat)' : c.replyTo ? c.replyTo : 'the customer';
  return (
    <form className="composer" onSubmit={submit} aria-label="Write">
      <div className="tabs" role="group" aria-label="Write a">
        {(['reply', 'note', 'call'] as const).map((m) => (
          <button key={m} type="button" className={`btn${mode === m ? ' primary' : ''}`} aria-pressed={mode === m} onClick={() => setMode(m)} style={{ fontSize: '.85rem', padding: '.25rem .7rem' }}>
            {m === 'reply' ? 'Reply' : m === 'note' ? 'Internal note' : 'Log call'}
          </button>
        ))}
      </div>
      {mode === 'call' && (
        <div className="inline-form" style={{ marginTop: 0, marginBottom: '.5rem' }}>
          <select aria-label="Direction" value={call.direction} onChange={(e) => setCall({ ...call, direction: e.target.value })}>
            <option value="outbound">Outbound</option>
            <option value="inbound">Inbound</option>
          </select>
          <input aria-label="Minutes" type="number" min="0" step="0.5" value={call.minutes} onChange={(e) => setCall({ ...call, minutes: e.target.value })} style={{ width: '6rem' }} />
          <select aria-label="Outcome" value={call.outcome} onChange={(e) => setCall({ ...call, outcome: e.target.value })}>
            <option value="answered">Answered</option>
            <option value="no_answer">No answer</option>
            <option value="voicemail">Voicemail</option>
            <option value="busy">Busy</option>
            <option value="callback_requested">Call back requested</option>
          </select>
        </div>
      )}
      <textarea
        id="composer-text"
        aria-label={mode === 'reply' ? 'Reply' : mode === 'note' ? 'Internal note' : 'Call notes'}
        placeholder={mode === 'reply' ? `Reply to ${to}` : mode === 'note' ? 'Only your team sees this' : 'What was said'}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          if (mode === 'reply') typing();
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) (e.currentTarget.form as HTMLFormElement).requestSubmit();
        }}
      />
      {mode === 'reply' && (canned.data?.canned.length ?? 0) > 0 && (
        <select
          aria-label="Insert a canned reply"
          value=""
          style={{ marginTop: '.4rem', maxWidth: '100%' }}
          onChange={(e) => {
            if (e.target.value) void insertCanned(e.target.value);
          }}
        >
          <option value="">Insert a canned reply…</option>
          {canned.data?.canned.map((c) => (
            <option key={c.id} value={c.id}>
              {c.title}
            </option>
          ))}
        </select>
      )}
      {mode === 'note' && agents.length > 1 && (
        <p className="muted" style={{ fontSize: '.8rem', margin: '.3rem 0 0', display: 'flex', flexWrap: 'wrap', gap: '.3rem', alignItems: 'center' }} data-testid="mention-hint">
          Mention (they get a task):
          {agents
            .filter((a) => a.id !== me.id)
            .map((a) => (
              <button key={a.id} type="button" className="link" onClick={() => insert(`@${a.handle} `)} title={a.name}>
                @{a.handle}
              </button>
            ))}
        </p>
      )}
      <FormError error={error} />
      <div className="inline-form" style={{ marginTop: '.5rem' }}>
        <button className="btn primary" disabled={busy || (mode !== 'call' && !text.trim())}>
          {mode === 'reply' ? 'Send reply' : mode === 'note' ? 'Add note' : 'Log call'}
        </button>
        {mode === 'reply' && (
          <label style={{ flexDirection: 'row', alignItems: 'center', margin: 0 }}>
            then
            <select aria-label="Then" value={after} onChange={(e) => setAfter(e.target.value as typeof after)}>
              <option value="pending">wait for the customer</option>
              <option value="open">keep open</option>
              <option value="resolved">resolve</option>
            </select>
          </label>
        )}
      </div>
    </form>
  );
}

interface CustomerScore {
  hasData: boolean;
  modelled?: boolean;
  currency?: string;
  health?: number;
  reasons?: string[];
  clv?: number;
}

/** Health (0–100, with its reasons) and lifetime value from analytics. */
function ValueAndHealth({ customerId }: { customerId: string }) {
  const s = useApi<CustomerScore>(`/api/analytics/customers/${customerId}`);
  if (s.error) return null;
  if (!s.data) return <p className="muted">Scoring…</p>;
  if (!s.data.hasData || s.data.health == null)
    return (
      <p className="muted" data-testid="customer-health">
        No purchases to score yet.
      </p>
    );
  const h = Math.round(s.data.health);
  const tone = h >= 70 ? 'good' : h >= 40 ? 'warn' : 'bad';
  return (
    <div data-testid="customer-health" style={{ marginBottom: '.75rem' }}>
      <div style={{ display: 'flex', gap: '.4rem', alignItems: 'center', flexWrap: 'wrap' }}>
        <span className={`badge ${tone}`}>Health {h}</span>
        {s.data.clv != null && (
          <span className="badge" title={s.data.modelled ? 'Expected value of future purchases' : 'Placeholder until there is enough history to model'}>
            CLV {money(Math.round(s.data.clv * 100), s.data.currency ?? 'EUR')}
          </span>
        )}
      </div>
      {(s.data.reasons ?? []).length > 0 && (
        <ul style={{ margin: '.35rem 0 0', fontSize: '.82rem' }}>
          {s.data.reasons!.slice(0, 3).map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function CustomerPanel({ p, tz, conversationId, onChanged }: { p: Panel; tz: string | undefined; conversationId: string; onChanged: () => void }) {
  const [mergeError, setMergeError] = useState<unknown>(null);
  const merge = async (sourceId: string, subject: string) => {
    if (!window.confirm(`Merge "${subject}" into this conversation? Its messages move here and it is closed.`)) return;
    setMergeError(null);
    try {
      await api.post(`/api/inbox/conversations/${conversationId}/merge`, { sourceId });
      onChanged();
    } catch (e) {
      setMergeError(e);
    }
  };
  const value = useMemo(() => p.value.map((v) => money(v.totalMinor, v.currency)).join(' + ') || '—', [p.value]);
  const orders = p.value.reduce((n, v) => n + v.orders, 0);
  return (
    <aside className="card panel" aria-label="Customer">
      <h2>
        <Link to={`/customers/${p.id}`}>{p.name}</Link>
      </h2>
      {p.tags.length > 0 && (
        <p style={{ margin: '0 0 .5rem', display: 'flex', gap: '.25rem', flexWrap: 'wrap' }}>
          {p.tags.map((t) => (
            <span key={t} className={`badge${t === 'new-contact' ? ' warn' : ''}`}>
              {t}
            </span>
          ))}
        </p>
      )}
      <dl>
        <dt>Email</dt>
        <dd>{p.email ?? '—'}</dd>
        <dt>Phone</dt>
        <dd>{p.phone ?? '—'}</dd>
        <dt>Value</dt>
        <dd data-testid="customer-value">{value}</dd>
        <dt>Orders</dt>
        <dd>{orders}</dd>
        <dt>Since</dt>
        <dd>{formatDateTime(p.customerSince, tz).slice(0, 10)}</dd>
      </dl>
      <ValueAndHealth customerId={p.id} />
      <h3 style={{ fontSize: '.95rem', margin: '0 0 .3rem' }}>Recent orders</h3>
      {p.recentOrders.length ? (
        <ul>
          {p.recentOrders.map((o) => (
            <li key={o.id}>
              {money(o.amountMinor, o.currency)} · {formatDateTime(o.orderedAt, tz).slice(0, 10)}
              {o.status !== 'paid' ? ` · ${o.status}` : ''}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No orders yet.</p>
      )}
      <h3 style={{ fontSize: '.95rem', margin: '0 0 .3rem' }}>Open tasks</h3>
      {p.openTasks.length ? (
        <ul>
          {p.openTasks.map((t) => (
            <li key={t.id}>{t.title}</li>
          ))}
        </ul>
      ) : (
        <p className="muted">None.</p>
      )}
      {p.otherConversations.length > 0 && (
        <>
          <h3 style={{ fontSize: '.95rem', margin: '0 0 .3rem' }}>Other conversations</h3>
          <ul>
            {p.otherConversations.map((o) => (
              <li key={o.id}>
                <Link to={`/inbox/${o.id}`}>{o.subject}</Link> <span className="muted">({o.status})</span>{' '}
                <button type="button" className="link" style={{ fontSize: '.8rem' }} onClick={() => merge(o.id, o.subject)} aria-label={`Merge ${o.subject} into this conversation`}>
                  merge here
                </button>
              </li>
            ))}
          </ul>
          <FormError error={mergeError} />
        </>
      )}
    </aside>
  );
}

// 'inbox/service' is a fixed segment, so it wins over 'inbox/:id?' (conversation ids are uuids).
const routes: AreaRoute[] = [
  { path: 'inbox/service', element: <ServicePage /> },
  { path: 'inbox/:id?', element: <InboxPage /> },
];

export const area: WebArea = {
  nav: { to: '/inbox', label: 'Inbox', order: 40 },
  routes,
  dashboardCards: [{ id: 'service', order: 20, element: <ServiceCard /> }],
  settingsSections: [
    { id: 'inbox-hours', title: 'Inbox: service hours and targets', order: 40, element: <ServiceHoursSettings />, ownerOnly: true },
    { id: 'inbox-routing', title: 'Inbox: routing', order: 41, element: <RoutingSettings />, ownerOnly: true },
    { id: 'inbox-autoack', title: 'Inbox: auto-acknowledgement', order: 42, element: <AutoAckSettings />, ownerOnly: true },
    { id: 'inbox-imap', title: 'Inbox: IMAP mailbox', order: 43, element: <ImapSettings />, ownerOnly: true },
    { id: 'inbox-canned', title: 'Inbox: canned replies', order: 44, element: <CannedRepliesSettings /> },
  ],
};
