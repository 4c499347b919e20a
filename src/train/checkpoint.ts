// Checkpoints of a training run, each a directory written atomically, with a `latest` pointer updated last:
//
//   RUN/checkpoints/step-00000200/   weights.bin + slots.bin (float32, in the order tensors.json lists them),
//                                    tensors.json (names and shapes), state.json (step, learning rate, data
//                                    position, RNG state, the hooks' states, the recipe), source.json (the .fpn
//                                    text the recipe came from, with its imports)
//   RUN/latest                       "step-00000200": the newest complete checkpoint
//
// A process killed at any moment leaves either the previous checkpoint or the new one complete (the
// directory is renamed into place only when full, and `latest` is replaced by a rename after that); a
// half-written temp directory starts with '.' and is ignored and swept on the next write.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeDirAtomic, writeFileAtomic } from '../runtime/atomic.js';

export const CHECKPOINTS_DIR = 'checkpoints';
export const LATEST_FILE = 'latest';
const FORMAT = 1;

export interface NamedArray {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** The .fpn text a run came from: the root file and every file it imports, by absolute path. */
export interface SourceSnapshot {
  file: string;
  files: Record<string, string>;
}

/** Everything besides tensors that a resumed run needs. */
export interface CheckpointState {
  /** Steps completed: the next step to run. */
  step: number;
  /** The learning rate of the last update (the schedule is a function of the step; this is for people). */
  learningRate: number;
  /** The data iterator's position after the last batch the run consumed (the data room's JSON). */
  data: unknown;
  /** The trainer's RNG state (seeds each step's DropBlock draws). */
  random: readonly number[];
  /** Each hook's own state, by hook name. */
  hooks: Record<string, unknown>;
  /** The recipe (TrainIR, with overrides applied) as JSON. */
  recipe: unknown;
  /** When the checkpoint was written (ISO time). */
  savedAt: string;
}

export interface Checkpoint {
  dir: string;
  weights: NamedArray[];
  slots: NamedArray[];
  state: CheckpointState;
  source: SourceSnapshot;
}

export const checkpointName = (step: number): string => `step-${String(step).padStart(8, '0')}`;

const STEP_DIR = /^step-(\d{8,})$/;

/** Writes a checkpoint atomically, points `latest` at it, and removes all but the newest `keep`. */
export async function writeCheckpoint(runDir: string, content: Omit<Checkpoint, 'dir'>, keep: number): Promise<string> {
  const dir = join(runDir, CHECKPOINTS_DIR, checkpointName(content.state.step));
  await writeDirAtomic(dir, (temp) => {
    writeFileSync(join(temp, 'weights.bin'), concat(content.weights));
    writeFileSync(join(temp, 'slots.bin'), concat(content.slots));
    const describe = (list: NamedArray[]) => list.map(({ name, shape }) => ({ name, shape }));
    writeFileSync(join(temp, 'tensors.json'), JSON.stringify({ format: FORMAT, weights: describe(content.weights), slots: describe(content.slots) }));
    writeFileSync(join(temp, 'state.json'), JSON.stringify({ format: FORMAT, ...content.state }, null, 1));
    writeFileSync(join(temp, 'source.json'), JSON.stringify(content.source));
  });
  writeFileAtomic(join(runDir, LATEST_FILE), `${checkpointName(content.state.step)}\n`);
  prune(runDir, keep);
  return dir;
}

/** Removes all but the newest `keep` checkpoints, and temp directories left by killed writers. */
function prune(runDir: string, keep: number): void {
  const root = join(runDir, CHECKPOINTS_DIR);
  const entries = readdirSync(root);
  for (const name of entries) if (name.startsWith('.') && !name.includes(`.${process.pid}.`)) rmSync(join(root, name), { recursive: true, force: true });
  const steps = entries.filter((n) => STEP_DIR.test(n)).sort();
  for (const name of steps.slice(0, Math.max(0, steps.length - keep))) rmSync(join(root, name), { recursive: true, force: true });
}

/** The newest complete checkpoint's directory: the one `latest` names, else the newest step directory; null if none. */
export function latestCheckpointDir(runDir: string): string | null {
  const root = join(runDir, CHECKPOINTS_DIR);
  const pointer = join(runDir, LATEST_FILE);
  if (existsSync(pointer)) {
    const name = readFileSync(pointer, 'utf8').trim();
    if (STEP_DIR.test(name) && existsSync(join(root, name, 'state.json'))) return join(root, name);
  }
  if (!existsSync(root)) return null;
  const steps = readdirSync(root).filter((n) => STEP_DIR.test(n) && existsSync(join(root, n, 'state.json'))).sort();
  return steps.length ? join(root, steps[steps.length - 1]) : null;
}

/** Reads a checkpoint directory; throws an Error naming the file when one is missing or malformed. */
export function readCheckpoint(dir: string): Checkpoint {
  const tensors = readJson(dir, 'tensors.json') as { format: number; weights: Omit<NamedArray, 'values'>[]; slots: Omit<NamedArray, 'values'>[] };
  if (tensors.format !== FORMAT) throw new Error(`${join(dir, 'tensors.json')}: checkpoint format ${tensors.format}, this version reads ${FORMAT}`);
  return {
    dir,
    weights: split(join(dir, 'weights.bin'), tensors.weights),
    slots: split(join(dir, 'slots.bin'), tensors.slots),
    state: readCheckpointState(dir),
    source: readJson(dir, 'source.json') as SourceSnapshot,
  };
}

/** Only a checkpoint's state.json (step, recipe upgraded to this version, …): what a resume needs before the tensors. */
export function readCheckpointState(dir: string): CheckpointState {
  const { format: _format, ...state } = readJson(dir, 'state.json') as CheckpointState & { format: number };
  return { ...state, recipe: upgradeRecipe(state.recipe) };
}

function readJson(dir: string, file: string): unknown {
  try {
    return JSON.parse(readFileSync(join(dir, file), 'utf8'));
  } catch (error) {
    throw new Error(`${join(dir, file)}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * A saved recipe in the IR of this version. Checkpoints written before pyramids had a `kind` (when every pyramid
 * was made of merging cells; `kind fpn` came later) get `kind: 'cells'`, so their runs still resume, evaluate and
 * predict. Anything else is returned as it is.
 */
export function upgradeRecipe(recipe: unknown): unknown {
  const detector = (recipe as { detector?: unknown } | null)?.detector as { pyramid?: unknown } | undefined;
  const pyramid = detector?.pyramid;
  if (pyramid === null || typeof pyramid !== 'object' || 'kind' in pyramid) return recipe;
  return { ...(recipe as object), detector: { ...detector, pyramid: { kind: 'cells', ...pyramid } } };
}

function concat(list: NamedArray[]): Uint8Array {
  const total = list.reduce((n, a) => n + a.values.length, 0);
  const out = new Float32Array(total);
  let offset = 0;
  for (const a of list) {
    out.set(a.values, offset);
    offset += a.values.length;
  }
  return new Uint8Array(out.buffer);
}

function split(file: string, described: Omit<NamedArray, 'values'>[]): NamedArray[] {
  const bytes = readFileSync(file);
  const expected = described.reduce((n, d) => n + 4 * d.shape.reduce((a, b) => a * b, 1), 0);
  if (bytes.byteLength !== expected) throw new Error(`${file}: ${bytes.byteLength} bytes, tensors.json describes ${expected}`);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  let offset = 0;
  return described.map((d) => {
    const size = d.shape.reduce((a, b) => a * b, 1);
    const values = all.slice(offset, offset + size);
    offset += size;
    return { ...d, values };
  });
}
