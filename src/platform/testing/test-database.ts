// A fresh, migrated database for one test file: in-memory PGlite by default, or a schema of
// its own on the PostgreSQL server named by TEST_DATABASE_URL (dropped afterwards).
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { openDatabase, type OpenDatabase } from '../db/database.js';

export const testDatabaseUrl = process.env.TEST_DATABASE_URL || undefined;

export async function createTestDatabase(): Promise<OpenDatabase> {
  if (!testDatabaseUrl) return openDatabase({ inMemory: true });
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
