// On enough data Pareto/NBD is fitted in a worker thread while the main thread fits the other
// models (parallel-fits.ts): the report must be the same to the last digit as with every fit on
// the main thread — with the automatic holdout (refits in the worker too) and with a given one.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dayOfDate } from './dates.js';
import { readOrdersFile } from './reader.js';
import { ordersReport, type ReportOptions } from './report.js';

const cdnow = path.resolve('../shared/data/cdnow/CDNOW_sample.txt');

function both(table: Parameters<typeof ordersReport>[0], opts: ReportOptions) {
  const stages: string[] = [];
  const inWorker = ordersReport(table, { ...opts, fitWorker: true, onStage: (s) => stages.push(s) });
  const here = ordersReport(table, { ...opts, fitWorker: false });
  return { inWorker: JSON.stringify(inWorker), here: JSON.stringify(here), stages };
}

describe.skipIf(!fs.existsSync(cdnow))('fits in a worker thread', () => {
  it('give the same report as on the main thread (automatic holdout: the refits too)', async () => {
    const f = await readOrdersFile(cdnow, { customerCol: 2, dateCol: 3, amountCol: 5 });
    const r = both(f.table, {});
    expect(r.stages).toContain('wait for the fit worker');
    // Pareto/NBD came from the worker, not from a fallback on this thread
    expect(r.stages).not.toContain('fit Pareto/NBD');
    expect(r.stages).not.toContain('fit Pareto/NBD (before the holdout)');
    expect(r.inWorker).toBe(r.here);
    expect(JSON.parse(r.inWorker).models.chosen.by).toBe('holdout');
  });

  it('give the same report with a given calibration end (no refits)', async () => {
    const f = await readOrdersFile(cdnow, { customerCol: 2, dateCol: 3, amountCol: 5 });
    const r = both(f.table, { timeUnit: 'week', calibrationEndDay: dayOfDate(1997, 9, 30), asOfDay: dayOfDate(1998, 6, 30) });
    expect(r.stages).toContain('wait for the fit worker');
    expect(r.stages).not.toContain('fit Pareto/NBD');
    expect(r.inWorker).toBe(r.here);
  });

  it('are not used on small data unless asked', async () => {
    const f = await readOrdersFile(cdnow, { customerCol: 2, dateCol: 3, amountCol: 5 });
    const stages: string[] = [];
    ordersReport(f.table, { onStage: (s) => stages.push(s) });
    expect(stages).not.toContain('start the fit worker');
    expect(stages).toContain('fit Pareto/NBD');
  });
});
