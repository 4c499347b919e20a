// Reading a file a user named, safely: only a regular file, and only up to a size limit. A path that names
// a device (/dev/zero, /dev/urandom), a FIFO, a terminal (/proc/self/fd/0) or a directory would otherwise
// read forever or fail with an errno a user cannot act on. The file is opened non-blocking (opening a FIFO
// with no writer would wait forever) and checked through the open descriptor, so what is checked is what
// is read.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
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

/**
 * The bytes of `path` if it is a regular file of at most `maxBytes`; otherwise a NotARegularFileError that
 * names the path and what it is. Other I/O errors (EIO, EMFILE, …) are thrown unchanged.
 */
export function readRegularFileSync(path: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new NotARegularFileError(path, 'missing');
    if (code === 'EISDIR') throw new NotARegularFileError(path, 'directory');
    if (code === 'EACCES' || code === 'EPERM' || code === 'ENXIO' || code === 'ELOOP' || code === 'ENAMETOOLONG') {
      throw new NotARegularFileError(path, 'unreadable', code);
    }
    throw error;
  }
  try {
    const stats = fstatSync(fd);
    const kind = kindOf(stats);
    if (kind) throw new NotARegularFileError(path, kind);
    if (stats.size > maxBytes) throw new NotARegularFileError(path, 'too-large', `${stats.size} bytes; the limit is ${maxBytes}`);
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

/** The text of `path` (UTF-8) under the same rules as readRegularFileSync. */
export function readRegularTextFileSync(path: string, maxBytes: number): string {
  return readRegularFileSync(path, maxBytes).toString('utf8');
}
