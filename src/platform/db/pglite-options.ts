// How every embedded database is opened, on whichever thread it runs.

/** How PGlite turns column text into values; the same everywhere a PGlite is opened (tests too). */
export const pgliteParsers = {
  20: (v: string) => Number(v),
  1700: (v: string) => Number(v),
  1082: (v: string) => v,
};

/**
 * PGlite settings:
 * - 32 MB of shared buffers instead of 128 MB. The buffers are allocated and touched at start, so
 *   this alone takes ~90 MB off every process; bulk imports measured no slower.
 * - `wal_level=minimal` (which needs `max_wal_senders=0`): nothing replicates or archives an
 *   embedded database, and at this level an index build writes the index instead of logging it
 *   too. A first import of 1M orders, which builds its indexes at the end, took 16.8 s instead of
 *   18.4-18.9 s and left a 544 MB data folder instead of 640 MB. Every change to rows is still
 *   logged, so a killed process recovers as before (PGlite runs with fsync off in any case).
 */
export const pgliteSettings = { postgresqlconf: ['shared_buffers=32MB', 'wal_level=minimal', 'max_wal_senders=0'] };
