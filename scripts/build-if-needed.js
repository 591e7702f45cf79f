// Builds what is missing or out of date: the web app (dist/web, when older than any source under
// web/) and the compiled server and CLI (dist/server, when older than any file under src/ that
// goes into it). Run by `npm start`, `npm run demo` and before `npm test`.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildServer, serverBuildIsFresh } from './server-build.js';

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

if (!serverBuildIsFresh()) {
  const { files, ms } = await buildServer();
  console.log(`Compiled ${files} server files to dist/server in ${ms} ms`);
}
