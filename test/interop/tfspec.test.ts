// The TF block-spec interchange (src/interop/tfspec.ts): export of the paper's pyramid equals the
// reference's NASFPN_BLOCK_SPECS (reference.md §1.1), import → export round-trips byte for byte, and bad
// specs get diagnostics at the JSON element they come from.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { cellPyramid, fpnReference, NASFPN_BLOCK_SPECS } from '../helpers/ir.js';
import { exportTfSpec, importTfSpec } from '../../src/interop/tfspec.js';
import type { Diagnostic } from '../../src/diagnostics/diagnostics.js';
import type { PyramidIR } from '../../src/semantics/ir.js';
import { checkText } from '../../src/semantics/program.js';

function pyramidOf(path: string, name?: string): PyramidIR {
  const result = checkText(readFileSync(path, 'utf8'), resolve(path));
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const pyramids = result.program!.pyramids;
  return cellPyramid(name ? pyramids.find((p) => p.name === name) : pyramids[0]);
}

function exported(p: PyramidIR): string {
  const out = exportTfSpec(p);
  if (!('text' in out)) throw new Error(`cannot export ${p.name}: ${out.problems.map((x) => x.message).join('; ')}`);
  return out.text;
}

/** reference.md §1.1, row by row: (output level, combine fn, (offset0, offset1), is_output). */
const REFERENCE_BLOCK_SPECS = NASFPN_BLOCK_SPECS;

const at = (d: Diagnostic) => ({ code: d.code, line: d.range.start.line, column: d.range.start.column, endLine: d.range.end.line, endColumn: d.range.end.column });
const errors = (text: string, name = 'spec') => importTfSpec(text, '/specs/spec.json', name).diagnostics.filter((d) => d.severity === 'error');

describe('export', () => {
  test('examples/nasfpn.fpn exports as the reference NASFPN_BLOCK_SPECS', () => {
    const text = exported(pyramidOf('examples/nasfpn.fpn'));
    expect(JSON.parse(text)).toEqual({ min_level: 3, max_level: 7, block_specs: REFERENCE_BLOCK_SPECS });
    // The canonical text: one block per line.
    expect(text).toBe(
      '{\n  "min_level": 3,\n  "max_level": 7,\n  "block_specs": [\n' +
        '    [4, "attention", [1, 3], false],\n    [4, "sum", [1, 5], false],\n    [3, "sum", [0, 6], true],\n' +
        '    [4, "sum", [6, 7], true],\n    [5, "attention", [7, 8], true],\n    [7, "attention", [6, 9], true],\n' +
        '    [6, "attention", [9, 10], true]\n  ]\n}\n',
    );
  });

  test('FPN (Figure 7(a)) and the Lite pyramid export too, with their own level ranges', () => {
    expect(JSON.parse(exported(pyramidOf('examples/fpn.fpn', 'fpn_cells'))).block_specs).toEqual([
      [7, 'sum', [4, 3], true], [6, 'sum', [3, 5], true], [5, 'sum', [2, 6], true], [4, 'sum', [1, 7], true], [3, 'sum', [0, 8], true],
    ]);
    const lite = JSON.parse(exported(pyramidOf('examples/nasfpn-lite.fpn')));
    expect([lite.min_level, lite.max_level, lite.block_specs.length]).toEqual([3, 6, 15]);
  });

  test('pool=avg and a non-reference pooled input cannot be exported', () => {
    const text = 'pyramid p {\n  inputs P3..P4\n  output a @P4 = global_pool(P3, P4, pool=avg)\n  output b @P3 = global_pool(a, P3, pooled=P3)\n}\n';
    const p = checkText(text, '/x/p.fpn').program!.pyramids[0];
    const out = exportTfSpec(p);
    expect('problems' in out && out.problems.map((x) => x.cell)).toEqual([0, 1]);
    // The default flavour (max, coarser pooled) exports whatever order the inputs are written in.
    const ok = cellPyramid(checkText(text.replace(', pool=avg', '').replace(', pooled=P3', ''), '/x/p.fpn').program!.pyramids[0]);
    expect(JSON.parse(exported(ok)).block_specs).toEqual([[4, 'attention', [0, 1], true], [3, 'attention', [2, 0], true]]);
  });

  test('a kind fpn pyramid cannot be exported: FPN401 on the whole pyramid', () => {
    const out = exportTfSpec(fpnReference());
    expect('problems' in out && out.problems.map((x) => [x.cell, x.code])).toEqual([[null, 'FPN401']]);
  });

  test('a weighted sum cannot be exported: FPN402 (test/fixtures/export/fpn402-op-not-in-spec)', () => {
    const dir = 'test/fixtures/export/fpn402-op-not-in-spec';
    const p = pyramidOf(`${dir}/input.fpn`);
    const out = exportTfSpec(p);
    const expected = JSON.parse(readFileSync(`${dir}/expected.json`, 'utf8')) as { code: string; message: string }[];
    expect('problems' in out && out.problems.map((x) => ({ code: x.code, message: x.message }))).toEqual(expected.map(({ code, message }) => ({ code, message })));
  });
});

