// The draw command end to end (through commander, in process): goldens for every example and view, and the
// command's contract (file naming, errors, nothing written for a bad file).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Command } from 'commander';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerDraw } from '../../src/cli/draw.js';
import { InputError, UsageError } from '../../src/cli/errors.js';
import { EXAMPLES, examplePyramids } from '../helpers/examples.js';

async function draw(...args: string[]): Promise<void> {
  const program = new Command('nasfpn').exitOverride();
  registerDraw(program);
  for (const command of program.commands) command.exitOverride();
  await program.parseAsync(['draw', ...args], { from: 'user' });
}

let dir: string;
let stderr: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nasfpn-draw-'));
  stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

describe('nasfpn draw: goldens', () => {
  for (const example of EXAMPLES) {
    for (const view of ['graph', 'cells', 'stack']) {
      it(`examples/${example}.fpn --view ${view} --all`, async () => {
        await draw(`examples/${example}.fpn`, '--view', view, '--all', '-o', dir);
        const files = readdirSync(dir).sort();
        expect(files.length).toBeGreaterThan(0);
        for (const file of files) {
          await expect(readFileSync(join(dir, file), 'utf8')).toMatchFileSnapshot(`__snapshots__/draw/${file}`);
        }
        // Exactly the drawings that have goldens: a drawing that --all stops making fails here too.
        const longer = EXAMPLES.filter((e) => e !== example && e.startsWith(`${example}-`));
        const goldens = readdirSync('test/cli/__snapshots__/draw')
          .filter((f) => f.startsWith(`${example}-`) && f.endsWith(`-${view}.svg`) && !longer.some((e) => f.startsWith(`${e}-`)));
        expect(files).toEqual(goldens.sort());
      });
    }
  }

  it('--compare fpn vs nasfpn (Figure 7(a) next to 7(f))', async () => {
    const out = join(dir, 'compare.svg');
    await draw('--compare', 'examples/fpn.fpn', 'examples/nasfpn.fpn', '-o', out);
    await expect(readFileSync(out, 'utf8')).toMatchFileSnapshot('__snapshots__/draw/fpn-vs-nasfpn-compare.svg');
  });

  it('weighted sums (test/fixtures/check/valid-wsum): squares in the graph view, w+ boxes in the cells view', async () => {
    for (const view of ['graph', 'cells']) {
      const out = join(dir, `${view}.svg`);
      await draw('test/fixtures/check/valid-wsum/input.fpn', '--view', view, '-o', out);
      const svg = readFileSync(out, 'utf8');
      expect(svg).toContain('data-op="wsum"');
      await expect(svg).toMatchFileSnapshot(`__snapshots__/wsum-${view}.svg`);
    }
  });

  it('--view stack --exit 3 greys what stopping after pyramid 3 of 7 skips (the paper\'s anytime detector)', async () => {
    const out = join(dir, 'exit.svg');
    await draw('examples/nasfpn.fpn#retinanet_nasfpn_r50_anytime', '--view', 'stack', '--exit', '3', '-o', out);
    const svg = readFileSync(out, 'utf8');
    const skipped = [...svg.matchAll(/data-node="([^"]+)"[^>]*data-skipped="true"/g)].map((m) => m[1]);
    expect(skipped).toEqual(['pyramid4-6', 'pyramid7', 'head', 'head1', 'head2', 'head4-6']);
    await expect(svg).toMatchFileSnapshot('__snapshots__/nasfpn-retinanet_nasfpn_r50_anytime-stack-exit3.svg');
  });

  it('--exit names the file beside the input, and is refused where there is no such exit or no stack', async () => {
    copyFileSync('examples/nasfpn.fpn', join(dir, 'nasfpn.fpn'));
    await draw(join(dir, 'nasfpn.fpn#retinanet_nasfpn_r50_anytime'), '--view', 'stack', '--exit', '2');
    expect(readdirSync(dir)).toContain('nasfpn-retinanet_nasfpn_r50_anytime-stack-exit2.svg');
    await expect(draw('examples/nasfpn.fpn#retinanet_nasfpn_r50', '--view', 'stack', '--exit', '3')).rejects.toThrow(/no anytime heads[^]*`anytime heads`/);
    await expect(draw('examples/nasfpn.fpn#retinanet_nasfpn_r50_anytime', '--view', 'stack', '--exit', '8')).rejects.toBeInstanceOf(UsageError);
    await expect(draw('examples/nasfpn.fpn', '--exit', '1')).rejects.toThrow(/--exit goes with --view stack/);
    await expect(draw('examples/nasfpn.fpn', '--view', 'stack', '--all', '--exit', '1', '-o', dir)).rejects.toBeInstanceOf(UsageError);
  });

  it('--theme dark', async () => {
    const out = join(dir, 'dark.svg');
    await draw('examples/nasfpn.fpn', '--theme', 'dark', '-o', out);
    await expect(readFileSync(out, 'utf8')).toMatchFileSnapshot('__snapshots__/draw/nasfpn-graph-dark.svg');
  });
});

