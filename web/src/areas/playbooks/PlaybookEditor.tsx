// Edit one playbook: name, trigger (a form per trigger type, triggers.tsx), conditions (as JSON
// for now), and each step — its wait,
// when to skip it, and its action. Email steps have a live preview with sample data; a missing
// template field is shown as the server's clear error, and saving refuses it too.
import { useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, ApiError } from '../../api';
import { FormError } from '../../shell/FormError';
import { useMe } from '../../shell/me';
import { useApi } from '../../shell/useApi';
import { AreaTabs } from './AreaTabs';
import { RunsTable } from './PlaybooksPage';
import { TriggerForm, useDescribeTrigger } from './triggers';
import type { Action, Playbook, RunRow, Step } from './types';

const blank: Record<Action['type'], Action> = {
  email: { type: 'email', kind: 'transactional', subject: 'Hello {{ customer.first_name }}', html: '<p>Hi {{ customer.first_name }},</p>', text: 'Hi {{ customer.first_name }},' },
  task: { type: 'task', title: 'Call {{ customer.name }}', details: '', dueInDays: 0, assignTo: 'account_owner' },
  tag_add: { type: 'tag_add', tag: 'tag' },
  tag_remove: { type: 'tag_remove', tag: 'tag' },
  survey: { type: 'survey', survey: 'nps' },
  promo: { type: 'promo', prefix: 'THANKS', percentOff: 10 },
  points: { type: 'points', points: 100 },
  webhook: { type: 'webhook', url: 'https://example.com/hook' },
};

interface Preview {
  subject: string;
  html: string;
  text: string;
}

function EmailPreview({ action }: { action: Extract<Action, { type: 'email' }> }) {
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setError(null);
    try {
      setPreview(await api.post<Preview>('/api/playbooks/preview', { subject: action.subject, html: action.html, text: action.text }));
    } catch (e) {
      setPreview(null);
      setError((e as Error).message);
    }
  };
  return (
    <div>
      <button type="button" className="btn" onClick={run}>
        Preview with sample data
      </button>
      {error && <p className="error">{error}</p>}
      {preview && (
        <div className="card" style={{ marginTop: '.5rem' }}>
          <p>
            <strong>Subject:</strong> {preview.subject}
          </p>
          <iframe title="HTML preview" sandbox="" srcDoc={preview.html} style={{ width: '100%', height: 220, border: '1px solid var(--line)', borderRadius: 6 }} />
          <pre style={{ whiteSpace: 'pre-wrap', fontSize: '.85rem' }}>{preview.text}</pre>
        </div>
      )}
    </div>
  );
}

function ActionFields({ action, onChange }: { action: Action; onChange: (a: Action) => void }) {
  const set = (patch: Partial<Action>) => onChange({ ...action, ...patch } as Action);
  switch (action.type) {
    case 'email':
      return (
        <>
          <label>
            Kind
            <select value={action.kind} onChange={(e) => set({ kind: e.target.value as 'marketing' })}>
              <option value="transactional">transactional (service message)</option>
              <option value="marketing">marketing (needs consent; unsubscribe link added)</option>
            </select>
          </label>
          <label>
            Subject
            <input value={action.subject} onChange={(e) => set({ subject: e.target.value })} />
          </label>
          <label>
            HTML body (Liquid: {'{{ customer.first_name }}'}, {'{{ business.name }}'}, {'{{ order.amount }}'}, {'{{ promo.code }}'}, {'{{ event.cart_url }}'} …)
            <textarea rows={6} value={action.html} onChange={(e) => set({ html: e.target.value })} style={{ fontFamily: 'monospace' }} />
          </label>
          <label>
            Plain-text body
            <textarea rows={5} value={action.text} onChange={(e) => set({ text: e.target.value })} style={{ fontFamily: 'monospace' }} />
          </label>
          <EmailPreview action={action} />
        </>
      );
    case 'task':
      return (
        <>
          <label>
            Title
            <input value={action.title} onChange={(e) => set({ title: e.target.value })} />
          </label>
          <label>
            Details
            <textarea rows={2} value={action.details} onChange={(e) => set({ details: e.target.value })} />
          </label>
          <div className="inline-form">
            <label>
              Due in days
              <input type="number" min={0} max={365} value={action.dueInDays} onChange={(e) => set({ dueInDays: Number(e.target.value) })} />
            </label>
            <label>
              For
              <select value={action.assignTo} onChange={(e) => set({ assignTo: e.target.value as 'owner' })}>
                <option value="account_owner">the customer's account owner</option>
                <option value="owner">owners</option>
                <option value="agent">agents</option>
              </select>
            </label>
          </div>
        </>
      );
    case 'tag_add':
    case 'tag_remove':
      return (
        <label>
          Tag
          <input value={action.tag} onChange={(e) => set({ tag: e.target.value })} />
        </label>
      );
    case 'survey':
      return (
        <label>
          Survey
          <select value={action.survey} onChange={(e) => set({ survey: e.target.value as 'nps' })}>
            <option value="nps">NPS</option>
            <option value="csat">CSAT</option>
            <option value="ces">CES</option>
          </select>
        </label>
      );
    case 'promo':
      return (
        <div className="inline-form">
          <label>
            Code prefix
            <input value={action.prefix} onChange={(e) => set({ prefix: e.target.value.toUpperCase() })} />
          </label>
          <label>
            % off
            <input type="number" min={1} max={100} value={action.percentOff} onChange={(e) => set({ percentOff: Number(e.target.value) })} />
          </label>
        </div>
      );
    case 'points':
      return (
        <label>
          Points (added to the loyalty ledger and the timeline)
          <input type="number" min={1} value={action.points} onChange={(e) => set({ points: Number(e.target.value) })} />
        </label>
      );
    case 'webhook':
      return (
        <label>
          URL (POSTed JSON, signed with X-Keepwell-Signature)
          <input value={action.url} onChange={(e) => set({ url: e.target.value })} />
        </label>
      );
  }
}

