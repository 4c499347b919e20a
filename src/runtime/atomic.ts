// Atomic file output: write beside the target, then rename over it, so a reader (or a crash) never sees a
// half-written file and a failed run leaves the previous file untouched.
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { writeFile } from './fs.js';

let counter = 0;
const tempNameFor = (path: string): string =>
  join(dirname(path), `.${basename(path)}.${process.pid}.${counter++}.tmp`);

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = tempNameFor(path);
  try {
    writeFile(temp, data);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw namingTarget(error, temp, path);
  }
}

/**
 * An error of writing into `temp` (a temp file or directory), told of the file it stood for: a full disk while
 * writing `.model.json.123.0.tmp` is a failed write of model.json to the person reading the message.
 */
function namingTarget(error: unknown, temp: string, target: string): unknown {
  const errno = error as NodeJS.ErrnoException;
  if (typeof errno?.path === 'string' && errno.path.startsWith(temp)) {
    const path = target + errno.path.slice(temp.length);
    errno.message = errno.message.replace(errno.path, path);
    errno.path = path;
  }
  return error;
}

/**
 * Writes a whole directory atomically: `fill` writes into a fresh sibling temp directory, which then replaces
 * `dir` (the old one, if any and if `replace` allows it, is removed only after the new one is complete).
 */
export async function writeDirAtomic(dir: string, fill: (tempDir: string) => Promise<void> | void): Promise<void> {
  mkdirSync(dirname(dir), { recursive: true });
  const temp = tempNameFor(dir);
  mkdirSync(temp, { recursive: true });
  try {
    await fill(temp);
    const old = tempNameFor(dir);
    let moved = false;
    try {
      renameSync(dir, old);
      moved = true;
    } catch {
      // no previous directory
    }
    renameSync(temp, dir);
    if (moved) rmSync(old, { recursive: true, force: true });
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw namingTarget(error, temp, dir);
  }
}
