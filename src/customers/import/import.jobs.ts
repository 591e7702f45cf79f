// Imports started over HTTP run on the job queue from a stored upload. The upload is kept in the
// database (import_uploads, in parts of 256 KB, each written by a statement of its own so requests
// get the embedded database between them) until the import finishes, so a job interrupted by a
// restart or a crash is taken over by the next worker when its lease passes and starts again from
// the file — an import is idempotent (created rows become "unchanged", refunds are stored by id),
// so nothing is doubled. Progress is written to import_jobs as the import goes, for every staff
// member to see (GET /api/customers/import/jobs).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { uuidBytes, uuidv7 } from './ids.js';
import type { AppContext } from '../../platform/context.js';
import type { Database } from '../../platform/db/database.js';
import { pgliteOf } from '../../platform/db/pglite-dialect.js';
import { inBackground } from '../../platform/db/work-priority.js';
import { failureMessage } from '../../platform/disk.js';
import { enqueueJob, LeaseLostError, PermanentJobError, type Job, type JobRun } from '../../platform/jobs/jobs.service.js';
import { fileSource } from './csv.js';
import { emptyReport, ImportSetupError, runImport, type ImportOptions, type ImportReport } from './importer.js';
import type { ImportType } from './presets.js';

export const IMPORT_JOB = 'customers.import';
/**
 * Stored upload parts. Each part is one statement, so a request waits at most for one part: on
 * the embedded database a 256 KB part goes in by COPY in tens of ms (a bytea parameter is far
 * slower there: 8 MB took tens of seconds, and the upload's request held the connection all along).
 */
const PART_BYTES = 256 << 10;
/** an upload whose request died before it was queued is swept after this long */
const ABANDONED_UPLOAD_MS = 60 * 60_000;

export type ImportJobOptions = Omit<ImportOptions, 'onProgress' | 'reader' | 'dryRun'>;

export interface ImportJobView {
  jobId: string;
  fileName: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  progress: { bytes: number; totalBytes: number; rows: number };
  report: ImportReport | null;
  error: string | null;
  startedBy: string | null;
  startedByName: string | null;
  startedAt: string;
  finishedAt: string | null;
  attempts: number;
}

/** Test hooks: how often progress is written, and a wait before each batch (the restart test stops a job there). */
export const importJobHooks: { progressEveryMs: number; beforeBatch?: (jobId: string, n: number) => Promise<void> } = { progressEveryMs: 500 };

/**
 * Stores the upload and queues its import. The job is written first as 'uploading' (listed
 * nowhere, never run), then the parts one statement each, as background work (requests waiting
 * for the embedded database go first), then it is queued in one transaction. A crash part-way
 * leaves an 'uploading' job, swept (with its parts) by a later upload.
 */
export async function queueImport(db: Database, input: { fileName: string; bytes: Buffer; options: ImportJobOptions; startedBy: string; now: Date }): Promise<string> {
  await db
    .deleteFrom('import_jobs')
    .where('status', '=', 'uploading')
    .where('updated_at', '<', new Date(input.now.getTime() - ABANDONED_UPLOAD_MS))
    .execute();
  const id = uuidv7();
  await db
    .insertInto('import_jobs')
    .values({
      id,
      file_name: input.fileName.slice(0, 300),
      size_bytes: input.bytes.length,
      options: JSON.stringify(input.options),
      status: 'uploading',
      started_by: input.startedBy,
      updated_at: input.now,
    })
    .execute();
  try {
    await inBackground(async () => {
      for (let part = 0, at = 0; at < input.bytes.length; part++, at += PART_BYTES) await storePart(db, id, part, input.bytes.subarray(at, at + PART_BYTES));
    });
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('import_jobs').set({ status: 'queued', updated_at: input.now }).where('id', '=', id).execute();
      await enqueueJob(trx, { kind: IMPORT_JOB, key: `import:${id}`, payload: { importId: id }, runAt: input.now, maxAttempts: 5 });
    });
  } catch (err) {
    await db
      .deleteFrom('import_jobs')
      .where('id', '=', id)
      .execute()
      .catch(() => {});
    throw err;
  }
  return id;
}

/** One part of an upload, in a statement of its own: binary COPY on the embedded database (a
 * bytea parameter is slow there), an insert on a server. */
