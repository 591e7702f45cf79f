// A task made by hand: what, for which customer (found by name or email, or fixed when the form
// sits on a customer's page), when, for whom.
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../../api';
import { FormError } from '../../shell/FormError';
import { useApi } from '../../shell/useApi';
import type { Assignees } from './TaskList';

type Found = { id: string; name: string; email: string | null };

function CustomerField({ value, onChange }: { value: Found | null; onChange: (c: Found | null) => void }) {
  const [q, setQ] = useState('');
  const [results, setResults] = useState<Found[]>([]);
  useEffect(() => {
    if (value || q.trim().length < 2) {
      setResults([]);
      return;
    }
    const t = setTimeout(() => {
      api.get<{ customers: Found[] }>(`/api/customers?search=${encodeURIComponent(q.trim())}&limit=8`).then(
        (r) => setResults(r.customers),
        () => setResults([]),
      );
    }, 200);
    return () => clearTimeout(t);
  }, [q, value]);
  if (value)
    return (
      <div className="inline-form" style={{ marginTop: 0, marginBottom: '.75rem' }} data-testid="task-customer">
        <span>
          Customer: <strong>{value.name}</strong> {value.email && <span className="muted">{value.email}</span>}
        </span>
        <button type="button" className="link" onClick={() => (onChange(null), setQ(''))}>
          change
        </button>
      </div>
    );
  return (
    <label>
      Customer (optional)
      <input value={q} onChange={(e) => setQ(e.target.value)} placeholder="Find by name or email…" autoComplete="off" />
      {results.length > 0 && (
        <ul className="pick-list" aria-label="Matching customers" style={{ listStyle: 'none', padding: 0, margin: '.25rem 0 0' }}>
          {results.map((r) => (
            <li key={r.id}>
              <button type="button" className="link" onClick={() => onChange(r)}>
                {r.name}
              </button>{' '}
              <span className="muted">{r.email}</span>
            </li>
          ))}
        </ul>
      )}
    </label>
  );
}

export function NewTaskForm({ customer, onCreated }: { customer?: { id: string; name: string }; onCreated: () => void }) {
  const [form, setForm] = useState({ title: '', dueAt: '', details: '', assignee: '' });
  const [picked, setPicked] = useState<Found | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const assignees = useApi<Assignees>('/api/tasks/assignees');
  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    const who = form.assignee.startsWith('role:') ? { assigneeRole: form.assignee.slice(5) } : form.assignee ? { assigneeUserId: form.assignee } : {};
    try {
      await api.post('/api/tasks', {
        title: form.title,
        details: form.details || undefined,
        dueAt: form.dueAt ? new Date(form.dueAt).toISOString() : undefined,
        customerId: customer?.id ?? picked?.id ?? null,
        ...who,
      });
      setForm({ title: '', dueAt: '', details: '', assignee: form.assignee });
      setPicked(null);
      setSaved(true);
      onCreated();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form onSubmit={create} aria-label="New task">
      <label>
        What
        <input value={form.title} onChange={(e) => setForm({ ...form, title: e.target.value })} required maxLength={300} />
      </label>
      {!customer && <CustomerField value={picked} onChange={setPicked} />}
      <label>
        Due (empty: now)
        <input type="datetime-local" value={form.dueAt} onChange={(e) => setForm({ ...form, dueAt: e.target.value })} />
      </label>
      <label>
        For
        <select value={form.assignee} onChange={(e) => setForm({ ...form, assignee: e.target.value })}>
          <option value="">Me</option>
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
      </label>
      <label>
        Details
        <textarea value={form.details} onChange={(e) => setForm({ ...form, details: e.target.value })} rows={2} />
      </label>
      <FormError error={error} />
      {saved && <p className="ok">Task added.</p>}
      <button className="btn primary">Add task</button>
    </form>
  );
}
