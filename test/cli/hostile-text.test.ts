// Untrusted text never becomes code, markup or terminal control (issue 27). Files with hostile names and
// contents — line ends of every kind (LF, CR, U+2028, U+2029), backtick and `${`, `*/`, quotes, bidi
// controls, ESC/BEL terminal sequences, NUL, `</script>` — go through the bundled CLI's check, fmt,
// build --emit ts and draw, and the search report's page is built from a run folder that holds them:
//   - emitted TypeScript parses (esbuild) and holds the payload only inside comments and string literals;
//   - SVG parses as XML (resvg's strict parser) with the payload only as text;
//   - terminal output holds no raw control, bidi or invisible character from the file.
// Every payload carries the marker PWNED, so "only as text" is checked by where the marker lands.
import { Resvg } from '@resvg/resvg-js';
import { transformSync } from 'esbuild';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { formatDiagnostic } from '../../src/cli/report.js';
import { checkText } from '../../src/semantics/program.js';
import { buildReport } from '../../src/tui/report.js';
import { hiddenCharacterPattern } from '../../src/util/hidden-characters.js';
import { ensureBundle, expectNoStackTrace, nasfpn, type CliRun } from '../helpers/cli.js';
import { fakeRun, writeRun } from '../tui/fixture.js';

const MARKER = 'PWNED';

/** The payloads of the issue, each with the marker. */
const PAYLOADS: Record<string, string> = {
  newline: `\nconsole.log("${MARKER}");`,
  cr: `\rconsole.log("${MARKER}");`,
  'line-separator': `\u2028${MARKER}()`,
  'paragraph-separator': `\u2029${MARKER}()`,
  template: `\`\${${MARKER}()}\``,
  'comment-end': `*/ ${MARKER}() /*`,
  quotes: `"' ${MARKER} '"`,
  bidi: `\u202e${MARKER}\u2066x\u2069`,
  terminal: `\x1b]0;${MARKER}\x07\x1b[2J\x1b[31m`,
  nul: `\0${MARKER}`,
  script: `</script><script>${MARKER}()</script><img src=x onerror=${MARKER}()>`,
};

/** Output that a terminal shows as written: no control (but LF), bidi or invisible character. */
const RAW_HIDDEN = hiddenCharacterPattern('\n');
const expectTerminalSafe = (run: CliRun) => {
  const output = `${run.stdout}${run.stderr}`;
  expect(output.match(RAW_HIDDEN) ?? []).toEqual([]);
  expectNoStackTrace(run);
};

/** The text of `source` outside comments and string literals: where the marker must never be. */
function codeOutsideLiterals(source: string): string {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, source);
  const literal = new Set([
    ts.SyntaxKind.SingleLineCommentTrivia, ts.SyntaxKind.MultiLineCommentTrivia, ts.SyntaxKind.StringLiteral, ts.SyntaxKind.NoSubstitutionTemplateLiteral,
  ]);
  let code = '';
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (!literal.has(kind)) code += `${scanner.getTokenText()} `;
  }
  return code;
}

/** Emitted TypeScript: it parses, and the marker is only ever inside a comment or a string literal. */
function expectSafeTypeScript(source: string): void {
  expect(() => transformSync(source, { loader: 'ts', format: 'esm' })).not.toThrow();
  expect(codeOutsideLiterals(source)).not.toContain(MARKER);
  expect(source.match(hiddenCharacterPattern('\n')) ?? []).toEqual([]);
}

/** The SVG elements a drawing may hold: anything else would be markup that came from a payload. */
const SVG_ELEMENTS = new Set(['svg', 'title', 'desc', 'defs', 'marker', 'g', 'rect', 'text', 'tspan', 'path', 'circle', 'line', 'polyline', 'polygon', 'ellipse', 'image']);

/** SVG: well-formed XML (resvg parses it strictly), only SVG elements, the marker only in text and attribute values. */
function expectSafeSvg(svg: string): void {
  expect(() => new Resvg(svg, { font: { loadSystemFonts: false } })).not.toThrow();
  const elements = [...svg.matchAll(/<\/?([A-Za-z][\w:.-]*)/g)].map((m) => m[1]);
  expect(elements.filter((e) => !SVG_ELEMENTS.has(e))).toEqual([]);
  const markup = svg.replace(/>[^<]*</g, '><').replace(/"[^"]*"/g, '""');
  expect(markup).not.toContain(MARKER);
}

/** A small valid file, formatted: a merging-cell pyramid and a detector, so every command has work to do. */
const VALID = `pyramid p {
  inputs P3..P4
  output a @P4 = sum(P3, P4)
  output b @P3 = sum(a, P3)
}

detector d {
  backbone resnet10
  pyramid p x 1 @ 16
  input 64
}
`;

