// Fixture tests for the checker, in the style of typescript-eslint's rule tests: every folder under
// test/fixtures/check/ is one case. Its `input.fpn` is checked from disk (so `import "other.fpn"` resolves
// against the other files of the folder) and every diagnostic is compared with `expected.json`:
//
//   [{ "code": "FPN100", "severity": "error", "line": 4, "column": 22, "endLine": 4, "endColumn": 24 }, ...]
//
// Codes and ranges are asserted, never message wording. A diagnostic in another file of the folder also has
// `"file": "other.fpn"` (relative to the case folder). An empty array means the case is valid.
//
// To (re)generate the expected files after adding or changing a case, run
//
//   UPDATE_FIXTURES=1 npx vitest run test/semantics/check-fixtures.test.ts
//
// and then READ the diff (and the messages it prints) before committing: the updater freezes whatever the
// checker says today, right or wrong.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CODES } from '../../src/diagnostics/codes.js';
import type { Diagnostic } from '../../src/diagnostics/diagnostics.js';
import { checkFile } from '../../src/semantics/program.js';
import { fileHost as fsHost } from '../../src/semantics/file-host.js';

const ROOT = resolve('test/fixtures/check');
const UPDATE = process.env.UPDATE_FIXTURES === '1';


interface Expected {
  code: string;
  severity: Diagnostic['severity'];
  file?: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

function toExpected(d: Diagnostic, input: string): Expected {
  const e: Expected = { code: d.code, severity: d.severity } as Expected;
  if (d.range.file !== input) e.file = relative(dirname(input), d.range.file);
  return { ...e, line: d.range.start.line, column: d.range.start.column, endLine: d.range.end.line, endColumn: d.range.end.column };
}

const cases = readdirSync(ROOT, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

describe('checker fixtures (test/fixtures/check/<case>)', () => {
  test('there are cases', () => {
    expect(cases.length).toBeGreaterThan(40);
  });

  test.each(cases)('%s', (name) => {
    const dir = join(ROOT, name);
    const input = join(dir, 'input.fpn');
    const result = checkFile(input, fsHost);
    const actual = result.diagnostics.map((d) => toExpected(d, input));
    const expectedPath = join(dir, 'expected.json');

    if (UPDATE) {
      writeFileSync(expectedPath, JSON.stringify(actual, null, 2) + '\n');
      for (const d of result.diagnostics) {
        const e = toExpected(d, input);
        console.log(`[${name}] ${e.file ?? 'input.fpn'}:${e.line}:${e.column}-${e.endLine}:${e.endColumn} ${d.severity} ${d.code}: ${d.message} | hint: ${d.hint}`);
      }
    }
    expect(existsSync(expectedPath), `${expectedPath} is missing: run with UPDATE_FIXTURES=1`).toBe(true);
    const expected = JSON.parse(readFileSync(expectedPath, 'utf8')) as Expected[];
    expect(actual).toEqual(expected);

    for (const d of result.diagnostics) {
      // Every code is in the catalogue; every error says how to fix it.
      expect(Object.keys(CODES)).toContain(d.code);
      if (d.severity === 'error') expect(d.hint?.trim(), `${d.code} at ${d.range.start.line}:${d.range.start.column} has no hint`).toBeTruthy();
      expect(d.message.trim()).not.toBe('');
    }
    // A file with errors yields no program; a file without errors yields one.
    expect(result.program === null).toBe(result.diagnostics.some((d) => d.severity === 'error'));
  });

  test('every code the checker can produce has a fixture', () => {
    const seen = new Set<string>();
    for (const name of cases) {
      const expected = JSON.parse(readFileSync(join(ROOT, name, 'expected.json'), 'utf8')) as Expected[];
      for (const e of expected) seen.add(e.code);
    }
    // FPN400/FPN401 belong to the TF spec interchange (test/interop/tfspec.test.ts), not to .fpn files.
    const checkerCodes = Object.keys(CODES).filter((c) => !c.startsWith('FPN4'));
    expect(checkerCodes.filter((c) => !seen.has(c))).toEqual([]);
  });
});
