// The inbox's sections of the Settings page: service hours and targets (the SLA calendar, per
// priority and per channel), routing (on/off, seniority, who is away), the auto-acknowledgement,
// the IMAP mailbox (the password is write-only) and canned replies. Each section is the body of a
// card the Settings page draws with its title.
import { useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../../api';
import { FormError } from '../../shell/FormError';
import { formatDateTime, useWorkspaceTimeZone } from '../../shell/format';
import { useMe } from '../../shell/me';
import { useApi } from '../../shell/useApi';

type Priority = 'urgent' | 'high' | 'normal' | 'low';
type Channel = 'email' | 'chat' | 'form' | 'phone';
const priorities: Priority[] = ['urgent', 'high', 'normal', 'low'];
const channels: Channel[] = ['email', 'chat', 'form', 'phone'];
const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const dayLabel: Record<string, string> = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };

export interface InboxSettings {
  businessHours: { timeZone: string | null; week: Record<string, [string, string][]>; holidays: string[] };
  firstResponseMinutes: Record<Priority, number>;
  resolutionMinutes: Record<Priority, number>;
  firstResponseMinutesByChannel: Record<Channel, number | null>;
  resolutionMinutesByChannel: Record<Channel, number | null>;
  callBackMinutes: number;
  breachingSoonMinutes: number;
  routing: { enabled: boolean; seniority: string[]; away: string[] };
  autoAck: { enabled: boolean; subject: string; text: string };
  imap: { enabled: boolean; host: string; port: number; tls: 'tls' | 'starttls' | 'none'; user: string; mailbox: string; passwordSet: boolean };
}

const SETTINGS = '/api/inbox/settings';

/** Load, edit a draft, save: the shape every inbox settings section shares. */
function useSettingsForm<D>(toDraft: (s: InboxSettings) => D, toBody: (d: D) => unknown) {
  const s = useApi<InboxSettings>(SETTINGS);
  const [draft, setDraft] = useState<D | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const value = draft ?? (s.data ? toDraft(s.data) : null);
  const set = (patch: Partial<D>) => {
    setSaved(false);
    setDraft({ ...(value as D), ...patch });
  };
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api.put(SETTINGS, toBody(value as D));
      setDraft(null);
      setSaved(true);
      s.reload();
    } catch (x) {
      setError(x);
    }
  };
  return { s, value, set, save, error, saved };
}

function Shell({
  loading,
  error,
  children,
  onSubmit,
  testId,
  saved,
  formError,
  button,
  owner,
}: {
  loading: boolean;
  error: string | null;
  children: ReactNode;
  onSubmit: (e: FormEvent) => void;
  testId: string;
  saved: boolean;
  formError: unknown;
  button: string;
  owner: boolean;
}) {
  if (error) return <p className="error">{error}</p>;
  if (loading) return <p className="loading">Loading…</p>;
  return (
    <form onSubmit={onSubmit} data-testid={testId} className="inbox-settings">
      <fieldset disabled={!owner} style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }}>
        {children}
      </fieldset>
      <FormError error={formError} />
      {saved && <p className="badge good">Saved</p>}
      {owner && (
        <div className="inline-form">
          <button className="btn primary" type="submit">
            {button}
          </button>
        </div>
      )}
    </form>
  );
}

const css = `
.inbox-settings .cols { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: .5rem; }
.inbox-settings table { width: 100%; border-collapse: collapse; font-size: .9rem; }
.inbox-settings th, .inbox-settings td { text-align: left; padding: .25rem .35rem; border-bottom: 1px solid var(--line); }
.inbox-settings td input { width: 100%; min-width: 4.5rem; }
.inbox-settings .scroll { overflow-x: auto; }
.inbox-settings textarea { width: 100%; min-height: 90px; }
.inbox-settings .check { flex-direction: row; align-items: center; gap: .4rem; }
.canned-list { list-style: none; padding: 0; margin: 0 0 .75rem; }
.canned-list li { border-bottom: 1px solid var(--line); padding: .4rem 0; display: flex; gap: .5rem; justify-content: space-between; align-items: flex-start; }
.canned-list .body { white-space: pre-wrap; font-size: .85rem; color: var(--muted); overflow-wrap: anywhere; }
`;

