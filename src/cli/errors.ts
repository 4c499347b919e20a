// Errors a command raises on purpose. The CLI entry turns them into a message and an exit code; anything
// else is an internal error (reported without a stack trace unless NASFPN_DEBUG is set). The rooms below the
// CLI raise their own error types; `fromRoomError` says which of them is a usage error and which bad input.
import { GraphUnsupportedError } from '../graph/errors.js';
import { BackendUnavailableError, UnknownBackendError } from '../runtime/errors.js';
import { EngineUnavailableError } from '../train/engines.js';

/** The command line itself is wrong (unknown option, missing argument, bad value): exit 2. */
export class UsageError extends Error {}

/** The input (a file, a spec, a directory) has problems that were already reported, or this message: exit 1. */
export class InputError extends Error {
  constructor(message: string, readonly alreadyReported = false) {
    super(message);
  }
}

export const EXIT_INPUT = 1;
export const EXIT_USAGE = 2;

/**
 * The CLI's reading of an error a room raised on purpose: an unknown backend name came from the command line
 * (or NASFPN_BACKEND), so it is a usage error; a backend that cannot run here is a fact about the input
 * machine. Anything else is returned unchanged (and reported as an internal error if it is not a CLI error).
 */
export function fromRoomError(error: unknown): unknown {
  if (error instanceof UnknownBackendError) return new UsageError(error.message);
  if (error instanceof BackendUnavailableError) return new InputError(error.message);
  // --engine graph where no TensorFlow graph can run, or for a detector it cannot express (auto falls back instead).
  if (error instanceof EngineUnavailableError) return new InputError(error.message);
  if (error instanceof GraphUnsupportedError) return new InputError(`the graph engine cannot train this detector: ${error.message} (use --engine eager)`);
  return error;
}
