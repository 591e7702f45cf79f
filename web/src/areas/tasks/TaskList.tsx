// The task list: views with counts (today, all open, done), filters (mine, due, from), sort,
// a page at a time with "Show more", and bulk done / snooze / assign on the ticked rows.
// Used by the Tasks page and, for one customer, on the customer's page.
import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api';
import { useApi } from '../../shell/useApi';
import type { TaskPage, TaskRow } from './types';
import { formatDateTime } from '../../shell/format';

type View = 'today' | 'open' | 'done';
export interface Assignees {
  users: { id: string; name: string; role: string }[];
  roles: string[];
}

export const fmtWhen = (s: string | null) => (s ? formatDateTime(s) : '');
export const sourceLabel = (s: string) => (s.startsWith('playbook:') ? 'playbook' : s.startsWith('survey:') ? 'survey' : s.startsWith('user:') || s === 'manual' ? 'by hand' : s.split(':')[0]!);
const sources = [
  ['', 'Anywhere'],
  ['manual', 'By hand'],
  ['playbook', 'Playbooks'],
  ['survey', 'Surveys'],
  ['inbox', 'Inbox'],
  ['security', 'Security'],
] as const;
const sorts = [
  ['due', 'Due first'],
  ['due_desc', 'Due last'],
  ['newest', 'Newest'],
  ['oldest', 'Oldest'],
  ['customer', 'Customer'],
] as const;

