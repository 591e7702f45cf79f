// A full disk, recognised in one place and said the same way everywhere: the HTTP error handler
// (507 disk_full), start-up (one line, no trace), background jobs and imports (their recorded
// error), and /api/health (degraded). Nothing here refuses writes itself: PostgreSQL and PGlite
// refuse a write they cannot store (SQLSTATE 53100) and roll it back, so nothing saved is lost;
// we only make sure the refusal is told plainly, for as long as the disk stays full.
import fs from 'node:fs';

/** The words used wherever a full disk is reported. */
export const DISK_FULL_PROBLEM = 'the disk holding the data folder is full';
export const DISK_FULL_MESSAGE = 'The disk holding the data folder is full: nothing more can be saved until space is freed ' + '(what was already saved is kept). Free some space and try again.';

export class DiskFullError extends Error {
  readonly code = 'disk_full';
  constructor(options?: { cause?: unknown }) {
    super(DISK_FULL_MESSAGE, options);
    this.name = 'DiskFullError';
  }
}

/** Emscripten's errno for ENOSPC (PGlite's file system layer throws ErrnoError with it). */
const EMSCRIPTEN_ENOSPC = 51;

/**
 * True when an error (or one it wraps) says the disk is full: Node's ENOSPC, PostgreSQL's
 * disk_full (53100), PGlite's file layer, or any message saying "No space left on device".
 */
export function isDiskFull(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 5) return false;
  const e = err as { code?: unknown; errno?: unknown; name?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (err instanceof DiskFullError) return true;
  if (e.code === 'ENOSPC' || e.code === '53100' || e.code === 'disk_full') return true;
  if (e.name === 'ErrnoError' && e.errno === EMSCRIPTEN_ENOSPC) return true;
  if (typeof e.message === 'string' && /no space left on device/i.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => isDiskFull(x, depth + 1))) return true;
  return isDiskFull(e.cause, depth + 1);
}

let lastDiskFullAt = 0;

/** Remembers that a write just failed for lack of space (health reports it for a while). */
export function noteDiskFull(at = Date.now()): void {
  lastDiskFullAt = Math.max(lastDiskFullAt, at);
}

/** isDiskFull, and if so remembered for /api/health. */
export function checkDiskFull(err: unknown): boolean {
  if (!isDiskFull(err)) return false;
  noteDiskFull();
  return true;
}

/** The error message to record for a failed job or import: the plain words when the disk is full. */
export function failureMessage(err: unknown, otherwise: string): string {
  return checkDiskFull(err) ? DISK_FULL_MESSAGE : otherwise;
}

export const diskSettings = {
  /** Below this much free space on the data folder's disk, health says the disk is full. */
  minFreeBytes: Number(process.env.KEEPWELL_MIN_FREE_DISK_MB ?? 32) * 1024 * 1024,
  /** How long after a write failed for lack of space health keeps saying so. */
  recentMs: 60_000,
};

/** Free bytes for unprivileged writers on the disk holding `dir`; null when it cannot be asked. */
export function freeBytes(dir: string): number | null {
  try {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

/**
 * Problems for /api/health: the disk is full when a write failed for lack of space recently,
 * or when the data folder's disk (embedded database only) has less than `minFreeBytes` free.
 */
export function diskProblems(options: { dataDir?: string | null; now?: number; minFreeBytes?: number } = {}): string[] {
  const now = options.now ?? Date.now();
  if (lastDiskFullAt && now - lastDiskFullAt < diskSettings.recentMs) return [DISK_FULL_PROBLEM];
  if (options.dataDir) {
    const free = freeBytes(options.dataDir);
    if (free !== null && free < (options.minFreeBytes ?? diskSettings.minFreeBytes)) return [DISK_FULL_PROBLEM];
  }
  return [];
}

/** For tests: forget a remembered failure. */
export function resetDiskState(): void {
  lastDiskFullAt = 0;
}
