// Builds the web app when dist/web is missing or older than any source under web/.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const newest = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).reduce((max, e) => {
    const p = path.join(dir, e.name);
    return Math.max(max, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }, 0);

const built = 'dist/web/index.html';
if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < newest('web')) {
  console.log('Building the web app…');
  execSync('npx vite build --logLevel warn', { stdio: 'inherit' });
}
