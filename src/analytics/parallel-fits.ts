// Model fits in a worker thread beside the main thread's (the machine's second core): the worker
// fits whole models (on all the data, then warm-started on the part before the automatic holdout)
// while the main thread fits the others and Gamma-Gamma. Each fit is deterministic, so the report
// is the same to the last digit whichever thread did it. Only typed arrays and plain numbers
// cross: the jobs are structured-cloned, the fits come back as plain objects.
//
// The report is synchronous, so the main thread does not wait on its event loop: it waits on a
// shared state word (0 starting, 1 running, 2 done, 3 failed) and takes the worker's message off
// the port with receiveMessageOnPort. A worker that does not start, fails, or takes far too long
// is stopped and its jobs are fitted on the main thread instead (the same results, only slower).
import fs from 'node:fs';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { FitData, FitOutcome, ModelName } from './purchase-models.js';

export interface FitJob {
  model: ModelName;
  full: FitData;
  /** the data before the automatic holdout, fitted warm-started from the fit on `full` */
  holdout?: FitData;
}

export interface FitWorkerData {
  port: MessagePort;
  state: SharedArrayBuffer;
}

export interface FitWorkerResult {
  model: ModelName;
  full: FitOutcome;
  holdout?: FitOutcome;
  fullMs: number;
  holdoutMs: number;
}

/** the models are fitted in a worker thread from this many customers on (below, its start-up is not worth it) */
export const FIT_WORKER_MIN_CUSTOMERS = 20_000;
/** how long a worker may take to start running before its jobs are done here instead */
const START_MS = 15_000;
/** how long its fits may take at most (they take seconds; this only guards against a lost worker) */
const RUN_MS = 600_000;

/** Whether to fit in a worker: `force` (the report option) first, then KEEPWELL_FIT_WORKER=1|0, else from FIT_WORKER_MIN_CUSTOMERS customers (in the data) on. */
export function useFitWorker(customers: number, force?: boolean): boolean {
  if (force !== undefined) return force;
  const env = process.env.KEEPWELL_FIT_WORKER;
  if (env === '1' || env === '0') return env === '1';
  return customers >= FIT_WORKER_MIN_CUSTOMERS;
}

export interface FitWorker {
  /** Sends the jobs (once). */
  run(jobs: FitJob[]): void;
  /** Stops the worker without waiting for it (when there is nothing for it to do). */
  stop(): void;
  /** Waits for the worker's outcomes; null when it could not deliver them (then fit the jobs here). */
  collect(): FitWorkerResult[] | null;
}

/** Starts a worker, to be sent its jobs once the data is ready; null when no worker can be started. */
export function startFitWorker(): FitWorker | null {
  const buffer = new SharedArrayBuffer(4);
  const state = new Int32Array(buffer);
  const { port1, port2 } = new MessageChannel();
  const entry = new URL('./fit-worker.mjs', import.meta.url);
  // a missing entry would only be reported on the event loop, which the report does not return to
  if (!fs.existsSync(entry)) return null;
  let worker: Worker;
  try {
    worker = new Worker(entry, {
      workerData: { port: port2, state: buffer } satisfies FitWorkerData,
      transferList: [port2],
    });
  } catch {
    port1.close();
    port2.close();
    return null;
  }
  // errors are seen through the state word; the process must not wait for the thread to end
  worker.on('error', () => {});
  worker.unref();
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    port1.close();
    worker.terminate().catch(() => {});
  };
  return {
    run(jobs) {
      port1.postMessage(jobs);
    },
    stop: finish,
    collect() {
      try {
        if (Atomics.wait(state, 0, 0, START_MS) === 'timed-out') return null;
        const deadline = performance.now() + RUN_MS;
        while (Atomics.load(state, 0) === 1) {
          const left = deadline - performance.now();
          if (left <= 0) return null;
          Atomics.wait(state, 0, 1, left);
        }
        if (Atomics.load(state, 0) !== 2) return null;
        // posted before the state word was set; a short wait only in case delivery lags
        for (let i = 0; i < 100; i++) {
          const m = receiveMessageOnPort(port1);
          if (m) return m.message as FitWorkerResult[];
          Atomics.wait(state, 0, 2, 10);
        }
        return null;
      } finally {
        finish();
      }
    },
  };
}
