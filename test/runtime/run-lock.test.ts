// One writer per run directory: the lock is taken and given back, a live holder (here: this very process, as
// another writer would be) refuses a second writer with its host and pid, a dead holder's lock is taken over
// with a line saying so, and a holder on another host is never taken over.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { LOCK_FILE, lockRunDirectory, RunLockedError } from '../../src/runtime/run-lock.js';

const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-lock-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let n = 0;
const freshDir = () => join(scratch, `run${n++}`);
const holder = (patch: object) => JSON.stringify({ host: hostname(), pid: process.pid, command: 'nasfpn train', since: '2026-01-01T00:00:00.000Z', started: null, ...patch });
/** The pid of a process that has exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;

describe('the run lock', () => {
  test('taken (creating the folder), held, given back; nothing else left in the folder', () => {
    const dir = freshDir();
    const lines: string[] = [];
    const lock = lockRunDirectory(dir, 'nasfpn search', (l) => lines.push(l));
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ host: hostname(), pid: process.pid, command: 'nasfpn search' });
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    expect(() => lockRunDirectory(dir, 'nasfpn search', () => {})).toThrow(RunLockedError);
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    lock.release(); // twice is harmless
    expect(lines).toEqual([]);
  });

  test('a live holder refuses a second writer, naming it', () => {
    const dir = freshDir();
    lockRunDirectory(dir, 'nasfpn train', () => {});
    const error = (() => {
      try {
        lockRunDirectory(dir, 'nasfpn train', () => {});
      } catch (e) {
        return e as RunLockedError;
      }
    })();
    expect(error).toBeInstanceOf(RunLockedError);
    expect(error!.message).toBe(`${dir} is in use: nasfpn train (process ${process.pid} on ${hostname()}) has been writing it since ${error!.holder!.since}`);
  });

  test('a dead holder\'s lock is taken over, with a line saying whose', () => {
    const dir = freshDir();
    const pid = deadPid();
    lockRunDirectory(dir, 'x', () => {}).release();
    writeFileSync(join(dir, LOCK_FILE), holder({ pid }));
    const lines: string[] = [];
    const lock = lockRunDirectory(dir, 'nasfpn train', (l) => lines.push(l));
    expect(lines).toEqual([`taking over ${join(dir, LOCK_FILE)}: nasfpn train (process ${pid} on ${hostname()}, since 2026-01-01T00:00:00.000Z) is no longer running`]);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    lock.release();
  });

  test('a live pid that started at another time than the lock says (a reused pid) is not the holder', () => {
    const dir = freshDir();
    lockRunDirectory(dir, 'x', () => {}).release();
    writeFileSync(join(dir, LOCK_FILE), holder({ started: 'another-boot:12345' }));
    const lines: string[] = [];
    const canTell = existsSync('/proc/self/stat');
    if (canTell) {
      lockRunDirectory(dir, 'nasfpn train', (l) => lines.push(l)).release();
      expect(lines[0]).toMatch(/is no longer running/);
    } else {
      expect(() => lockRunDirectory(dir, 'nasfpn train', () => {})).toThrow(RunLockedError);
    }
  });

  test('an unreadable lock is taken over; a lock of another host is refused with how to remove it', () => {
    const dir = freshDir();
    lockRunDirectory(dir, 'x', () => {}).release();
    writeFileSync(join(dir, LOCK_FILE), '\u0000garbage');
    const lines: string[] = [];
    lockRunDirectory(dir, 'nasfpn train', (l) => lines.push(l)).release();
    expect(lines).toEqual([`${join(dir, LOCK_FILE)} could not be read (damaged): taking the run over`]);
    writeFileSync(join(dir, LOCK_FILE), holder({ host: 'elsewhere', pid: deadPid() }));
    expect(() => lockRunDirectory(dir, 'nasfpn train', () => {})).toThrow(`if that process is no longer running, remove ${join(dir, LOCK_FILE)}`);
  });
});
