// `nasfpn train`, `predict` and `eval` against a failing disk, damaged run files, bad datasets and a second
// writer, through the built CLI as users run it (the file-system seam's faults come from NASFPN_FAULTS). Each
// case asserts the message and the exit code, that nothing intact changed, and that a resume loses at most the
// damaged checkpoint. The runs train the tiny recipe on the fastest backend present (wasm on a fresh clone).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FaultRule } from '../../src/runtime/fs.js';
import { ensureBundle, expectNoStackTrace, nasfpnWith } from '../helpers/cli.js';
import { fileDigests } from '../helpers/files.js';
import { tinyRecipeText } from './standins.js';

const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-train-faults-'));
const recipe = join(scratch, 'tiny.fpn');
const data = join(scratch, 'data');
const run = join(scratch, 'run');

beforeAll(() => {
  ensureBundle();
  writeFileSync(recipe, tinyRecipeText('  steps 4\n  checkpoint every 2 keep 3\n  log every 1\n  eval every 0'));
  // Two shape classes: the tiny detector's three class channels with channel 0.
  const synth = nasfpn([], 'data', 'synth', '-o', data, '--images', '8', '--size', '32', '--classes', '2', '--val', '0.25');
  if (synth.code !== 0) throw new Error(synth.stderr);
}, 120_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const nasfpn = (faults: FaultRule[], ...args: string[]) => nasfpnWith({ env: faults.length ? { NASFPN_FAULTS: JSON.stringify(faults) } : {} }, ...args);
const step = (n: number) => `step-${String(n).padStart(8, '0')}`;
const checkpointDir = (n: number) => join(run, 'checkpoints', step(n));
const metricSteps = () => readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step as number);
/** The pid of a process that has exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;

describe('a training run against faults (one run folder, case after case)', () => {
  test('the disk fills while a checkpoint is written: exit 74, what was lost (nothing), the space needed, the resume command', () => {
    const failed = nasfpn([{ op: 'write', path: 'weights.bin', nth: 2, sticky: true, fault: 'ENOSPC' }], 'train', recipe, '-o', run, '--data', data);
    expect(failed.code, failed.stderr).toBe(74);
    expect(failed.stderr).toMatch(new RegExp(
      `nasfpn: cannot write checkpoint ${step(4)} into .*checkpoints: no space left on device \\(ENOSPC\\)\\. Nothing earlier was lost: ` +
      `checkpoint ${step(2)}, the \`latest\` pointer and metrics\\.jsonl are intact\\. A checkpoint of this run takes \\d+\\.\\d MB: ` +
      `free at least that much, then continue with \`nasfpn train --resume ${run}\``));
    expectNoStackTrace(failed);
    expect(readdirSync(join(run, 'checkpoints'))).toEqual([step(2)]);
    expect(readFileSync(join(run, 'latest'), 'utf8')).toBe(`${step(2)}\n`);
    expect(metricSteps()).toEqual([1, 2, 3, 4]);
    expect(existsSync(join(run, 'lock'))).toBe(false);
  });

  test('once there is space, --resume goes on from the last checkpoint and finishes', () => {
    const kept = fileDigests(checkpointDir(2));
    const resumed = nasfpn([], 'train', '--resume', run);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`resuming ${run} at step 2 of 4`);
    expect(resumed.stderr).toContain('finished 4 steps');
    expect(fileDigests(checkpointDir(2))).toEqual(kept);
    expect(metricSteps()).toEqual([1, 2, 3, 4]);
  });

  test('newest checkpoint cut short, `latest` garbage, a damaged metrics line, a stale lock: each said in a line; the run goes on from the newest intact checkpoint', () => {
    truncateSync(join(checkpointDir(4), 'weights.bin'), 1000);
    writeFileSync(join(run, 'latest'), 'garbage');
    const metrics = readFileSync(join(run, 'metrics.jsonl'), 'utf8').split('\n');
    writeFileSync(join(run, 'metrics.jsonl'), [metrics[0], '{"kind": "tra', ...metrics.slice(1)].join('\n'));
    const pid = deadPid();
    writeFileSync(join(run, 'lock'), JSON.stringify({ host: hostname(), pid, command: 'nasfpn train', since: '2026-01-01T00:00:00.000Z', started: null }));
    const kept = fileDigests(checkpointDir(2));
    const resumed = nasfpn([], 'train', '--resume', run, '--steps', '6');
    expect(resumed.code, resumed.stderr).toBe(0);
    // (The short run also gets the batch-norm warning; not ours.)
    const warnings = resumed.stderr.split('\n').filter((l) => l.startsWith('warning: ') && !l.includes('batch norm'));
    expect(warnings).toEqual([
      `warning: taking over ${join(run, 'lock')}: nasfpn train (process ${pid} on ${hostname()}, since 2026-01-01T00:00:00.000Z) is no longer running`,
      `warning: ${join(run, 'latest')} names "garbage", which is not a checkpoint of this run; using the newest checkpoint directory, ${step(4)}`,
      expect.stringMatching(new RegExp(`^warning: checkpoint ${step(4)} is damaged \\(weights\\.bin: 1000 bytes, the manifest says \\d+ \\(cut short or overwritten\\)\\): set aside as ${join(run, 'checkpoints', `damaged-${step(4)}`)}$`)),
      `warning: using checkpoint ${step(2)}, the newest intact one`,
      `warning: ${join(run, 'metrics.jsonl')}:2: not a metrics record: dropped`,
    ]);
    expect(resumed.stderr).toContain(`resuming ${run} at step 2 of 6`);
    expect(resumed.stderr).toContain('finished 6 steps');
    expect(readdirSync(join(run, 'checkpoints')).sort()).toEqual([`damaged-${step(4)}`, step(2), step(4), step(6)]);
    expect(fileDigests(checkpointDir(2))).toEqual(kept);
    expect(metricSteps()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test('predict on a run whose newest checkpoint has a flipped byte: a warning, the damaged one left in place, the newest intact one used', () => {
    const weights = join(checkpointDir(6), 'weights.bin');
    const bytes = readFileSync(weights);
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x10; // same size: only the hash can tell
    writeFileSync(weights, bytes);
    const image = join(data, 'val', readdirSync(join(data, 'val'))[0]!);
    const predicted = nasfpn([], 'predict', run, image, '-o', join(scratch, 'detections.json'));
    expect(predicted.code, predicted.stderr).toBe(0);
    expect(predicted.stderr).toContain(`warning: checkpoint ${step(6)} is damaged (weights.bin: its SHA-256 differs from the manifest's (its bytes changed after it was written)): left in place`);
    expect(predicted.stderr).toContain(`warning: using checkpoint ${step(4)}, the newest intact one`);
    expect(predicted.stdout).toContain(`step 4)`);
    expect(readFileSync(weights).equals(bytes)).toBe(true);
    // The same checkpoint named on its own is refused as damaged data.
    const direct = nasfpn([], 'predict', checkpointDir(6), image, '-o', join(scratch, 'd2.json'));
    expect(direct.code).toBe(1);
    expect(direct.stderr).toContain('weights.bin: its SHA-256 differs');
    expectNoStackTrace(direct);
  });

  test('a second writer is refused while the first holds the run; a FIFO given to predict is refused at once', () => {
    writeFileSync(join(run, 'lock'), JSON.stringify({ host: hostname(), pid: process.pid, command: 'nasfpn train', since: '2026-01-01T00:00:00.000Z', started: null }));
    const second = nasfpn([], 'train', '--resume', run, '--steps', '8');
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`nasfpn: ${run} is in use: nasfpn train (process ${process.pid} on ${hostname()}) has been writing it since 2026-01-01T00:00:00.000Z`);
    rmSync(join(run, 'lock'));
    const fifo = join(scratch, 'image.png');
    if (spawnSync('mkfifo', [fifo]).status !== 0) return; // no mkfifo here: the data tests cover FIFOs through the image reader
    const predicted = spawnSync(process.execPath, ['bin/nasfpn.js', 'predict', run, fifo, '-o', join(scratch, 'd3.json')], { encoding: 'utf8', timeout: 30_000 });
    expect(predicted.status).toBe(1);
    expect(predicted.stderr).toContain(`${fifo}: not a regular file`);
  });
});

describe('bad datasets', () => {
  test('an image that cannot be decoded mid-run: a data error naming it and pointing at data check (exit 1, no internal error)', () => {
    const broken = join(scratch, 'broken');
    cpSync(data, broken, { recursive: true });
    for (const file of readdirSync(join(broken, 'train'))) writeFileSync(join(broken, 'train', file), 'not an image');
    const failed = nasfpn([], 'train', recipe, '-o', join(scratch, 'run-broken'), '--data', broken);
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stderr).toMatch(new RegExp(`nasfpn: .*broken/train/0000\\d\\d\\.png: cannot decode image: .*Training stops at the first image it cannot read`));
    expect(failed.stderr).toContain(`Find every such image with \`nasfpn data check ${broken}\``);
    expect(failed.stderr).not.toContain('internal error');
    expectNoStackTrace(failed);
  });

  test('a file_name that leads out of the dataset folder is refused before the model is built, unless allowed', () => {
    const outside = join(scratch, 'outside');
    cpSync(data, outside, { recursive: true });
    const annotations = join(outside, 'annotations', 'instances_train.json');
    const coco = JSON.parse(readFileSync(annotations, 'utf8'));
    for (const image of coco.images) image.file_name = '../../../../../../../../etc/passwd';
    writeFileSync(annotations, JSON.stringify(coco));
    const refused = nasfpn([], 'train', recipe, '-o', join(scratch, 'run-outside'), '--data', outside);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('file_name "../../../../../../../../etc/passwd" leads out of the image folder; such paths are refused unless allowed (--allow-outside-images)');
    expect(refused.stdout).toBe('');
    // Allowed, it is read, and found not to be an image: the data error again, never an internal one.
    const allowed = nasfpn([], 'train', recipe, '-o', join(scratch, 'run-outside'), '--data', outside, '--allow-outside-images', '--force');
    expect(allowed.code).toBe(1);
    expect(allowed.stderr).toContain('/etc/passwd: cannot decode image');
  });
});
