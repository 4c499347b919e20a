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
});

describe('anytime exits: stats --exit/--exits, build --exit', () => {
  const anytime = 'examples/proxy.fpn#proxy_synth_anytime';

  test('stats --exits --json: parameters and FLOPs of every exit, growing with the exit', async () => {
    const out = JSON.parse(await run('stats', anytime, '--exits', '--json'));
    const [d] = out.detectors;
    expect(d).toMatchObject({ name: 'proxy_synth_anytime', repeats: 3, anytimeHeads: true, inputSize: 128 });
    expect(d.exits.map((e: { exit: number }) => e.exit)).toEqual([1, 2, 3]);
    for (let i = 1; i < 3; i++) {
      expect(d.exits[i].flops).toBeGreaterThan(d.exits[i - 1].flops);
      expect(d.exits[i].params).toBeGreaterThan(d.exits[i - 1].params);
    }
    // The same numbers as counting one exit at a time.
    const second = JSON.parse(await run('stats', anytime, '--exit', '2', '--json')).detectors[0];
    expect(second.flops).toBe(d.exits[1].flops);
    expect(second.params).toBe(d.exits[1].params);
  });

  test('stats --exits as a table; a detector without anytime heads has one exit, and says how to get more', async () => {
    const table = await run('stats', 'examples/proxy.fpn', '--exits');
    expect(table).toContain('proxy_synth_anytime (examples/proxy.fpn), input 128×128: an exit after each of its 3 pyramids (anytime heads)');
    expect(table).toMatch(/^exit +trainable +non-trainable +GFLOPs +of the last$/m);
    expect(table).toContain('proxy_synth_x3 (examples/proxy.fpn), input 128×128: one exit, after pyramid 3');
    expect(table).toContain('add `anytime heads` to proxy_synth_x3');
  });

  test('--exit on a detector without anytime heads is a usage error that says why and how to add them', async () => {
    const error = await run('stats', 'examples/proxy.fpn#proxy_synth_x3', '--exit', '2').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/--exit 2: proxy_synth_x3 has no anytime heads, so its only exit is the last pyramid \(3\)/);
    expect((error as Error).message).toContain('add the line `anytime heads` to detector proxy_synth_x3');
    await expect(run('stats', anytime, '--exit', '4')).rejects.toThrow(/from 1 to 3/);
    await expect(run('stats', anytime, '--exit', 'two')).rejects.toBeInstanceOf(UsageError);
    await expect(run('stats', anytime, '--exit', '1', '--exits')).rejects.toBeInstanceOf(UsageError);
    await expect(run('build', 'examples/proxy.fpn#proxy_synth_x3', '--exit', '1', '--emit', 'ts', '-o', join(scratch, 'no.ts'))).rejects.toBeInstanceOf(UsageError);
    expect(existsSync(join(scratch, 'no.ts'))).toBe(false);
  });

  test('build --exit K writes the cut model: its outputs are the head after pyramid K', async () => {
    const ts = join(scratch, 'exit1.ts');
    const out = await run('build', anytime, '--exit', '1', '--emit', 'ts', '-o', ts);
    expect(out).toContain('proxy_synth_anytime up to exit 1 of 3');
    const source = readFileSync(ts, 'utf8');
    expect(source).toContain("name: 'proxy_synth_anytime_exit1'");
    expect(source).toContain("'stack1/class/P3'");
    expect(source).not.toContain('stack2/');
    const dir = join(scratch, 'exit2');
    await run('build', anytime, '--exit', '2', '-o', dir, '--backend', 'cpu');
    const { readModelMetadata } = await import('../../src/runtime/modelio.js');
    const metadata = readModelMetadata(dir).nasfpn as { exit: number; outputs: string[] };
    expect(metadata.exit).toBe(2);
    expect(metadata.outputs).toHaveLength(10);
    expect(metadata.outputs.every((o) => o.startsWith('stack2/'))).toBe(true);
  });
});
