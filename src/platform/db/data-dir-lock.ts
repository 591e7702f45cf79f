// PGlite has no lock of its own: two processes on one data folder lose writes silently.
// We hold an advisory lock (flock, exclusive, non-blocking) on `keepwell.lock` for the life of
// the process. The operating system drops it when the process dies, however it dies (kill -9,
// a container restart), so a crash never leaves the folder locked. The file also holds our pid,
// but only to name the holder in the message: a pid is never used to decide (pids are reused,
// and in a container every Keepwell is pid 1).
import fs from 'node:fs';
import path from 'node:path';
import fsExt from 'fs-ext';

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    /** The holder's pid as written in the lock file (information only; 0 when not readable). */
    readonly pid: number,
  ) {
    super(`The data folder ${dataDir} is in use by another Keepwell process${pid ? ` (pid ${pid})` : ''}. ` + 'Stop it first, or send the work through the running server (its REST API or web app).');
  }
}

function readPid(fd: number): number {
  try {
    const buf = Buffer.alloc(32);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const pid = Number(buf.subarray(0, n).toString('utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : 0;
  } catch {
    return 0;
  }
}

/** Takes the lock; returns a function that releases it. Throws DataDirLockedError when held. */
export function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, 'keepwell.lock');
  for (let attempt = 0; attempt < 10; attempt++) {
    // Open without truncating: the holder's pid must survive a refused opener. Node opens with
    // O_CLOEXEC, so child processes never inherit (and never keep) the lock.
    const fd = fs.openSync(lockPath, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
    try {
      fsExt.flockSync(fd, 'exnb');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK') {
        const pid = readPid(fd);
        fs.closeSync(fd);
        throw new DataDirLockedError(dataDir, pid);
      }
      fs.closeSync(fd);
      throw err;
    }
    // A releasing holder unlinks the file while still holding the lock; if we locked that
    // unlinked file (opened just before), the lock guards nothing: start again on the new file.
    let current: fs.Stats | undefined;
    try {
      current = fs.statSync(lockPath);
    } catch {
      current = undefined;
    }
    const mine = fs.fstatSync(fd);
    if (!current || current.ino !== mine.ino || current.dev !== mine.dev) {
      fs.closeSync(fd);
      continue;
    }
    try {
      fs.ftruncateSync(fd, 0);
      fs.writeSync(fd, String(process.pid), 0);
    } catch {
      // The pid is only information (a full disk must not stop the lock: the lock is the flock).
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      process.removeListener('exit', release);
      try {
        fs.unlinkSync(lockPath); // while still locked, so no one else's lock file is removed
      } catch {
        /* already gone */
      }
      try {
        fs.closeSync(fd); // closing drops the flock
      } catch {
        /* already closed */
      }
    };
    process.once('exit', release);
    return release;
  }
  throw new Error(`Could not lock the data folder ${dataDir}`);
}
