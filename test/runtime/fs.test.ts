// The file-system seam's fault injection, which every store's fault tests rely on: the Nth matching write fails
// with the errno a real disk gives (after writing part of its data), sticky faults keep failing, reads come back
// cut short or with a byte flipped. (A child process's plan from NASFPN_FAULTS: test/runtime/store-faults.test.ts.)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { writeFileAtomic } from '../../src/runtime/atomic.js';
import { appendFile, clearFaults, injectFaults, ioFault, readFile, writeFile, writeFileAsync } from '../../src/runtime/fs.js';

const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-fs-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
afterEach(() => clearFaults());

const at = (name: string) => join(scratch, name);

describe('write faults', () => {
  test('the nth matching write fails with an errno error naming the path, after writing the first half', () => {
    injectFaults([{ op: 'write', path: 'log', nth: 2, fault: 'ENOSPC' }]);
    writeFile(at('other'), 'not counted');
    appendFile(at('log'), 'line 1\n');
    let error: unknown;
    try {
      appendFile(at('log'), 'line 2\n');
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'ENOSPC', syscall: 'write', path: at('log'), errno: -28 });
    expect(ioFault(error)).toEqual({ code: 'ENOSPC', text: 'no space left on device', path: at('log') });
    expect(readFileSync(at('log'), 'utf8')).toBe('line 1\nlin');
    appendFile(at('log'), 'line 3\n'); // the third goes through: not sticky
    expect(readFileSync(at('log'), 'utf8')).toBe('line 1\nlinline 3\n');
  });

  test('sticky: every matching write from the nth on fails (a disk that stays full); EACCES writes nothing', async () => {
    injectFaults([{ op: 'write', nth: 2, sticky: true, fault: 'EACCES' }]);
    writeFile(at('a'), 'one');
    expect(() => writeFile(at('b'), 'two')).toThrow(/EACCES: permission denied, write/);
    await expect(writeFileAsync(at('c'), 'three')).rejects.toMatchObject({ code: 'EACCES' });
    expect(() => readFileSync(at('b'))).toThrow(/ENOENT/);
  });

  test('an atomic write that fails leaves the file as it was and no temp file beside it', () => {
    writeFileAtomic(at('kept.json'), '{"old": true}');
    injectFaults([{ op: 'write', path: 'kept.json', fault: 'EIO' }]);
    expect(() => writeFileAtomic(at('kept.json'), '{"new": true}')).toThrow(/EIO/);
    expect(readFileSync(at('kept.json'), 'utf8')).toBe('{"old": true}');
    expect(spawnSync('ls', ['-a', scratch], { encoding: 'utf8' }).stdout).not.toMatch(/\.tmp/);
  });

  test('only I/O faults are I/O faults', () => {
    expect(ioFault(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBeNull();
    expect(ioFault(new Error('plain'))).toBeNull();
    expect(ioFault(null)).toBeNull();
    expect(ioFault(Object.assign(new Error('x'), { code: 'EROFS' }))?.text).toBe('read-only file system');
  });
});

describe('read faults', () => {
  test('truncate gives the first half; flip inverts one byte (the middle, or `at`); the file itself is unchanged', () => {
    writeFileSync(at('r'), 'abcdefgh');
    injectFaults([{ op: 'read', path: 'r', fault: 'truncate' }]);
    expect(readFile(at('r')).toString()).toBe('abcd');
    expect(readFile(at('r')).toString()).toBe('abcdefgh'); // only the first read
    injectFaults([{ op: 'read', path: 'r', fault: 'flip', sticky: true }, { op: 'read', path: 'nothing', fault: 'truncate' }]);
    expect([...readFile(at('r'))][4]).toBe('e'.charCodeAt(0) ^ 0xff);
    injectFaults([{ op: 'read', fault: 'flip', at: -1 }]);
    expect([...readFile(at('r'))][7]).toBe('h'.charCodeAt(0) ^ 0xff);
    expect(readFileSync(at('r'), 'utf8')).toBe('abcdefgh');
  });
});
