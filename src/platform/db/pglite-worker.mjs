// Worker-thread entry of the embedded database. In the compiled build (dist/server)
// pglite-worker.js sits beside this file and is loaded as it is; in the source tree only
// pglite-worker.ts is here, so the TypeScript loader is registered first (a worker does not
// inherit the main thread's).
import fs from 'node:fs';

if (fs.existsSync(new URL('./pglite-worker.js', import.meta.url))) {
  await import('./pglite-worker.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./pglite-worker.ts');
}
