// Outbox: every email Keepwell sends or keeps. Without SMTP_URL, emails stay here (the owner
// reads them); with it, this is the sent log with each message's status and any rejection.
import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api';
import { useApi } from '../../shell/useApi';
import { AreaTabs } from './AreaTabs';
import { formatDateTime } from '../../shell/format';

interface EmailRow {
  id: string;
  to: string;
  subject: string;
  kind: 'marketing' | 'transactional';
  status: 'queued' | 'sending' | 'sent' | 'failed' | 'cancelled';
  transport: string | null;
  source: string | null;
  error: string | null;
  attempts: number;
  createdAt: string;
  sentAt: string | null;
  customerId: string | null;
  customerName: string | null;
}
interface EmailFull {
  id: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  messageId: string;
}

const badge: Record<EmailRow['status'], string> = { queued: '', sending: 'warn', sent: 'good', failed: 'bad', cancelled: 'warn' };

export function OutboxPage() {
  const [status, setStatus] = useState('');
  const { data, error } = useApi<{ smtp: boolean; counts: Record<string, number>; emails: EmailRow[] }>(`/api/outbox?limit=200${status ? `&status=${status}` : ''}`);
  const [open, setOpen] = useState<EmailFull | null>(null);
  const [openError, setOpenError] = useState<string | null>(null);
  const show = async (id: string) => {
    setOpenError(null);
    try {
      setOpen(await api.get<EmailFull>(`/api/outbox/${id}`));
    } catch (e) {
      setOpenError((e as Error).message);
    }
  };
  return (
    <div className="page">
      <h1>Outbox</h1>
      <AreaTabs />
      {data && (
        <p className="muted">
          {data.smtp
            ? 'Mail goes out through your SMTP server (SMTP_URL). This is the log of what was sent.'
            : 'No SMTP server is set (SMTP_URL), so emails are kept here instead of being sent. Set SMTP_URL to deliver them.'}{' '}
          {Object.entries(data.counts)
            .map(([k, v]) => `${v} ${k}`)
            .join(' · ')}
        </p>
      )}
      <div className="inline-form" style={{ marginTop: 0 }}>
        <label style={{ flexDirection: 'row', alignItems: 'center', margin: 0, gap: '.5rem' }}>
          Show
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">all</option>
            {['queued', 'sending', 'sent', 'failed', 'cancelled'].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
      </div>
      {error && <p className="error">{error}</p>}
      {openError && <p className="error">{openError}</p>}
      <div className="grid" style={{ gridTemplateColumns: open ? 'repeat(auto-fit, minmax(min(100%, 420px), 1fr))' : 'minmax(0, 1fr)' }}>
        <section className="card" style={{ minWidth: 0 }}>
          {data && data.emails.length === 0 && <p className="muted">No emails yet. Switch on a playbook to start the follow-up.</p>}
          {data && data.emails.length > 0 && (
            <div className="table-scroll">
              <table>
                <thead>
                  <tr>
                    <th>Subject</th>
                    <th>To</th>
                    <th>Kind</th>
                    <th>Status</th>
                    <th>When</th>
                  </tr>
                </thead>
                <tbody>
                  {data.emails.map((e) => (
                    <tr key={e.id}>
                      <td>
                        <button className="link" onClick={() => show(e.id)}>
                          {e.subject}
                        </button>
                      </td>
                      <td>{e.customerId ? <Link to={`/customers/${e.customerId}`}>{e.customerName ?? e.to}</Link> : e.to}</td>
                      <td>{e.kind}</td>
                      <td>
                        <span className={`badge ${badge[e.status]}`}>{e.status === 'sent' && e.transport === 'outbox' ? 'in outbox' : e.status}</span>
                        {e.error && <div className="muted">{e.error}</div>}
                      </td>
                      <td>{formatDateTime(e.sentAt ?? e.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
        {open && (
          <section className="card" aria-label="Email" style={{ minWidth: 0, overflowWrap: 'anywhere' }}>
            <div style={{ display: 'flex', justifyContent: 'space-between', gap: '.5rem' }}>
              <h2 style={{ minWidth: 0 }}>{open.subject}</h2>
              <button className="link" style={{ flexShrink: 0, alignSelf: 'flex-start' }} onClick={() => setOpen(null)}>
                Close
              </button>
            </div>
            <p className="muted">
              To {open.to} · Message-ID {open.messageId}
              {open.headers['List-Unsubscribe'] ? ' · one-click unsubscribe' : ''}
            </p>
            <iframe title="Email" sandbox="" srcDoc={open.html} style={{ display: 'block', width: '100%', maxWidth: '100%', height: 420, border: '1px solid var(--line)', borderRadius: 6 }} />
            <details>
              <summary>Plain text</summary>
              <pre style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', maxWidth: '100%' }}>{open.text}</pre>
            </details>
          </section>
        )}
      </div>
    </div>
  );
}
