// docs/language.md and docs/diagnostics.md stay true: every code of the catalogue is documented, every
// example in docs/diagnostics.md still produces its code at the position the page shows, and every complete
// file in docs/language.md checks without errors.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { exportTfSpec } from '../../src/interop/tfspec.js';
import { CODES } from '../../src/diagnostics/codes.js';
import { checkFile, checkText } from '../../src/semantics/program.js';
import { fileHost as fsHost } from '../../src/semantics/file-host.js';


const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-docs-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The fenced blocks of a markdown text, with the line before each (a "`file.fpn`:" label, if any). */
function blocks(markdown: string): { lang: string; body: string; label: string | null }[] {
  const out: { lang: string; body: string; label: string | null }[] = [];
  const re = /(?:`([\w.-]+)`:\n\n)?( *)```(\w*)\n([\s\S]*?)\n\2```/g;
  for (const m of markdown.matchAll(re)) {
    const indent = m[2];
    const body = m[4].split('\n').map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l)).join('\n');
    out.push({ lang: m[3], body, label: m[1] ?? null });
  }
  return out;
}

describe('docs/diagnostics.md', () => {
  const page = readFileSync('docs/diagnostics.md', 'utf8');
  const sections = new Map<string, string>();
  for (const part of page.split(/^### /m).slice(1)) sections.set(part.slice(0, 6), part);

  test('documents every code of src/diagnostics/codes.ts, with its name', () => {
    for (const [code, name] of Object.entries(CODES)) {
      expect(page, code).toContain(`### ${code} ${name}\n`);
    }
    expect([...sections.keys()].sort()).toEqual(Object.keys(CODES).sort());
  });

  const checkerCodes = Object.keys(CODES).filter((c) => !c.startsWith('FPN4'));
  test.each(checkerCodes)('the example of %s still reports it where the page says', (code) => {
    const section = sections.get(code)!;
    const dir = mkdtempSync(join(scratch, `${code}-`));
    const fpn = blocks(section).filter((b) => b.lang === 'fpn');
    expect(fpn.length).toBeGreaterThan(0);
    for (const [i, b] of fpn.entries()) writeFileSync(join(dir, b.label ?? (i === 0 ? 'example.fpn' : `extra${i}.fpn`)), `${b.body}\n`);
    const result = checkFile(join(dir, 'example.fpn'), fsHost);
    const shown = blocks(section).find((b) => b.lang === 'text')!.body;
    // Every "file:line:col: severity CODE name:" header on the page is a diagnostic the checker reports.
    const headers = [...shown.matchAll(/^([\w.-]+):(\d+):(\d+): (error|warning|info) (FPN\d+) ([\w-]+):/gm)];
    expect(headers.length).toBeGreaterThan(0);
    const actual = result.diagnostics.map((d) => `${d.range.file.split('/').pop()}:${d.range.start.line}:${d.range.start.column}: ${d.severity} ${d.code} ${CODES[d.code as keyof typeof CODES]}:`);
    for (const h of headers) {
      expect(h[5]).toBe(code);
      expect(actual).toContain(h[0]);
    }
    const severity = result.diagnostics.find((d) => d.code === code)!.severity;
    expect(section).toContain(`**Severity:** ${severity}.`);
  });
});

describe('docs/language.md', () => {
  const page = readFileSync('docs/language.md', 'utf8');
  const files = blocks(page).filter((b) => b.lang === 'fpn');

  test('has complete example files', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
  });

  test.each(files.map((b, i) => [i, b.body.split('\n').find((l) => /^(pyramid|detector|search|train) /.test(l.trim())) ?? '', b.body] as const))(
    'example %i (%s) checks without errors or warnings',
    (_, __, body) => {
      const result = checkText(`${body}\n`, join(scratch, 'language-example.fpn'));
      expect(result.diagnostics.filter((d) => d.severity !== 'info').map((d) => `${d.code} ${d.range.start.line}:${d.range.start.column} ${d.message}`)).toEqual([]);
    },
  );

  test('the exported spec it shows is what export prints', () => {
    const spec = blocks(page).find((b) => b.body.startsWith('$ nasfpn export examples/nasfpn.fpn --to tf-spec'))!;
    const p = checkText(readFileSync('examples/nasfpn.fpn', 'utf8'), 'examples/nasfpn.fpn').program!.pyramids[0];
    const out = exportTfSpec(p);
    expect('text' in out && out.text).toBe(spec.body.split('\n').slice(1).join('\n') + '\n');
  });

  test('every setting of the checker is in the tables, and every default it states is the checker\'s', () => {
    for (const key of ['backbone', 'pyramid', 'levels', 'conv', 'dropblock', 'anytime', 'input', 'head', 'batchnorm']) expect(page).toMatch(new RegExp(`^\\| \`${key}[ \`]`, 'm'));
    for (const key of ['inputs', 'cells', 'outputs', 'ops', 'pool', 'allow stride8', 'proxy']) expect(page).toMatch(new RegExp(`^\\| \`${key}[ \`]`, 'm'));
    // The defaults in the tables, against a detector that sets nothing optional.
    const text = 'pyramid p {\n  inputs P3..P4\n  output a @P4 = sum(P3, P4)\n  output b @P3 = sum(a, P3)\n}\ndetector d {\n  backbone resnet50\n  pyramid p x 1 @ 64\n  dropblock\n}\nsearch s {\n  inputs P3..P7\n  cells 7\n}\n';
    const program = checkText(text, join(scratch, 'defaults.fpn')).program!;
    const d = program.detectors[0];
    expect([d.conv, d.inputSize, d.anytimeHeads, d.minLevel, d.maxLevel]).toEqual(['standard', 640, false, 3, 4]);
    expect(d.dropblock).toEqual({ size: 3, keepProb: 0.9 });
    expect(d.head).toEqual({ kind: 'retinanet', convs: 4, width: 64, classes: 91, anchors: { scales: 3, ratios: [1, 2, 0.5], size: 4 }, prior: 0.01, focal: { alpha: 0.25, gamma: 1.5 } });
    expect(d.batchNorm).toEqual({ momentum: 0.997, epsilon: 0.0001 });
    const s = program.searchSpaces[0];
    expect([s.outputLevels, s.ops, s.pool, s.allowStride8Intermediates, s.proxy]).toEqual([[3, 4, 5, 6, 7], ['sum', 'global_pool'], 'max', false, null]);
    for (const key of ['detector', 'data', 'epochs', 'steps', 'batch', 'lr', 'warmup', 'decay', 'momentum', 'weight_decay', 'jitter', 'flip', 'clip', 'checkpoint', 'eval', 'log', 'seed']) {
      expect(page).toMatch(new RegExp(`^\\| \`${key}[ \`]`, 'm'));
    }
    // A recipe that sets only what is required gets the paper's schedule (reference.md §8, §9.1, §9.2).
    const recipe = checkText(`${text}train t {\n  detector d\n  data "x"\n  epochs 1\n  batch 8\n}\n`, join(scratch, 'recipe.fpn')).program!.trains[0];
    expect({ ...recipe, detector: undefined, data: undefined }).toEqual({
      name: 't', detector: undefined, data: undefined, length: { unit: 'epochs', count: 1 }, batch: 8,
      learningRate: { base: 0.08, perBatch: 64, peak: 0.01 }, warmup: { steps: 500, from: 0.0067 / 8 }, decay: { kind: 'none' },
      momentum: 0.9, weightDecay: 0.0001, jitter: { min: 0.8, max: 1.2 }, flip: 0.5, clipNorm: null,
      checkpoint: { every: 1000, keep: 3 }, eval: { every: null, images: null }, logEvery: 20, seed: 0,
    });
    expect(page).toContain('| `input N` | the square input size in pixels, a whole number that is a multiple of 2^max_level (128 for P3..P7, FPN217) | 640 |');
  });
});
