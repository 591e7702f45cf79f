// The compiled server and CLI: src/**/*.ts transpiled file by file (esbuild, no bundling) into
// dist/server/ with the same folder layout, so relative URLs between files keep working (worker
// entries, data files). Tests (*.test.ts) and `testing/` folders are left out; the worker
// entries (*.mjs) and data files (*.json) are copied beside the compiled files.
//
// One rule for "compiled or source": dist/server is used when its stamp (written when the build
// starts reading the sources) is newer than every file and folder that goes into it. A folder's
// time changes when a file is added, removed or renamed, so those count as changes too.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const srcDir = path.join(root, 'src');
export const outDir = path.join(root, 'dist/server');
const STAMP = '.build-stamp';
const COPIED = ['.mjs', '.json'];

const excludedDir = (name) => name === 'testing' || name === 'fixtures' || name === 'node_modules';
const compiled = (name) => name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts');
const copied = (name) => COPIED.some((ext) => name.endsWith(ext));

/** Walks the sources that make up the build: { compile: [...], copy: [...], newestMs } */
export function serverSources() {
  const out = { compile: [], copy: [], newestMs: 0 };
  const walk = (dir) => {
    out.newestMs = Math.max(out.newestMs, fs.statSync(dir).mtimeMs);
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!excludedDir(e.name)) walk(p);
        continue;
      }
      const list = compiled(e.name) ? out.compile : copied(e.name) ? out.copy : null;
      if (!list) continue;
      list.push(p);
      out.newestMs = Math.max(out.newestMs, fs.statSync(p).mtimeMs);
    }
  };
  walk(srcDir);
  return out;
}

/** True when dist/server holds a build of the current sources (or there are no sources to compare with). */
export function serverBuildIsFresh() {
  let stampMs;
  try {
    stampMs = fs.statSync(path.join(outDir, STAMP)).mtimeMs;
  } catch {
    return false;
  }
  if (!fs.existsSync(srcDir)) return true; // an installation shipped with dist/ only
  // the same files as serverSources(), stopping at the first one newer than the stamp
  const newer = (p) => fs.statSync(p).mtimeMs > stampMs;
  const changed = (dir) => {
    if (newer(dir)) return true;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory() ? !excludedDir(e.name) && changed(path.join(dir, e.name)) : (compiled(e.name) || copied(e.name)) && newer(path.join(dir, e.name))) return true;
    }
    return false;
  };
  return !changed(srcDir);
}

/** Compiles src/ into dist/server (built beside it, then swapped in). Returns { files, ms }. */
export async function buildServer() {
  const started = Date.now();
  const sources = serverSources();
  const tmp = `${outDir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  try {
    await compileInto(tmp, sources);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const stamp = path.join(tmp, STAMP);
  fs.writeFileSync(stamp, `built from src/ by scripts/server-build.js; ${sources.compile.length} files\n`);
  // the stamp carries the time the sources were read: an edit during the build makes it stale
  fs.utimesSync(stamp, new Date(started), new Date(started));
  const old = `${outDir}.old-${process.pid}`;
  if (fs.existsSync(outDir)) fs.renameSync(outDir, old);
  fs.renameSync(tmp, outDir);
  fs.rmSync(old, { recursive: true, force: true });
  return { files: sources.compile.length, ms: Date.now() - started };
}

// Packages made of hundreds of small ES modules cost most of the start-up in module loading
// (kysely alone ~260 files). They are bundled once into dist/server/vendor/ (zod together with
// the one package that imports it, so there is a single zod) and the compiled files import them
// from there. Only the names listed are rewritten; a subpath import of them fails the build.
const VENDOR = {
  kysely: "export * from 'kysely';",
  zod: "export * from 'zod'; export { default } from 'zod';",
  'fastify-type-provider-zod': "export * from 'fastify-type-provider-zod';",
};
const vendored = (spec) => Object.keys(VENDOR).find((name) => spec === name || spec.startsWith(`${name}/`));

async function bundleVendor(build, tmp) {
  const entries = path.join(tmp, '.vendor-entries');
  fs.mkdirSync(entries, { recursive: true });
  const entryPoints = Object.entries(VENDOR).map(([name, code]) => {
    const file = path.join(entries, `${name}.js`);
    fs.writeFileSync(file, `${code}\n`);
    return file;
  });
  await build({
    entryPoints,
    outdir: path.join(tmp, 'vendor'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
    absWorkingDir: root,
    nodePaths: [path.join(root, 'node_modules')],
    plugins: [
      {
        name: 'only-vendored',
        setup(b) {
          // every other package stays an import of node_modules
          b.onResolve({ filter: /^[^./]/ }, (args) => (vendored(args.path) ? undefined : { path: args.path, external: true }));
        },
      },
    ],
  });
  fs.rmSync(entries, { recursive: true, force: true });
}

/** Points the compiled file's imports of vendored packages at dist/server/vendor/. */
function useVendor(outFile, text, tmp) {
  return text.replace(/(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)"([^"]+)"/g, (whole, lead, spec) => {
    const name = vendored(spec);
    if (!name) return whole;
    if (spec !== name) throw new Error(`${path.relative(tmp, outFile)} imports "${spec}": add it to VENDOR in scripts/server-build.js`);
    let rel = path
      .relative(path.dirname(outFile), path.join(tmp, 'vendor', `${name}.js`))
      .split(path.sep)
      .join('/');
    if (!rel.startsWith('.')) rel = `./${rel}`;
    return `${lead}"${rel}"`;
  });
}

async function compileInto(tmp, sources) {
  const { build } = await import('esbuild');
  const result = await build({
    write: false,
    entryPoints: sources.compile,
    outdir: tmp,
    outbase: srcDir,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    sourcesContent: false,
    logLevel: 'warning',
    tsconfig: path.join(root, 'tsconfig.json'),
  });
  for (const out of result.outputFiles) {
    fs.mkdirSync(path.dirname(out.path), { recursive: true });
    fs.writeFileSync(out.path, out.path.endsWith('.js') ? useVendor(out.path, out.text, tmp) : out.contents);
  }
  await bundleVendor(build, tmp);
  for (const file of sources.copy) {
    const dest = path.join(tmp, path.relative(srcDir, file));
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(file, dest);
  }
  // the ESM marker, so dist/server never depends on the package.json above it
  fs.writeFileSync(path.join(tmp, 'package.json'), '{ "type": "module" }\n');
  // the command catalogue (cli/catalogue.ts), taken from the feature list of this very build
  // (child_process loaded here: bin/keepwell.js imports this file on every start for the freshness check)
  const { execFileSync } = await import('node:child_process');
  execFileSync(process.execPath, [path.join(tmp, 'cli/write-catalogue.js'), path.join(tmp, 'cli/commands.json')], { stdio: 'inherit' });
}
