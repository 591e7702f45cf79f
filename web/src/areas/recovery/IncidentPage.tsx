// One incident: what happened, its affected customers (by a saved query or by hand) with their
// value, CLV, health and outcome, the apology composer, the incident's results and its public note.
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, ApiError } from '../../api';
import { CustomerPicker } from '../../shell/CustomerPicker';
import { FormError } from '../../shell/FormError';
import { formatDate, formatDateTime, formatMoney, useWorkspaceTimeZone } from '../../shell/format';
import { ScrollTable } from '../../shell/Tabs';
import { useApi } from '../../shell/useApi';
import { compensationText, OutcomeBadge, ResultsChart, SurveyOutcome, severityBadge } from './parts';
import type { Affected, DraftResponse, Incident, Results, Template, Warning } from './types';

export function IncidentPage() {
  const { id } = useParams();
  const tz = useWorkspaceTimeZone();
  const inc = useApi<{ incident: Incident; affected: Affected[]; results: Results }>(`/api/recovery/incidents/${id}`);
  const [query, setQuery] = useState({ from: '', to: '', tag: '', plan: '', conversationTag: '' });
  const [err, setErr] = useState<unknown>(null);
  const [added, setAdded] = useState<number | null>(null);
  const [composeFor, setComposeFor] = useState<string | null>(null);

  const add = async (body: unknown) => {
    setErr(null);
    try {
      const r = await api.post<{ added: number }>(`/api/recovery/incidents/${id}/affected`, body);
      setAdded(r.added);
      inc.reload();
    } catch (x) {
      setErr(x);
    }
  };
  if (inc.error) return <p className="error">{inc.error}</p>;
  if (!inc.data) return <p className="loading">Loading…</p>;
  const i = inc.data.incident;
  const orNull = (s: string) => s.trim() || null;
  return (
    <div className="page">
      <p>
        <Link to="/recovery">← Incidents</Link>
      </p>
      <h1>
        {i.title} {severityBadge(i.severity)}
      </h1>
      <section className="card">
        <p className="muted">
          {formatDateTime(i.happenedAt, tz)} · {i.kind} · {i.status}
        </p>
        <dl>
          {(
            [
              ['What happened', i.what],
              ['Root cause', i.cause],
              ['Fix', i.fix],
              ['Prevention', i.prevention],
            ] as const
          ).map(([k, v]) => (
            <div key={k}>
              <dt style={{ fontWeight: 600 }}>{k}</dt>
              <dd style={{ margin: '0 0 .5rem', overflowWrap: 'anywhere' }}>{v || <span className="muted">—</span>}</dd>
            </div>
          ))}
        </dl>
      </section>

      <section className="card" style={{ marginTop: '1rem' }}>
        <h2 style={{ marginTop: 0 }}>Affected customers</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void add({
              query: {
                from: query.from ? new Date(`${query.from}T00:00:00`).toISOString() : null,
                to: query.to ? new Date(`${query.to}T23:59:59`).toISOString() : null,
                tag: orNull(query.tag),
                plan: orNull(query.plan),
                conversationTag: orNull(query.conversationTag),
              },
            });
          }}
        >
          <div className="inline-form" style={{ marginTop: 0 }}>
            <span>Everyone with an order from</span>
            <input type="date" aria-label="Orders from" value={query.from} onChange={(e) => setQuery({ ...query, from: e.target.value })} />
            <span>to</span>
            <input type="date" aria-label="Orders to" value={query.to} onChange={(e) => setQuery({ ...query, to: e.target.value })} />
          </div>
          <div className="inline-form">
            <input aria-label="Tag" placeholder="and/or a tag" value={query.tag} onChange={(e) => setQuery({ ...query, tag: e.target.value })} style={{ width: '9rem' }} />
            <input aria-label="Plan" placeholder="a plan" value={query.plan} onChange={(e) => setQuery({ ...query, plan: e.target.value })} style={{ width: '9rem' }} />
            <input
              aria-label="Conversation tag"
              placeholder="a conversation tag"
              value={query.conversationTag}
              onChange={(e) => setQuery({ ...query, conversationTag: e.target.value })}
              style={{ width: '11rem' }}
            />
            <button className="btn" type="submit">
              Add by query
            </button>
          </div>
        </form>
        <div style={{ marginTop: '.5rem' }}>
          <CustomerPicker label="Add a customer by hand" asButtons onPick={(c) => add({ customerIds: [c.id] })} />
        </div>
        <FormError error={err} />
        {added !== null && <p className="muted">{added} added.</p>}
        {inc.data.affected.length === 0 ? (
          <p className="muted">No one yet.</p>
        ) : (
          <ScrollTable testId="affected">
            <thead>
              <tr>
                <th>Customer</th>
                <th className="num">Paid (window)</th>
                <th className="num">Lifetime</th>
                <th className="num">CLV</th>
                <th className="num">Health</th>
                <th>Apology</th>
                <th>Outcome</th>
                <th>Next survey</th>
              </tr>
            </thead>
            <tbody>
              {inc.data.affected.map((a) => (
                <tr key={a.customerId}>
                  <td>
                    <Link to={`/customers/${a.customerId}`}>{a.name}</Link>
                    {a.addedBy === 'hand' && <span className="muted"> (by hand)</span>}
                  </td>
                  <td className="num">{formatMoney(a.paidMinor, a.currency)}</td>
                  <td className="num">{formatMoney(a.lifetimeValueMinor, a.currency)}</td>
                  <td className="num">{a.clv == null ? '—' : formatMoney(Math.round(a.clv * 100), a.currency)}</td>
                  <td className="num" title={a.healthAtAdd != null ? `${a.healthAtAdd} when added` : undefined}>
                    {a.health ?? '—'}
                    {a.health != null && a.healthAtAdd != null && a.health !== a.healthAtAdd ? ` (${a.health > a.healthAtAdd ? '+' : ''}${a.health - a.healthAtAdd})` : ''}
                  </td>
                  <td>
                    {a.apology ? (
                      <span className="badge good">
                        {a.apology.channel} {formatDate(a.apology.sentAt, tz)}
                      </span>
                    ) : (
                      <button className="btn" onClick={() => setComposeFor(a.customerId)}>
                        Write apology
                      </button>
                    )}
                  </td>
                  <td>
                    <OutcomeBadge o={a.outcome} />
                  </td>
                  <td>
                    <SurveyOutcome o={a.outcome} />
                  </td>
                </tr>
              ))}
            </tbody>
          </ScrollTable>
        )}
      </section>
      {composeFor && (
        <Composer
          incidentId={i.id}
          kind={i.kind}
          customer={inc.data.affected.find((a) => a.customerId === composeFor)!}
          onDone={() => {
            setComposeFor(null);
            inc.reload();
          }}
        />
      )}
      {inc.data.affected.length > 0 && (
        <section className="card" style={{ marginTop: '1rem' }}>
          <h2 style={{ marginTop: 0 }}>What happened next</h2>
          <ResultsChart results={inc.data.results} />
        </section>
      )}
      <PublicNote incident={i} onSaved={inc.reload} />
    </div>
  );
}

