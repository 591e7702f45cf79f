// How every embedded database is opened, on whichever thread it runs.

/** How PGlite turns column text into values; the same everywhere a PGlite is opened (tests too). */
export const pgliteParsers = {
  20: (v: string) => Number(v),
  1700: (v: string) => Number(v),
  1082: (v: string) => v,
};

/** PGlite settings: 32 MB of shared buffers instead of 128 MB. The buffers are allocated and
 * touched at start, so this alone takes ~90 MB off every process; bulk imports measured no slower. */
export const pgliteSettings = { postgresqlconf: ['shared_buffers=32MB'] };
