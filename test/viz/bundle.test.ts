// The draw command as users run it: the esbuild bundle (built here into a private folder, with the
// options of scripts/build.mjs, scripts/bundle-options.mjs), so lazy imports and the font lookup are tested
// from bundled code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateBundle } from '../helpers/cli.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bundle = privateBundle('draw');
let outDir: string;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'nasfpn-draw-bundle-'));
  await bundle.build();
});
afterAll(() => {
  bundle.remove();
  rmSync(outDir, { recursive: true, force: true });
});

const nasfpn = bundle.run;

describe('nasfpn draw from the bundle', () => {
  it('writes a PNG with text (fonts found from the bundle)', () => {
    const out = join(outDir, 'nasfpn.png');
    const run = nasfpn('draw', 'examples/nasfpn.fpn', '--png', '--scale', '1', '-o', out);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('wrote');
    expect(readFileSync(out).subarray(1, 4).toString()).toBe('PNG');
  });

  it('draws all three views', () => {
    for (const view of ['graph', 'cells', 'stack']) {
      const run = nasfpn('draw', 'examples/nasfpn.fpn', '--view', view, '-o', '-');
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^<svg [^>]*>\n<title id="title">/);
    }
  });

  it('exits 1 with the diagnostics for a bad file, 2 for bad usage, and never prints a stack trace', () => {
    const bad = join(outDir, 'bad.fpn');
    writeFileSync(bad, 'pyramid bad {\n  inputs P3..P7\n  output o3 @P3 = sum(P3, nope)\n}\n');
    const failed = nasfpn('draw', bad, '-o', join(outDir, 'bad.svg'));
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/FPN\d+/);
    expect(failed.stderr).not.toMatch(/\n\s+at /);
    const usage = nasfpn('draw', 'examples/nasfpn.fpn', '--view', 'sideways');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--view must be');
  });
});