describe('nasfpn draw: the command', () => {
  it('writes beside the input by default, one name per view', async () => {
    copyFileSync('examples/nasfpn.fpn', join(dir, 'nasfpn.fpn'));
    await draw(join(dir, 'nasfpn.fpn'));
    await draw(join(dir, 'nasfpn.fpn'), '--view', 'stack');
    await draw(join(dir, 'nasfpn.fpn'), '--view', 'cells', '--png');
    expect(readdirSync(dir).sort()).toEqual(['nasfpn-cells.png', 'nasfpn-graph.svg', 'nasfpn-stack.svg', 'nasfpn.fpn']);
    expect([...readFileSync(join(dir, 'nasfpn-cells.png')).subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
  });

  it('gives byte-identical output for the same input', async () => {
    await draw('examples/nasfpn.fpn', '-o', join(dir, 'a.svg'));
    await draw('examples/nasfpn.fpn', '-o', join(dir, 'b.svg'));
    expect(readFileSync(join(dir, 'a.svg'))).toEqual(readFileSync(join(dir, 'b.svg')));
  });

  it('prints the diagnostics of a bad file and writes nothing', async () => {
    const bad = join(dir, 'bad.fpn');
    writeFileSync(bad, 'pyramid bad {\n  inputs P3..P7\n  output o3 @P3 = sum(P3, P9)\n}\n');
    const error = await draw(bad, '-o', join(dir, 'out.svg')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).alreadyReported).toBe(true);
    expect(stderr).toMatch(/FPN\d+/);
    expect(readdirSync(dir)).toEqual(['bad.fpn']);
  });

  it('draws the pyramid of a named detector, and needs a detector for the stack view', async () => {
    await draw('examples/nasfpn-lite.fpn', '--name', 'nasfpn_lite_3x48', '--view', 'cells', '-o', join(dir, 'lite.svg'));
    expect(readFileSync(join(dir, 'lite.svg'), 'utf8')).toContain('sep. 3×3 48');
    const only = join(dir, 'only.fpn');
    writeFileSync(only, examplePyramids('fpn'));
    await expect(draw(only, '--view', 'stack')).rejects.toThrow(/no detector/);
    await expect(draw(only, '--name', 'nope')).rejects.toThrow(/no pyramid or detector named 'nope'/);
    await expect(draw('examples/nasfpn.fpn', '--view', 'stack', '--name', 'nasfpn')).rejects.toThrow(/'nasfpn' is a pyramid; the stack view draws a detector/);
  });

  it('rejects bad usage with UsageError (exit 2)', async () => {
    await expect(draw('examples/nasfpn.fpn', '--view', 'figure')).rejects.toBeInstanceOf(UsageError);
    await expect(draw('examples/nasfpn.fpn', '--theme', 'blue')).rejects.toBeInstanceOf(UsageError);
    await expect(draw('examples/nasfpn.fpn', '--png', '--scale', '0')).rejects.toBeInstanceOf(UsageError);
    await expect(draw('--compare', 'examples/nasfpn.fpn')).rejects.toBeInstanceOf(UsageError);
    await expect(draw('--compare', 'examples/fpn.fpn', 'examples/nasfpn.fpn', '--name', 'nasfpn')).rejects.toBeInstanceOf(UsageError);
    await expect(draw('examples/fpn.fpn', 'examples/nasfpn.fpn')).rejects.toBeInstanceOf(UsageError);
    await expect(draw('examples/nasfpn.fpn', '--all', '--name', 'nasfpn')).rejects.toBeInstanceOf(UsageError);
    await expect(draw('examples/nasfpn.fpn', '--png', '-o', join(dir, 'x.svg'))).rejects.toBeInstanceOf(UsageError);
    expect(readdirSync(dir)).toEqual([]);
  });
});
