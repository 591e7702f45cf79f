// Imports started over HTTP run on the job queue from the stored upload: visible to every staff
// member with their progress, and taken over after a restart with nothing doubled.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Caller, type TestApp } from '../../app/testing/test-app.js';
import type { AppContext } from '../../platform/context.js';
import { drainJobs } from '../../platform/jobs/jobs.service.js';
import { IMPORT_JOB, importJobHooks } from './import.jobs.js';

let t: TestApp;
let owner: Caller;
let agent: Caller;
const start = new Date('2025-06-01T12:00:00Z');
let clock = start.getTime();

beforeAll(async () => {
  t = await createTestApp({ now: () => new Date(clock) });
  owner = await t.signIn('owner');
  agent = await t.signIn('agent');
});
afterAll(async () => {
  importJobHooks.beforeBatch = undefined;
  await t.close();
});

/** An orders file over 1 MB (so it is queued): `rows` orders of 50 customers. */
function ordersFile(prefix: string, rows: number): string {
  let csv = 'order_id,email,date,amount,notes\n';
  for (let i = 0; i < rows; i++) csv += `${prefix}-${i},${prefix}${i % 50}@example.com,2025-02-01,${(i % 90) + 1}.00,${'n'.repeat(40)}\n`;
  expect(csv.length).toBeGreaterThan(1 << 20);
  return csv;
}

function multipart(csv: string, filename: string) {
  const boundary = '----keepwelljobs';
  return {
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: text/csv\r\n\r\n`),
      Buffer.from(csv),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]),
  };
}

const upload = async (csv: string, filename: string, who: Caller) => {
  const m = multipart(csv, filename);
  return t.app.inject({ method: 'POST', url: '/api/customers/import?type=orders', headers: { ...who.headers, ...m.headers }, payload: m.payload });
};
const get = (url: string, who: Caller) => t.app.inject({ method: 'GET', url, headers: who.headers });

describe('import jobs', () => {
  it('a large upload is stored and queued; every staff member sees it, then its report', async () => {
    const r = await upload(ordersFile('Q', 16_000), 'queued.csv', owner);
    expect(r.statusCode).toBe(202);
    const { jobId, status } = r.json();
    expect(status).toBe('queued');
    // stored in small parts (each its own statement, so requests get the database between them)
    const parts = await sql<{ n: number; largest: number }>`select count(*)::int as n, max(length(bytes))::int as largest from import_uploads where job_id = ${jobId}`.execute(t.database.db);
    expect(parts.rows[0].n).toBeGreaterThan(4);
    expect(parts.rows[0].largest).toBeLessThanOrEqual(256 << 10);
    // another staff member sees who started it
    const list = (await get('/api/customers/import/jobs', agent)).json().jobs;
    expect(list[0]).toMatchObject({ jobId, fileName: 'queued.csv', status: 'queued', startedBy: owner.userId, progress: { rows: 0 } });

    await drainJobs(t.ctx, { kinds: [IMPORT_JOB] });
    const job = (await get(`/api/customers/import/jobs/${jobId}`, agent)).json();
    expect(job).toMatchObject({ status: 'done', attempts: 1, report: { created: 16_000, failed: 0, customersCreated: 50 }, progress: { rows: 16_000 } });
    expect(job.progress.bytes).toBe(job.progress.totalBytes);
    // the stored upload is gone once imported
    const left = await sql<{ n: number }>`select count(*)::int as n from import_uploads where job_id = ${jobId}`.execute(t.database.db);
    expect(left.rows[0].n).toBe(0);
    expect((await get('/api/customers/import/jobs/00000000-0000-4000-8000-000000000000', agent)).statusCode).toBe(404);
  }, 120_000);

  it('a job stopped mid-way by a restart is taken over by the next server and finishes with nothing doubled', async () => {
    const rows = 16_000;
    const r = await upload(ordersFile('R', rows), 'restart.csv', agent);
    expect(r.statusCode).toBe(202);
    const { jobId } = r.json();

    // The first server stops for good before its third batch (two are committed): like a process
    // that died, it neither finishes nor marks anything.
    let stopped!: () => void;
    const stoppedAt = new Promise<void>((resolve) => (stopped = resolve));
    importJobHooks.progressEveryMs = 0;
    importJobHooks.beforeBatch = async (id, n) => {
      if (id !== jobId || n < 3) return;
      stopped();
      await new Promise(() => {});
    };
    void drainJobs(t.ctx, { kinds: [IMPORT_JOB] });
    await stoppedAt;
    importJobHooks.beforeBatch = undefined;
    const midway = await sql<{ n: number }>`select count(*)::int as n from orders where external_id like 'R-%'`.execute(t.database.db);
    expect(midway.rows[0].n).toBeGreaterThan(0);
    expect(midway.rows[0].n).toBeLessThan(rows);
    const seen = (await get(`/api/customers/import/jobs/${jobId}`, owner)).json();
    expect(seen.status).toBe('running');
    expect(seen.progress.rows).toBeGreaterThan(0);

    // A new server on the same database, after the first one's lease has passed.
    clock += 10 * 60_000;
    const later: AppContext = { ...t.ctx, now: () => new Date(clock) };
    await drainJobs(later, { kinds: [IMPORT_JOB] });
    const job = (await get(`/api/customers/import/jobs/${jobId}`, owner)).json();
    expect(job).toMatchObject({ status: 'done', attempts: 2, report: { failed: 0 } });
    expect(job.report.created + job.report.unchanged).toBe(rows);
    expect(job.report.unchanged).toBe(midway.rows[0].n);
    const after = await sql<{ n: number; distinct: number }>`select count(*)::int as n, count(distinct external_id)::int as distinct from orders where external_id like 'R-%'`.execute(t.database.db);
    expect(after.rows[0]).toEqual({ n: rows, distinct: rows });
  }, 120_000);

  it('an upload whose request died before it was queued is listed nowhere, never run, and swept by a later upload', async () => {
    const id = '00000000-0000-7000-8000-00000000abcd';
    await t.database.db
      .insertInto('import_jobs')
      .values({ id, file_name: 'died.csv', size_bytes: 10, options: '{}', status: 'uploading', started_by: owner.userId, updated_at: new Date(clock - 2 * 3600_000) })
      .execute();
    await t.database.db
      .insertInto('import_uploads')
      .values({ job_id: id, part: 0, bytes: Buffer.from('a,b\n') })
      .execute();
    expect((await get(`/api/customers/import/jobs/${id}`, owner)).statusCode).toBe(404);
    expect((await get('/api/customers/import/jobs', owner)).json().jobs.map((j: { jobId: string }) => j.jobId)).not.toContain(id);
    const r = await upload(ordersFile('S', 16_000), 'later.csv', owner);
    expect(r.statusCode).toBe(202);
    const left = await sql<{ n: number }>`select (select count(*) from import_jobs where id = ${id})::int + (select count(*) from import_uploads where job_id = ${id})::int as n`.execute(
      t.database.db,
    );
    expect(left.rows[0].n).toBe(0);
  }, 120_000);
});
