// The playground's model (src/playground/session.ts) without a browser: it checks through the language service
// exactly as `nasfpn check` does (every single-file checker fixture gives its expected codes and ranges, with
// the checker's messages and hints), the examples import each other as they do on disk, and its views are the
// CLI's drawings, counts, hashes and diffs of the same declarations.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { COUNT_COLUMNS, countRows, countTitle } from '../../src/codegen/count-table.js';
import { countModel } from '../../src/codegen/count.js';
import { lowerDetector } from '../../src/codegen/lower.js';
import { diffPyramids } from '../../src/diff/pyramid.js';
import { formatPyramidDiff } from '../../src/diff/print.js';
import { pyramidHash } from '../../src/semantics/hash.js';
import { checkText } from '../../src/semantics/program.js';
import { PlaygroundSession } from '../../src/playground/session.js';
import { renderGraph } from '../../src/viz/graph.js';
import { renderGraphDiff } from '../../src/viz/graph-diff.js';
import { renderStack } from '../../src/viz/stack.js';

const examples = Object.fromEntries(readdirSync('examples').filter((f) => f.endsWith('.fpn')).map((f) => [f, readFileSync(join('examples', f), 'utf8')]));
const NASFPN = examples['nasfpn.fpn'];
const ONE_EDGE = ['cell n6 @P4 = sum(P4, n5)', 'cell n6 @P4 = sum(P3, n5)'] as const;

const session = (text: string) => {
  const s = new PlaygroundSession(examples);
  s.setText(text);
  return s;
};

describe('checking', () => {
  const ROOT = resolve('test/fixtures/check');
  // Cases that import nothing: the others name their files (a self-import names input.fpn, the document is design.fpn).
  const singleFile = readdirSync(ROOT)
    .filter((name) => readdirSync(join(ROOT, name)).every((f) => f === 'input.fpn' || f === 'expected.json'))
    .filter((name) => !/^import\b/m.test(readFileSync(join(ROOT, name, 'input.fpn'), 'utf8')))
    .sort();

  test('there are single-file checker fixtures', () => expect(singleFile.length).toBeGreaterThan(40));

  test.each(singleFile)('%s: the codes and ranges of `nasfpn check`, and the checker\'s messages and hints', (name) => {
    const text = readFileSync(join(ROOT, name, 'input.fpn'), 'utf8');
    const expected = JSON.parse(readFileSync(join(ROOT, name, 'expected.json'), 'utf8')) as { code: string; line: number; column: number; endLine: number; endColumn: number }[];
    const shown = session(text).diagnostics();
    expect(shown.map((d) => ({ code: d.code, line: d.range.start.line + 1, column: d.range.start.character + 1, endLine: d.range.end.line + 1, endColumn: d.range.end.character + 1 })))
      .toEqual(expected.map(({ code, line, column, endLine, endColumn }) => ({ code, line, column, endLine, endColumn })));
    const checked = checkText(text, '/playground/design.fpn').diagnostics;
    expect(shown.map((d) => [d.message, (d.data as { hint: string | null }).hint])).toEqual(checked.map((d) => [d.message, d.hint ?? null]));
  });

  test('every example checks, imports of other examples included', () => {
    for (const [name, text] of Object.entries(examples)) {
      expect(session(text).diagnostics().filter((d) => d.severity === 1), name).toEqual([]);
    }
    expect(existsSync('examples/proxy.fpn') && examples['proxy.fpn']).toContain('from "nasfpn.fpn"');
  });
});

