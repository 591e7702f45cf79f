// Playbooks: the ready-made ones and the owner's own, switched on or off, with recent runs.
import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api';
import { useMe } from '../../shell/me';
import { useApi } from '../../shell/useApi';
import { AreaTabs } from './AreaTabs';
import { SettingsCard } from './SettingsCard';
import { describeAction, describeTrigger, describeWait, type Playbook, type RunRow } from './types';

export function RunsTable({ runs, showPlaybook = true }: { runs: RunRow[]; showPlaybook?: boolean }) {
  if (runs.length === 0) return <p className="muted">No steps have run yet.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th>When</th>
          {showPlaybook && <th>Playbook</th>}
          <th>Customer</th>
          <th>Step</th>
          <th>Result</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.id}>
            <td>{new Date(r.at).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' })}</td>
            {showPlaybook && (
              <td>
                <Link to={`/playbooks/${r.playbook_id}`}>{r.playbook}</Link>
              </td>
            )}
            <td>
              <Link to={`/customers/${r.customer_id}`}>{r.customer}</Link>
            </td>
            <td>
              {r.step_index + 1}. {r.action}
            </td>
            <td>
              <span className={`badge ${r.status === 'done' ? 'good' : r.status === 'failed' ? 'bad' : 'warn'}`}>{r.status}</span> {r.detail}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function PlaybooksPage() {
  const me = useMe();
  const { data, error, reload } = useApi<{ playbooks: Playbook[] }>('/api/playbooks');
  const runs = useApi<{ runs: RunRow[] }>('/api/playbooks/runs?limit=30');
  const [actionError, setActionError] = useState<string | null>(null);
  const toggle = async (p: Playbook) => {
    setActionError(null);
    try {
      await api.post(`/api/playbooks/${p.id}/enabled`, { enabled: !p.enabled });
      reload();
    } catch (e) {
      setActionError((e as Error).message);
    }
  };
  const isOwner = me.role === 'owner';
  return (
    <div className="page">
      <h1>Playbooks</h1>
      <AreaTabs />
      <p className="muted">
        Follow-up that runs by itself: each playbook waits for its trigger, checks its conditions, and runs its steps — emails, tasks, tags, offers. A customer enters a playbook once per occurrence
        (once per birthday, once per lapse), and marketing email respects consent, unsubscribes and the weekly cap.
      </p>
      {error && <p className="error">{error}</p>}
      {actionError && <p className="error">{actionError}</p>}
      <div className="grid">
        {data?.playbooks.map((p) => (
          <section key={p.id} className="card" aria-label={p.name}>
            <div style={{ display: 'flex', justifyContent: 'space-between', gap: '.5rem', alignItems: 'baseline' }}>
              <h2 style={{ margin: 0 }}>
                <Link to={`/playbooks/${p.id}`}>{p.name}</Link>
              </h2>
              <span className={`badge ${p.enabled ? 'good' : ''}`}>{p.enabled ? 'on' : 'off'}</span>
            </div>
            <p className="muted">{p.description}</p>
            <p>
              <strong>When</strong> {describeTrigger(p.trigger)}
            </p>
            <ol style={{ paddingLeft: '1.2rem', margin: '.25rem 0' }}>
              {p.steps.map((s, i) => (
                <li key={i}>
                  {describeWait(s.wait)}: {describeAction(s.action)}
                </li>
              ))}
            </ol>
            <p className="muted">
              {p.enrolled ?? 0} entered, {p.active ?? 0} in progress
            </p>
            {isOwner && (
              <div className="inline-form">
                <button className={`btn ${p.enabled ? '' : 'primary'}`} onClick={() => toggle(p)}>
                  {p.enabled ? 'Switch off' : 'Switch on'}
                </button>
                <Link className="btn" to={`/playbooks/${p.id}`}>
                  Edit
                </Link>
              </div>
            )}
          </section>
        ))}
      </div>
      <section className="card">
        <h2>Recent runs</h2>
        {runs.error && <p className="error">{runs.error}</p>}
        {runs.data && <RunsTable runs={runs.data.runs} />}
      </section>
      <SettingsCard editable={isOwner} />
    </div>
  );
}