beforeAll(ensureBundle, 120_000);
const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-hostile-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.each(Object.entries(PAYLOADS))('payload %s', (label, payload) => {
  const dir = join(scratch, label);

  test('in the file name: check, fmt --check, build --emit ts and draw show it as text', () => {
    mkdirSync(dir, { recursive: true });
    // A file name holds neither NUL nor '/', nor does a command-line argument hold NUL: those characters are
    // tested in the contents only.
    const name = `model-${payload.replace(/[\0/]/g, '_')}.fpn`;
    const specifier = `./layers-${payload.replace(/\0/g, '_')}.js`;
    const file = join(dir, name);
    writeFileSync(file, VALID);

    const check = nasfpn('check', file);
    expect(check.code).toBe(0);
    expectTerminalSafe(check);
    const fmt = nasfpn('fmt', '--check', file);
    expect(fmt.code).toBe(0);
    expectTerminalSafe(fmt);

    const ts = join(dir, 'model.ts');
    const build = nasfpn('build', `${file}#d`, '--emit', 'ts', '-o', ts, '--layers-module', specifier, '--force');
    expect(build.code, build.stderr).toBe(0);
    expectTerminalSafe(build);
    const emitted = readFileSync(ts, 'utf8');
    expectSafeTypeScript(emitted);
    // The header names the file (escaped), and the import specifier keeps the exact text.
    expect(emitted.split('\n')[0]).toContain('model-');
    expect(emitted).toContain('./layers-');

    const svg = join(dir, 'model.svg');
    const draw = nasfpn('draw', file, '-o', svg);
    expect(draw.code, draw.stderr).toBe(0);
    expectTerminalSafe(draw);
    expectSafeSvg(readFileSync(svg, 'utf8'));
  }, 120_000);

  test('in a comment and a string: hidden characters are FPN003, line ends end the comment, the rest stays a comment or a string', () => {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'contents.fpn');
    const text = `# ${payload}\n${VALID}train t {\n  detector d\n  data ${JSON.stringify(payload)}\n  steps 10\n  batch 2\n}\n`;
    writeFileSync(file, text);
    // A hidden character is FPN003; a line end (LF or CR) ends the comment, so what follows it is read as
    // code: a syntax error. Either way the file is refused.
    const expected = hiddenCharacterPattern('\n\r').test(payload) ? 'FPN003' : /[\n\r]/.test(payload) ? 'FPN002' : null;
    const hidden = expected !== null;
    const diagnostics = checkText(text, file).diagnostics;
    if (expected) expect(diagnostics.map((d) => d.code)).toContain(expected);
    else expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);

    const check = nasfpn('check', file);
    expect(check.code).toBe(hidden ? 1 : 0);
    expectTerminalSafe(check);
    const fmt = nasfpn('fmt', '--check', file);
    expectTerminalSafe(fmt);

    const ts = join(dir, 'contents.ts');
    rmSync(ts, { force: true });
    const build = nasfpn('build', `${file}#d`, '--emit', 'ts', '-o', ts);
    expectTerminalSafe(build);
    const svg = join(dir, 'contents.svg');
    rmSync(svg, { force: true });
    const draw = nasfpn('draw', file, '-o', svg);
    expectTerminalSafe(draw);
    if (hidden) {
      // Refused, and nothing written.
      expect([build.code, draw.code]).toEqual([1, 1]);
      expect([existsSync(ts), existsSync(svg)]).toEqual([false, false]);
    } else {
      expectSafeTypeScript(readFileSync(ts, 'utf8'));
      expectSafeSvg(readFileSync(svg, 'utf8'));
    }
  }, 120_000);
});

describe('terminal output with colours on', () => {
  test('a code frame escapes the file\'s control characters; the only escape sequences are its own colours', () => {
    const text = `pyramid p {\n  inputs P3..P4\n  output a @P4 = sum(P3, P4)  # ${PAYLOADS.terminal}${PAYLOADS.bidi}\n  output b @P3 = sum(a, P3)\n}\n`;
    const result = checkText(text, join(scratch, 'colour.fpn'));
    expect(result.diagnostics.map((d) => d.code)).toContain('FPN003');
    for (const d of result.diagnostics) {
      const shown = formatDiagnostic(d, result.sources, true);
      // Without the colours (SGR: ESC [ digits ; m), nothing hidden is left.
      const plain = shown.replace(/\x1b\[[\d;]*m/g, '');
      expect(plain.match(RAW_HIDDEN) ?? []).toEqual([]);
      expect(shown).toContain('\\x1b]0;PWNED\\x07\\x1b[2J');
      if (d.code !== 'FPN003') continue;
      // The carets start under the escaped ESC, where the hidden run starts.
      const lines = plain.split('\n');
      const frame = lines.findIndex((l) => l.startsWith('> 3 |'));
      expect(lines[frame + 1].indexOf('^')).toBe(lines[frame].indexOf('\\x1b'));
    }
  });
});

describe('the search report', () => {
  test('index.html shows what a run folder holds as text, under a policy that runs no script', () => {
    const run = fakeRun(12, 3);
    run.config.createdAt = PAYLOADS.script;
    for (const trial of run.trials) trial.fpn = `# ${PAYLOADS.script}\n${trial.fpn}`;
    const dir = join(scratch, 'run');
    writeRun(dir, run);
    const { html, plots, snapshots, changes } = buildReport(dir);
    expect(html).toContain("Content-Security-Policy\" content=\"default-src 'none'");
    expect(html).not.toMatch(/<script|<img src=x/i);
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;PWNED()&lt;/script&gt;');
    for (const file of [...plots, ...snapshots, ...changes]) expectSafeSvg(file.svg);
  });
});
