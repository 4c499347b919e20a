// Checkpoints of a training run, each a directory written atomically, with a `latest` pointer updated last:
//
//   RUN/checkpoints/step-00000200/   weights.bin + slots.bin (float32, in the order tensors.json lists them),
//                                    tensors.json (names and shapes), state.json (step, learning rate, data
//                                    position, RNG state, the hooks' states, the recipe), source.json (the .fpn
//                                    text the recipe came from, with its imports), manifest.json (each other
//                                    file's size and SHA-256, written last)
//   RUN/latest                       "step-00000200": the newest complete checkpoint
//
// A process killed at any moment leaves either the previous checkpoint or the new one complete (the
// directory is renamed into place only when full, and `latest` is replaced by a rename after that); a
// half-written temp directory starts with '.' and is ignored and swept on the next write.
//
// Damage after the fact (a disk that flips bits, a copy cut short) is caught on load: every file is checked
// against the manifest's size and SHA-256. A run resumes from its newest intact checkpoint; the damaged ones
// are set aside as checkpoints/damaged-step-…, never deleted. Checkpoints written before the manifest existed
// still load (with a note that nothing could be verified). The manifest's hashes are also the checkpoint's
// content address (`contentAddress`): what a run warm-started from it records.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeDirAtomic, writeFileAtomic } from '../runtime/atomic.js';
import { ioFault, readFile, writeFile, type IoFault } from '../runtime/fs.js';

export const CHECKPOINTS_DIR = 'checkpoints';
export const LATEST_FILE = 'latest';
const FORMAT = 1;
const MANIFEST_FILE = 'manifest.json';
/** The files of a checkpoint the manifest covers, in the order they are written. */
const CONTENT_FILES = ['weights.bin', 'slots.bin', 'tensors.json', 'state.json', 'source.json'] as const;
type ContentFile = (typeof CONTENT_FILES)[number];
/** The prefix of a damaged checkpoint's directory once it is set aside. */
export const DAMAGED_PREFIX = 'damaged-';

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
  /** SHA-256 (hex) of each file, by name. */
  hashes: Record<string, string>;
  /** One SHA-256 over the file names and their hashes: the checkpoint's content address. */
  contentAddress: string;
  /** Whether the files were checked against a manifest (false: a checkpoint from before manifests, read as it is). */
  verified: boolean;
}

/** manifest.json: each content file's size and SHA-256. */
interface Manifest {
  format: number;
  files: Record<string, { bytes: number; sha256: string }>;
}

import { CheckpointWriteError, DamagedCheckpointError } from './errors.js';
// Defined apart so the CLI's error taxonomy can load them without this module; their users import them from here.
export { CheckpointWriteError, DamagedCheckpointError };

export const checkpointName = (step: number): string => `step-${String(step).padStart(8, '0')}`;

const STEP_DIR = /^step-(\d{8,})$/;

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The content address of a checkpoint with these file hashes: SHA-256 over `name sha256` lines in name order. */
export function contentAddressOf(hashes: Record<string, string>): string {
  const lines = Object.keys(hashes).sort().map((name) => `${name} ${hashes[name]}\n`);
  return createHash('sha256').update(lines.join('')).digest('hex');
}

/**
 * Writes a checkpoint atomically, points `latest` at it, and removes all but the newest `keep`. A write that
 * meets an I/O fault (ENOSPC, EIO, …) throws CheckpointWriteError; the earlier checkpoints and `latest` stay.
 */
