// The formatter: golden fixtures (test/fixtures/fmt/<case>/{input,expected}.fpn), idempotence and comment
// preservation on every example and fixture, and formatting never changes what a file means.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { formatFile } from '../../src/format/format.js';
import { printPyramid } from '../../src/format/print.js';
import { cellPyramid } from '../helpers/ir.js';
import { parseFpn } from '../../src/parser/parse.js';
import { checkText } from '../../src/semantics/program.js';
import { fileHost as fsHost } from '../../src/semantics/file-host.js';


const FMT = resolve('test/fixtures/fmt');
const fmtCases = readdirSync(FMT, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();

/** Every .fpn file of the examples and the fixtures. */
function allFpnFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.fpn')) out.push(p);
    }
  };
  walk('examples');
  walk('test/fixtures');
  return out.sort();
}

const format = (text: string, file = 'test.fpn'): string => {
  const { ast, diagnostics } = parseFpn(text, file);
  expect(diagnostics.filter((d) => d.code === 'FPN001' || d.code === 'FPN002')).toEqual([]);
  return formatFile(ast);
};

const comments = (text: string): string[] => parseFpn(text, 'c.fpn').ast.comments.map((c) => c.text.trimEnd());
const hasSyntaxErrors = (text: string): boolean => parseFpn(text, 'x.fpn').diagnostics.length > 0;

describe('formatter golden files (test/fixtures/fmt/<case>)', () => {
  test.each(fmtCases)('%s', (name) => {
    const input = readFileSync(join(FMT, name, 'input.fpn'), 'utf8');
    const expected = readFileSync(join(FMT, name, 'expected.fpn'), 'utf8');
    expect(format(input)).toBe(expected);
    expect(format(expected)).toBe(expected);
  });
});

describe('the examples are formatted', () => {
  test.each(readdirSync('examples').filter((f) => f.endsWith('.fpn')))('%s', (file) => {
    const text = readFileSync(join('examples', file), 'utf8');
    expect(format(text)).toBe(text);
  });
});

describe('idempotence and comments on every example and fixture', () => {
  const files = allFpnFiles().filter((f) => !hasSyntaxErrors(readFileSync(f, 'utf8')));

  test('there are files', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  test.each(files)('%s', (file) => {
    const text = readFileSync(file, 'utf8');
    const once = format(text, file);
    expect(format(once, file)).toBe(once);
    // Every comment survives, with its text, in order.
    expect(comments(once)).toEqual(comments(text));
    expect(once.split('\n').filter((l) => l.includes('#')).length).toBe(comments(text).length);
  });
});

describe('formatting does not change meaning', () => {
  const files = allFpnFiles().filter((f) => !f.includes('/fmt/') && !hasSyntaxErrors(readFileSync(f, 'utf8')));

  test.each(files)('%s', (file) => {
    const path = resolve(file);
    const text = readFileSync(path, 'utf8');
    const before = checkText(text, path, fsHost);
    const after = checkText(format(text, path), path, fsHost);
    // The same problems (positions and line numbers in messages move), and the same checked program.
    const codes = (r: typeof before) => r.diagnostics.map((d) => `${d.code} ${d.severity}`);
    expect(codes(after)).toEqual(codes(before));
    expect(after.program).toEqual(before.program);
  });
});

describe('layout details', () => {
  test('CRLF input becomes LF, and blank lines collapse to one', () => {
    const text = 'pyramid p { # opens\r\n  inputs P3..P4\r\n\r\n\r\n  output a @P4 = sum(P3, P4)\r\n  output b @P3 = sum(a, P3)\r\n}\r\n';
    expect(format(text)).toBe('pyramid p {  # opens\n  inputs P3..P4\n\n  output a @P4 = sum(P3, P4)\n  output b @P3 = sum(a, P3)\n}\n');
  });

  test('an empty file stays empty; a comment-only file keeps its comments', () => {
    expect(format('')).toBe('');
    expect(format('\n\n')).toBe('');
    expect(format('#a\n\n\n  #b')).toBe('#a\n\n#b\n');
  });

  test('op options print as key=value after the inputs, in the order written', () => {
    const text = 'pyramid p {\n  inputs P3..P4\n  output a @P4 = global_pool( P3 ,P4,pooled = P3 , pool=avg)\n  output b @P3 = sum(a, P3)\n}\n';
    expect(format(text)).toContain('output a @P4 = global_pool(P3, P4, pooled=P3, pool=avg)\n');
  });

  test('setting values keep their spelling (numbers, strings, ranges, @)', () => {
    const text = 'detector d {\n  pyramid p x 7 @ 256\n  head retinanet prior 1e-2 anchors ratios 1 2 0.50\n  levels P3 .. P7\n  note "a \\"quoted\\" string"\n}\n';
    expect(format(text)).toBe('detector d {\n  pyramid p x 7 @ 256\n  head retinanet prior 1e-2 anchors ratios 1 2 0.50\n  levels P3..P7\n  note "a \\"quoted\\" string"\n}\n');
  });

  test('imports come first, in source order, one blank line before the first declaration', () => {
    const text = 'import "a.fpn"\nimport { x, y } from "b.fpn"\npyramid p {\n  inputs P3..P4\n}\n';
    expect(format(text)).toBe('import "a.fpn"\nimport { x, y } from "b.fpn"\n\npyramid p {\n  inputs P3..P4\n}\n');
  });
});

describe('printPyramid (checked IR → .fpn text, for the search and import)', () => {
  test('prints every op so that the checker reads back the same pyramid', () => {
    const text = readFileSync('test/fixtures/check/valid-wsum/input.fpn', 'utf8');
    const original = cellPyramid(checkText(text, resolve('valid-wsum.fpn')).program!.pyramids[0]);
    const printed = printPyramid(original);
    expect(printed).toContain('output o3 @P3 = wsum(P3, n5)');
    const reread = checkText(printed, resolve('printed.fpn')).program!.pyramids[0];
    expect(reread).toEqual(original);
  });

  test('prints a fixed `kind fpn` pyramid as its kind and levels', () => {
    const original = checkText('pyramid top_down {\n  kind fpn\n  inputs P3..P6\n}\n', resolve('fpn.fpn')).program!.pyramids[0]!;
    const printed = printPyramid(original);
    expect(printed).toBe('pyramid top_down {\n  kind fpn\n  inputs P3..P6\n}\n');
    expect(checkText(printed, resolve('printed.fpn')).program!.pyramids[0]).toEqual(original);
  });
});
