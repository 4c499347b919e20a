// The error a path that is not a regular file readable within a size limit raises (src/util/regular-file.ts
// reads such files). Apart from the reader so that code reporting it (the checker, which also runs in a
// browser) imports no Node module.

/** What a path named, when it is not a regular file that can be read. */
export type NotReadableKind = 'missing' | 'directory' | 'device' | 'fifo' | 'socket' | 'too-large' | 'unreadable';

/** The path does not name a regular file of at most the allowed size; `reason` says so in words. */
export class NotARegularFileError extends Error {
  override readonly name = 'NotARegularFileError';
  constructor(
    readonly path: string,
    readonly kind: NotReadableKind,
    /** The file's size (for 'too-large') or the errno text (for 'unreadable'). */
    readonly detail: string = '',
  ) {
    super(`${path}: ${describeKind(kind, detail)}`);
  }

  /** What the path is instead, in words, without the path. */
  get reason(): string {
    return describeKind(this.kind, this.detail);
  }
}

function describeKind(kind: NotReadableKind, detail: string): string {
  switch (kind) {
    case 'missing':
      return 'no such file';
    case 'directory':
      return 'is a directory, not a file';
    case 'device':
      return 'is a device, not a regular file';
    case 'fifo':
      return 'is a pipe (FIFO), not a regular file';
    case 'socket':
      return 'is a socket, not a regular file';
    case 'too-large':
      return `is too large (${detail})`;
    case 'unreadable':
      return `cannot be read (${detail})`;
  }
}
