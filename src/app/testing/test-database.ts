// A fresh, migrated database for one test file: in-memory PGlite by default, or a schema of
// its own on the PostgreSQL server named by TEST_DATABASE_URL (dropped afterwards).
//
// A new PGlite runs initdb (~4 s). Tests instead load a dump of an already-migrated database
// (~1 s), made once and kept in the temp folder under a hash of the migrations' code. PGlite runs
// in a worker thread, as in the server (PGliteWorkerClient).
import { sql } from 'kysely';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate, openDatabase, type OpenDatabase } from '../../platform/db/database.js';
import { allMigrations } from '../../platform/db/migrations.js';
import { installFeatures, loadFeatures } from '../../platform/feature.js';
import { features } from '../features.js';
import { kyselyOverPGlite } from '../../platform/db/pglite-dialect.js';
import { PGliteWorkerClient } from '../../platform/db/pglite-worker-client.js';
import type { DB } from '../../platform/db/schema.js';

// Every test process runs with the real feature list, as the server does.
installFeatures(features);
await loadFeatures();

export const testDatabaseUrl = process.env.TEST_DATABASE_URL || undefined;

function templatePath(): string {
  const hash = createHash('sha256');
  for (const [name, m] of Object.entries(allMigrations()).sort(([a], [b]) => a.localeCompare(b))) {
    hash.update(name).update(m.up.toString());
  }
  return path.join(os.tmpdir(), `keepwell-test-template-${hash.digest('hex').slice(0, 16)}.tar`);
}

async function migratedTemplate(): Promise<ArrayBuffer> {
  const file = templatePath();
  if (fs.existsSync(file)) {
    const bytes = fs.readFileSync(file);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  }
  const pg = await PGliteWorkerClient.open({});
  const db = kyselyOverPGlite<DB>(pg);
  await migrate(db);
  const dump = await (await pg.dumpDataDir('none')).arrayBuffer();
  await db.destroy();
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  fs.writeFileSync(tmp, new Uint8Array(dump));
  fs.renameSync(tmp, file); // atomic: parallel test workers never read half a file
  return dump;
}

export async function createTestDatabase(): Promise<OpenDatabase> {
  if (!testDatabaseUrl) {
    const pglite = await PGliteWorkerClient.open({ loadDataDir: await migratedTemplate() });
    const db = kyselyOverPGlite<DB>(pglite);
    await migrate(db); // no-op unless the template is behind
    return { db, kind: 'pglite', pglite, close: () => db.destroy() };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const opened = await openDatabase({ databaseUrl: testDatabaseUrl, schema });
  return {
    ...opened,
    async close() {
      await sql.raw(`drop schema if exists "${schema}" cascade`).execute(opened.db);
      await opened.close();
    },
  };
}