export async function writeCheckpoint(runDir: string, content: Omit<Checkpoint, 'dir' | 'hashes' | 'contentAddress' | 'verified'>, keep: number): Promise<string> {
  const dir = join(runDir, CHECKPOINTS_DIR, checkpointName(content.state.step));
  const describe = (list: NamedArray[]) => list.map(({ name, shape }) => ({ name, shape }));
  const files: Record<ContentFile, Uint8Array> = {
    'weights.bin': concat(content.weights),
    'slots.bin': concat(content.slots),
    'tensors.json': Buffer.from(JSON.stringify({ format: FORMAT, weights: describe(content.weights), slots: describe(content.slots) })),
    'state.json': Buffer.from(JSON.stringify({ format: FORMAT, ...content.state }, null, 1)),
    'source.json': Buffer.from(JSON.stringify(content.source)),
  };
  const manifest: Manifest = { format: FORMAT, files: {} };
  for (const name of CONTENT_FILES) manifest.files[name] = { bytes: files[name].byteLength, sha256: sha256(files[name]) };
  const manifestText = JSON.stringify(manifest, null, 1);
  const bytes = Object.values(files).reduce((n, f) => n + f.byteLength, manifestText.length);
  const previous = latestCheckpointDir(runDir);
  try {
    await writeDirAtomic(dir, (temp) => {
      for (const name of CONTENT_FILES) writeFile(join(temp, name), files[name]);
      writeFile(join(temp, MANIFEST_FILE), manifestText);
    });
    writeFileAtomic(join(runDir, LATEST_FILE), `${checkpointName(content.state.step)}\n`);
  } catch (error) {
    const fault = ioFault(error);
    if (fault) throw new CheckpointWriteError(dir, fault, bytes, previous && previous !== dir ? previous : null);
    throw error;
  }
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

/** The checkpoint directory `latest` names, or why it names none (missing, or not a checkpoint here). */
function latestPointer(runDir: string): { dir: string } | { problem: string } {
  const pointer = join(runDir, LATEST_FILE);
  if (!existsSync(pointer)) return { problem: `${pointer} is missing` };
  const name = readFile(pointer).toString('utf8').trim();
  if (STEP_DIR.test(name) && existsSync(join(runDir, CHECKPOINTS_DIR, name, 'state.json'))) return { dir: join(runDir, CHECKPOINTS_DIR, name) };
  return { problem: `${pointer} names ${JSON.stringify(name.slice(0, 40))}, which is not a checkpoint of this run` };
}

/** Complete step directories (they have state.json), newest first. */
function stepDirs(runDir: string): string[] {
  const root = join(runDir, CHECKPOINTS_DIR);
  if (!existsSync(root)) return [];
  return readdirSync(root).filter((n) => STEP_DIR.test(n) && existsSync(join(root, n, 'state.json'))).sort().reverse().map((n) => join(root, n));
}

/** The newest complete checkpoint's directory: the one `latest` names, else the newest step directory; null if none. */
export function latestCheckpointDir(runDir: string): string | null {
  const pointer = latestPointer(runDir);
  return 'dir' in pointer ? pointer.dir : stepDirs(runDir)[0] ?? null;
}

export interface RecoveryOptions {
  /** Move damaged checkpoints aside (checkpoints/damaged-step-…): only the run's writer, which holds its lock, does. */
  setAside: boolean;
  /** A line for people: `latest` not used, a checkpoint damaged, one that cannot be verified. */
  note: (line: string) => void;
}

/**
 * The newest checkpoint of a run that reads back intact: the one `latest` names, else the newest step
 * directory, passing over damaged ones (each noted, and set aside when `setAside`); null when there is none.
 */
export function readNewestIntactCheckpoint(runDir: string, options: RecoveryOptions): Checkpoint | null {
  const pointer = latestPointer(runDir);
  const steps = stepDirs(runDir);
  if ('problem' in pointer && steps.length) options.note(`${pointer.problem}; using the newest checkpoint directory, ${basename(steps[0]!)}`);
  const candidates = 'dir' in pointer ? [pointer.dir, ...steps.filter((d) => d !== pointer.dir)] : steps;
  for (const dir of candidates) {
    let checkpoint: Checkpoint;
    try {
      checkpoint = readCheckpoint(dir);
    } catch (error) {
      if (!(error instanceof DamagedCheckpointError)) throw error;
      // Pruned by a run writing meanwhile (a reader does not hold the lock): not damage.
      if (!existsSync(dir)) continue;
      const damaged = `checkpoint ${basename(dir)} is damaged (${error.file}: ${error.reason})`;
      options.note(options.setAside ? `${damaged}: set aside as ${setAside(dir)}` : `${damaged}: left in place (only the run's own writer sets it aside)`);
      continue;
    }
    if (!checkpoint.verified) options.note(`checkpoint ${basename(dir)} was written before checkpoints carried content hashes: its files are read unverified`);
    if (dir !== candidates[0]) {
      options.note(`using checkpoint ${basename(dir)}, the newest intact one`);
      if (options.setAside) writeFileAtomic(join(runDir, LATEST_FILE), `${basename(dir)}\n`);
    }
    return checkpoint;
  }
  return null;
}

/** Renames a damaged checkpoint directory to damaged-<name> (or damaged-<name>.N when that is taken); returns the new path. */
function setAside(dir: string): string {
  const base = `${DAMAGED_PREFIX}${basename(dir)}`;
  let target = join(dirname(dir), base);
  for (let n = 2; existsSync(target); n++) target = join(dirname(dir), `${base}.${n}`);
  renameSync(dir, target);
  return target;
}

/**
 * Reads a checkpoint directory, checking each file against the manifest. Throws DamagedCheckpointError naming
 * the file when one is missing, cut short, changed since it was written, or malformed.
 */
export function readCheckpoint(dir: string): Checkpoint {
  const manifest = readManifest(dir);
  const bytes = {} as Record<ContentFile, Buffer>;
  const hashes: Record<string, string> = {};
  for (const name of CONTENT_FILES) ({ bytes: bytes[name], sha256: hashes[name] } = readChecked(dir, name, manifest));
  const tensors = parseJson(dir, 'tensors.json', bytes['tensors.json']) as { format: number; weights: Omit<NamedArray, 'values'>[]; slots: Omit<NamedArray, 'values'>[] };
  if (tensors.format !== FORMAT) throw new Error(`${join(dir, 'tensors.json')}: checkpoint format ${tensors.format}, this version reads ${FORMAT}`);
  return {
    dir,
    weights: split(dir, 'weights.bin', bytes['weights.bin'], tensors.weights),
    slots: split(dir, 'slots.bin', bytes['slots.bin'], tensors.slots),
    state: stateFrom(parseJson(dir, 'state.json', bytes['state.json'])),
    source: parseJson(dir, 'source.json', bytes['source.json']) as SourceSnapshot,
    hashes,
    contentAddress: contentAddressOf(hashes),
    verified: manifest !== null,
  };
}

/** Only a checkpoint's state.json (step, recipe upgraded to this version, …): what a resume needs before the tensors. */
export function readCheckpointState(dir: string): CheckpointState {
  return stateFrom(parseJson(dir, 'state.json', readChecked(dir, 'state.json', readManifest(dir)).bytes));
}

/** A checkpoint's content address from its manifest, without reading its tensors; null for one without a manifest. */
export function checkpointContentAddress(dir: string): string | null {
  const manifest = readManifest(dir);
  return manifest ? contentAddressOf(Object.fromEntries(Object.entries(manifest.files).map(([name, f]) => [name, f.sha256]))) : null;
}

function stateFrom(json: unknown): CheckpointState {
  const { format: _format, ...state } = json as CheckpointState & { format: number };
  return { ...state, recipe: upgradeRecipe(state.recipe) };
}

/** The manifest, or null for a checkpoint written before manifests. */
function readManifest(dir: string): Manifest | null {
  if (!existsSync(join(dir, MANIFEST_FILE))) return null;
  const manifest = parseJson(dir, MANIFEST_FILE, readBytes(dir, MANIFEST_FILE)) as Manifest;
  if (typeof manifest?.files !== 'object' || manifest.files === null) throw new DamagedCheckpointError(dir, MANIFEST_FILE, 'not a checkpoint manifest');
  return manifest;
}

/** A file's bytes and SHA-256, checked against the manifest's size and SHA-256 when there is a manifest. */
function readChecked(dir: string, name: ContentFile, manifest: Manifest | null): { bytes: Buffer; sha256: string } {
  const bytes = readBytes(dir, name);
  const expected = manifest?.files[name];
  if (manifest && !expected) throw new DamagedCheckpointError(dir, MANIFEST_FILE, `lists no ${name}`);
  if (expected && bytes.byteLength !== expected.bytes) {
    throw new DamagedCheckpointError(dir, name, `${bytes.byteLength} bytes, the manifest says ${expected.bytes} (cut short or overwritten)`);
  }
  const hash = sha256(bytes);
  if (expected && hash !== expected.sha256) throw new DamagedCheckpointError(dir, name, 'its SHA-256 differs from the manifest\'s (its bytes changed after it was written)');
  return { bytes, sha256: hash };
}

function readBytes(dir: string, name: string): Buffer {
  try {
    return readFile(join(dir, name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new DamagedCheckpointError(dir, name, 'missing');
    throw error;
  }
}

function parseJson(dir: string, name: string, bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new DamagedCheckpointError(dir, name, `not valid JSON (${(error as Error).message})`);
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

function split(dir: string, name: string, bytes: Buffer, described: Omit<NamedArray, 'values'>[]): NamedArray[] {
  const expected = described.reduce((n, d) => n + 4 * d.shape.reduce((a, b) => a * b, 1), 0);
  if (bytes.byteLength !== expected) throw new DamagedCheckpointError(dir, name, `${bytes.byteLength} bytes, tensors.json describes ${expected}`);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  let offset = 0;
  return described.map((d) => {
    const size = d.shape.reduce((a, b) => a * b, 1);
    const values = all.slice(offset, offset + size);
    offset += size;
    return { ...d, values };
  });
}
