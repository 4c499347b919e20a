// `nasfpn diff` end to end through the built bundle, as a user runs it: exit codes like diff(1) (0 equal,
// 1 different, 2 trouble), the text (goldens) and JSON output, FILE#NAME for pyramids and detectors, --draw as
// SVG and PNG, and two architectures a search exported. After a deliberate change of the output:
// npx vitest run test/cli/diff.test.ts -u (and review the goldens).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundle, expectNoStackTrace, nasfpn } from '../helpers/cli.js';

beforeAll(ensureBundle, 120_000);

const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-diff-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const write = (name: string, text: string): string => {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
};

const NASFPN = readFileSync('examples/nasfpn.fpn', 'utf8');
/** examples/nasfpn.fpn with its pyramid's cells renamed (and a sum's inputs swapped): the same architecture. */
const renamed = () => write('renamed.fpn', NASFPN.replace(/\bn(\d+)\b/g, 'layer$1').replace('sum(P4, layer5)', 'sum(layer5, P4)'));
/** examples/nasfpn.fpn with one edge moved: n8 reads n5 instead of n6. */
const oneEdge = () => write('one-edge.fpn', NASFPN.replace('output n8 @P4 = sum(n6, n7)', 'output n8 @P4 = sum(n5, n7)'));

describe('nasfpn diff: pyramids', () => {
  it('FPN against NAS-FPN (the files\' first pyramids): the kinds differ, exit 1', () => {
    const r = nasfpn('diff', 'examples/fpn.fpn', 'examples/nasfpn.fpn');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('kind: fpn → cells');
    expect(r.stdout).toContain('structurally different: 7 added');
  });

  it('Figure 7(a) → 7(f): fpn_cells against nasfpn, text golden', async () => {
    const r = nasfpn('diff', 'examples/fpn.fpn#fpn_cells', 'examples/nasfpn.fpn#nasfpn');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    await expect(r.stdout).toMatchFileSnapshot('__snapshots__/diff/fpn_cells-to-nasfpn.txt');
  });

  it('NAS-FPN against itself renamed: structurally equal, exit 0', () => {
    const r = nasfpn('diff', 'examples/nasfpn.fpn', renamed());
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('structurally equal: 7 renamed');
    expect(r.stdout).toContain('n5 → layer5');
    const json = JSON.parse(nasfpn('diff', 'examples/nasfpn.fpn', renamed(), '--json').stdout);
    expect(json.equal).toBe(true);
    expect(json.a.hash).toBe(json.b.hash);
    expect(json.summary).toEqual({ added: 0, removed: 0, changed: 0, renamed: 7, unchanged: 0 });
  });

  it('one edge moved: exit 1, one changed cell in the JSON, the cells after it computing something else', () => {
    const r = nasfpn('diff', 'examples/nasfpn.fpn', oneEdge(), '--json');
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ kind: 'pyramid', equal: false, summary: { changed: 1, unchanged: 6 }, added: [], removed: [] });
    const changed = json.matched.filter((m: { changed: string[] }) => m.changed.length);
    expect(changed).toEqual([expect.objectContaining({
      changed: ['inputs'], renamed: false, sameComputation: false,
      a: expect.objectContaining({ name: 'n8', inputs: ['n6', 'n7'], source: 'output n8 @P4 = sum(n6, n7)' }),
      b: expect.objectContaining({ name: 'n8', inputs: ['n5', 'n7'] }),
    })]);
    expect(json.matched.filter((m: { sameComputation: boolean }) => !m.sameComputation).map((m: { b: { name: string } }) => m.b.name))
      .toEqual(['n8', 'n9', 'n10', 'n11']);
  });

  it('two architectures a search exported (search export of the engine-ppo-16 run)', () => {
    const dir = join(scratch, 'exported');
    const exported = nasfpn('search', 'export', 'test/fixtures/tui/engine-ppo-16', '--top', '2', '-o', dir);
    expect(exported.code, exported.stderr).toBe(0);
    const r = nasfpn('diff', join(dir, 'top1.fpn'), join(dir, 'top2.fpn'), '--json');
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect([json.a.name, json.b.name]).toEqual(['top1', 'top2']);
    expect(json.a.hash).not.toBe(json.b.hash);
    // Every cell of each side is accounted for once.
    expect(json.matched.length + json.added.length).toBe(json.b.cells);
    expect(json.matched.length + json.removed.length).toBe(json.a.cells);
    // Each exported file names its pyramid and the proxy detector around it: the detectors compare too.
    const detectors = nasfpn('diff', `${join(dir, 'top1.fpn')}#top1_proxy_r10`, `${join(dir, 'top2.fpn')}#top2_proxy_r10`);
    expect(detectors.code).toBe(1);
    expect(detectors.stdout).toContain('0 settings differ; the pyramids are structurally different');
    expect(nasfpn('diff', join(dir, 'top1.fpn'), `${join(dir, 'top1.fpn')}#top1`).code).toBe(0);
  });

  it('a detector named on one side only: its pyramid against the other pyramid', () => {
    const r = nasfpn('diff', 'examples/nasfpn.fpn#proxy_r10', 'examples/nasfpn.fpn#nasfpn');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('pyramid nasfpn (7 cells');
  });
});

