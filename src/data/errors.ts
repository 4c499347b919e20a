// Errors the data room raises on purpose, apart from the code that raises them: the CLI's error taxonomy
// (src/cli/errors.ts) loads them at start-up.

/** An image file that cannot be read or decoded (missing, truncated, not an image). */
export class ImageError extends Error {
  constructor(readonly file: string, readonly reason: string) {
    super(`${file}: ${reason}`);
  }
}
