// The file system as the toolkit's stores use it: checkpoints, metrics, the search's run directory, data synth
// output, build output and bench results write and read their files through here. That makes this module the
// seam where tests inject faults, as SQLite's test VFS and LevelDB's FaultInjectionEnv do: the Nth write fails
// with ENOSPC or EIO (after writing part of its data, as a disk that fills midway does), or a read comes back cut
// short or with a byte flipped. Without a fault plan every function is node:fs's own call and nothing more.
//
// A plan is installed with `injectFaults(rules)` in a test's own process, or, for a child process (the CLI as
// users run it), by the environment variable NASFPN_FAULTS holding the rules as JSON, read when this module
// loads. It is a testing tool: nothing a user needs sets it.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile as writeFilePromise } from 'node:fs/promises';
import { constants } from 'node:os';

import { IO_FAULT_CODES, IO_FAULT_TEXT, ioFault, type IoFault, type IoFaultCode } from './io-fault.js';
// Defined apart so the CLI's error taxonomy can load them without this module; their users import them from here.
export { IO_FAULT_CODES, ioFault, type IoFault, type IoFaultCode };

// ---------------------------------------------------------------------------------------------------
// The operations

/** Writes (replaces) a whole file. */
export function writeFile(path: string, data: string | Uint8Array): void {
  const fault = faultFor('write', path);
  if (fault) failWrite(fault, path, data, (part) => writeFileSync(path, part));
  writeFileSync(path, data);
}

/** Appends to a file (a line of a log). */
export function appendFile(path: string, data: string | Uint8Array): void {
  const fault = faultFor('write', path);
  if (fault) failWrite(fault, path, data, (part) => appendFileSync(path, part));
  appendFileSync(path, data);
}

/** Writes (replaces) a whole file without blocking the thread. */
export async function writeFileAsync(path: string, data: string | Uint8Array): Promise<void> {
  const fault = faultFor('write', path);
  if (fault) {
    const part = partOf(data);
    if (part) await writeFilePromise(path, part);
    throw errnoError(fault.fault as WriteFault, 'write', path);
  }
  await writeFilePromise(path, data);
}

/** A whole file's bytes. */
export function readFile(path: string): Buffer {
  const bytes = readFileSync(path);
  const fault = faultFor('read', path);
  return fault ? damage(bytes, fault) : bytes;
}

/** A whole file as UTF-8 text. */
export function readText(path: string): string {
  return readFile(path).toString('utf8');
}

// ---------------------------------------------------------------------------------------------------
// Faults (tests)

/** Faults a write can meet. */
export type WriteFault = 'ENOSPC' | 'EDQUOT' | 'EIO' | 'EACCES' | 'EROFS' | 'EMFILE';
/** What a damaged read gives back: the first half of the file, or the file with one byte inverted. */
export type ReadFault = 'truncate' | 'flip';

export type FaultRule =
  | ({ op: 'write'; fault: WriteFault } & RuleScope)
  | ({ op: 'read'; fault: ReadFault; /** The byte `flip` inverts; negative counts from the end (default: the middle). */ at?: number } & RuleScope);

interface RuleScope {
  /** Only operations on paths containing this text count (default: every path). */
  path?: string;
  /** The matching operation that meets the fault, from 1 (default 1). */
  nth?: number;
  /** Every matching operation from the nth on meets it too (a disk that stays full). */
  sticky?: boolean;
}

/** The environment variable a child process reads its fault plan from (JSON: an array of FaultRule). */
export const FAULTS_ENV = 'NASFPN_FAULTS';

interface ActiveRule {
  rule: FaultRule;
  seen: number;
}

let plan: ActiveRule[] = [];

/** Makes later operations meet the faults `rules` describe (replacing any earlier plan). */
export function injectFaults(rules: readonly FaultRule[]): void {
  plan = rules.map((rule) => ({ rule, seen: 0 }));
}

/** Back to the plain file system. */
export function clearFaults(): void {
  plan = [];
}

function faultFor(op: FaultRule['op'], path: string): FaultRule | null {
  let hit: FaultRule | null = null;
  for (const active of plan) {
    const { rule } = active;
    if (rule.op !== op || (rule.path !== undefined && !path.includes(rule.path))) continue;
    active.seen++;
    const nth = rule.nth ?? 1;
    if (active.seen === nth || (rule.sticky === true && active.seen > nth)) hit ??= rule;
  }
  return hit;
}

/** A write that meets a fault: part of the data lands first where a real disk would write it, then the error. */
function failWrite(rule: FaultRule, path: string, data: string | Uint8Array, write: (part: Uint8Array) => void): never {
  const code = rule.fault as WriteFault;
  const part = code === 'ENOSPC' || code === 'EDQUOT' || code === 'EIO' ? partOf(data) : null;
  if (part) write(part);
  throw errnoError(code, 'write', path);
}

/** The first half of the data: what a write that stops midway leaves. */
function partOf(data: string | Uint8Array): Uint8Array | null {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return bytes.length > 1 ? bytes.subarray(0, Math.floor(bytes.length / 2)) : null;
}

function damage(bytes: Buffer, rule: FaultRule): Buffer {
  if (rule.op !== 'read') return bytes;
  switch (rule.fault) {
    case 'truncate':
      return bytes.subarray(0, Math.floor(bytes.length / 2));
    case 'flip': {
      if (!bytes.length) return bytes;
      const copy = Buffer.from(bytes);
      const at = rule.at === undefined ? Math.floor(copy.length / 2) : (rule.at + copy.length) % copy.length;
      copy[at] = copy[at]! ^ 0xff;
      return copy;
    }
  }
}

/** An error shaped as node:fs raises them (code, errno, syscall, path). */
function errnoError(code: WriteFault, syscall: string, path: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${code}: ${IO_FAULT_TEXT[code]}, ${syscall} '${path}'`);
  error.code = code;
  error.errno = -(constants.errno as Record<string, number>)[code]!;
  error.syscall = syscall;
  error.path = path;
  return error;
}

function planFromEnvironment(): void {
  const text = process.env[FAULTS_ENV];
  if (!text) return;
  try {
    injectFaults(JSON.parse(text) as FaultRule[]);
  } catch (error) {
    throw new Error(`${FAULTS_ENV} is not a JSON array of fault rules: ${(error as Error).message}`);
  }
}

planFromEnvironment();
