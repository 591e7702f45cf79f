// Which kind of work is asking for the database. The embedded database has one connection; when
// requests and background work (job handlers: event deliveries, imports, scheduled scans) wait for
// it together, requests go first (see ConnectionLane). Work is interactive unless it runs inside
// `inBackground()`: the job worker wraps its loop in it, and everything that loop starts (promises,
// timers) inherits the mark through AsyncLocalStorage.
import { AsyncLocalStorage } from 'node:async_hooks';

const background = new AsyncLocalStorage<true>();

/** Runs `work` (and all it starts) as background work: it waits behind requests for the embedded database. */
export function inBackground<T>(work: () => T): T {
  return background.run(true, work);
}

/** True inside `inBackground()`. */
export function isBackgroundWork(): boolean {
  return background.getStore() === true;
}
