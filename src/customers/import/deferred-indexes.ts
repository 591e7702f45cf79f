// A first import into an empty workspace loads its rows without the tables' secondary indexes and
// builds them once at the end, as PostgreSQL's own advice for populating a database says: an index
// kept up row by row costs a random insert per row, and once it outgrows the buffers a page read
// and write as well (on the embedded database a million orders spent most of their COPY time in
// the orders' indexes, and a new customer ~100 µs in its fourteen), where a build at the end sorts
// once. Primary keys stay, and so do the indexes the writer looks customers up by; but into an
// empty workspace the writer looks none up: on the embedded database, which nothing else writes
// meanwhile, every lookup index goes too; on a server the customers' unique external id index
// stays, to catch a customer another client creates meanwhile (writer.ts). The orders'
// unique external_id index goes too: into an empty table only the file's orders are written, and
// the reader lets no order id through twice (read.ts). Each dropped index is listed in
// import_deferred_indexes, with the statement that makes it again, in the transaction that drops
// it: an import stopped part-way (killed, a crash) leaves the list, and the next import or the
// next server start builds what it names.
import { sql } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import type { Database } from '../../platform/db/database.js';
import { pgliteOf } from '../../platform/db/pglite-dialect.js';

/** The tables a first import fills. */
export type BulkTable = 'customers' | 'orders';

/** Indexes the writer's lookups use (CustomerResolver.lookup): kept by an import that looks up. */
export const LOOKUP_INDEXES: ReadonlySet<string> = new Set(['customers_external_id_key', 'customers_email_norm', 'customers_phone_norm']);

/** Whether these tables are empty (a first import: what it writes is all there is). */
export async function tablesEmpty(db: Database, tables: readonly BulkTable[]): Promise<boolean> {
  for (const t of tables) {
    const r = await sql<{ any: boolean }>`select exists (select 1 from ${sql.table(t)}) as any`.execute(db);
    if (r.rows[0].any) return false;
  }
  return true;
}

/** The list entry that gives customers their usual fillfactor back (not an index: the name
 * cannot be one). */
const CUSTOMERS_FILLFACTOR = '(customers fillfactor)';

/**
 * Drops the indexes of each of `tables` that is empty, but for those behind a constraint (the
 * primary key) and those named in `keep` (by default the writer's lookup indexes), listing them
 * to be built again by restoreDeferredIndexes. Answers the names of those dropped.
 *
 * `roomForUpdates`: customers are written half-filling their pages until the list is built. An
 * import of orders moves most new customers' acquisition dates back at its end (a customer's
 * earliest order may come anywhere in the file); with room on the page, and the acquisition
 * date's index deferred, that update is a heap-only one that touches no index (PostgreSQL's HOT):
 * 100k customers in 0.4 s instead of 1.1 s on a server.
 */
export async function deferIndexes(db: Database, tables: readonly BulkTable[], keep: ReadonlySet<string> = LOOKUP_INDEXES, options: { roomForUpdates?: boolean } = {}): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    const dropped: string[] = [];
    for (const table of tables) {
      const empty = !(await sql<{ any: boolean }>`select exists (select 1 from ${sql.table(table)}) as any`.execute(trx)).rows[0].any;
      if (!empty) continue;
      if (table === 'customers' && options.roomForUpdates) {
        const listed = await trx
          .insertInto('import_deferred_indexes')
          .values({ index_name: CUSTOMERS_FILLFACTOR, table_name: table, definition: 'ALTER TABLE customers RESET (fillfactor)' })
          .onConflict((oc) => oc.column('index_name').doNothing())
          .executeTakeFirst();
        if (Number(listed.numInsertedOrUpdatedRows ?? 0) > 0) await sql`alter table customers set (fillfactor = 50)`.execute(trx);
      }
      const found = await sql<{ name: string; definition: string }>`
        select c.relname as name, pg_get_indexdef(i.indexrelid) as definition
        from pg_index i join pg_class c on c.oid = i.indexrelid
        where i.indrelid = to_regclass(${table}) and not i.indisprimary
          and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)
        order by c.relname`.execute(trx);
      for (const { name, definition } of found.rows) {
        if (keep.has(name)) continue;
        await trx
          .insertInto('import_deferred_indexes')
          .values({ index_name: name, table_name: table, definition })
          .onConflict((oc) => oc.column('index_name').doNothing())
          .execute();
        await sql`drop index ${sql.id(name)}`.execute(trx);
        dropped.push(name);
      }
    }
    return dropped;
  });
}

/**
 * Builds every index an import deferred (this one's at its end, or one stopped part-way), each in
 * a transaction of its own that also takes it off the list. `only` limits it to some tables (a
 * line-item file needs the orders' external_id index part-way).
 * Answers the names of the indexes built.
 */
export async function restoreDeferredIndexes(db: Database, only?: readonly BulkTable[]): Promise<string[]> {
  // The embedded database's memory only grows: a build sorting in the default 64 MB raised a 1M-order
  // import's peak by it, where 16 MB sorts as fast (1M orders by customer: 2.8 s either way).
  const embedded = pgliteOf(db) !== undefined;
  const listed = await db.selectFrom('import_deferred_indexes').select(['index_name', 'table_name', 'definition']).orderBy('index_name').execute();
  const built: string[] = [];
  for (const d of listed) {
    if (only && !only.includes(d.table_name as BulkTable)) continue;
    await db.transaction().execute(async (trx) => {
      // pg_get_indexdef's statement, made safe to repeat: the index may exist if an earlier build
      // committed its index but not the removal from the list (both are in one transaction, but
      // a hand-made index of the same name would also do)
      // (the fillfactor's reset, not an index, repeats as it is)
      const statement = d.definition.replace(/^CREATE (UNIQUE )?INDEX /, 'CREATE $1INDEX IF NOT EXISTS ');
      if (embedded) await sql`set local maintenance_work_mem = '16MB'`.execute(trx);
      try {
        await sql.raw(statement).execute(trx);
      } catch (err) {
        const e = err as { code?: string; detail?: string };
        // only another client writing orders during a first import could bring this about
        if (e.code === '23505')
          throw new Error(
            `could not build index ${d.index_name} on ${d.table_name}: ${e.detail ?? 'a value is there twice'} (written by another client during the import?). Remove one of them and run any import or start Keepwell to build it.`,
          );
        throw err;
      }
      await trx.deleteFrom('import_deferred_indexes').where('index_name', '=', d.index_name).execute();
    });
    built.push(d.index_name);
  }
  return built;
}

/** At a server's (or worker's) start, builds what an import stopped part-way left on the list,
 * in the background; answers the stop function, which waits for the builds. */
export function startDeferredIndexBuilds(ctx: AppContext): () => Promise<void> {
  const done = restoreDeferredIndexes(ctx.db)
    .then((built) => built.length && ctx.log.info({ built }, 'built the indexes an interrupted import had deferred'))
    .catch((err: Error) => ctx.log.error({ err }, 'could not build the indexes an interrupted import deferred'));
  return async () => {
    await done;
  };
}
