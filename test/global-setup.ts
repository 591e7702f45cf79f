// Says up front which parts of the suite this machine can run, and why others are skipped.
import fs from 'node:fs';

export default function setup(): void {
  const lines: string[] = [];
  lines.push(
    process.env.TEST_DATABASE_URL
      ? `database: PostgreSQL server at ${process.env.TEST_DATABASE_URL.replace(/\/\/[^@]*@/, '//')} (one throw-away schema per test file)`
      : 'database: embedded PGlite (set TEST_DATABASE_URL=postgres://… to run the suite on a PostgreSQL server too)',
  );
  if (!fs.existsSync('/usr/bin/chromium') && !fs.existsSync('/usr/bin/chromium-browser')) {
    lines.push('browser tests: skipped — no Chromium at /usr/bin/chromium (apt-get install chromium)');
  }
  if (!fs.existsSync('dist/web/index.html')) lines.push('browser tests: skipped — web app not built (npm run build)');
  console.log(lines.map((l) => `[keepwell] ${l}`).join('\n'));
}
