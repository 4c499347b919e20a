// The language commands end to end through the built bundle, `node bin/nasfpn.js ...`, as a user runs them:
// exit codes (0 ok, 1 bad input, 2 bad command line), check's JSON, fmt --check/--write, export/import,
// hash, --help, --version. The bundle is (re)built in beforeAll when dist/main.js is missing or older than
// a file under src/.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CODES } from '../../src/diagnostics/codes.js';
import { ensureBundle, expectNoStackTrace, nasfpn, type CliRun } from '../helpers/cli.js';

beforeAll(ensureBundle, 120_000);

const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-lang-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const write = (name: string, text: string): string => {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
};

const noStackTrace = expectNoStackTrace;
type Run = CliRun;

const UNFORMATTED = 'pyramid p {\n    inputs P3..P4   # levels\n  output a @P4 = sum(P3,P4); output b @P3 = sum(a,P3)\n}\n';
const FORMATTED = 'pyramid p {\n  inputs P3..P4  # levels\n  output a @P4 = sum(P3, P4)\n  output b @P3 = sum(a, P3)\n}\n';

describe('nasfpn check', () => {
  test('a valid file: exit 0, notes and a summary', () => {
    const r = nasfpn('check', 'examples/nasfpn.fpn');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('info FPN140 dangling-sum');
    expect(r.stdout).toContain('examples/nasfpn.fpn: ok (1 pyramid, 8 detectors, 0 search spaces); 0 errors, 0 warnings');
  });

  test('every example checks (imports resolve relative to the file)', () => {
    const r = nasfpn('check', '--quiet', 'examples/fpn.fpn', 'examples/nasfpn.fpn', 'examples/nasfpn-lite.fpn', 'examples/search.fpn');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('FPN140');
    expect(r.stdout.match(/: ok \(/g)).toHaveLength(4);
  });

  test('a file with errors: exit 1, a code frame and a hint per error', () => {
    const r = nasfpn('check', 'test/fixtures/check/multiple-errors-one-run/input.fpn');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/input\.fpn:4:12: error FPN122 stride8-intermediate: /);
    expect(r.stdout).toContain('> 4 |   cell n1 @P3 = sum(P4, P4)');
    expect(r.stdout.match(/^ {2}hint: /gm)?.length).toBe(r.stdout.match(/: error FPN/g)?.length);
    expect(r.stdout).toMatch(/failed; 9 errors, 0 warnings\n$/);
  });

  test('--format json: one object per diagnostic, with the documented fields', () => {
    const r = nasfpn('check', '--format', 'json', 'examples/nasfpn.fpn', 'test/fixtures/check/fpn214-width-not-multiple-of-8/input.fpn', 'test/fixtures/check/fpn100-unknown-input/input.fpn');
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(json.map((d) => d.code)).toEqual(['FPN140', 'FPN140', 'FPN214', 'FPN100', 'FPN100']);
    for (const d of json) {
      expect(Object.keys(d).sort()).toEqual(['code', 'column', 'endColumn', 'endLine', 'file', 'hint', 'line', 'message', 'name', 'severity']);
      expect(d.name).toBe(CODES[d.code as keyof typeof CODES]);
      expect(typeof d.line).toBe('number');
      expect(typeof d.hint).toBe('string');
    }
    expect(json[3]).toMatchObject({
      code: 'FPN100', name: 'unknown-input', severity: 'error', file: 'test/fixtures/check/fpn100-unknown-input/input.fpn',
      line: 3, column: 25, endLine: 3, endColumn: 27,
    });
    expect(json[2]).toMatchObject({ severity: 'warning', line: 12, column: 19 });
  });

  test('--format json --quiet drops the notes; a clean file gives []', () => {
    const r = nasfpn('check', '--format', 'json', '-q', 'examples/nasfpn.fpn');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });

  test('warnings alone do not fail the check', () => {
    expect(nasfpn('check', 'test/fixtures/check/fpn214-width-not-multiple-of-8/input.fpn').code).toBe(0);
  });

  test('a missing file: exit 1 with a clear message', () => {
    const r = nasfpn('check', join(scratch, 'nope.fpn'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`nasfpn: cannot read ${join(scratch, 'nope.fpn')}: no such file, or not readable`);
    noStackTrace(r);
  });

  test('usage errors: exit 2, no stack trace', () => {
    for (const args of [['check', '--bogus', 'examples/fpn.fpn'], ['check', '--format', 'xml', 'examples/fpn.fpn'], ['check'], ['nosuchcommand']]) {
      const r = nasfpn(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('--help');
      noStackTrace(r);
    }
  });
});

describe('nasfpn fmt', () => {
  test('prints the formatted file', () => {
    const r = nasfpn('fmt', write('print.fpn', UNFORMATTED));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(FORMATTED);
  });

  test('--check: exit 1 and names an unformatted file; exit 0 for formatted ones', () => {
    const bad = write('check-bad.fpn', UNFORMATTED);
    const r = nasfpn('fmt', '--check', bad, 'examples/nasfpn.fpn');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('check-bad.fpn is not formatted');
    expect(r.stdout).not.toContain('nasfpn.fpn is not formatted');
    expect(readFileSync(bad, 'utf8')).toBe(UNFORMATTED);
    expect(nasfpn('fmt', '--check', 'examples/fpn.fpn', 'examples/nasfpn.fpn', 'examples/nasfpn-lite.fpn', 'examples/search.fpn').code).toBe(0);
  });

  test('--write rewrites in place, atomically (no temporary file left), and only when needed', () => {
    const dir = mkdtempSync(join(scratch, 'write-'));
    const file = join(dir, 'p.fpn');
    writeFileSync(file, UNFORMATTED);
    const r = nasfpn('fmt', '--write', file);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('formatted');
    expect(readFileSync(file, 'utf8')).toBe(FORMATTED);
    expect(readdirSync(dir)).toEqual(['p.fpn']);
    const again = nasfpn('fmt', '--write', file);
    expect([again.code, again.stdout]).toEqual([0, '']);
  });

  test('a file with syntax errors is left alone: exit 1, diagnostics on stderr', () => {
    const text = 'pyramid p {\n  output a @P4 = sum(P3, P4\n}\n';
    const file = write('syntax.fpn', text);
    const r = nasfpn('fmt', '--write', file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('FPN002');
    expect(r.stderr).toContain('not formatted, it has syntax errors');
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  test('usage errors: --write with --check, several files to stdout (exit 2); a missing file (exit 1)', () => {
    expect(nasfpn('fmt', '--write', '--check', 'examples/fpn.fpn').code).toBe(2);
    expect(nasfpn('fmt', 'examples/fpn.fpn', 'examples/nasfpn.fpn').code).toBe(2);
    const missing = nasfpn('fmt', join(scratch, 'missing.fpn'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cannot read');
    noStackTrace(missing);
  });
});

describe('nasfpn export / import', () => {
  test('export --to tf-spec -o, then import --from tf-spec -o, then check and hash', () => {
    const spec = join(scratch, 'nasfpn.json');
    const exported = nasfpn('export', 'examples/nasfpn.fpn', '--to', 'tf-spec', '-o', spec);
    expect(exported.code).toBe(0);
    expect(JSON.parse(readFileSync(spec, 'utf8')).block_specs[0]).toEqual([4, 'attention', [1, 3], false]);

    // No overwrite without --force.
    const again = nasfpn('export', 'examples/nasfpn.fpn', '--to', 'tf-spec', '-o', spec);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('--force');
    expect(nasfpn('export', 'examples/nasfpn.fpn', '--to', 'tf-spec', '-o', spec, '--force').code).toBe(0);

    const fpn = join(scratch, 'imported.fpn');
    const imported = nasfpn('import', spec, '--from', 'tf-spec', '--name', 'imported', '-o', fpn);
    expect(imported.code).toBe(0);
    const text = readFileSync(fpn, 'utf8');
    expect(text).toContain('pyramid imported {');
    expect(text).toContain('output n9 @P5 = global_pool(n7, n8)  # + P5 (dangling)');
    expect(nasfpn('fmt', '--check', fpn).code).toBe(0);
    expect(nasfpn('check', fpn).code).toBe(0);

    const hashOf = (file: string) => nasfpn('hash', file).stdout.split(/\s+/)[0];
    expect(hashOf(fpn)).toBe(hashOf('examples/nasfpn.fpn'));

    // And back to the same spec, to standard output.
    expect(nasfpn('export', fpn, '--to', 'tf-spec').stdout).toBe(readFileSync(spec, 'utf8'));
  });

  test('export picks a pyramid with --pyramid; an unknown one is exit 1', () => {
    expect(nasfpn('export', 'examples/fpn.fpn', '--to', 'tf-spec', '--pyramid', 'fpn_cells').code).toBe(0);
    // The first pyramid, the kind fpn one, has no block spec.
    const fixed = nasfpn('export', 'examples/fpn.fpn', '--to', 'tf-spec');
    expect(fixed.code).toBe(1);
    expect(fixed.stderr).toMatch(/fpn\.fpn:8:9: error FPN401 not-expressible-in-spec: pyramid 'fpn' is a fixed FPN \(kind fpn\)/);
    const r = nasfpn('export', 'examples/fpn.fpn', '--to', 'tf-spec', '--pyramid', 'nope');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no pyramid or detector named 'nope'");
  });

  test('a pyramid using pool=avg cannot be exported: FPN401, exit 1', () => {
    const file = write('avg.fpn', 'pyramid p {\n  inputs P3..P4\n  output a @P4 = global_pool(P3, P4, pool=avg)\n  output b @P3 = sum(a, P3)\n}\n');
    const r = nasfpn('export', file, '--to', 'tf-spec');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/avg\.fpn:3:3: error FPN401 not-expressible-in-spec: cell 'a' uses global_pool with pool=avg/);
    noStackTrace(r);
  });

  test('a pyramid using wsum cannot be exported: FPN402 at the cell, exit 1 (test/fixtures/export)', () => {
    const dir = 'test/fixtures/export/fpn402-op-not-in-spec';
    const [expected] = JSON.parse(readFileSync(`${dir}/expected.json`, 'utf8')) as { code: string; line: number; column: number; message: string }[];
    const r = nasfpn('export', `${dir}/input.fpn`, '--to', 'tf-spec');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`input.fpn:${expected.line}:${expected.column}: error ${expected.code} op-not-in-spec: ${expected.message}`);
    noStackTrace(r);
  });

  test('a file with errors is not exported: exit 1', () => {
    const r = nasfpn('export', 'test/fixtures/check/fpn100-unknown-input/input.fpn', '--to', 'tf-spec');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('FPN100');
  });

  test('a bad spec: exit 1, diagnostics at the JSON file:line:col', () => {
    const spec = write('bad.json', '{\n  "block_specs": [\n    [4, "sum", [1, 9], false]\n  ]\n}\n');
    const r = nasfpn('import', spec, '--from', 'tf-spec');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.json:3:20: error FPN100 unknown-input: block 0: /);
    const broken = write('broken.json', '{"block_specs": [}');
    const b = nasfpn('import', broken, '--from', 'tf-spec');
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/broken\.json:1:18: error FPN400 bad-spec-file: not valid JSON/);
  });

  test('the pyramid name comes from the file name', () => {
    const spec = join(scratch, '7-cells.json');
    writeFileSync(spec, readFileSync(join(scratch, 'nasfpn.json'), 'utf8'));
    expect(nasfpn('import', spec, '--from', 'tf-spec').stdout).toContain('pyramid p_7_cells {');
  });

  test('usage errors: unknown format, bad --name (exit 2); missing spec file (exit 1)', () => {
    expect(nasfpn('export', 'examples/nasfpn.fpn', '--to', 'onnx').code).toBe(2);
    expect(nasfpn('export', 'examples/nasfpn.fpn').code).toBe(2);
    expect(nasfpn('import', join(scratch, 'nasfpn.json'), '--from', 'tf-spec', '--name', '1 bad').code).toBe(2);
    const r = nasfpn('import', join(scratch, 'none.json'), '--from', 'tf-spec');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot read');
  });
});

describe('nasfpn hash', () => {
  test('one line per pyramid: hash, two spaces, name; --json gives an object', () => {
    const r = nasfpn('hash', 'examples/nasfpn.fpn');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^[0-9a-f]{64} {2}nasfpn\n$/);
    const json = JSON.parse(nasfpn('hash', '--json', 'examples/fpn.fpn').stdout);
    expect(Object.keys(json)).toEqual(['fpn', 'fpn_cells']);
    expect(json.fpn).toMatch(/^[0-9a-f]{64}$/);
    expect(json.fpn).not.toBe(json.fpn_cells);
  });

  test('a file with errors: exit 1; a missing file: exit 1', () => {
    expect(nasfpn('hash', 'test/fixtures/check/fpn101-input-not-earlier/input.fpn').code).toBe(1);
    const r = nasfpn('hash', join(scratch, 'none.fpn'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot read');
  });
});

describe('help and version', () => {
  test('--version prints the version of package.json', () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
    for (const flag of ['--version', '-V']) {
      const r = nasfpn(flag);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(version);
    }
  });

  test('--help for the program and for every command it lists', () => {
    const top = nasfpn('--help');
    expect(top.code).toBe(0);
    const commands = [...top.stdout.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]).filter((c) => c !== 'help');
    expect(commands).toEqual(expect.arrayContaining(['check', 'fmt', 'export', 'import', 'hash']));
    for (const command of commands) {
      const r = nasfpn(command, '--help');
      expect(r.code, command).toBe(0);
      expect(r.stdout).toContain(`Usage: nasfpn ${command} `);
    }
  });
});