describe('views: the CLI\'s own drawings, counts and hashes', () => {
  const s = session(NASFPN);
  const subjects = s.subjects();

  test('the pyramids, then the detectors, that checked', () => {
    expect(subjects.map((x) => `${x.kind} ${x.name}`).slice(0, 3)).toEqual(['pyramid nasfpn', 'detector retinanet_nasfpn_r50', 'detector retinanet_nasfpn_r50_1024']);
    expect(subjects.filter((x) => x.kind === 'detector').every((x) => x.detector?.pyramid.name === 'nasfpn')).toBe(true);
  });

  test('a declaration with errors drops out; the others stay drawable', () => {
    const broken = session(NASFPN.replace('backbone resnet50\n  pyramid nasfpn x 7 @ 256\n  input 1024', 'backbone resnet51\n  pyramid nasfpn x 7 @ 256\n  input 1024'));
    expect(broken.diagnostics().some((d) => d.severity === 1)).toBe(true);
    const names = broken.subjects().map((x) => x.name);
    expect(names).toContain('nasfpn');
    expect(names).not.toContain('retinanet_nasfpn_r50_1024');
  });

  test('graph, stack and hash are those of the CLI', async () => {
    const [pyramid, detector] = subjects;
    expect(await s.graph(pyramid, 'light')).toBe(renderGraph(pyramid.pyramid, { theme: 'light' }));
    expect(s.stack(detector, 'dark')).toBe(renderStack(detector.detector!, { theme: 'dark' }));
    expect(s.stack(pyramid, 'light')).toBeNull();
    expect(s.hash(pyramid)).toBe(pyramidHash(pyramid.pyramid));
  });

  test('the cells view draws merging cells only', async () => {
    const fpn = session(examples['fpn.fpn']);
    expect(await fpn.cells(fpn.subjects()[0], 'light')).toBeNull();
    expect(await s.cells(subjects[0], 'light')).toMatch(/^<svg[^]*n11[^]*<\/svg>\n$/);
  }, 60_000);

  test('stats: the table of `nasfpn stats` for every detector', () => {
    const { tables, convention } = s.stats();
    const detectors = subjects.filter((x) => x.detector);
    expect(tables).toHaveLength(detectors.length);
    const counts = countModel(lowerDetector(detectors[0].detector!));
    expect(tables[0]).toEqual({ title: countTitle(counts), columns: COUNT_COLUMNS, rows: countRows(counts) });
    // Table 1's main model, counted by hand in docs/table1.md.
    expect(tables[0].title).toBe('retinanet_nasfpn_r50, input 640×640: 60.08 M trainable parameters, 280.52 GFLOPs');
    expect(tables[0].rows.at(-1)![0]).toBe('total');
    expect(convention).toMatch(/^FLOPs = 2 × multiply-adds/);
  });
});

describe('the diff against the previous version', () => {
  test('nothing before a change; then `nasfpn diff` of the last two different versions, text and drawing', () => {
    const s = session(NASFPN);
    const nasfpn = () => s.subjects()[0];
    expect(s.diff(nasfpn(), 'light')).toBeNull();
    const before = nasfpn().pyramid;

    // Typing through a broken state: versions with errors are not versions.
    s.setText(NASFPN.replace(ONE_EDGE[0], 'cell n6 @P4 = sum(P, n5)'));
    expect(s.subjects().find((x) => x.name === 'nasfpn')).toBeUndefined();
    s.setText(NASFPN.replace(...ONE_EDGE));
    const after = nasfpn().pyramid;
    const diff = s.diff(nasfpn(), 'light')!;
    const expected = diffPyramids(before, after);
    expect(diff.equal).toBe(false);
    expect(diff.text).toBe(formatPyramidDiff(expected, { a: 'nasfpn (version 1)', b: 'nasfpn (now)' }));
    expect(diff.text).toContain('+ cell n6 @P4 = sum(P3, n5)');
    expect(diff.svg).toBe(renderGraphDiff(before, after, expected, { theme: 'light' }));

    // A change that computes the same (a comment, a renamed cell) keeps the baseline.
    s.setText(NASFPN.replace(...ONE_EDGE).replace('# Intermediate cells', '# The intermediate cells').replace(/\bn5\b/g, 'gate'));
    expect(s.diff(nasfpn(), 'light')!.text).toContain('- cell n6 @P4 = sum(P4, n5)');
  });

  test('the previous version follows the edits, unless it is kept', () => {
    const s = session(NASFPN);
    const nasfpn = () => s.subjects()[0];
    s.setText(NASFPN.replace(...ONE_EDGE));
    s.pin(nasfpn(), true);
    expect(s.isPinned(nasfpn())).toBe(true);
    s.setText(NASFPN.replace(...ONE_EDGE).replace('global_pool(n9, n10)', 'sum(n9, n10)'));
    const kept = s.diff(nasfpn(), 'light')!.text;
    expect(kept).toContain('--- nasfpn (version 1)');
    expect(kept).toContain('- cell n6 @P4 = sum(P4, n5)');
    s.pin(nasfpn(), false);
    s.setText(NASFPN);
    const followed = s.diff(nasfpn(), 'light')!.text;
    expect(followed).toContain('--- nasfpn (version 3)');
  });

  test('a detector compares as a detector: its settings and counts too', () => {
    const s = session(NASFPN);
    const r50 = () => s.subjects().find((x) => x.name === 'retinanet_nasfpn_r50')!;
    s.setText(NASFPN.replace('  input 640\n  head retinanet', '  input 512\n  head retinanet'));
    const text = s.diff(r50(), 'light')!.text;
    expect(text).toContain("input: 640 → 512");
    expect(s.diff(r50(), 'light')!.equal).toBe(false);
  });
});
