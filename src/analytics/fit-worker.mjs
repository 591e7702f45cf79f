// Worker-thread entry of the parallel model fits (fit-worker.ts). In the compiled build
// (dist/server) fit-worker.js sits beside this file and is loaded as it is; in the source tree
// only fit-worker.ts is here, so the TypeScript loader is registered first (a worker does not
// inherit the main thread's). The shared state word says the thread is running (1) or, if
// loading fails, that it failed (3), so the main thread, which waits on it, falls back at once.
import fs from 'node:fs';
import { workerData } from 'node:worker_threads';

const state = new Int32Array(workerData.state);
Atomics.store(state, 0, 1);
try {
  if (fs.existsSync(new URL('./fit-worker.js', import.meta.url))) {
    await import('./fit-worker.js');
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    await import('./fit-worker.ts');
  }
} catch {
  Atomics.store(state, 0, 3);
  Atomics.notify(state, 0);
}
