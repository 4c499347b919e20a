// Errors a command raises on purpose, and the exit codes they end with: the CLI's whole error taxonomy.
//
//   0   done
//   1   bad input or damaged data: a file with errors, a dataset that `data check` faults, a damaged run
//       directory that cannot be recovered, a run directory another process is writing
//   2   a wrong command line (unknown option, missing argument, bad value)
//   70  internal error: a bug in nasfpn, nothing else (sysexits' EX_SOFTWARE)
//   74  an I/O fault: the file system failed a read or a write (ENOSPC, EDQUOT, EACCES, EROFS, EIO, EMFILE;
//       sysexits' EX_IOERR); the message names the path and what is safe
//
// The rooms below the CLI raise their own error types; `fromRoomError` says which of them is a usage error,
// which bad input and which an I/O fault. Anything else is an internal error, reported without a stack trace
// unless NASFPN_DEBUG is set. (A training run stopped by a second Ctrl-C exits 130, by a second SIGTERM 143.)
import { CommanderError } from 'commander';
import { ImageError } from '../data/errors.js';
import { BackendUnavailableError, RunLockedError, UnknownBackendError } from '../runtime/errors.js';
import { ioFault } from '../runtime/io-fault.js';
import { RunDirectoryError } from '../search/errors.js';
import { DamagedCheckpointError } from '../train/errors.js';
import { terminalText } from '../util/escape.js';
import { NotARegularFileError } from '../util/regular-file.js';
import { displayPath } from './report.js';

/** The command line itself is wrong (unknown option, missing argument, bad value): exit 2. */
export class UsageError extends Error {}

/** The input (a file, a spec, a directory) has problems that were already reported, or this message: exit 1. */
export class InputError extends Error {
  constructor(message: string, readonly alreadyReported = false) {
    super(message);
  }
}

/** The file system failed (a full disk, no permission, a failing disk): exit 74. The message says what is safe. */
export class IoError extends Error {}

export const EXIT_INPUT = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70;
export const EXIT_IO = 74;

/** A path as messages show it (relative to the working folder when it is inside it). */
export const messagePath = (path: string): string => displayPath(path);

/** The standard message of an I/O fault nothing more specific was said about. */
function ioMessage(error: unknown): string | null {
  const fault = ioFault(error);
  if (!fault) return null;
  return `${fault.path ? `${messagePath(fault.path)}: ` : ''}${fault.text} (${fault.code}). ` +
    'Files nasfpn writes are replaced whole or not at all, so what was there before is intact; fix the cause and run the command again';
}

/**
 * The CLI's reading of an error a room raised on purpose: an unknown backend name came from the command line
 * (or NASFPN_BACKEND), so it is a usage error; a backend that cannot run here is a fact about the input
 * machine; a path that is not a regular file, a run directory in use or damaged, a damaged checkpoint or an
 * image that cannot be decoded is bad input; an errno of the file system failing is an I/O fault. Anything
 * else is returned unchanged (and reported as an internal error if it is not a CLI error).
 */
export function fromRoomError(error: unknown): unknown {
  if (error instanceof UnknownBackendError) return new UsageError(error.message);
  if (error instanceof BackendUnavailableError || error instanceof NotARegularFileError || error instanceof RunDirectoryError) return new InputError(error.message);
  if (error instanceof DamagedCheckpointError) {
    return new InputError(`${error.message}: the checkpoint is damaged; a run folder given instead of one checkpoint passes over damaged ones`);
  }
  if (error instanceof ImageError) {
    return new InputError(`${messagePath(error.file)}: ${error.reason} (\`nasfpn data check DATASET\` lists every image of a dataset that cannot be read)`);
  }
  if (error instanceof RunLockedError) {
    return new InputError(`${error.message}. Only one process writes a run at a time; wait for it to end or stop it (the run resumes later)`);
  }
  const io = ioMessage(error);
  if (io) return new IoError(io);
  return error;
}

/**
 * Writes what a failed command says about `raised` on stderr and returns its exit code. Messages quote paths
 * and file text, so every one goes out through terminalText: a control character in them is shown, not obeyed.
 */
export function reportError(raised: unknown): number {
  const error = fromRoomError(raised);
  if (error instanceof CommanderError) {
    // --help and --version end through here too, with exit code 0.
    return error.exitCode === 0 ? 0 : EXIT_USAGE;
  }
  if (error instanceof UsageError) {
    process.stderr.write(`nasfpn: ${terminalText(error.message)}\n(run with --help for usage)\n`);
    return EXIT_USAGE;
  }
  if (error instanceof InputError) {
    if (!error.alreadyReported) process.stderr.write(`nasfpn: ${terminalText(error.message)}\n`);
    return EXIT_INPUT;
  }
  if (error instanceof IoError) {
    process.stderr.write(`nasfpn: ${terminalText(error.message)}\n`);
    return EXIT_IO;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`nasfpn: internal error: ${terminalText(message)}\n`);
  if (process.env.NASFPN_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  else process.stderr.write('(set NASFPN_DEBUG=1 for the stack trace, and please report it)\n');
  return EXIT_INTERNAL;
}
