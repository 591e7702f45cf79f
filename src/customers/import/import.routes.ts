// CSV import over HTTP. POST /api/customers/import (multipart field "file") answers with the
// report for a dry run (the check step) or a file up to 1 MB; a larger file is stored and
// imported on the job queue (import.jobs.ts): 202 with a job id. Every staff member sees imports
// running and finished at GET /api/customers/import/jobs, one at GET …/jobs/:id.
import multipart from '@fastify/multipart';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audit } from '../../accounts/index.js';
import type { AppContext } from '../../platform/context.js';
import { badRequest, HttpError, notFound } from '../../platform/http/errors.js';
import type { App } from '../../platform/http/server.js';
import { getWorkspace } from '../../workspace/index.js';
import { bufferSource } from './csv.js';
import { compactReport, importJob, queueImport, recentImportJobs, shorten } from './import.jobs.js';
import { ImportSetupError, runImport, type ImportReport } from './importer.js';
import { fieldsByType, importTypes, presets, type Mapping } from './presets.js';
import { isCurrencyCode } from './values.js';

/** Files up to this size are imported while the request waits. */
const SYNC_BYTES = 1024 * 1024;

export async function importRoutes(app: App, ctx: AppContext): Promise<void> {
  app.get('/api/customers/import/fields', { config: { access: 'staff' }, schema: { tags: ['customers'], summary: 'Fields per record type and the known export presets' } }, async () => ({
    types: importTypes,
    fields: fieldsByType,
    presets: presets.map((p) => ({ key: p.key, label: p.label, type: p.type })),
  }));

  const importQuery = z.object({
    type: z.enum(importTypes).optional(),
    preset: z.enum(['generic', ...presets.map((p) => p.key)] as [string, ...string[]]).optional(),
    dryRun: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
    mapping: z
      .string()
      .max(5000)
      .optional()
      .transform((v, c) => {
        if (!v) return undefined;
        try {
          const m = JSON.parse(v);
          if (m && typeof m === 'object' && !Array.isArray(m) && Object.values(m).every((x) => typeof x === 'string')) return m as Mapping;
        } catch {
          /* fall through */
        }
        c.addIssue({ code: 'custom', message: 'must be a JSON object of field → column name' });
        return z.NEVER;
      }),
    previewRows: z.coerce.number().int().min(0).max(50).default(10),
    currency: z.string().trim().length(3).refine(isCurrencyCode, 'is not an ISO 4217 currency code').optional(),
  });

  await app.register(async (plain) => {
    const scope = plain.withTypeProvider<ZodTypeProvider>();
    await scope.register(multipart, { limits: { fileSize: 200 * 1024 * 1024, files: 1, fields: 10 } });
    scope.post(
      '/api/customers/import',
      {
        config: { access: 'staff' },
        schema: {
          querystring: importQuery,
          tags: ['customers'],
          summary:
            'Import a CSV (multipart field "file"). Dry runs and files up to 1 MB answer with the report; larger files are stored and imported on the job queue: 202 with a job id (GET /api/customers/import/jobs/{id})',
        },
      },
      async (req, reply) => {
        if (!req.isMultipart()) throw badRequest('Send the file as multipart/form-data in the field "file"', [{ field: 'file', message: 'is required' }]);
        const part = await req.file();
        if (!part) throw badRequest('No file in the upload', [{ field: 'file', message: 'is required' }]);
        let buf: Buffer;
        try {
          buf = await part.toBuffer();
        } catch (err) {
          throw new HttpError(413, 'too_large', `The file is too large: ${(err as Error).message}`, [{ field: 'file', message: 'is too large' }]);
        }
        if (!buf.length) throw badRequest('The file is empty', [{ field: 'file', message: 'is empty' }]);
        const ws = await getWorkspace(ctx.db);
        const q = req.query;
        const options = {
          type: q.type,
          preset: q.preset,
          mapping: q.mapping,
          previewRows: q.previewRows,
          defaultCurrency: q.currency?.toUpperCase() ?? ws?.currency ?? 'USD',
          timeZone: ws?.timeZone ?? 'UTC',
          batchSize: 5000,
          sliced: true, // requests come first: the import's transactions stay short
        };
        if (q.dryRun || buf.length <= SYNC_BYTES) {
          let report: ImportReport;
          try {
            report = compactReport(await runImport(ctx.db, bufferSource(buf), { ...options, dryRun: q.dryRun }));
          } catch (err) {
            if (err instanceof ImportSetupError) throw badRequest(shorten(err.message), [{ field: 'querystring.mapping', message: shorten(err.message) }]);
            throw err;
          }
          // A check reports what stops the file (the mapping step needs its columns); an import that
          // could not start is refused with the reason, not a success carrying it.
          if (report.fatal && !report.dryRun) throw new HttpError(422, 'import_failed', `Not imported: ${report.fatal}`, [{ field: 'file', message: report.fatal }]);
          if (!report.dryRun) await audit(ctx.db, req, 'customers.import', null, auditDetails(part.filename, report));
          return { report };
        }
        const jobId = await queueImport(ctx.db, { fileName: part.filename || 'upload.csv', bytes: buf, options, startedBy: req.user!.id, now: ctx.now() });
        await audit(ctx.db, req, 'customers.import.queued', null, { file: part.filename, bytes: buf.length, jobId });
        const job = await importJob(ctx.db, jobId);
        return reply.code(202).send({ jobId, status: job!.status, progress: job!.progress });
      },
    );
  });

  app.get(
    '/api/customers/import/jobs',
    { config: { access: 'staff' }, schema: { tags: ['customers'], summary: 'Imports running and recently finished (progress, who started them), newest first' } },
    async () => ({ jobs: await recentImportJobs(ctx.db) }),
  );

  app.get(
    '/api/customers/import/jobs/:id',
    { config: { access: 'staff' }, schema: { params: z.object({ id: z.string().uuid('must be an import job id') }), tags: ['customers'], summary: 'Progress and result of an import job' } },
    async (req) => {
      const job = await importJob(ctx.db, req.params.id);
      if (!job) throw notFound('Import job');
      return job;
    },
  );
}

const auditDetails = (file: string, report: ImportReport) => ({
  file,
  type: report.type,
  preset: report.preset,
  rows: report.rows,
  created: report.created,
  updated: report.updated,
  refunds: report.refunds,
  failed: report.failed,
});
