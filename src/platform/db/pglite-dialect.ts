// Kysely dialect over an embedded PGlite instance. PGlite is single-connection, so queries are
// serialised through one connection; transactions hold it until they finish. Requests get the
// connection before background work (ConnectionLane).
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  Kysely as KyselyClass,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
} from 'kysely';
import type { PGliteClient } from './pglite-client.js';
import { isBackgroundWork } from './work-priority.js';

class PGliteConnection implements DatabaseConnection {
  constructor(private readonly pg: PGliteClient) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.pg.query<R>(compiled.sql, compiled.parameters as unknown[]);
    const affected = result.affectedRows;
    return {
      rows: result.rows,
      numAffectedRows: affected !== undefined ? BigInt(affected) : undefined,
    };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const result = await this.executeQuery<R>(compiled);
    yield result;
  }
}

/** How long background work may wait behind requests before it takes the next turn anyway. */
export const BACKGROUND_MAX_WAIT_MS = 200;

interface Waiter {
  since: number;
  grant: () => void;
}

/**
 * The one connection of the embedded database, handed out in priority order: requests before
 * background work (see work-priority.ts), first come first served within each. Background work is
 * never starved: once its oldest waiter has waited `maxBackgroundWaitMs` it takes the next turn,
 * and after such a promoted turn a waiting request goes next (so the two alternate under load).
 */
export class ConnectionLane {
  private busy = false;
  private promoted = false;
  private readonly interactive: Waiter[] = [];
  private readonly background: Waiter[] = [];

  constructor(
    private readonly maxBackgroundWaitMs = BACKGROUND_MAX_WAIT_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  acquire(): Promise<void> {
    if (!this.busy) {
      this.busy = true;
      return Promise.resolve();
    }
    const queue = isBackgroundWork() ? this.background : this.interactive;
    return new Promise((grant) => queue.push({ since: this.now(), grant }));
  }

  release(): void {
    const next = this.next();
    if (next) next.grant();
    else this.busy = false;
  }

  private next(): Waiter | undefined {
    const oldest = this.background[0];
    if (!oldest) return this.interactive.shift();
    const aged = this.now() - oldest.since >= this.maxBackgroundWaitMs;
    if (this.interactive.length === 0 || (aged && !this.promoted)) {
      this.promoted = this.interactive.length > 0;
      return this.background.shift();
    }
    this.promoted = false;
    return this.interactive.shift();
  }
}

export interface PGliteDriverOptions {
  /** see ConnectionLane (tests set it to 0 to see promotion) */
  maxBackgroundWaitMs?: number;
}

class PGliteDriver implements Driver {
  private readonly connection: PGliteConnection;
  private readonly lane: ConnectionLane;

  constructor(
    private readonly pg: PGliteClient,
    options: PGliteDriverOptions = {},
  ) {
    this.connection = new PGliteConnection(pg);
    this.lane = new ConnectionLane(options.maxBackgroundWaitMs);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.lane.acquire();
    return this.connection;
  }

  async beginTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(): Promise<void> {
    this.lane.release();
  }

  async destroy(): Promise<void> {
    if (!this.pg.closed) await this.pg.close();
  }
}

const pgliteByDb = new WeakMap<Kysely<any>, PGliteClient>();

/** A Kysely over an embedded PGlite, remembered so bulk writers can reach PGlite's COPY. */
export function kyselyOverPGlite<DB>(pg: PGliteClient, options: PGliteDriverOptions = {}): Kysely<DB> {
  const db = new KyselyClass<DB>({ dialect: new PGliteDialect(pg, options) });
  pgliteByDb.set(db, pg);
  return db;
}

/** The PGlite under a Kysely made by kyselyOverPGlite (undefined on a PostgreSQL server). */
export function pgliteOf(db: Kysely<any>): PGliteClient | undefined {
  return pgliteByDb.get(db);
}

export { pgliteSettings } from './pglite-options.js';

export class PGliteDialect implements Dialect {
  constructor(
    private readonly pg: PGliteClient,
    private readonly options: PGliteDriverOptions = {},
  ) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.pg, this.options);
  }
  createIntrospector(db: Kysely<any>) {
    return new PostgresIntrospector(db);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
}
