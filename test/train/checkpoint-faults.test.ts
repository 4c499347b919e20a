// Checkpoints against a failing disk and damaged files, through the file-system seam (src/runtime/fs.ts):
// a write that meets ENOSPC leaves every earlier checkpoint and `latest` as they were; a checkpoint whose bytes
// changed (cut short, one byte flipped, on disk or on the way in) is caught by its manifest, and a run goes on
// from the newest intact one.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { clearFaults, injectFaults } from '../../src/runtime/fs.js';
import { fileDigests } from '../helpers/files.js';
import {
  checkpointContentAddress, CheckpointWriteError, contentAddressOf, DamagedCheckpointError, latestCheckpointDir, readCheckpoint,
  readNewestIntactCheckpoint, writeCheckpoint, type Checkpoint,
} from '../../src/train/checkpoint.js';

const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-checkpoint-faults-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
afterEach(() => clearFaults());

const content = (step: number): Omit<Checkpoint, 'dir' | 'hashes' | 'contentAddress' | 'verified'> => ({
  weights: [{ name: 'w', shape: [2, 3], values: Float32Array.from({ length: 6 }, (_, i) => step + i / 10) }],
  slots: [{ name: 'w/momentum', shape: [2, 3], values: new Float32Array(6).fill(step) }],
  source: { file: 'a.fpn', files: { 'a.fpn': 'pyramid p {}' } },
  state: { step, learningRate: 0.01, data: { index: step }, random: [1, 2, 3, 4], hooks: {}, recipe: { name: 't' }, savedAt: '2026-01-01T00:00:00Z' },
});

let runs = 0;
/** A run folder with checkpoints at these steps (keep them all). */
async function runWith(...steps: number[]): Promise<string> {
  const dir = join(scratch, `run${runs++}`);
  for (const step of steps) await writeCheckpoint(dir, content(step), 10);
  return dir;
}

const ckpt = (run: string, step: number) => join(run, 'checkpoints', `step-${String(step).padStart(8, '0')}`);

describe('writing a checkpoint on a full disk', () => {
  test.each(['ENOSPC', 'EIO', 'EDQUOT'] as const)('%s on weights.bin: a CheckpointWriteError naming the previous checkpoint and the bytes needed; nothing earlier changed', async (fault) => {
    const run = await runWith(2, 4);
    const before = fileDigests(run);
    injectFaults([{ op: 'write', path: 'weights.bin', fault }]);
    const error = await writeCheckpoint(run, content(6), 10).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointWriteError);
    const written = error as CheckpointWriteError;
    expect(written.fault.code).toBe(fault);
    expect(written.previous).toBe(ckpt(run, 4));
    expect(written.dir).toBe(ckpt(run, 6));
    // 2 × 24 bytes of floats, three JSON files and the manifest.
    expect(written.bytes).toBeGreaterThan(48);
    expect(fileDigests(run)).toEqual(before); // no half-written step-6, no temp directory, `latest` still step-4
    clearFaults();
    await writeCheckpoint(run, content(6), 10);
    expect(latestCheckpointDir(run)).toBe(ckpt(run, 6));
  });

  test('a failed write of `latest` (after the directory) leaves it naming the previous checkpoint', async () => {
    const run = await runWith(2);
    injectFaults([{ op: 'write', path: 'latest', fault: 'ENOSPC' }]);
    await expect(writeCheckpoint(run, content(4), 10)).rejects.toBeInstanceOf(CheckpointWriteError);
    expect(readFileSync(join(run, 'latest'), 'utf8')).toBe('step-00000002\n');
  });
});

