// Errors the runtime raises on purpose. The runtime knows nothing about the command line: the CLI
// (src/cli/errors.ts, `fromRoomError`) decides which of these is a usage error and which is bad input. Kept free
// of the code that raises them, so the CLI loads them at start-up for nothing.
import { join } from 'node:path';

/** A backend name that is none of BACKENDS (from a --backend value or NASFPN_BACKEND). */
export class UnknownBackendError extends Error {
  override readonly name = 'UnknownBackendError';
}

/** The requested backend, or every backend, cannot run on this machine; the message says why. */
export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
}

/** The file in a run directory that says who writes it (src/runtime/run-lock.ts). */
export const LOCK_FILE = 'lock';

/** Who holds a run directory's lock. */
export interface LockHolder {
  host: string;
  pid: number;
  /** What the holder runs, e.g. `nasfpn train`. */
  command: string;
  /** When it took the lock (ISO time). */
  since: string;
  /** The process's start time in clock ticks after boot, and the boot's id (Linux; null elsewhere). */
  started: string | null;
}

/** The run directory is being written by another process, which is still running (or runs on another host). */
export class RunLockedError extends Error {
  override readonly name = 'RunLockedError';
  constructor(readonly dir: string, readonly holder: LockHolder | null, readonly otherHost: boolean) {
    super(holder
      ? `${dir} is in use: ${holder.command} (process ${holder.pid} on ${holder.host}) has been writing it since ${holder.since}` +
        (otherHost ? `; if that process is no longer running, remove ${join(dir, LOCK_FILE)}` : '')
      : `${dir} is in use by another writer`);
  }
}
