// The file system as a SourceHost: what the CLI checks files with. Kept apart from ./program.ts so that
// the checker itself imports no Node module (editors in a browser check with a host of their own).
//
// Only regular files of at most MAX_SOURCE_BYTES are read, so an import of /dev/zero, of a FIFO or of standard
// input ends at once (FPN014, or a message for the file named on the command line) instead of reading forever.
import * as path from 'node:path';
import { MAX_SOURCE_BYTES } from './limits.js';
import type { SourceHost } from './program.js';
import { NotARegularFileError, readRegularTextFileSync } from '../util/regular-file.js';

export const fileHost: SourceHost = {
  readFile(file) {
    try {
      return readRegularTextFileSync(file, MAX_SOURCE_BYTES);
    } catch (error) {
      // A missing or unreadable file is null (FPN010); a device, FIFO, folder or file too large says what it is.
      if (error instanceof NotARegularFileError && error.kind !== 'missing' && error.kind !== 'unreadable') throw error;
      return null;
    }
  },
  paths: path,
};