export function TaskList({ customerId, reloadKey = 0, pageSize = 50 }: { customerId?: string; reloadKey?: number; pageSize?: number }) {
  const [view, setView] = useState<View>(customerId ? 'open' : 'today');
  const [mine, setMine] = useState(false);
  const [due, setDue] = useState('');
  const [source, setSource] = useState('');
  const [sort, setSort] = useState('');
  const [rows, setRows] = useState<TaskRow[]>([]);
  const [page, setPage] = useState<TaskPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [bulkAssignee, setBulkAssignee] = useState('');
  const assignees = useApi<Assignees>('/api/tasks/assignees');

  const query = (cursor?: string | null) => {
    const p = new URLSearchParams({ view, limit: String(pageSize) });
    if (mine) p.set('mine', 'true');
    if (due && view !== 'done') p.set('due', due);
    if (source) p.set('source', source);
    if (sort && view !== 'done') p.set('sort', sort);
    if (customerId) p.set('customerId', customerId);
    if (cursor) p.set('cursor', cursor);
    return `/api/tasks?${p}`;
  };
  const load = useCallback(
    async (more: boolean) => {
      setLoading(true);
      try {
        const next = await api.get<TaskPage>(query(more ? page?.nextCursor : null));
        setRows((r) => (more ? [...r, ...next.tasks] : next.tasks));
        setPage(next);
        setError(null);
        if (!more) setSelected(new Set());
      } catch (e) {
        setError((e as Error).message);
      } finally {
        setLoading(false);
      }
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [view, mine, due, source, sort, customerId, page?.nextCursor, pageSize],
  );
  useEffect(() => {
    void load(false);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [view, mine, due, source, sort, customerId, reloadKey]);

  const act = async (path: string, body: unknown) => {
    setError(null);
    try {
      await api.post(path, body);
      await load(false);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const bulk = (body: Record<string, unknown>) => act('/api/tasks/bulk', { ids: [...selected], ...body });
  const toggle = (id: string) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  const counts = page?.counts;
  const assigneeOptions = (
    <>
      {(assignees.data?.roles ?? ['owner', 'agent']).map((r) => (
        <option key={r} value={`role:${r}`}>
          any {r}
        </option>
      ))}
      {assignees.data?.users.map((u) => (
        <option key={u.id} value={u.id}>
          {u.name}
        </option>
      ))}
    </>
  );
  const assignBody = (v: string) => (v.startsWith('role:') ? { role: v.slice(5) } : { userId: v });
  const allTicked = rows.length > 0 && rows.every((r) => selected.has(r.id));

  return (
    <div className="task-list">
      <div className="inline-form" style={{ marginTop: 0 }} role="group" aria-label="Task views">
        {(['today', 'open', 'done'] as View[]).map((v) => (
          <button key={v} className={`btn ${view === v ? 'primary' : ''}`} onClick={() => setView(v)} aria-pressed={view === v}>
            {v === 'today' ? 'Today' : v === 'open' ? 'All open' : 'Done'}
            {counts && <span data-testid={`count-${v}`}> ({v === 'today' ? counts.today : v === 'open' ? counts.open : counts.done})</span>}
          </button>
        ))}
        {counts && counts.overdue > 0 && view !== 'done' && (
          <button className="link" onClick={() => setDue('overdue')}>
            <span className="badge bad">{counts.overdue} overdue</span>
          </button>
        )}
      </div>
      <div className="inline-form" role="group" aria-label="Task filters">
        <label style={{ flexDirection: 'row', alignItems: 'center', margin: 0 }}>
          <input type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} /> Only mine
        </label>
        {view !== 'done' && (
          <select aria-label="Due" value={due} onChange={(e) => setDue(e.target.value)}>
            <option value="">Any due date</option>
            <option value="overdue">Overdue</option>
            <option value="today">Due today</option>
            {view === 'open' && <option value="later">Due later</option>}
          </select>
        )}
        <select aria-label="From" value={source} onChange={(e) => setSource(e.target.value)}>
          {sources.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
        {view !== 'done' && (
          <select aria-label="Sort" value={sort} onChange={(e) => setSort(e.target.value)}>
            {sorts.map(([v, l]) => (
              <option key={v} value={v === 'due' ? '' : v}>
                {l}
              </option>
            ))}
          </select>
        )}
      </div>
      {selected.size > 0 && (
        <div className="inline-form bulk-bar" role="group" aria-label="With the ticked tasks">
          <strong>{selected.size} ticked:</strong>
          {view === 'done' ? (
            <button className="btn" onClick={() => bulk({ action: 'reopen' })}>
              Reopen
            </button>
          ) : (
            <>
              <button className="btn" onClick={() => bulk({ action: 'done' })}>
                Mark done
              </button>
              <button className="btn" onClick={() => bulk({ action: 'snooze', days: 1 })}>
                Snooze 1 day
              </button>
              <select aria-label="Assign the ticked tasks to" value={bulkAssignee} onChange={(e) => setBulkAssignee(e.target.value)}>
                <option value="">Assign to…</option>
                {assigneeOptions}
              </select>
              <button className="btn" disabled={!bulkAssignee} onClick={() => bulk({ action: 'assign', ...assignBody(bulkAssignee) })}>
                Assign
              </button>
            </>
          )}
          <button className="link" onClick={() => setSelected(new Set())}>
            clear
          </button>
        </div>
      )}
      {error && <p className="error">{error}</p>}
      {page && (
        <p className="muted" data-testid="task-total">
          Showing {rows.length} of {page.total} {page.total === 1 ? 'task' : 'tasks'}
        </p>
      )}
      {page && rows.length === 0 && <p className="muted">{view === 'today' ? 'Nothing due today.' : view === 'open' ? 'No open tasks.' : 'Nothing done yet.'}</p>}
      {rows.length > 0 && (
        <div className="table-scroll">
          <table className="tasks-table">
            <thead>
              <tr>
                <th>
                  <input type="checkbox" aria-label="Tick every task shown" checked={allTicked} onChange={() => setSelected(allTicked ? new Set() : new Set(rows.map((r) => r.id)))} />
                </th>
                <th>Task</th>
                {!customerId && <th>Customer</th>}
                <th>Due</th>
                <th>Assignee</th>
                <th>From</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {rows.map((t) => (
                <tr key={t.id} data-testid="task-row">
                  <td>
                    <input type="checkbox" aria-label={`Tick ${t.title}`} checked={selected.has(t.id)} onChange={() => toggle(t.id)} />
                  </td>
                  <td>
                    <strong>{t.title}</strong>
                    {t.details && <div className="muted">{t.details}</div>}
                  </td>
                  {!customerId && <td>{t.customer ? <Link to={`/customers/${t.customer.id}`}>{t.customer.name}</Link> : <span className="muted">—</span>}</td>}
                  <td>
                    {fmtWhen(t.dueAt)} {t.overdue && <span className="badge bad">overdue</span>}
                    {t.snoozedUntil && new Date(t.snoozedUntil) > new Date() && <div className="muted">snoozed until {fmtWhen(t.snoozedUntil)}</div>}
                  </td>
                  <td>
                    <select
                      aria-label={`Assignee of ${t.title}`}
                      value={t.assignee.userId ?? `role:${t.assignee.role ?? 'owner'}`}
                      onChange={(e) => void act(`/api/tasks/${t.id}/assign`, assignBody(e.target.value))}
                    >
                      {assigneeOptions}
                    </select>
                  </td>
                  <td>
                    <span className="badge">{sourceLabel(t.source)}</span>
                  </td>
                  <td style={{ whiteSpace: 'nowrap' }}>
                    {t.status === 'open' ? (
                      <>
                        <button className="btn" onClick={() => act(`/api/tasks/${t.id}/done`, { done: true })}>
                          Done
                        </button>{' '}
                        <button className="btn" onClick={() => act(`/api/tasks/${t.id}/snooze`, { days: 1 })}>
                          Snooze 1 day
                        </button>
                      </>
                    ) : (
                      <button className="btn" onClick={() => act(`/api/tasks/${t.id}/done`, { done: false })}>
                        Reopen
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page?.nextCursor && (
        <button className="btn" disabled={loading} onClick={() => void load(true)} style={{ marginTop: '.75rem' }}>
          Show more ({page.total - rows.length} more)
        </button>
      )}
    </div>
  );
}
