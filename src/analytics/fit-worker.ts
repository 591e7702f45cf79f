// The model fits of a worker thread (parallel-fits.ts), started early and sent its jobs on its
// port once the data is ready: each job fits one model on all the data
// and then, warm-started from that fit, on the part before the automatic holdout — the same calls
// in the same order as on the main thread, so the same digits. Posts the outcomes on the port it
// was given, then sets the shared state word to 2 (done) or 3 (failed) and wakes the main thread.
import { workerData } from 'node:worker_threads';
import type { FitJob, FitWorkerData, FitWorkerResult } from './parallel-fits.js';
import { fitModel } from './purchase-models.js';

const { port, state: buffer } = workerData as FitWorkerData;
const state = new Int32Array(buffer);
// started before the data is ready (its start-up hidden behind the main thread's work): the jobs come on the port
// a report that ends without sending any (an error on the way) must not leave the thread waiting
const idle = setTimeout(() => {
  Atomics.store(state, 0, 3);
  Atomics.notify(state, 0);
  port.close();
}, 120_000);
port.once('message', (jobs: FitJob[]) => {
  clearTimeout(idle);
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
});