async function storePart(db: Database, id: string, part: number, bytes: Buffer): Promise<void> {
  const pglite = pgliteOf(db);
  if (!pglite) {
    await db.insertInto('import_uploads').values({ job_id: id, part, bytes }).execute();
    return;
  }
  // COPY's binary format: signature, flags, header extension; one row of three fields; trailer
  const payload = Buffer.alloc(19 + 2 + (4 + 16) + (4 + 4) + (4 + bytes.length) + 2);
  payload.write('PGCOPY\n\xff\r\n\0', 0, 'latin1');
  let o = 19;
  o = payload.writeInt16BE(3, o);
  o = payload.writeInt32BE(16, o);
  payload.set(uuidBytes(id), o);
  o += 16;
  o = payload.writeInt32BE(4, o);
  o = payload.writeInt32BE(part, o);
  o = payload.writeInt32BE(bytes.length, o);
  payload.set(bytes, o);
  o += bytes.length;
  payload.writeInt16BE(-1, o);
  const data = payload.buffer.slice(payload.byteOffset, payload.byteOffset + payload.length) as ArrayBuffer;
  // through the connection lane: never inside another caller's transaction
  await db.connection().execute(() => pglite.query(`copy import_uploads (job_id, part, bytes) from '/dev/blob' with (format binary)`, [], { blob: new Blob([data]) }));
}

/** The upload, written back to a file of its own for the reader (which may read it in a thread).
 * Parts travel as base64 text: the embedded database hands bytea results over far more slowly. */
