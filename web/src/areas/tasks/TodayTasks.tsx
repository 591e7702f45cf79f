// Today's tasks (due by tonight, not snoozed): for the dashboard. Done and snooze in place.
import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api';
import { useApi } from '../../shell/useApi';
import type { TaskRow } from './types';

export function TodayTasks() {
  const { data, error, loading, reload } = useApi<{ tasks: TaskRow[]; total?: number }>('/api/tasks?view=today&limit=20');
  const [busy, setBusy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const act = async (id: string, path: string, body: unknown) => {
    setBusy(id);
    setActionError(null);
    try {
      await api.post(`/api/tasks/${id}/${path}`, body);
      reload();
    } catch (e) {
      setActionError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };
  if (loading && !data) return <p className="muted">Loading today's tasks…</p>;
  if (error) return <p className="error">{error}</p>;
  if (!data || data.tasks.length === 0)
    return (
      <p className="muted">
        Nothing due today. <Link to="/tasks">All tasks</Link>
      </p>
    );
  return (
    <div>
      {actionError && <p className="error">{actionError}</p>}
      <ul className="today-tasks" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
        {data.tasks.map((t) => (
          <li key={t.id} style={{ display: 'flex', gap: '.5rem', alignItems: 'baseline', padding: '.35rem 0', borderBottom: '1px solid var(--line)' }}>
            <input type="checkbox" aria-label={`Done: ${t.title}`} disabled={busy === t.id} onChange={() => act(t.id, 'done', { done: true })} />
            <span style={{ flex: 1 }}>
              {t.title}
              {t.customer && (
                <>
                  {' '}
                  — <Link to={`/customers/${t.customer.id}`}>{t.customer.name}</Link>
                </>
              )}{' '}
              {t.overdue && <span className="badge bad">overdue</span>}
            </span>
            <button className="link" disabled={busy === t.id} onClick={() => act(t.id, 'snooze', { days: 1 })}>
              Tomorrow
            </button>
          </li>
        ))}
      </ul>
      <p className="muted" style={{ marginTop: '.5rem' }}>
        {data.total !== undefined && data.total > data.tasks.length && `${data.total - data.tasks.length} more due today · `}
        <Link to="/tasks">All tasks</Link>
      </p>
    </div>
  );
}
