// A detector the graph target cannot run: it names the op, so that `--engine auto` can say why it falls back
// to the eager engine, and `--engine graph` can refuse with a message rather than a stack trace.

export class GraphUnsupportedError extends Error {
  override readonly name = 'GraphUnsupportedError';
  constructor(readonly op: string, message: string) {
    super(message);
  }
}

/** TensorFlow's "Op type not registered 'X' in binary …" (a library older than the ops a graph uses), as that error. */
export function unsupportedOpError(error: unknown): GraphUnsupportedError | null {
  const message = error instanceof Error ? error.message : String(error);
  const match = /Op type not registered '([^']+)'/.exec(message);
  return match ? new GraphUnsupportedError(match[1], `the TensorFlow library here has no op ${match[1]}`) : null;
}
