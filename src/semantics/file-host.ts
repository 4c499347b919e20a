// The file system as a SourceHost: what the CLI checks files with. Kept apart from ./program.ts so that
// the checker itself imports no Node module (editors in a browser check with a host of their own).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SourceHost } from './program.js';

export const fileHost: SourceHost = {
  readFile(file) {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return null;
    }
  },
  paths: path,
};
