// Tasks: today's, all open, and done; create one by hand; done, snooze, assign.
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api } from '../../api';
import { FormError } from '../../shell/FormError';
import { useApi } from '../../shell/useApi';
import { AreaTabs } from '../playbooks/AreaTabs';
import type { TaskRow } from './types';

type View = 'today' | 'open' | 'done';
interface Assignees {
  users: { id: string; name: string; role: string }[];
  roles: string[];
}

const fmt = (s: string | null) => (s ? new Date(s).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '');
const sourceLabel = (s: string) => (s.startsWith('playbook:') ? 'playbook' : s.startsWith('survey:') ? 'survey' : s.startsWith('user:') || s === 'manual' ? 'by hand' : s);

export function TasksPage() {
  const [view, setView] = useState<View>('today');
  const [mine, setMine] = useState(false);
  const { data, error, reload } = useApi<{ tasks: TaskRow[] }>(`/api/tasks?view=${view}${mine ? '&mine=true' : ''}`);
  const assignees = useApi<Assignees>('/api/tasks/assignees');
  const [form, setForm] = useState({ title: '', dueAt: '', details: '' });
  const [formError, setFormError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<string | null>(null);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    try {
      await api.post('/api/tasks', { title: form.title, details: form.details || undefined, dueAt: form.dueAt ? new Date(form.dueAt).toISOString() : undefined });
      setForm({ title: '', dueAt: '', details: '' });
      reload();
    } catch (err) {
      setFormError(err);
    }
  };
  const act = async (path: string, body: unknown) => {
    setActionError(null);
    try {
      await api.post(path, body);
      reload();
    } catch (err) {
      setActionError((err as Error).message);
    }
  };

  return (
    <div className="page">
      <h1>Tasks</h1>
      <AreaTabs />
      <section className="card">
        <div className="inline-form" style={{ marginTop: 0 }}>
          {(['today', 'open', 'done'] as View[]).map((v) => (
            <button key={v} className={`btn ${view === v ? 'primary' : ''}`} onClick={() => setView(v)} aria-pressed={view === v}>
              {v === 'today' ? 'Today' : v === 'open' ? 'All open' : 'Done'}
            </button>
          ))}
          <label style={{ flexDirection: 'row', alignItems: 'center', margin: 0 }}>
            <input type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} /> Only mine
          </label>
        </div>
        {actionError && <p className="error">{actionError}</p>}
        {error && <p className="error">{error}</p>}
        {data && data.tasks.length === 0 && <p className="muted">{view === 'today' ? 'Nothing due today.' : view === 'open' ? 'No open tasks.' : 'Nothing done yet.'}</p>}
        {data && data.tasks.length > 0 && (
          <table>
            <thead>
              <tr>
                <th>Task</th>
                <th>Customer</th>
                <th>Due</th>
                <th>Assignee</th>
                <th>From</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {data.tasks.map((t) => (
                <tr key={t.id}>
                  <td>
                    <strong>{t.title}</strong>
                    {t.details && <div className="muted">{t.details}</div>}
                  </td>
                  <td>{t.customer ? <Link to={`/customers/${t.customer.id}`}>{t.customer.name}</Link> : <span className="muted">—</span>}</td>
                  <td>
                    {fmt(t.dueAt)} {t.overdue && <span className="badge bad">overdue</span>}
                    {t.snoozedUntil && new Date(t.snoozedUntil) > new Date() && <div className="muted">snoozed until {fmt(t.snoozedUntil)}</div>}
                  </td>
                  <td>
                    <select
                      aria-label={`Assignee of ${t.title}`}
                      value={t.assignee.userId ?? `role:${t.assignee.role ?? 'owner'}`}
                      onChange={(e) => {
                        const v = e.target.value;
                        void act(`/api/tasks/${t.id}/assign`, v.startsWith('role:') ? { role: v.slice(5) } : { userId: v });
                      }}
                    >
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
        )}
      </section>
      <section className="card">
        <h2>New task</h2>
        <form onSubmit={create} aria-label="New task">
          <label>
            What
            <input value={form.title} onChange={(e) => setForm({ ...form, title: e.target.value })} required maxLength={300} />
          </label>
          <label>
            Due (empty: now)
            <input type="datetime-local" value={form.dueAt} onChange={(e) => setForm({ ...form, dueAt: e.target.value })} />
          </label>
          <label>
            Details
            <textarea value={form.details} onChange={(e) => setForm({ ...form, details: e.target.value })} rows={2} />
          </label>
          <FormError error={formError} />
          <button className="btn primary">Add task</button>
        </form>
        <p className="muted">Tasks for a customer are also made by playbooks (a call after 60 quiet days, a detractor follow-up) and from a customer's page.</p>
      </section>
    </div>
  );
}
