// Minimal Today list (the playbooks/tasks area replaces this with the full one).
import { Link } from 'react-router';
import { useApi } from '../../shell/useApi';

interface TaskRow {
  id: string;
  title: string;
  dueAt: string;
  overdue: boolean;
  customer: { id: string; name: string } | null;
}

export function TodayTasks() {
  const { data, error, loading } = useApi<{ tasks: TaskRow[] }>('/api/tasks?view=today');
  if (loading) return <p className="muted">Loading today's tasks…</p>;
  if (error) return <p className="error">{error}</p>;
  if (!data || data.tasks.length === 0) return <p className="muted">Nothing due today.</p>;
  return (
    <ul className="today-tasks">
      {data.tasks.map((t) => (
        <li key={t.id}>
          {t.title}
          {t.customer && (
            <>
              {' '}
              — <Link to={`/customers/${t.customer.id}`}>{t.customer.name}</Link>
            </>
          )}
          {t.overdue && <span className="badge bad">overdue</span>}
        </li>
      ))}
    </ul>
  );
}
