// Starts the job worker with the server (config.worker, on by default): emails, playbook steps
// and the scheduled scans. Several processes may run it against one PostgreSQL server.
import { backgroundStarters } from '../platform/background.js';
import { startJobWorker } from '../platform/jobs/jobs.service.js';
import '../platform/mail/mail.job.js';
import { closeTransports } from '../platform/mail/mail.transport.js';
import './playbooks.scan.js';
import './playbooks.service.js';

export function workerConcurrency(): number {
  const n = Number(process.env.KEEPWELL_WORKER_CONCURRENCY);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 4;
}

let registered = false;
if (!registered) {
  registered = true;
  backgroundStarters.push((ctx) => {
    const stop = startJobWorker(ctx, { concurrency: workerConcurrency(), limit: 50, pollMs: 1000 });
    return async () => {
      await stop();
      closeTransports();
    };
  });
}
