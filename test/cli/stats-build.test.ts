// `nasfpn stats` and `nasfpn build` end to end on the example files and a tiny detector, through commander
// (the bundled entry only adds the exit-code mapping, which src/cli/main.ts owns).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { Command } from 'commander';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { registerBuild } from '../../src/cli/build.js';
import { InputError, UsageError } from '../../src/cli/errors.js';
import { registerStats } from '../../src/cli/stats.js';
import { examplePyramids } from '../helpers/examples.js';

const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs one command in-process and returns what it printed on stdout. */
async function run(...argv: string[]): Promise<string> {
  const program = new Command('nasfpn').exitOverride();
  registerStats(program);
  registerBuild(program);
  for (const command of program.commands) command.exitOverride();
  let out = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  const writeErr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } finally {
    write.mockRestore();
    writeErr.mockRestore();
  }
  return out;
}

const TINY_FPN = `${examplePyramids('nasfpn')}
detector tiny {
  backbone resnet10
  pyramid nasfpn x 2 @ 16
  input 128
  head retinanet convs 1 classes 3 anchors scales 1 ratios 1 size 4
}
`;

describe('nasfpn stats', () => {
  test('--json gives the breakdown of one detector', async () => {
    const out = JSON.parse(await run('stats', 'examples/nasfpn.fpn', '-d', 'retinanet_nasfpn_r50', '--json'));
    const [d] = out.detectors;
    expect(d.name).toBe('retinanet_nasfpn_r50');
    expect(d.trainable).toBe(60_078_743); // K = 91: the reference's 60,057,998 at K = 90 + 9·3·3·256 + 9
    expect(d.groups.map((g: { group: string }) => g.group)).toEqual(['backbone', 'laterals', 'stack1', 'stack2', 'stack3', 'stack4', 'stack5', 'stack6', 'stack7', 'head']);
    expect(d.flops).toBe(2 * d.macs);
  });

  test('--input recounts at another size and rejects sizes that are not multiples of 128', async () => {
    const out = JSON.parse(await run('stats', 'examples/nasfpn.fpn', '-d', 'retinanet_nasfpn_r50', '--input', '1024', '--json'));
    expect(out.detectors[0].inputSize).toBe(1024);
    await expect(run('stats', 'examples/nasfpn.fpn', '--input', '100')).rejects.toBeInstanceOf(UsageError);
  });

  test('--paper prints the Table 1 comparison with every reproducible row ok', async () => {
    const out = await run('stats', '--paper', 'examples/nasfpn.fpn', 'examples/fpn.fpn', 'examples/nasfpn-lite.fpn');
    expect(out).toContain('NAS-FPN R-50 (7 @ 256)');
    expect(out.match(/ ok$/gm)).toHaveLength(9);
    expect(out).not.toContain('OUT OF TOLERANCE');
  });

  test('a detector on levels the backbone cannot feed is bad input (FPN219), never a usage error', async () => {
    // It used to pass `check` and then fail in lowering with a RangeError that stats turned into exit 2.
    const file = join(scratch, 'high.fpn');
    writeFileSync(file, `pyramid high {
  inputs P6..P8
  output o8 @P8 = sum(P8, P7)
  output o7 @P7 = sum(P7, o8)
  output o6 @P6 = sum(P6, o7)
}
detector on_high {
  backbone resnet50
  pyramid high x 1 @ 64
  input 512
}
`);
    await expect(run('stats', file)).rejects.toBeInstanceOf(InputError);
    await expect(run('build', file, '--emit', 'ts', '-o', join(scratch, 'high.ts'))).rejects.toBeInstanceOf(InputError);
  });

  test('hostile sizes are refused by the checker (FPN220) before anything is counted', async () => {
    const file = join(scratch, 'hostile.fpn');
    writeFileSync(file, `${examplePyramids('nasfpn')}
detector hostile {
  backbone resnet50
  pyramid nasfpn x 100000 @ 256
}
`);
    await expect(run('stats', file)).rejects.toBeInstanceOf(InputError);
    await expect(run('stats', 'examples/nasfpn.fpn', '-d', 'proxy_r10', '--input', String(2 ** 20))).rejects.toBeInstanceOf(UsageError);
    // Within every limit but too many weights to allocate: build counts first and refuses.
    writeFileSync(file, `${examplePyramids('nasfpn')}
detector big {
  backbone resnet50
  pyramid nasfpn x 32 @ 2048
}
`);
    await expect(run('build', file, '-o', join(scratch, 'big'))).rejects.toThrow(/more than build allocates/);
    expect(existsSync(join(scratch, 'big'))).toBe(false);
  });

  test('FILE#NAME picks one detector, and must agree with --detector', async () => {
    const out = JSON.parse(await run('stats', 'examples/nasfpn.fpn#proxy_r10', '--json'));
    expect(out.detectors.map((d: { name: string }) => d.name)).toEqual(['proxy_r10']);
    await expect(run('stats', 'examples/nasfpn.fpn#proxy_r10', '-d', 'retinanet_nasfpn_r50')).rejects.toBeInstanceOf(UsageError);
  });

  test('an unknown detector is an input error', async () => {
    await expect(run('stats', 'examples/nasfpn.fpn', '-d', 'nope')).rejects.toBeInstanceOf(InputError);
  });
});

