// What a folder holds, to check that a failed command changed nothing: every file under it by relative path,
// with the SHA-256 of its bytes (checkpoints are megabytes; digests compare cheaply).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const sha256Of = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Each file under `dir` (recursively), by its path relative to `dir`, with its SHA-256. */
export function fileDigests(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (at: string, prefix: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(at, entry.name), `${prefix}${entry.name}/`);
      else out[`${prefix}${entry.name}`] = sha256Of(join(at, entry.name));
    }
  };
  walk(dir, '');
  return out;
}
