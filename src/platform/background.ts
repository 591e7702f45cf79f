// Background work started with the server (job workers, scheduled scans). Features add their
// starters to `backgroundStarters`; each returns a function that stops it.
import type { AppContext } from './context.js';

export type StartBackground = (ctx: AppContext) => () => Promise<void>;

export const backgroundStarters: StartBackground[] = [];

export function startBackgroundWork(ctx: AppContext): () => Promise<void> {
  const stops = backgroundStarters.map((start) => start(ctx));
  return async () => {
    for (const stop of stops) await stop();
  };
}
