#!/usr/bin/env node
// Entry point of the `keepwell` command. Runs the compiled CLI (dist/server, made by
// `npm run build`) when it is a build of the current sources; otherwise — a checkout without a
// build, or sources edited since — it runs the TypeScript sources through tsx, so the command
// always does what the sources say. It never builds by itself: a command may run many times at
// once (tests, a worker beside the server) and should not write into the installation.
// KEEPWELL_FROM_SOURCE=1 runs the sources even when the build is fresh; KEEPWELL_FROM_SOURCE=0
// runs the build even when sources changed since (benchmarks in a tree others are editing).
const fromSource = process.env.KEEPWELL_FROM_SOURCE;
// the freshness check only when it decides something
const fresh = async () => (await import('../scripts/server-build.js')).serverBuildIsFresh();
if (fromSource === '0' || (fromSource !== '1' && (await fresh()))) {
  await import('../dist/server/cli/main.js');
} else {
  if (process.stderr.isTTY && process.env.KEEPWELL_FROM_SOURCE !== '1') {
    console.error('keepwell: running the TypeScript sources through tsx (slower start); `npm run build` compiles them');
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
