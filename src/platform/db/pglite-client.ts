// The part of PGlite's API Keepwell uses. Both an in-thread PGlite and the worker-thread client
// (pglite-worker-client.ts) offer it, so the dialect, the import writer and backups take either.
export interface PGliteQueryOptions {
  /** the file a `COPY … FROM '/dev/blob'` reads (only its arrayBuffer() is called) */
  blob?: Blob;
  /** The caller will not read the blob's bytes again: a database on another thread may take them
   * over (moved, not copied; the caller's ArrayBuffer is left empty). An in-thread PGlite ignores it. */
  handOver?: boolean;
}

export interface PGliteResults<T> {
  rows: T[];
  affectedRows?: number;
  fields: { name: string; dataTypeID: number }[];
  /** what a `COPY … TO '/dev/blob'` wrote */
  blob?: Blob;
}

export interface PGliteClient {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[], options?: PGliteQueryOptions): Promise<PGliteResults<T>>;
  exec(sql: string): Promise<PGliteResults<Record<string, unknown>>[]>;
  dumpDataDir(compression?: 'none' | 'gzip' | 'auto'): Promise<Blob>;
  close(): Promise<void>;
  readonly closed: boolean;
}