describe('reading a damaged checkpoint', () => {
  test('content hashes: each file in the manifest, the content address over them, stable across reads', async () => {
    const run = await runWith(2);
    const checkpoint = readCheckpoint(ckpt(run, 2));
    expect(checkpoint.verified).toBe(true);
    expect(Object.keys(checkpoint.hashes).sort()).toEqual(['slots.bin', 'source.json', 'state.json', 'tensors.json', 'weights.bin']);
    expect(checkpoint.hashes['weights.bin']).toMatch(/^[0-9a-f]{64}$/);
    expect(checkpoint.contentAddress).toBe(contentAddressOf(checkpoint.hashes));
    expect(checkpointContentAddress(ckpt(run, 2))).toBe(checkpoint.contentAddress);
    // Another step's checkpoint has another address.
    expect(readCheckpoint(ckpt(await runWith(4), 4)).contentAddress).not.toBe(checkpoint.contentAddress);
  });

  test.each([
    ['cut short on disk', (dir: string) => truncateSync(join(dir, 'weights.bin'), 10), /weights\.bin: 10 bytes, the manifest says 24/],
    ['one byte flipped on disk, same size', (dir: string) => {
      const bytes = readFileSync(join(dir, 'weights.bin'));
      bytes[5] = bytes[5]! ^ 0x40;
      writeFileSync(join(dir, 'weights.bin'), bytes);
    }, /weights\.bin: its SHA-256 differs from the manifest's/],
    ['state.json missing', (dir: string) => rmSync(join(dir, 'state.json')), /state\.json: missing/],
  ])('%s: DamagedCheckpointError naming the file', async (_, damage, message) => {
    const run = await runWith(2);
    damage(ckpt(run, 2));
    expect(() => readCheckpoint(ckpt(run, 2))).toThrow(DamagedCheckpointError);
    expect(() => readCheckpoint(ckpt(run, 2))).toThrow(message);
  });

  test.each(['truncate', 'flip'] as const)('a read that comes back damaged (%s) is caught the same way', async (fault) => {
    const run = await runWith(2);
    injectFaults([{ op: 'read', path: 'slots.bin', fault }]);
    expect(() => readCheckpoint(ckpt(run, 2))).toThrow(/slots\.bin: /);
  });

  test('a checkpoint written before manifests loads, marked unverified, with the same content address its files give', async () => {
    const run = await runWith(2);
    const verified = readCheckpoint(ckpt(run, 2));
    rmSync(join(ckpt(run, 2), 'manifest.json'));
    const old = readCheckpoint(ckpt(run, 2));
    expect(old.verified).toBe(false);
    expect(old.contentAddress).toBe(verified.contentAddress);
    expect(old.weights).toEqual(verified.weights);
    expect(checkpointContentAddress(ckpt(run, 2))).toBeNull();
  });
});

describe('recovery: the newest intact checkpoint', () => {
  test('the writer sets the damaged newest one aside, points `latest` at the one it uses, and says so', async () => {
    const run = await runWith(2, 4, 6);
    truncateSync(join(ckpt(run, 6), 'weights.bin'), 1);
    const step4 = fileDigests(ckpt(run, 4));
    const notes: string[] = [];
    const checkpoint = readNewestIntactCheckpoint(run, { setAside: true, note: (l) => notes.push(l) });
    expect(checkpoint?.state.step).toBe(4);
    expect(notes).toEqual([
      `checkpoint step-00000006 is damaged (weights.bin: 1 bytes, the manifest says 24 (cut short or overwritten)): set aside as ${join(run, 'checkpoints', 'damaged-step-00000006')}`,
      'using checkpoint step-00000004, the newest intact one',
    ]);
    expect(existsSync(ckpt(run, 6))).toBe(false);
    expect(existsSync(join(run, 'checkpoints', 'damaged-step-00000006', 'weights.bin'))).toBe(true);
    expect(readFileSync(join(run, 'latest'), 'utf8')).toBe('step-00000004\n');
    expect(fileDigests(ckpt(run, 4))).toEqual(step4);
    // A later write prunes step directories only: the damaged one stays for people to look at.
    await writeCheckpoint(run, content(8), 1);
    expect(readdirSync(join(run, 'checkpoints')).sort()).toEqual(['damaged-step-00000006', 'step-00000008']);
  });

  test('a reader passes over a damaged checkpoint and leaves it in place', async () => {
    const run = await runWith(2, 4);
    const bytes = readFileSync(join(ckpt(run, 4), 'weights.bin'));
    bytes[0] = bytes[0]! ^ 1;
    writeFileSync(join(ckpt(run, 4), 'weights.bin'), bytes);
    const notes: string[] = [];
    expect(readNewestIntactCheckpoint(run, { setAside: false, note: (l) => notes.push(l) })?.state.step).toBe(2);
    expect(notes[0]).toMatch(/^checkpoint step-00000004 is damaged \(weights\.bin: its SHA-256 differs .*\): left in place/);
    expect(existsSync(ckpt(run, 4))).toBe(true);
    expect(readFileSync(join(run, 'latest'), 'utf8')).toBe('step-00000004\n');
  });

  test.each([
    ['garbage', (run: string) => writeFileSync(join(run, 'latest'), '\u0000\u0001garbage'), /latest names "\\u0000\\u0001garbage", which is not a checkpoint of this run; using the newest checkpoint directory, step-00000004/],
    ['missing', (run: string) => rmSync(join(run, 'latest')), /latest is missing; using the newest checkpoint directory, step-00000004/],
  ])('`latest` %s: the newest step directory, said in one line', async (_, damage, line) => {
    const run = await runWith(2, 4);
    damage(run);
    const notes: string[] = [];
    expect(readNewestIntactCheckpoint(run, { setAside: true, note: (l) => notes.push(l) })?.state.step).toBe(4);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(line);
  });

  test('every checkpoint damaged: none, each one noted and set aside; a copy of the run is untouched by a reader', async () => {
    const run = await runWith(2);
    truncateSync(join(ckpt(run, 2), 'slots.bin'), 3);
    const copy = `${run}-copy`;
    cpSync(run, copy, { recursive: true });
    const before = fileDigests(copy);
    expect(readNewestIntactCheckpoint(copy, { setAside: false, note: () => {} })).toBeNull();
    expect(fileDigests(copy)).toEqual(before);
    const notes: string[] = [];
    expect(readNewestIntactCheckpoint(run, { setAside: true, note: (l) => notes.push(l) })).toBeNull();
    expect(notes).toHaveLength(1);
  });
});
