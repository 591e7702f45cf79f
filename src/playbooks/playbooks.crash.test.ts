// Crash test: a playbook run (a greeting to every customer) is worked by a separate worker
// process, which is killed with SIGKILL part-way — while the SMTP server holds one message
// unanswered — and restarted. The in-process SMTP server must receive each intended email
// exactly once. Kept small here (CRASH_TEST_EMAILS, default 100) to stay fast on CI;
// `npm run bench -- email` runs the same scenario with 10,000 emails.
import { describe, expect, it } from 'vitest';
import { runCrashScenario } from './testing/crash-harness.js';

const N = Number(process.env.CRASH_TEST_EMAILS ?? 100);

describe('crash during a playbook run', () => {
  it('kill -9 part-way, restart: every email arrives exactly once', async () => {
    const r = await runCrashScenario({ emails: N, killAt: Math.floor(N * 0.4), databaseUrl: process.env.TEST_DATABASE_URL || undefined });
    expect(r.killed).toBe(true);
    expect(r.received).toBe(N);
    expect(r.unique).toBe(N);
    expect(r.duplicates).toBe(0);
    expect(r.missing).toBe(0);
    expect(r.sentInDb).toBe(N);
  }, 120_000);
});