describe('import', () => {
  test.each([['examples/nasfpn.fpn', 'nasfpn'], ['examples/fpn.fpn', 'fpn_cells'], ['examples/nasfpn-lite.fpn', 'lite15']])('%s#%s: export → import → export is byte-exact', (file, name) => {
    const original = pyramidOf(file, name);
    const text = exported(original);
    const imported = importTfSpec(text, '/specs/a.json', original.name);
    expect(imported.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(exported(imported.pyramid!)).toBe(text);
  });

  test('the imported NAS-FPN has the reference dangling sums (P5 into the P5 output, P7 into the P7 output)', () => {
    const imported = importTfSpec(exported(pyramidOf('examples/nasfpn.fpn')), '/specs/a.json', 'nasfpn');
    const p = imported.pyramid!;
    expect(p.cells.map((c) => c.danglingSums)).toEqual([[], [], [], [], [2], [4], []]);
    expect(imported.diagnostics.map((d) => [d.code, d.severity])).toEqual([['FPN140', 'info'], ['FPN140', 'info']]);
  });

  test('a bare list of blocks is read as levels 3..7', () => {
    const imported = importTfSpec(JSON.stringify(REFERENCE_BLOCK_SPECS), '/specs/a.json', 'nasfpn');
    expect(imported.pyramid?.minLevel).toBe(3);
    expect(exported(imported.pyramid!)).toBe(exported(pyramidOf('examples/nasfpn.fpn')));
  });
});

describe('bad specs get diagnostics with JSON line and column', () => {
  test('invalid JSON (FPN400 at the offending character)', () => {
    expect(errors('{"block_specs": [\n  [4, "sum", [1, 3], false],\n]}').map(at)).toEqual([
      { code: 'FPN400', line: 3, column: 1, endLine: 3, endColumn: 2 },
    ]);
    expect(errors('').map((d) => d.code)).toEqual(['FPN400']);
    expect(errors('{"block_specs": [').map((d) => d.code)).toEqual(['FPN400']);
  });

  test('wrong shape (FPN400 at the element)', () => {
    expect(errors('{"block_specs": [[4, "sum", [1, 3]]]}').map(at)).toEqual([{ code: 'FPN400', line: 1, column: 18, endLine: 1, endColumn: 36 }]);
    expect(errors('{"block_specs": [[4.5, "sum", [1, 3], false]]}').map(at)).toEqual([{ code: 'FPN400', line: 1, column: 19, endLine: 1, endColumn: 22 }]);
    expect(errors('{"block_specs": [[4, 1, [1, 3], false]]}').map(at)[0].column).toBe(22);
    expect(errors('{"block_specs": [[4, "sum", [1, -3], false]]}').map(at)[0].column).toBe(29);
    expect(errors('{"block_specs": [[4, "sum", [1, 3], "no"]]}').map(at)[0].column).toBe(37);
    expect(errors('{"block_specs": {}}').map(at)[0]).toMatchObject({ code: 'FPN400', column: 17 });
    expect(errors('{"min_level": 0, "block_specs": []}').map(at)[0]).toMatchObject({ code: 'FPN400', column: 15 });
    expect(errors('{"min_level": 7, "max_level": 3, "block_specs": []}').map((d) => d.code)).toEqual(['FPN400']);
    expect(errors('{"blocks": []}').map((d) => d.code)).toEqual(['FPN400']);
    expect(errors('{"min_level": 3}').map((d) => d.code)).toEqual(['FPN400']);
  });

  test('an offset to a later block (FPN101, at the offset)', () => {
    const text = '{\n  "block_specs": [\n    [4, "attention", [1, 3], false],\n    [4, "sum", [1, 7], false],\n    [3, "sum", [0, 6], true]\n  ]\n}\n';
    const ds = errors(text);
    expect(ds.map(at)).toContainEqual({ code: 'FPN101', line: 4, column: 20, endLine: 4, endColumn: 21 });
    const d = ds.find((x) => x.code === 'FPN101')!;
    // Messages speak of JSON blocks and node offsets, and of the JSON's lines.
    expect(d.message).toMatch(/^block 1: 'node 7' is defined after cell 'node 6' \(line 5\)/);
  });

  test('a duplicate output level (FPN131, at the level)', () => {
    const text = '[\n  [4, "sum", [1, 3], false],\n  [3, "sum", [0, 5], true],\n  [3, "sum", [5, 6], true],\n  [5, "sum", [2, 7], true],\n  [6, "sum", [3, 8], true],\n  [7, "sum", [4, 9], true]\n]\n';
    const ds = errors(text);
    expect(ds.map(at)).toContainEqual({ code: 'FPN131', line: 4, column: 4, endLine: 4, endColumn: 5 });
    expect(ds.find((x) => x.code === 'FPN131')!.message).toContain("('node 6', line 3)");
    expect(ds.map((x) => x.code)).toContain('FPN130'); // and P4 has no output
  });

  test('an intermediate block at stride 8 (FPN122, at the level)', () => {
    const text = '{"block_specs": [\n  [3, "sum", [0, 1], false],\n  [3, "sum", [0, 5], true], [4, "sum", [1, 6], true], [5, "sum", [2, 7], true], [6, "sum", [3, 8], true], [7, "sum", [4, 9], true]]}\n';
    expect(errors(text).map(at)).toEqual([{ code: 'FPN122', line: 2, column: 4, endLine: 2, endColumn: 5 }]);
  });

  test('an unknown combine function (FPN110, at the string) and a self-reference (FPN101)', () => {
    expect(errors('[[4, "mul", [1, 3], false]]').map(at)).toContainEqual({ code: 'FPN110', line: 1, column: 6, endLine: 1, endColumn: 11 });
    expect(errors('[[4, "sum", [1, 5], false]]').map((d) => d.code)).toContain('FPN101');
  });
});
