// Errors the runtime raises on purpose. The runtime knows nothing about the command line: the CLI
// (src/cli/errors.ts, `fromRuntimeError`) decides which of these is a usage error and which is bad input.

/** A backend name that is none of BACKENDS (from a --backend value or NASFPN_BACKEND). */
export class UnknownBackendError extends Error {
  override readonly name = 'UnknownBackendError';
}

/** The requested backend, or every backend, cannot run on this machine; the message says why. */
export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
}
