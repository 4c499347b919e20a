// Errors the search room raises on purpose, apart from the code that raises them: the CLI's error taxonomy
// (src/cli/errors.ts) loads them at start-up.

/** The run directory is missing, incomplete or not a run directory; the message names the file. */
export class RunDirectoryError extends Error {}