export function PlaybookEditor() {
  const { id } = useParams();
  const me = useMe();
  const { data, error, reload } = useApi<Playbook>(`/api/playbooks/${id}`);
  const runs = useApi<{ runs: RunRow[] }>(`/api/playbooks/runs?playbookId=${id}&limit=50`);
  const [draft, setDraftState] = useState<Playbook | null>(null);
  // Edits the owner made, counted, so a reload that answers late (after a save, on a busy server)
  // never overwrites a change made after it was asked for.
  const edits = useRef(0);
  const editsAtReload = useRef(0);
  const setDraft = (next: Playbook) => {
    edits.current++;
    setDraftState(next);
  };
  const describeTrigger = useDescribeTrigger();
  const [conditionsJson, setConditionsJson] = useState('');
  const [saveError, setSaveError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (data && edits.current === editsAtReload.current) {
      setDraftState(data);
      setConditionsJson(JSON.stringify(data.conditions, null, 2));
    }
  }, [data]);
  if (error) return <p className="error">{error}</p>;
  if (!draft) return <p className="loading">Loading…</p>;
  const owner = me.role === 'owner';
  const setStep = (i: number, s: Step) => setDraft({ ...draft, steps: draft.steps.map((x, k) => (k === i ? s : x)) });
  const move = (i: number, d: -1 | 1) => {
    const steps = [...draft.steps];
    const [s] = steps.splice(i, 1);
    steps.splice(i + d, 0, s);
    setDraft({ ...draft, steps });
  };
  const save = async () => {
    setSaveError(null);
    setSaved(false);
    let conditions: unknown;
    try {
      conditions = JSON.parse(conditionsJson);
    } catch {
      setSaveError(new ApiError(400, 'json', 'Conditions must be valid JSON'));
      return;
    }
    const editsSaved = edits.current;
    try {
      await api.put(`/api/playbooks/${draft.id}`, { name: draft.name, description: draft.description, trigger: draft.trigger, conditions, steps: draft.steps });
      setSaved(true);
      editsAtReload.current = editsSaved;
      reload();
    } catch (e) {
      setSaveError(e);
    }
  };
  return (
    <div className="page">
      <h1>
        <Link to="/playbooks">Playbooks</Link> › {draft.name}
      </h1>
      <AreaTabs />
      <section className="card">
        <label>
          Name
          <input value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} disabled={!owner} />
        </label>
        <label>
          Description
          <textarea rows={2} value={draft.description} onChange={(e) => setDraft({ ...draft, description: e.target.value })} disabled={!owner} />
        </label>
        <p>
          <strong>When</strong> {describeTrigger(draft.trigger)} · <span className={`badge ${draft.enabled ? 'good' : ''}`}>{draft.enabled ? 'on' : 'off'}</span>
        </p>
        <TriggerForm trigger={draft.trigger} onChange={(trigger) => setDraft({ ...draft, trigger })} disabled={!owner} />
        <details>
          <summary>Conditions (JSON)</summary>
          <p className="muted">
            Conditions: field (tags, segment (lapsed, new, repeat, one_time, prospect), retention_driver, marketing_consent, country, city, clv_minor, orders_count, has_email), op (eq, neq, has,
            not_has, gte, lte), value.
          </p>
          <label>
            Conditions
            <textarea
              rows={4}
              value={conditionsJson}
              onChange={(e) => {
                edits.current++;
                setConditionsJson(e.target.value);
              }}
              style={{ fontFamily: 'monospace' }}
              disabled={!owner}
            />
          </label>
        </details>
      </section>
      {draft.steps.map((s, i) => (
        <section key={i} className="card" aria-label={`Step ${i + 1}`}>
          <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'baseline' }}>
            <h2>
              Step {i + 1}
              {s.name ? `: ${s.name}` : ''}
            </h2>
            {owner && (
              <div className="inline-form" style={{ marginTop: 0 }}>
                <button type="button" className="btn" disabled={i === 0} onClick={() => move(i, -1)}>
                  ↑
                </button>
                <button type="button" className="btn" disabled={i === draft.steps.length - 1} onClick={() => move(i, 1)}>
                  ↓
                </button>
                <button type="button" className="btn" disabled={draft.steps.length === 1} onClick={() => setDraft({ ...draft, steps: draft.steps.filter((_, k) => k !== i) })}>
                  Remove
                </button>
              </div>
            )}
          </div>
          <fieldset disabled={!owner}>
            <div className="inline-form">
              <label>
                Wait days
                <input type="number" min={0} max={365} value={s.wait.days} onChange={(e) => setStep(i, { ...s, wait: { ...s.wait, days: Number(e.target.value) } })} />
              </label>
              <label>
                + hours
                <input type="number" min={0} max={23} value={s.wait.hours} onChange={(e) => setStep(i, { ...s, wait: { ...s.wait, hours: Number(e.target.value) } })} />
              </label>
              <label>
                Action
                <select value={s.action.type} onChange={(e) => setStep(i, { ...s, action: blank[e.target.value as Action['type']] })}>
                  {Object.keys(blank).map((k) => (
                    <option key={k} value={k}>
                      {k.replace('_', ' ')}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            <div className="inline-form">
              Skip if, since they entered:
              {(['ordered', 'unsubscribed', 'contacted', 'not_reached'] as const).map((r) => (
                <label key={r} style={{ flexDirection: 'row', alignItems: 'center', margin: 0 }}>
                  <input type="checkbox" checked={s.skipIf.includes(r)} onChange={(e) => setStep(i, { ...s, skipIf: e.target.checked ? [...s.skipIf, r] : s.skipIf.filter((x) => x !== r) })} />
                  {r === 'ordered'
                    ? 'they ordered again'
                    : r === 'unsubscribed'
                      ? 'they unsubscribed'
                      : r === 'contacted'
                        ? 'someone contacted them'
                        : 'no earlier message reached them (no email address)'}
                </label>
              ))}
            </div>
            <ActionFields action={s.action} onChange={(a) => setStep(i, { ...s, action: a })} />
            {['email', 'survey', 'promo'].includes(s.action.type) && (
              <label>
                If the customer has no email address
                <select value={s.ifNoChannel ?? 'skip'} onChange={(e) => setStep(i, { ...s, ifNoChannel: e.target.value as 'skip' | 'task' })}>
                  <option value="skip">skip this step (the reason shows in the runs)</option>
                  <option value="task">make a task to reach them another way</option>
                </select>
              </label>
            )}
          </fieldset>
        </section>
      ))}
      {owner && (
        <section className="card">
          <div className="inline-form" style={{ marginTop: 0 }}>
            <button type="button" className="btn" onClick={() => setDraft({ ...draft, steps: [...draft.steps, { wait: { days: 1, hours: 0 }, skipIf: [], action: blank.task }] })}>
              Add a step
            </button>
            <button type="button" className="btn primary" onClick={save}>
              Save playbook
            </button>
            {saved && <span className="ok">Saved.</span>}
          </div>
          <FormError error={saveError} />
          <p className="muted">Customers already in this playbook continue with the edited steps.</p>
        </section>
      )}
      <section className="card">
        <h2>Recent runs</h2>
        {runs.data && <RunsTable runs={runs.data.runs} showPlaybook={false} />}
      </section>
    </div>
  );
}