const windowsText = (w: [string, string][]) => w.map(([a, b]) => `${a}-${b}`).join(', ');
const parseWindows = (text: string): [string, string][] =>
  text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => p.split(/\s*[-–]\s*/) as [string, string]);
const minutesOrNull = (v: string) => (v.trim() === '' ? null : Number(v));

/** Business hours (the SLA calendar) and the targets per priority and per channel. */
export function ServiceHoursSettings() {
  const me = useMe();
  type D = {
    timeZone: string;
    week: Record<string, string>;
    holidays: string;
    first: Record<Priority, string>;
    resolution: Record<Priority, string>;
    firstCh: Record<Channel, string>;
    resolutionCh: Record<Channel, string>;
    callBack: string;
    soon: string;
  };
  const f = useSettingsForm<D>(
    (s) => ({
      timeZone: s.businessHours.timeZone ?? '',
      week: Object.fromEntries(days.map((d) => [d, windowsText(s.businessHours.week[d] ?? [])])),
      holidays: s.businessHours.holidays.join(', '),
      first: Object.fromEntries(priorities.map((p) => [p, String(s.firstResponseMinutes[p])])) as Record<Priority, string>,
      resolution: Object.fromEntries(priorities.map((p) => [p, String(s.resolutionMinutes[p])])) as Record<Priority, string>,
      firstCh: Object.fromEntries(channels.map((c) => [c, s.firstResponseMinutesByChannel[c] == null ? '' : String(s.firstResponseMinutesByChannel[c])])) as Record<Channel, string>,
      resolutionCh: Object.fromEntries(channels.map((c) => [c, s.resolutionMinutesByChannel[c] == null ? '' : String(s.resolutionMinutesByChannel[c])])) as Record<Channel, string>,
      callBack: String(s.callBackMinutes),
      soon: String(s.breachingSoonMinutes),
    }),
    (d) => ({
      businessHours: {
        timeZone: d.timeZone.trim() || null,
        week: Object.fromEntries(days.map((day) => [day, parseWindows(d.week[day])])),
        holidays: d.holidays
          .split(/[,\s]+/)
          .map((h) => h.trim())
          .filter(Boolean),
      },
      firstResponseMinutes: Object.fromEntries(priorities.map((p) => [p, Number(d.first[p])])),
      resolutionMinutes: Object.fromEntries(priorities.map((p) => [p, Number(d.resolution[p])])),
      firstResponseMinutesByChannel: Object.fromEntries(channels.map((c) => [c, minutesOrNull(d.firstCh[c])])),
      resolutionMinutesByChannel: Object.fromEntries(channels.map((c) => [c, minutesOrNull(d.resolutionCh[c])])),
      callBackMinutes: Number(d.callBack),
      breachingSoonMinutes: Number(d.soon),
    }),
  );
  const v = f.value;
  return (
    <Shell loading={!v} error={f.s.error} onSubmit={f.save} testId="inbox-hours-settings" saved={f.saved} formError={f.error} button="Save hours and targets" owner={me.role === 'owner'}>
      <style>{css}</style>
      {v && (
        <>
          <p className="muted">Service-level clocks count only these hours. Write each day's open times like 09:00-12:30, 13:30-17:00 (the gap is a break); leave a day empty when closed.</p>
          <div className="cols">
            {days.map((d) => (
              <label key={d}>
                {dayLabel[d]}
                <input value={v.week[d]} placeholder="closed" onChange={(e) => f.set({ week: { ...v.week, [d]: e.target.value } })} />
              </label>
            ))}
          </div>
          <div className="cols" style={{ marginTop: '.5rem' }}>
            <label>
              Time zone (empty: the workspace's)
              <input value={v.timeZone} placeholder="Europe/Amsterdam" onChange={(e) => f.set({ timeZone: e.target.value })} />
            </label>
            <label>
              Holidays (YYYY-MM-DD, comma-separated)
              <input value={v.holidays} placeholder="2026-12-25, 2026-12-26" onChange={(e) => f.set({ holidays: e.target.value })} />
            </label>
          </div>
          <h3 style={{ fontSize: '1rem', margin: '1rem 0 .3rem' }}>Targets (business minutes)</h3>
          <div className="scroll">
            <table>
              <thead>
                <tr>
                  <th />
                  {priorities.map((p) => (
                    <th key={p}>{p}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                <tr>
                  <th>First reply</th>
                  {priorities.map((p) => (
                    <td key={p}>
                      <input aria-label={`First reply, ${p}`} type="number" min="1" value={v.first[p]} onChange={(e) => f.set({ first: { ...v.first, [p]: e.target.value } })} />
                    </td>
                  ))}
                </tr>
                <tr>
                  <th>Resolution</th>
                  {priorities.map((p) => (
                    <td key={p}>
                      <input aria-label={`Resolution, ${p}`} type="number" min="1" value={v.resolution[p]} onChange={(e) => f.set({ resolution: { ...v.resolution, [p]: e.target.value } })} />
                    </td>
                  ))}
                </tr>
              </tbody>
            </table>
          </div>
          <p className="muted" style={{ margin: '.75rem 0 .3rem' }}>
            Per channel (optional): when set, the shorter of the channel's and the priority's target applies — e.g. chat answered within 5 minutes.
          </p>
          <div className="scroll">
            <table>
              <thead>
                <tr>
                  <th />
                  {channels.map((c) => (
                    <th key={c}>{c}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                <tr>
                  <th>First reply</th>
                  {channels.map((c) => (
                    <td key={c}>
                      <input aria-label={`First reply, ${c}`} type="number" min="1" placeholder="—" value={v.firstCh[c]} onChange={(e) => f.set({ firstCh: { ...v.firstCh, [c]: e.target.value } })} />
                    </td>
                  ))}
                </tr>
                <tr>
                  <th>Resolution</th>
                  {channels.map((c) => (
                    <td key={c}>
                      <input
                        aria-label={`Resolution, ${c}`}
                        type="number"
                        min="1"
                        placeholder="—"
                        value={v.resolutionCh[c]}
                        onChange={(e) => f.set({ resolutionCh: { ...v.resolutionCh, [c]: e.target.value } })}
                      />
                    </td>
                  ))}
                </tr>
              </tbody>
            </table>
          </div>
          <div className="cols" style={{ marginTop: '.5rem' }}>
            <label>
              Call-back promise (business minutes)
              <input type="number" min="5" value={v.callBack} onChange={(e) => f.set({ callBack: e.target.value })} />
            </label>
            <label>
              "Breaching soon" within (minutes)
              <input type="number" min="1" value={v.soon} onChange={(e) => f.set({ soon: e.target.value })} />
            </label>
          </div>
        </>
      )}
    </Shell>
  );
}

/** Routing: on/off, who is in the rotation and in which order of seniority, who is away. */
export function RoutingSettings() {
  const me = useMe();
  const agents = useApi<{ agents: { id: string; name: string; role: string; away: boolean }[] }>('/api/inbox/agents');
  const f = useSettingsForm<{ enabled: boolean; seniority: string[] }>(
    (s) => ({ enabled: s.routing.enabled, seniority: s.routing.seniority }),
    (d) => ({ routing: d }),
  );
  const v = f.value;
  const all = agents.data?.agents ?? [];
  const inOrder = v ? [...v.seniority.map((id) => all.find((a) => a.id === id)).filter((a): a is (typeof all)[number] => Boolean(a)), ...all.filter((a) => !v.seniority.includes(a.id))] : [];
  const move = (id: string, by: number) => {
    if (!v) return;
    const order = inOrder.filter((a) => v.seniority.includes(a.id)).map((a) => a.id);
    const at = order.indexOf(id);
    const to = at + by;
    if (at < 0 || to < 0 || to >= order.length) return;
    [order[at], order[to]] = [order[to], order[at]];
    f.set({ seniority: order });
  };
  return (
    <Shell
      loading={!v || !agents.data}
      error={f.s.error ?? agents.error}
      onSubmit={f.save}
      testId="inbox-routing-settings"
      saved={f.saved}
      formError={f.error}
      button="Save routing"
      owner={me.role === 'owner'}
    >
      {v && (
        <>
          <label className="check">
            <input type="checkbox" checked={v.enabled} onChange={(e) => f.set({ enabled: e.target.checked })} /> Route new conversations automatically
          </label>
          <p className="muted">
            VIPs, recent detractors and angry messages go to the most senior person available (top of the list); everyone else round-robin by open load. People marked away get nothing new; each agent
            sets that in the Inbox.
          </p>
          <ol style={{ paddingLeft: '1.2rem', margin: 0 }}>
            {inOrder.map((a) => {
              const inRotation = v.seniority.includes(a.id);
              return (
                <li key={a.id} style={{ padding: '.2rem 0' }}>
                  <span style={{ display: 'inline-flex', flexWrap: 'wrap', gap: '.4rem', alignItems: 'center' }}>
                    <label className="check" style={{ margin: 0 }}>
                      <input
                        type="checkbox"
                        checked={inRotation}
                        onChange={(e) => f.set({ seniority: e.target.checked ? [...v.seniority, a.id] : v.seniority.filter((x) => x !== a.id) })}
                        aria-label={`${a.name} takes conversations`}
                      />
                      {a.name}
                    </label>
                    {a.away && <span className="badge warn">away</span>}
                    {inRotation && (
                      <>
                        <button type="button" className="btn" style={{ padding: '0 .4rem' }} aria-label={`Move ${a.name} up`} onClick={() => move(a.id, -1)}>
                          ↑
                        </button>
                        <button type="button" className="btn" style={{ padding: '0 .4rem' }} aria-label={`Move ${a.name} down`} onClick={() => move(a.id, 1)}>
                          ↓
                        </button>
                      </>
                    )}
                  </span>
                </li>
              );
            })}
          </ol>
          <p className="muted" style={{ fontSize: '.85rem' }}>
            Nobody ticked: everyone takes conversations, in no order of seniority.
          </p>
        </>
      )}
    </Shell>
  );
}

const fieldsHelp = '{{ customer.first_name }}, {{ customer.name }}, {{ conversation.subject }}, {{ order.number }}, {{ order.amount }}, {{ business.name }}, {{ wait }}';

/** The acknowledgement mailed to new email conversations. */
export function AutoAckSettings() {
  const me = useMe();
  const f = useSettingsForm<{ enabled: boolean; subject: string; text: string }>(
    (s) => s.autoAck,
    (d) => ({ autoAck: d }),
  );
  const v = f.value;
  return (
    <Shell loading={!v} error={f.s.error} onSubmit={f.save} testId="inbox-autoack-settings" saved={f.saved} formError={f.error} button="Save acknowledgement" owner={me.role === 'owner'}>
      {v && (
        <>
          <label className="check">
            <input type="checkbox" checked={v.enabled} onChange={(e) => f.set({ enabled: e.target.checked })} /> Acknowledge new email conversations
          </label>
          <p className="muted">Sent once per new conversation, never to auto-replies, bounces, mailing lists or no-reply addresses. Fields: {fieldsHelp}.</p>
          <label>
            Subject
            <input value={v.subject} onChange={(e) => f.set({ subject: e.target.value })} />
          </label>
          <label>
            Text
            <textarea value={v.text} onChange={(e) => f.set({ text: e.target.value })} />
          </label>
        </>
      )}
    </Shell>
  );
}

interface ImapStatus {
  enabled: boolean;
  account: string | null;
  lastUid: number | null;
  lastPolledAt: string | null;
  lastError: string | null;
}

/** An existing mailbox Keepwell fetches mail from; the password is never shown again. */
export function ImapSettings() {
  const me = useMe();
  const tz = useWorkspaceTimeZone();
  const status = useApi<ImapStatus>(me.role === 'owner' ? '/api/inbox/imap' : null);
  const [check, setCheck] = useState<{ ok: boolean; stored?: number; duplicates?: number; error?: string; refused?: unknown[] } | null>(null);
  const [checkError, setCheckError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  type D = { enabled: boolean; host: string; port: string; tls: 'tls' | 'starttls' | 'none'; user: string; mailbox: string; password: string };
  const f = useSettingsForm<D>(
    (s) => ({ ...s.imap, port: String(s.imap.port), password: '' }),
    (d) => ({ imap: { enabled: d.enabled, host: d.host, port: Number(d.port), tls: d.tls, user: d.user, mailbox: d.mailbox, ...(d.password ? { password: d.password } : {}) } }),
  );
  const v = f.value;
  const passwordSet = f.s.data?.imap.passwordSet;
  const checkNow = async () => {
    setBusy(true);
    setCheck(null);
    setCheckError(null);
    try {
      setCheck(await api.post('/api/inbox/imap/check'));
      status.reload();
    } catch (e) {
      setCheckError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Shell loading={!v} error={f.s.error} onSubmit={f.save} testId="inbox-imap-settings" saved={f.saved} formError={f.error} button="Save mailbox" owner={me.role === 'owner'}>
        {v && (
          <>
            <p className="muted">Fetch mail from an existing mailbox (Gmail, Outlook, any IMAP server) every minute. Gmail and Outlook need an app password.</p>
            <label className="check">
              <input type="checkbox" checked={v.enabled} onChange={(e) => f.set({ enabled: e.target.checked })} /> Fetch mail from this mailbox
            </label>
            <div className="cols">
              <label>
                Server
                <input value={v.host} placeholder="imap.gmail.com" onChange={(e) => f.set({ host: e.target.value })} />
              </label>
              <label>
                Port
                <input type="number" min="1" max="65535" value={v.port} onChange={(e) => f.set({ port: e.target.value })} />
              </label>
              <label>
                Security
                <select value={v.tls} onChange={(e) => f.set({ tls: e.target.value as D['tls'], port: e.target.value === 'tls' ? '993' : '143' })}>
                  <option value="tls">TLS (993)</option>
                  <option value="starttls">STARTTLS (143)</option>
                  <option value="none">None (local server only)</option>
                </select>
              </label>
              <label>
                User
                <input value={v.user} autoComplete="off" placeholder="support@yourshop.com" onChange={(e) => f.set({ user: e.target.value })} />
              </label>
              <label>
                Password
                <input
                  type="password"
                  autoComplete="new-password"
                  value={v.password}
                  placeholder={passwordSet ? 'set — type to replace' : 'app password'}
                  onChange={(e) => f.set({ password: e.target.value })}
                />
              </label>
              <label>
                Folder
                <input value={v.mailbox} onChange={(e) => f.set({ mailbox: e.target.value })} />
              </label>
            </div>
          </>
        )}
      </Shell>
      {me.role === 'owner' && (
        <div style={{ marginTop: '.75rem' }} data-testid="imap-status">
          {status.data?.account && (
            <p className="muted" style={{ margin: '0 0 .4rem', overflowWrap: 'anywhere' }}>
              {status.data.account}: last fetched {status.data.lastPolledAt ? formatDateTime(status.data.lastPolledAt, tz) : 'never'}
              {status.data.lastError ? ` — ${status.data.lastError}` : ''}
            </p>
          )}
          <button type="button" className="btn" disabled={busy || !passwordSet} onClick={checkNow}>
            {busy ? 'Checking…' : 'Check for mail now'}
          </button>
          <FormError error={checkError} />
          {check && (
            <p className={`badge ${check.ok ? 'good' : 'bad'}`} style={{ marginTop: '.4rem' }}>
              {check.ok
                ? `Connected: ${check.stored} new message${check.stored === 1 ? '' : 's'}${check.refused?.length ? `, ${check.refused.length} skipped` : ''}`
                : `Could not fetch: ${check.error}`}
            </p>
          )}
        </div>
      )}
    </>
  );
}

interface Canned {
  id: string;
  title: string;
  body: string;
  promoPercentOff: number | null;
}

/** Saved answers agents insert in the reply box. */
export function CannedRepliesSettings() {
  const list = useApi<{ canned: Canned[] }>('/api/inbox/canned');
  const empty = { id: '', title: '', body: '', promo: '' };
  const [edit, setEdit] = useState(empty);
  const [error, setError] = useState<unknown>(null);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const body = { title: edit.title, body: edit.body, promoPercentOff: edit.promo ? Number(edit.promo) : null };
    try {
      if (edit.id) await api.put(`/api/inbox/canned/${edit.id}`, body);
      else await api.post('/api/inbox/canned', body);
      setEdit(empty);
      list.reload();
    } catch (x) {
      setError(x);
    }
  };
  const remove = async (id: string) => {
    await api.delete(`/api/inbox/canned/${id}`);
    list.reload();
  };
  return (
    <div data-testid="inbox-canned-settings" className="inbox-settings">
      <style>{css}</style>
      {list.error && <p className="error">{list.error}</p>}
      {list.data && list.data.canned.length === 0 && <p className="muted">No canned replies yet.</p>}
      <ul className="canned-list">
        {(list.data?.canned ?? []).map((c) => (
          <li key={c.id}>
            <div style={{ minWidth: 0 }}>
              <strong>{c.title}</strong>
              {c.promoPercentOff ? <span className="badge"> {c.promoPercentOff}% code</span> : null}
              <div className="body">{c.body}</div>
            </div>
            <span style={{ display: 'flex', gap: '.3rem', flexShrink: 0 }}>
              <button type="button" className="btn" onClick={() => setEdit({ id: c.id, title: c.title, body: c.body, promo: c.promoPercentOff ? String(c.promoPercentOff) : '' })}>
                Edit
              </button>
              <button type="button" className="btn" onClick={() => remove(c.id)} aria-label={`Delete ${c.title}`}>
                Delete
              </button>
            </span>
          </li>
        ))}
      </ul>
      <form onSubmit={save} aria-label={edit.id ? 'Edit canned reply' : 'New canned reply'}>
        <div className="cols">
          <label>
            Title
            <input value={edit.title} onChange={(e) => setEdit({ ...edit, title: e.target.value })} placeholder="Order delayed" />
          </label>
          <label>
            Promo code (% off, optional)
            <input type="number" min="1" max="100" value={edit.promo} onChange={(e) => setEdit({ ...edit, promo: e.target.value })} />
          </label>
        </div>
        <label>
          Text
          <textarea value={edit.body} onChange={(e) => setEdit({ ...edit, body: e.target.value })} placeholder="Hi {{ customer.first_name }}, …" />
        </label>
        <p className="muted" style={{ fontSize: '.85rem' }}>
          Fields: {fieldsHelp}, {'{{ agent.first_name }}'}, and {'{{ promo.code }}'} (a one-time code for the customer when a percentage is set).
        </p>
        <FormError error={error} />
        <div className="inline-form">
          <button className="btn primary" type="submit" disabled={!edit.title.trim() || !edit.body.trim()}>
            {edit.id ? 'Save changes' : 'Add canned reply'}
          </button>
          {edit.id && (
            <button type="button" className="btn" onClick={() => setEdit(empty)}>
              Cancel
            </button>
          )}
        </div>
      </form>
    </div>
  );
}