describe('nasfpn diff: detectors', () => {
  it('FPN R-50 against NAS-FPN R-50: settings, the pyramids, and the parts that differ, text golden', async () => {
    const r = nasfpn('diff', 'examples/fpn.fpn#retinanet_fpn_r50', 'examples/nasfpn.fpn#retinanet_nasfpn_r50');
    expect(r.code).toBe(1);
    await expect(r.stdout).toMatchFileSnapshot('__snapshots__/diff/retinanet_fpn_r50-to-retinanet_nasfpn_r50.txt');
  });

  it('--json: the settings and per-part counts; a stats run agrees on the totals', () => {
    const a = 'examples/nasfpn.fpn#retinanet_nasfpn_r50';
    const b = 'examples/nasfpn.fpn#retinanet_nasfpn_r50_5x256';
    const r = nasfpn('diff', a, b, '--json');
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json.kind).toBe('detector');
    expect(json.settings).toEqual([{ setting: 'repeats', a: 7, b: 5 }]);
    expect(json.parts.map((p: { part: string }) => p.part)).toEqual(['stack6', 'stack7']);
    const stats = JSON.parse(nasfpn('stats', a, b, '--json').stdout).detectors;
    expect([json.a.trainable, json.a.flops]).toEqual([stats[0].trainable, stats[0].flops]);
    expect([json.b.trainable, json.b.flops]).toEqual([stats[1].trainable, stats[1].flops]);
  });

  it('a detector against itself: equal, exit 0', () => {
    const r = nasfpn('diff', 'examples/nasfpn.fpn#proxy_r10', 'examples/nasfpn.fpn#proxy_r10');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('equal: 0 settings differ; the pyramids are structurally equal');
  });
});

describe('nasfpn diff --draw', () => {
  it('writes B\'s graph with A overlaid as SVG, and as PNG; the diff still goes to stdout', () => {
    const svg = join(scratch, 'overlay.svg');
    const r = nasfpn('diff', 'examples/nasfpn.fpn', oneEdge(), '--draw', svg);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('changed (1):');
    expect(r.stderr).toMatch(/^wrote .*overlay\.svg: nasfpn with nasfpn overlaid\n$/);
    const text = readFileSync(svg, 'utf8');
    expect(text).toContain('data-diff="changed"');
    expect(text).toContain('data-legend="removed"');
    const png = join(scratch, 'overlay.png');
    expect(nasfpn('diff', 'examples/fpn.fpn#fpn_cells', 'examples/nasfpn.fpn', '--draw', png, '--scale', '1').code).toBe(1);
    expect(readFileSync(png).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  });

  it('--json with --draw: stdout is JSON alone', () => {
    const r = nasfpn('diff', 'examples/nasfpn.fpn', renamed(), '--json', '--draw', join(scratch, 'equal.svg'));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).equal).toBe(true);
  });
});

describe('nasfpn diff: trouble exits 2, with a message and no file written', () => {
  it.each([
    ['a missing file', ['examples/nope.fpn', 'examples/nasfpn.fpn'], /cannot read examples\/nope\.fpn/],
    ['an unknown name', ['examples/nasfpn.fpn#nope', 'examples/nasfpn.fpn'], /has no pyramid or detector named 'nope'/],
    ['--draw to another format', ['examples/nasfpn.fpn', 'examples/fpn.fpn', '--draw', 'out.pdf'], /--draw writes an \.svg or a \.png file/],
    ['a bad --theme', ['examples/nasfpn.fpn', 'examples/fpn.fpn', '--theme', 'pink'], /--theme must be light, dark/],
    ['one file only', ['examples/nasfpn.fpn'], /missing required argument/],
  ])('%s', (_, args, message) => {
    const r = nasfpn('diff', ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expectNoStackTrace(r);
  });

  it('a file with errors: its diagnostics, exit 2 (not 1, which means "different"), nothing drawn', () => {
    const broken = write('broken.fpn', 'pyramid p {\n  inputs P3..P4\n  output a @P3 = sum(P3, nope)\n}\n');
    const out = join(scratch, 'never.svg');
    const r = nasfpn('diff', broken, 'examples/nasfpn.fpn', '--draw', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('FPN100');
    expect(existsSync(out)).toBe(false);
    expectNoStackTrace(r);
  });
});
