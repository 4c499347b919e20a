// Errors training raises on purpose, apart from the code that raises them: the CLI's error taxonomy
// (src/cli/errors.ts) loads them at start-up, and the checkpoint code brings TensorFlow.js with it.
import { join } from 'node:path';
import type { IoFault } from '../runtime/io-fault.js';

/** A checkpoint whose files do not read back as written: `file` (in `dir`) is missing, cut short, changed or malformed. */
export class DamagedCheckpointError extends Error {
  override readonly name = 'DamagedCheckpointError';
  constructor(readonly dir: string, readonly file: string, readonly reason: string) {
    super(`${join(dir, file)}: ${reason}`);
  }
}

/** A checkpoint could not be written (a full disk, a read-only one, …); the checkpoints before it are untouched. */
export class CheckpointWriteError extends Error {
  override readonly name = 'CheckpointWriteError';
  constructor(
    /** The checkpoint directory that was being written. */
    readonly dir: string,
    readonly fault: IoFault,
    /** The bytes the checkpoint needs. */
    readonly bytes: number,
    /** The newest complete checkpoint, which the failed write left as it was (null: none yet). */
    readonly previous: string | null,
  ) {
    super(`cannot write checkpoint ${dir}: ${fault.text} (${fault.code})`);
  }
}
