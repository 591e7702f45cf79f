// `npm run build:server`: compiles the server and CLI (src/) to JavaScript in dist/server.
import { buildServer } from './server-build.js';

const { files, ms } = await buildServer();
console.log(`Compiled ${files} server files to dist/server in ${ms} ms`);
