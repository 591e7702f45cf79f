// Import a CSV: upload, check (dry run with a preview of the first rows, the column mapping and
// how the file was understood), adjust the mapping, import with a progress bar, and the result
// report. Large files import on the server's job queue: every staff member sees imports running
// and finished, with their progress, in the list at the bottom.
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { api } from '../../api';
import { formatDateTime, formatNumber } from '../../shell/format';
import { FormError } from '../../shell/FormError';
import { useApi } from '../../shell/useApi';

interface Problem {
  line: number;
  reason: string;
}
interface Report {
  type: string;
  preset: string;
  presetLabel: string;
  delimiter: string;
  headers: string[];
  mapping: Record<string, string>;
  dryRun: boolean;
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  duplicates: number;
  failed: number;
  ignored: number;
  lineItems: number;
  refunds: number;
  customersCreated: number;
  /** how the file was understood: lines summed, cancellations applied, ids read as integers */
  interpretation: string[];
  errors: Problem[];
  duplicateNotes: Problem[];
  warnings: string[];
  preview: { headers: string[]; rows: string[][] };
  fatal: string | null;
}
interface Fields {
  types: string[];
  fields: Record<string, string[]>;
  presets: { key: string; label: string; type: string }[];
}
interface Job {
  jobId: string;
  fileName: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  progress: { bytes: number; totalBytes: number; rows: number };
  report: Report | null;
  error: string | null;
  startedByName: string | null;
  startedAt: string;
  finishedAt: string | null;
}

const percent = (p: Job['progress']) => (p.totalBytes ? Math.min(100, Math.round((p.bytes / p.totalBytes) * 100)) : 0);

function ProgressBar({ progress, label }: { progress: Job['progress'] | null; label: string }) {
  const pct = progress ? percent(progress) : 0;
  return (
    <div aria-label={label}>
      <div className="progress" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}>
        <div style={{ width: `${progress ? pct : 100}%` }} />
      </div>
      <p className="muted">{progress ? `${pct}% · ${formatNumber(progress.rows)} rows` : 'Working…'}</p>
    </div>
  );
}

