// Find a customer by name or email and act on one (loyalty looks up their points, recovery adds
// them to an incident by hand). Searches from two characters on.
import { useState } from 'react';
import { useApi } from './useApi';

interface Found {
  id: string;
  name: string;
  email: string | null;
}

export function CustomerPicker({ label, onPick, asButtons = false }: { label: string; onPick: (c: Found) => void; asButtons?: boolean }) {
  const [search, setSearch] = useState('');
  const q = search.trim();
  const found = useApi<{ customers: Found[] }>(q.length >= 2 ? `/api/customers?search=${encodeURIComponent(q)}&limit=10` : null);
  const list = q.length >= 2 ? (found.data?.customers ?? []) : [];
  return (
    <div>
      <input value={search} onChange={(e) => setSearch(e.target.value)} placeholder={label} aria-label={label} />
      {q.length >= 2 && found.data && (
        <ul data-testid="customer-results" className={asButtons ? 'inline-form' : undefined} style={{ listStyle: 'none', padding: 0, margin: asButtons ? '.5rem 0 0' : 0 }}>
          {list.map((c) => (
            <li key={c.id}>
              {asButtons ? (
                <button className="btn" onClick={() => onPick(c)}>
                  + {c.name}
                </button>
              ) : (
                <>
                  <button className="link" onClick={() => onPick(c)}>
                    {c.name}
                  </button>{' '}
                  <span className="muted">{c.email}</span>
                </>
              )}
            </li>
          ))}
          {list.length === 0 && <li className="muted">No customer matches.</li>}
        </ul>
      )}
    </div>
  );
}