function Composer({ incidentId, kind, customer, onDone }: { incidentId: string; kind: string; customer: Affected; onDone: () => void }) {
  const templates = useApi<{ templates: Template[] }>(`/api/recovery/templates?kind=${encodeURIComponent(kind)}`);
  const [templateId, setTemplateId] = useState('');
  const d = useApi<DraftResponse>(`/api/recovery/incidents/${incidentId}/customers/${customer.customerId}/draft${templateId ? `?templateId=${templateId}` : ''}`);
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const [warnings, setWarnings] = useState<Warning[]>([]);
  const [channel, setChannel] = useState<'email' | 'call' | 'letter'>(customer.email ? 'email' : 'call');
  const [err, setErr] = useState<unknown>(null);
  const [needsAnyway, setNeedsAnyway] = useState(false);

  useEffect(() => {
    if (!d.data) return;
    setSubject(d.data.draft.subject);
    setBody(d.data.draft.text);
    setWarnings(d.data.warnings);
  }, [d.data]);
  useEffect(() => {
    if (!body) return;
    const timer = setTimeout(() => {
      api.post<{ warnings: Warning[] }>('/api/recovery/check', { text: body }).then(
        (r) => setWarnings(r.warnings),
        () => undefined,
      );
    }, 300);
    return () => clearTimeout(timer);
  }, [body]);

  const send = async (sendAnyway: boolean) => {
    setErr(null);
    try {
      await api.post(`/api/recovery/incidents/${incidentId}/apologies`, { customerId: customer.customerId, channel, subject, body, compensation: d.data!.compensation, sendAnyway });
      onDone();
    } catch (x) {
      if (x instanceof ApiError && x.code === 'apology_warnings') setNeedsAnyway(true);
      setErr(x);
    }
  };
  if (d.error) return <p className="error">{d.error}</p>;
  if (!d.data) return <p className="loading">Drafting…</p>;
  const track = d.data.trackRecord;
  return (
    <section className="card" style={{ marginTop: '1rem' }} data-testid="composer">
      <h2 style={{ marginTop: 0 }}>Apology to {customer.name}</h2>
      <p className="muted">
        Paid {formatMoney(d.data.paidMinor, d.data.currency)} in the affected window. Suggested compensation: <strong>{compensationText(d.data.compensation)}</strong>
        {d.data.compensation.kind === 'promo' && ' — the code is made when the apology is sent and replaces {{code}}'}.
      </p>
      <p className="muted" data-testid="track-record">
        {track.of > 0
          ? `Apologies for ${track.kind} incidents kept ${track.kept} of ${track.of} customers (ordered again within ${track.windowDays} days).`
          : `No outcome yet for apologies on ${track.kind} incidents.`}
      </p>
      <p className="muted">Five parts, in order: restore what was lost, own it, explain the cause, describe the fix, express regret.</p>
      {templates.data && templates.data.templates.length > 0 && (
        <label>
          Start from
          <select aria-label="Start from" value={templateId} onChange={(e) => setTemplateId(e.target.value)}>
            <option value="">the five-part draft</option>
            {templates.data.templates.map((t) => (
              <option key={t.id} value={t.id}>
                template: {t.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        Subject
        <input aria-label="Subject" value={subject} onChange={(e) => setSubject(e.target.value)} maxLength={300} />
      </label>
      <label>
        Apology
        <textarea aria-label="Apology" rows={14} value={body} onChange={(e) => setBody(e.target.value)} />
      </label>
      <div data-testid="warnings" aria-live="polite">
        {warnings.length === 0 ? (
          <p className="badge good">No warnings</p>
        ) : (
          <ul className="error" style={{ paddingLeft: '1.5rem' }}>
            {warnings.map((w, n) => (
              <li key={n}>{w.message}</li>
            ))}
          </ul>
        )}
      </div>
      <div className="inline-form">
        <select aria-label="Channel" value={channel} onChange={(e) => setChannel(e.target.value as 'email' | 'call' | 'letter')}>
          <option value="email" disabled={!customer.email}>
            email{customer.email ? ` to ${customer.email}` : ' (no address)'}
          </option>
          <option value="call">log a call</option>
          <option value="letter">log a letter</option>
        </select>
        <button className="btn primary" onClick={() => send(false)}>
          {channel === 'email' ? 'Send apology' : 'Log apology'}
        </button>
        {needsAnyway && (
          <button className="btn" onClick={() => send(true)}>
            Send anyway
          </button>
        )}
      </div>
      <FormError error={err} />
    </section>
  );
}

function PublicNote({ incident, onSaved }: { incident: Incident; onSaved: () => void }) {
  const [note, setNote] = useState(incident.publicNote);
  const [err, setErr] = useState<unknown>(null);
  const save = async (published: boolean) => {
    setErr(null);
    try {
      await api.put(`/api/recovery/incidents/${incident.id}/public-note`, { note, published });
      onSaved();
    } catch (x) {
      setErr(x);
    }
  };
  const live = incident.publishedAt && incident.publicPath;
  return (
    <section className="card" style={{ marginTop: '1rem' }}>
      <h2 style={{ marginTop: 0 }}>Public note</h2>
      <p className="muted">An optional page for other customers: what happened and what you changed, in plain words. Only people with the link can open it.</p>
      <label>
        Note
        <textarea aria-label="Public note" rows={4} value={note} onChange={(e) => setNote(e.target.value)} maxLength={10000} />
      </label>
      <div className="inline-form">
        <button className="btn primary" onClick={() => save(true)}>
          {live ? 'Update the page' : 'Publish'}
        </button>
        {live && (
          <>
            <button className="btn" onClick={() => save(false)}>
              Take down
            </button>
            <a href={incident.publicPath!} target="_blank" rel="noreferrer" data-testid="public-link" style={{ overflowWrap: 'anywhere' }}>
              Open the public page
            </a>
          </>
        )}
      </div>
      <FormError error={err} />
    </section>
  );
}
