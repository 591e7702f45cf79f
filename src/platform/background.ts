// Background work of the server and of `keepwell worker`: the job worker (every job handler and
// schedule comes from the feature list) plus each feature's own `background` starter.
import type { AppContext } from './context.js';
import { installedFeatures } from './feature.js';
import { startJobWorker } from './jobs/jobs.service.js';

export function workerConcurrency(): number {
  const n = Number(process.env.KEEPWELL_WORKER_CONCURRENCY);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 4;
}

export function startBackgroundWork(ctx: AppContext, options: { concurrency?: number } = {}): () => Promise<void> {
  const stopWorker = startJobWorker(ctx, { concurrency: options.concurrency ?? workerConcurrency(), limit: 50, pollMs: 1000 });
  const stops = installedFeatures().flatMap((f) => (f.background ? [f.background(ctx)] : []));
  return async () => {
    await stopWorker();
    for (const stop of stops) await stop();
  };
}
