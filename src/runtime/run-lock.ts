// One writer per run directory. A training run or a search holds RUN/lock while it writes into RUN: a small
// JSON file naming the host, the process id, the command and when it started. A second writer finds the lock
// and refuses; readers (search watch, the terminal UI, eval, predict, plot, report, export) never look at it.
//
// The lock appears whole or not at all: it is written to a temp file and hard-linked into place (link fails
// with EEXIST when a lock is there, atomically, on every local file system). A lock whose process is gone (a
// kill -9, a crash, a reboot) is stale: the next writer takes it over and says so. On Linux the process's start
// time (from /proc) is recorded too, so a process id reused after a reboot or a long time is not taken for
// the writer. A lock held on another host cannot be checked from here; the message says how to remove it.
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readText, writeFile } from './fs.js';

import { LOCK_FILE, RunLockedError, type LockHolder } from './errors.js';
// Defined apart so the CLI's error taxonomy can load them without this module; their users import them from here.
export { LOCK_FILE, RunLockedError, type LockHolder };

export interface RunLock {
  readonly path: string;
  /** Removes the lock (when it is still this process's). Also done when the process exits. */
  release(): void;
}

/** Attempts at taking the lock before giving up to a writer that keeps replacing it. */
const ATTEMPTS = 5;

/**
 * Takes the lock of `dir` (created when missing) for `command`, or throws RunLockedError naming the writer that
 * holds it. A stale lock is taken over, with a line to `say`.
 */
export function lockRunDirectory(dir: string, command: string, say: (line: string) => void): RunLock {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const mine: LockHolder = { host: hostname(), pid: process.pid, command, since: new Date().toISOString(), started: processStart(process.pid) };
  const temp = join(dir, `.${LOCK_FILE}.${process.pid}.tmp`);
  writeFile(temp, JSON.stringify(mine) + '\n');
  try {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      try {
        linkSync(temp, path);
        return held(path, mine);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const found = readHolder(path);
      if (found === 'gone') continue;
      if (found !== 'unreadable') {
        const otherHost = found.host !== mine.host;
        if (otherHost || isRunning(found)) throw new RunLockedError(dir, found, otherHost);
      }
      if (!takeOver(path, found)) continue;
      say(found === 'unreadable'
        ? `${path} could not be read (damaged): taking the run over`
        : `taking over ${path}: ${found.command} (process ${found.pid} on ${found.host}, since ${found.since}) is no longer running`);
    }
    throw new RunLockedError(dir, null, false);
  } finally {
    rmSync(temp, { force: true });
  }
}

function held(path: string, mine: LockHolder): RunLock {
  const release = () => {
    process.off('exit', release);
    const found = readHolder(path);
    if (found !== 'gone' && found !== 'unreadable' && sameHolder(found, mine)) rmSync(path, { force: true });
  };
  process.on('exit', release);
  return { path, release };
}

function readHolder(path: string): LockHolder | 'gone' | 'unreadable' {
  let text: string;
  try {
    text = readText(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
  try {
    const holder = JSON.parse(text) as LockHolder;
    if (typeof holder.host === 'string' && Number.isInteger(holder.pid)) return holder;
  } catch {
    // fall through
  }
  return 'unreadable';
}

const sameHolder = (a: LockHolder, b: LockHolder): boolean => a.host === b.host && a.pid === b.pid && a.since === b.since;

/**
 * Moves the stale lock `found` out of the way. Another writer may have taken it over a moment ago: the lock
 * moved aside is checked to be the stale one, and put back when it is not. Returns whether the way is clear.
 */
function takeOver(path: string, found: LockHolder | 'unreadable'): boolean {
  const aside = `${path}.stale.${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const moved = readHolder(aside);
  const stale = found === 'unreadable' ? moved === 'unreadable' : moved !== 'gone' && moved !== 'unreadable' && sameHolder(moved, found);
  if (!stale) {
    try {
      linkSync(aside, path);
    } catch {
      // a third writer is in already; it keeps the run
    }
  }
  unlinkSync(aside);
  return stale;
}

/** Whether the lock's process (on this host) still runs: its pid exists, and it started when the lock says. */
function isRunning(holder: LockHolder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    // EPERM: it exists, under another user
  }
  const now = processStart(holder.pid);
  return holder.started === null || now === null || now === holder.started;
}

const BOOT_ID = '/proc/sys/kernel/random/boot_id';

/** `bootId:startTicks` of a process (Linux's /proc), null where that cannot be read. */
function processStart(pid: number): string | null {
  try {
    if (!existsSync(BOOT_ID)) return null;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is field 3, starttime 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = fields[22 - 3];
    return startTicks ? `${readFileSync(BOOT_ID, 'utf8').trim()}:${startTicks}` : null;
  } catch {
    return null;
  }
}
