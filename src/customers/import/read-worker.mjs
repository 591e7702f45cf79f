// Worker-thread entry of the import reader: loads the TypeScript sources through tsx (a worker
// does not inherit the main thread's loader), then runs read-worker.ts.
import { register } from 'tsx/esm/api';

register();
await import('./read-worker.ts');
