// The model fits of a worker thread (parallel-fits.ts): each job fits one model on all the data
// and then, warm-started from that fit, on the part before the automatic holdout — the same calls
// in the same order as on the main thread, so the same digits. Posts the outcomes on the port it
// was given, then sets the shared state word to 2 (done) or 3 (failed) and wakes the main thread.
import { workerData } from 'node:worker_threads';
import type { FitWorkerData, FitWorkerResult } from './parallel-fits.js';
import { fitModel } from './purchase-models.js';

const { jobs, port, state: buffer } = workerData as FitWorkerData;
const state = new Int32Array(buffer);
try {
  const results: FitWorkerResult[] = jobs.map((job) => {
    const t0 = performance.now();
    const full = fitModel(job.model, job.full);
    const t1 = performance.now();
    const holdout = job.holdout ? fitModel(job.model, job.holdout, full.fit) : undefined;
    return { model: job.model, full, holdout, fullMs: t1 - t0, holdoutMs: performance.now() - t1 };
  });
  port.postMessage(results);
  Atomics.store(state, 0, 2);
} catch {
  Atomics.store(state, 0, 3);
}
Atomics.notify(state, 0);
port.close();