/** Imports on the server (large files): running ones with their progress, then the last finished. */
function ImportJobs({ refresh }: { refresh: number }) {
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [open, setOpen] = useState<Job | null>(null);
  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const r = await api.get<{ jobs: Job[] }>('/api/customers/import/jobs');
        if (stop) return;
        setJobs(r.jobs);
        const going = r.jobs.some((j) => j.status === 'queued' || j.status === 'running');
        timer = setTimeout(load, going ? 1500 : 15_000);
      } catch {
        if (!stop) timer = setTimeout(load, 15_000);
      }
    };
    void load();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [refresh]);
  if (!jobs?.length) return null;
  const show = async (j: Job) => setOpen(open?.jobId === j.jobId ? null : await api.get<Job>(`/api/customers/import/jobs/${j.jobId}`));
  return (
    <section className="card" aria-label="Imports on the server">
      <h2>Imports on the server</h2>
      {/* progress next to the file: on a phone the columns after it are scrolled to */}
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th>File</th>
              <th>Progress</th>
              <th>Started</th>
              <th>By</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {jobs.map((j) => (
              <tr key={j.jobId}>
                <td style={{ minWidth: 120, overflowWrap: 'anywhere' }}>{j.fileName}</td>
                <td style={{ minWidth: 140 }}>
                  {j.status === 'running' || j.status === 'queued' ? (
                    <ProgressBar progress={j.status === 'queued' ? { ...j.progress, bytes: 0 } : j.progress} label={`Progress of ${j.fileName}`} />
                  ) : j.status === 'done' ? (
                    <span className="badge">done · {formatNumber(j.progress.rows)} rows</span>
                  ) : (
                    <span className="error">{j.error ?? 'failed'}</span>
                  )}
                  {j.status === 'queued' && <span className="muted"> waiting to start</span>}
                </td>
                <td>{formatDateTime(j.startedAt)}</td>
                <td>{j.startedByName ?? '—'}</td>
                <td>
                  {(j.status === 'done' || j.status === 'failed') && (
                    <button className="btn" onClick={() => void show(j)}>
                      {open?.jobId === j.jobId ? 'Hide' : 'Report'}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {open?.report && (
        <div aria-label={`Report of ${open.fileName}`}>
          <h3>{open.fileName}</h3>
          <Understood r={open.report} />
          <Counts r={open.report} />
          <Problems title="Bad rows (kept out)" list={open.report.errors} total={open.report.failed} />
        </div>
      )}
    </section>
  );
}

/** How the file was read: line items summed, cancellations applied, ids read as whole numbers. */
function Understood({ r }: { r: Report }) {
  if (!r.interpretation?.length) return null;
  return (
    <section className="card" aria-label="How the file was understood">
      <h3>How the file was understood</h3>
      <ul>
        {r.interpretation.map((s) => (
          <li key={s}>{s}</li>
        ))}
      </ul>
    </section>
  );
}

function Counts({ r }: { r: Report }) {
  const items: [string, number][] = [
    ['rows read', r.rows],
    [r.dryRun ? 'would be created' : 'created', r.created],
    [r.dryRun ? 'would be updated' : 'updated', r.updated],
    ['unchanged', r.unchanged],
    ['skipped as duplicates', r.duplicates],
    ['failed', r.failed],
  ];
  if (r.ignored) items.push([`not ${r.type} (e.g. failed payments)`, r.ignored]);
  if (r.lineItems) items.push(['extra line-item rows', r.lineItems]);
  if (r.refunds) items.push([r.dryRun ? 'cancellations and refunds to apply' : 'cancellations and refunds applied', r.refunds]);
  if (r.customersCreated) items.push([r.dryRun ? 'customers would be created' : 'customers created', r.customersCreated]);
  return (
    <div className="kpis">
      {items.map(([label, n]) => (
        <div key={label} className="card kpi">
          <div className="value">{formatNumber(n)}</div>
          <div className="label">{label}</div>
        </div>
      ))}
    </div>
  );
}

function Problems({ title, list, total }: { title: string; list: Problem[]; total: number }) {
  if (!list.length) return null;
  return (
    <section className="card">
      <h2>
        {title} ({formatNumber(total)})
      </h2>
      <table>
        <thead>
          <tr>
            <th>Line</th>
            <th>Reason</th>
          </tr>
        </thead>
        <tbody>
          {list.slice(0, 300).map((p, i) => (
            <tr key={i}>
              <td className="num">{p.line}</td>
              <td>{p.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {total > 300 && <p className="muted">Showing the first 300.</p>}
    </section>
  );
}

export function ImportPage() {
  const { data: meta } = useApi<Fields>('/api/customers/import/fields');
  const [file, setFile] = useState<File | null>(null);
  const [type, setType] = useState('');
  const [preset, setPreset] = useState('');
  const [mapping, setMapping] = useState<Record<string, string> | null>(null);
  const [check, setCheck] = useState<Report | null>(null);
  const [result, setResult] = useState<Report | null>(null);
  const [progress, setProgress] = useState<Job['progress'] | null>(null);
  const [busy, setBusy] = useState(false);
  const [jobsSeen, setJobsSeen] = useState(0);
  const [error, setError] = useState<unknown>(null);

  const upload = async (dryRun: boolean) => {
    if (!file) return;
    const form = new FormData();
    form.append('file', file);
    const params = new URLSearchParams({ dryRun: String(dryRun), previewRows: '10' });
    if (type) params.set('type', type);
    if (preset) params.set('preset', preset);
    if (mapping) params.set('mapping', JSON.stringify(mapping));
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<{ report?: Report; jobId?: string } & Partial<Job>>(`/api/customers/import?${params}`, form);
      if (r.report) return r.report;
      setProgress(r.progress ?? null);
      setJobsSeen((n) => n + 1);
      for (;;) {
        await new Promise((res) => setTimeout(res, 500));
        const job = await api.get<Job>(`/api/customers/import/jobs/${r.jobId}`);
        setProgress(job.progress);
        if (job.status === 'failed') throw new Error(job.error ?? 'The import failed');
        if (job.status === 'done' && job.report) return job.report;
      }
    } catch (e) {
      setError(e);
      return null;
    } finally {
      setBusy(false);
    }
  };

  const runCheck = async () => {
    setResult(null);
    const r = await upload(true);
    if (r) {
      setCheck(r);
      if (!type) setType(r.type);
      setMapping(r.mapping);
    }
  };
  const runImport = async () => {
    setResult(null);
    const r = await upload(false);
    if (r) setResult(r);
    setProgress(null);
  };

  const fields = meta && check ? (meta.fields[check.type] ?? []) : [];

  return (
    <div className="page">
      <Link to="/customers">← Customers</Link>
      <h1>Import customers, orders or subscriptions</h1>
      <section className="card">
        <p className="muted">
          Exports from Shopify (orders, customers), Stripe (payments, customers, subscriptions) and WooCommerce (orders) are recognised from their columns; any other CSV works with a column mapping.
          Comma, semicolon or tab separated. Importing the same file again changes nothing.
        </p>
        <div className="inline-form">
          <input
            type="file"
            accept=".csv,.tsv,.txt,text/csv"
            aria-label="CSV file"
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setCheck(null);
              setResult(null);
              setMapping(null);
            }}
          />
          <select aria-label="Record type" value={type} onChange={(e) => (setType(e.target.value), setMapping(null))}>
            <option value="">Detect type</option>
            {meta?.types.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
          <select aria-label="Layout" value={preset} onChange={(e) => (setPreset(e.target.value), setMapping(null))}>
            <option value="">Detect layout</option>
            <option value="generic">Generic (map columns)</option>
            {meta?.presets
              .filter((p) => !type || p.type === type)
              .map((p) => (
                <option key={p.key} value={p.key}>
                  {p.label}
                </option>
              ))}
          </select>
          <button className="btn" disabled={!file || busy} onClick={runCheck}>
            {check ? 'Check again' : 'Check file'}
          </button>
        </div>
        <FormError error={error} />
        {busy && <ProgressBar progress={progress} label="Progress" />}
      </section>

      {check && !result && (
        <>
          <section className="card" aria-label="Preview">
            <h2>
              {check.presetLabel} · {check.type} · {check.delimiter}-separated
            </h2>
            {check.fatal && <p className="error">{check.fatal}</p>}
            {check.warnings.map((w) => (
              <p key={w} className="muted">
                {w}
              </p>
            ))}
            <h3>Columns</h3>
            <div className="grid" style={{ gridTemplateColumns: 'repeat(auto-fit, minmax(220px, 1fr))' }}>
              {fields.map((f) => (
                <label key={f}>
                  {f}
                  <select value={mapping?.[f] ?? ''} onChange={(e) => setMapping({ ...(mapping ?? {}), [f]: e.target.value })}>
                    <option value="">— not in the file —</option>
                    {check.headers.map((h) => (
                      <option key={h}>{h}</option>
                    ))}
                  </select>
                </label>
              ))}
            </div>
            <h3>First rows</h3>
            <div className="table-scroll">
              <table>
                <thead>
                  <tr>
                    {check.preview.headers.map((h) => (
                      <th key={h}>{h}</th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {check.preview.rows.map((r, i) => (
                    <tr key={i}>
                      {r.map((v, j) => (
                        <td key={j}>{v.length > 60 ? v.slice(0, 60) + '…' : v}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
          {!check.fatal && (
            <>
              <h2>What the import would do</h2>
              <Understood r={check} />
              <Counts r={check} />
              <Problems title="Bad rows (kept out)" list={check.errors} total={check.failed} />
              <Problems title="Duplicates" list={check.duplicateNotes} total={check.duplicateNotes.length} />
              <div>
                <button className="btn primary" disabled={busy} onClick={runImport}>
                  Import {formatNumber(check.created + check.updated)} {check.type}
                  {check.refunds ? ` and ${formatNumber(check.refunds)} cancellations/refunds` : ''}
                </button>
              </div>
            </>
          )}
        </>
      )}

      {result && (
        <section aria-label="Result" className="page">
          <h2>{result.fatal ? 'Not imported' : 'Imported'}</h2>
          {result.fatal && <p className="error">{result.fatal}</p>}
          <Understood r={result} />
          <Counts r={result} />
          <Problems title="Bad rows (kept out)" list={result.errors} total={result.failed} />
          <Problems title="Duplicates" list={result.duplicateNotes} total={result.duplicateNotes.length} />
          <p>
            <Link to="/customers">See the customers</Link>
          </p>
        </section>
      )}

      <ImportJobs refresh={jobsSeen} />
    </div>
  );
}
