// Which errors are the file system's fault (a full disk, no permission, a failing disk), and what each means.
// Its own module because the CLI's error taxonomy (src/cli/errors.ts) loads at start-up and needs only this,
// not the file operations of fs.ts.

/** The errors of a write that the file system, not the program, is to blame for. */
export const IO_FAULT_CODES = ['ENOSPC', 'EDQUOT', 'EIO', 'EACCES', 'EPERM', 'EROFS', 'EMFILE', 'ENFILE'] as const;
export type IoFaultCode = (typeof IO_FAULT_CODES)[number];

/** What each I/O fault means, in words (as strerror says it). */
export const IO_FAULT_TEXT: Record<IoFaultCode, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error (the disk or its file system failed)',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files in this process',
  ENFILE: 'too many open files on this machine',
};

/** An error node:fs raised for an I/O fault: its code, what it means, and the path when the error names one. */
export interface IoFault {
  code: IoFaultCode;
  text: string;
  path: string | null;
}

/** The I/O fault an error is, or null for any other error. */
export function ioFault(error: unknown): IoFault | null {
  const { code, path } = (error ?? {}) as NodeJS.ErrnoException;
  if (typeof code !== 'string' || !(IO_FAULT_CODES as readonly string[]).includes(code)) return null;
  return { code: code as IoFaultCode, text: IO_FAULT_TEXT[code as IoFaultCode], path: typeof path === 'string' ? path : null };
}
