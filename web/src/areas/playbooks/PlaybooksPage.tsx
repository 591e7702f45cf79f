// Playbooks: the ready-made ones and the owner's own, switched on or off, with recent runs.
import { useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api';
import { useMe } from '../../shell/me';
import { useApi } from '../../shell/useApi';
import { AreaTabs } from './AreaTabs';
import { SettingsCard } from './SettingsCard';
import { useDescribeTrigger } from './triggers';
import { describeAction, describeWait, type Playbook, type RunRow } from './types';
import { formatDateTime } from '../../shell/format';

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
            <td>{formatDateTime(r.at)}</td>
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

interface Preview {
  threshold: boolean;
  existing: number;
  crossedLastWeek: number;
  dailyCap: number;
  daysToIncludeAll: number;
}

/** Switching on a threshold playbook: from now on, or existing customers too (capped a day), with how many. */
function SwitchOn({ playbook, onDone, onCancel }: { playbook: Playbook; onDone: () => void; onCancel: () => void }) {
  const [includeExisting, setIncludeExisting] = useState(false);
  const [cap, setCap] = useState(playbook.dailyCap ?? 25);
  const preview = useApi<Preview>(`/api/playbooks/${playbook.id}/preview?dailyCap=${Math.max(1, Math.min(1000, cap || 1))}`);
  const [error, setError] = useState<string | null>(null);
  const save = async () => {
    try {
      await api.post(`/api/playbooks/${playbook.id}/enabled`, { enabled: true, includeExisting, ...(includeExisting ? { dailyCap: cap } : {}) });
      onDone();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const p = preview.data;
  return (
    <div role="group" aria-label={`Switch on ${playbook.name}`} className="card" style={{ background: '#f8fafc', marginTop: '.5rem' }}>
      {p ? (
        <p data-testid="enrol-preview">
          <strong>{p.existing}</strong> {p.existing === 1 ? 'customer is' : 'customers are'} already past this point ({p.crossedLastWeek} of them in the last week).
        </p>
      ) : (
        <p className="muted">Counting who is already past this point…</p>
      )}
      <label style={{ flexDirection: 'row', alignItems: 'center', gap: '.5rem' }}>
        <input type="radio" name={`enrol-${playbook.id}`} checked={!includeExisting} onChange={() => setIncludeExisting(false)} />
        Only customers who reach it from now on
      </label>
      <label style={{ flexDirection: 'row', alignItems: 'center', gap: '.5rem', flexWrap: 'wrap' }}>
        <input type="radio" name={`enrol-${playbook.id}`} checked={includeExisting} onChange={() => setIncludeExisting(true)} />
        Also the existing ones,
        <input type="number" aria-label="Existing customers a day" min={1} max={1000} value={cap} onChange={(e) => setCap(Number(e.target.value))} style={{ width: '5rem' }} />a day, most valuable
        first
        {p && includeExisting && (
          <span className="muted">
            (about {p.daysToIncludeAll} {p.daysToIncludeAll === 1 ? 'day' : 'days'})
          </span>
        )}
      </label>
      {error && <p className="error">{error}</p>}
      <div className="inline-form">
        <button className="btn primary" onClick={save}>
          Switch on
        </button>
        <button className="btn" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

const hasThreshold = (p: Playbook) => p.trigger.type === 'no_order' || p.trigger.type === 'no_touchpoint';

export function PlaybooksPage() {
  const me = useMe();
  const describeTrigger = useDescribeTrigger();
  const { data, error, reload } = useApi<{ playbooks: Playbook[] }>('/api/playbooks');
  const runs = useApi<{ runs: RunRow[] }>('/api/playbooks/runs?limit=30');
  const [actionError, setActionError] = useState<string | null>(null);
  const [switching, setSwitching] = useState<string | null>(null);
  const toggle = async (p: Playbook) => {
    setActionError(null);
    if (!p.enabled && hasThreshold(p)) {
      setSwitching(p.id);
      return;
    }
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
              {p.enabled && hasThreshold(p) && (p.includeExisting ? ` · existing customers included, ${p.dailyCap} a day` : ' · customers who reach it from the day it was switched on')}
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
            {switching === p.id && (
              <SwitchOn
                playbook={p}
                onCancel={() => setSwitching(null)}
                onDone={() => {
                  setSwitching(null);
                  reload();
                }}
              />
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
