// Errors a command raises on purpose. The CLI entry turns them into a message and an exit code; anything
// else is an internal error (reported without a stack trace unless NASFPN_DEBUG is set).

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