async function restoreUpload(db: Database, id: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keepwell-import-'));
  const file = path.join(dir, 'upload.csv');
  const fd = fs.openSync(file, 'w');
  try {
    const parts = await db.selectFrom('import_uploads').select('part').where('job_id', '=', id).orderBy('part').execute();
    for (const { part } of parts) {
      const row = await sql<{ b: string }>`select encode(bytes, 'base64') as b from import_uploads where job_id = ${id} and part = ${part}`.execute(db);
      if (!row.rows[0]) throw new Error(`import job ${id}: part ${part} of the upload is missing`);
      fs.writeSync(fd, Buffer.from(row.rows[0].b, 'base64'));
    }
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

/** The job: runs (or runs again, after a restart) the import of a stored upload. */
export async function runImportJob(ctx: AppContext, job: Job, run: JobRun): Promise<string> {
  const id = String(job.payload.importId ?? '');
  const row = await ctx.db.selectFrom('import_jobs').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new PermanentJobError(`import job ${id} not found`);
  if (row.status === 'done' || row.status === 'failed') {
    await run.complete(ctx.db);
    return 'skipped';
  }
  await ctx.db
    .updateTable('import_jobs')
    .set({ status: 'running', attempts: sql`attempts + 1`, error: null, progress_bytes: 0, progress_rows: 0, updated_at: ctx.now() })
    .where('id', '=', id)
    .execute();
  const file = await restoreUpload(ctx.db, id);
  const options = row.options as ImportJobOptions;
  let lastWrite = 0;
  let lastLease = Date.now();
  let writing: Promise<unknown> = Promise.resolve();
  try {
    const report = await runImport(ctx.db, fileSource(file), {
      ...options,
      sliced: true, // requests come first: short transactions

      beforeBatch: async (n) => {
        await writing;
        await importJobHooks.beforeBatch?.(id, n);
      },
      onProgress: ({ bytes, rows }) => {
        const now = Date.now();
        if (now - lastWrite < importJobHooks.progressEveryMs) return;
        lastWrite = now;
        writing = writing.then(async () => {
          await ctx.db.updateTable('import_jobs').set({ progress_bytes: bytes, progress_rows: rows, updated_at: ctx.now() }).where('id', '=', id).execute();
          if (now - lastLease > 20_000) {
            lastLease = now;
            if (!(await run.extendLease())) throw new LeaseLostError(job.id);
          }
        });
      },
    });
    await writing;
    const done = compactReport(report);
    await ctx.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('import_jobs')
        .set({
          status: report.fatal ? 'failed' : 'done',
          error: report.fatal ? `Not imported: ${shorten(report.fatal)}` : null,
          report: JSON.stringify(done),
          progress_bytes: Number(row.size_bytes),
          progress_rows: report.rows,
          finished_at: ctx.now(),
          updated_at: ctx.now(),
        })
        .where('id', '=', id)
        .execute();
      await trx.deleteFrom('import_uploads').where('job_id', '=', id).execute();
      await run.complete(trx);
    });
    return report.fatal ? 'failed' : 'done';
  } catch (err) {
    await writing.catch(() => {});
    if (err instanceof LeaseLostError) throw err;
    const permanent = err instanceof ImportSetupError || job.attempts >= job.maxAttempts;
    const message = err instanceof ImportSetupError ? shorten(err.message) : failureMessage(err, 'The import stopped with an error; it starts again from the stored file (nothing is imported twice).');
    await ctx.db
      .updateTable('import_jobs')
      .set({
        status: permanent ? 'failed' : 'queued',
        error: message,
        ...(permanent ? { finished_at: ctx.now(), report: JSON.stringify(emptyReport((options.type ?? 'orders') as ImportType, false)) } : {}),
        updated_at: ctx.now(),
      })
      .where('id', '=', id)
      .execute();
    if (permanent) await ctx.db.deleteFrom('import_uploads').where('job_id', '=', id).execute();
    if (!(err instanceof ImportSetupError)) ctx.log.error({ err, importId: id }, 'import job failed');
    throw permanent ? new PermanentJobError(message) : err;
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

type JobRow = {
  id: string;
  file_name: string;
  size_bytes: string | number;
  status: ImportJobView['status'];
  progress_bytes: string | number;
  progress_rows: string | number;
  attempts: number;
  report: unknown;
  error: string | null;
  started_by: string | null;
  started_by_name: string | null;
  created_at: Date | string;
  finished_at: Date | string | null;
};

const view = (r: JobRow, withReport: boolean): ImportJobView => ({
  jobId: r.id,
  fileName: r.file_name,
  status: r.status,
  progress: { bytes: Number(r.progress_bytes), totalBytes: Number(r.size_bytes), rows: Number(r.progress_rows) },
  report: withReport ? ((typeof r.report === 'string' ? JSON.parse(r.report) : r.report) as ImportReport | null) : null,
  error: r.error,
  startedBy: r.started_by,
  startedByName: r.started_by_name,
  startedAt: new Date(r.created_at).toISOString(),
  finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
  attempts: r.attempts,
});

const jobColumns = sql`j.id, j.file_name, j.size_bytes, j.status, j.progress_bytes, j.progress_rows, j.attempts, j.error, j.started_by,
  (select u.name from users u where u.id = j.started_by) as started_by_name, j.created_at, j.finished_at`;

export async function importJob(db: Database, id: string): Promise<ImportJobView | null> {
  const r = await sql<JobRow>`select ${jobColumns}, j.report from import_jobs j where j.id = ${id} and j.status <> 'uploading'`.execute(db);
  return r.rows[0] ? view(r.rows[0], true) : null;
}

/** Imports still going, and the last ones finished (without their reports). */
export async function recentImportJobs(db: Database, limit = 20): Promise<ImportJobView[]> {
  const r = await sql<JobRow>`
    select ${jobColumns}, null as report from import_jobs j where j.status <> 'uploading'
    order by (j.status in ('queued', 'running')) desc, j.created_at desc limit ${limit}`.execute(db);
  return r.rows.map((x) => view(x, false));
}

/** Text from a file (a column name, a fatal reason quoting the header) cut to a readable length. */
export function shorten(text: string, max = 300): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A report fit to answer with: the reason, column names and preview cells of a hostile file cut short. */
export function compactReport(r: ImportReport): ImportReport {
  const cell = (v: string) => shorten(v, 200);
  return {
    ...r,
    fatal: r.fatal === null ? null : shorten(r.fatal),
    headers: r.headers.slice(0, 500).map(cell),
    mapping: Object.fromEntries(Object.entries(r.mapping).map(([k, v]) => [k, typeof v === 'string' ? cell(v) : v])),
    preview: { headers: r.preview.headers.slice(0, 500).map(cell), rows: r.preview.rows.map((row) => row.slice(0, 500).map(cell)) },
    warnings: r.warnings.map((w) => shorten(w, 500)),
    errors: r.errors.map((e) => ({ ...e, reason: shorten(e.reason, 500) })),
    duplicateNotes: r.duplicateNotes.map((e) => ({ ...e, reason: shorten(e.reason, 500) })),
    interpretation: r.interpretation.map((s) => shorten(s, 500)),
  };
}
