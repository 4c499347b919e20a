import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotARegularFileError, readRegularTextFileSync } from '../../src/util/regular-file.js';

const kindOf = (path: string, max = 1000): string => {
  try {
    readRegularTextFileSync(path, max);
    return 'read';
  } catch (error) {
    if (error instanceof NotARegularFileError) return error.kind;
    throw error;
  }
};

describe('readRegularFileSync', () => {
  const dir = mkdtempSync(join(tmpdir(), 'regular-file-'));
  it('reads a regular file within the limit', () => {
    writeFileSync(join(dir, 'a.txt'), 'hello');
    expect(readRegularTextFileSync(join(dir, 'a.txt'), 5)).toBe('hello');
  });
  it('refuses a file over the limit, naming its size', () => {
    expect(kindOf(join(dir, 'a.txt'), 4)).toBe('too-large');
  });
  it('refuses devices, directories and a FIFO without blocking, and names a missing path', () => {
    expect(kindOf('/dev/zero')).toBe('device');
    expect(kindOf('/dev/urandom')).toBe('device');
    expect(kindOf(dir)).toBe('directory');
    expect(kindOf(join(dir, 'none'))).toBe('missing');
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(kindOf(fifo)).toBe('fifo');
  });
});
