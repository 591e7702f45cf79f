// Worker-thread entry of the knowledge index. In the compiled build (dist/server) index-worker.js
// sits beside this file and is loaded as it is; in the source tree only index-worker.ts is here,
// so the TypeScript loader is registered first (a worker does not inherit the main thread's).
import fs from 'node:fs';

if (fs.existsSync(new URL('./index-worker.js', import.meta.url))) {
  await import('./index-worker.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./index-worker.ts');
}