describe('nasfpn build', () => {
  const fpnFile = join(scratch, 'tiny.fpn');
  writeFileSync(fpnFile, TINY_FPN);

  test('--emit ts writes the TypeScript source and refuses to overwrite without --force', async () => {
    const ts = join(scratch, 'model.ts');
    await run('build', fpnFile, '--emit', 'ts', '-o', ts);
    const source = readFileSync(ts, 'utf8');
    expect(source).toContain('export function buildModel(): tf.LayersModel');
    expect(source).toContain("tf.layers.conv2d({ name: 'stack2/cell6/conv'");
    await expect(run('build', fpnFile, '--emit', 'ts', '-o', ts)).rejects.toBeInstanceOf(InputError);
    await run('build', fpnFile, '--emit', 'ts', '-o', ts, '--force');
  });

  test('writes model.json + weights.bin that reload through the file IOHandler and run', async () => {
    const dir = join(scratch, 'out');
    const out = await run('build', fpnFile, '-o', dir, '--backend', 'cpu');
    expect(out).toMatch(/^wrote .*model\.json, weights\.bin/);
    expect(existsSync(join(dir, 'weights.bin'))).toBe(true);
    const tf = await import('@tensorflow/tfjs');
    await import('../../src/codegen/layers.js');
    const { fileLoadHandler, readModelMetadata } = await import('../../src/runtime/modelio.js');
    const model = await tf.loadLayersModel(fileLoadHandler(dir));
    expect((readModelMetadata(dir).nasfpn as { outputs: string[] }).outputs[0]).toBe('class/P3');
    const outputs = model.predict(tf.zeros([1, 128, 128, 3])) as TF.Tensor[];
    expect(outputs[0].shape).toEqual([1, 16, 16, 3]);
    expect(outputs[5].shape).toEqual([1, 16, 16, 4]);
    // The class bias starts every anchor at the prior probability 0.01 (the predictor kernel is ~N(0, 1e-5)).
    expect(tf.sigmoid(outputs[0]).mean().dataSync()[0]).toBeCloseTo(0.01, 3);
  });

  test('--emit saved-model writes a SavedModel directory with its signatures (on any backend)', async () => {
    const dir = join(scratch, 'saved');
    const out = await run('build', fpnFile, '--emit', 'saved-model', '-o', dir, '--backend', 'cpu');
    expect(out).toMatch(/^wrote .*saved_model\.pb .*serving_default/);
    const manifest = JSON.parse(readFileSync(join(dir, 'nasfpn.json'), 'utf8'));
    expect(Object.keys(manifest.signatures)).toEqual(['serving_default', 'heads']);
    expect(Object.keys(manifest.signatures.serving_default.outputs)).toEqual(['boxes', 'scores', 'classes', 'count']);
    expect(Object.keys(manifest.signatures.heads.outputs)[0]).toBe('class_P3');
    await expect(run('build', fpnFile, '--emit', 'saved-model', '-o', dir)).rejects.toBeInstanceOf(InputError);
  });

  test('--emit and --weights are checked', async () => {
    await expect(run('build', fpnFile, '--emit', 'onnx', '-o', join(scratch, 'x'))).rejects.toBeInstanceOf(UsageError);
    await expect(run('build', fpnFile, '--weights', scratch, '-o', join(scratch, 'x'))).rejects.toBeInstanceOf(UsageError);
    await expect(run('build', '--emit', 'saved-model', '-o', join(scratch, 'x'))).rejects.toBeInstanceOf(UsageError);
    await expect(run('build', fpnFile, '--emit', 'saved-model', '--weights', scratch, '-o', join(scratch, 'x'))).rejects.toBeInstanceOf(UsageError);
    await expect(run('build', '--emit', 'saved-model', '--weights', join(scratch, 'no-run'), '-o', join(scratch, 'x'), '--backend', 'cpu')).rejects.toBeInstanceOf(InputError);
  });
});
