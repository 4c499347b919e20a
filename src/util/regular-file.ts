// Reading a file a user named, safely: only a regular file, and only up to a size limit. A path that names
// a device (/dev/zero, /dev/urandom), a FIFO, a terminal (/proc/self/fd/0) or a directory would otherwise
// read forever or fail with an errno a user cannot act on. The file is opened non-blocking (opening a FIFO
// with no writer would wait forever) and checked through the open descriptor, so what is checked is what
// is read.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { NotARegularFileError, type NotReadableKind } from './not-a-regular-file.js';

export { NotARegularFileError, type NotReadableKind } from './not-a-regular-file.js';

function kindOf(stats: Stats): NotReadableKind | null {
  if (stats.isFile()) return null;
  if (stats.isDirectory()) return 'directory';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isSocket()) return 'socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'device';
  return 'unreadable';
}

/** The error for a failed open of `path`: what it says about the path, or the error itself (EIO, EMFILE, …). */
function openError(path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new NotARegularFileError(path, 'missing');
  if (code === 'EISDIR') return new NotARegularFileError(path, 'directory');
  if (code === 'EACCES' || code === 'EPERM' || code === 'ENXIO' || code === 'ELOOP' || code === 'ENAMETOOLONG') {
    return new NotARegularFileError(path, 'unreadable', code);
  }
  return error;
}

/** Refuses what is not a regular file of at most `maxBytes` (checked through the open descriptor's stats). */
function checkOpened(path: string, stats: Stats, maxBytes: number): void {
  const kind = kindOf(stats);
  if (kind) throw new NotARegularFileError(path, kind);
  if (stats.size > maxBytes) throw new NotARegularFileError(path, 'too-large', `${stats.size} bytes; the limit is ${maxBytes}`);
}

/** Opening flags: non-blocking, so that opening a FIFO without a writer returns at once (and is then refused). */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/**
 * The bytes of `path` if it is a regular file of at most `maxBytes`; otherwise a NotARegularFileError that
 * names the path and what it is. Other I/O errors (EIO, EMFILE, …) are thrown unchanged.
 */
export function readRegularFileSync(path: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    throw openError(path, error);
  }
  try {
    const stats = fstatSync(fd);
    checkOpened(path, stats, maxBytes);
    const buffer = Buffer.alloc(stats.size);
    let filled = 0;
    // A file that grows while it is read is read up to the size it had when checked.
    while (filled < buffer.length) {
      const read = readSync(fd, buffer, filled, buffer.length - filled, filled);
      if (read === 0) break;
      filled += read;
    }
    return filled === buffer.length ? buffer : buffer.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}

/** readRegularFileSync without blocking the thread (for images read while a model trains). */
export async function readRegularFile(path: string, maxBytes: number): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    throw openError(path, error);
  }
  try {
    const stats = await handle.stat();
    checkOpened(path, stats, maxBytes);
    const buffer = Buffer.alloc(stats.size);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === buffer.length ? buffer : buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

/** The text of `path` (UTF-8) under the same rules as readRegularFileSync. */
export function readRegularTextFileSync(path: string, maxBytes: number): string {
  return readRegularFileSync(path, maxBytes).toString('utf8');
}
