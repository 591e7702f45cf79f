// Worker-thread entry of the import reader. In the compiled build (dist/server) read-worker.js
// sits beside this file and is loaded as it is; in the source tree only read-worker.ts is here,
// so the TypeScript loader is registered first (a worker does not inherit the main thread's).
import fs from 'node:fs';

if (fs.existsSync(new URL('./read-worker.js', import.meta.url))) {
  await import('./read-worker.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./read-worker.ts');
}
