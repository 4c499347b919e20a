// Deterministic fuzzing of the parser, checker and formatter with hostile variants of the examples and the
// valid fixtures (test/helpers/mutants.ts lists the mutation classes). Every mutant must leave checkText
// without an exception; every diagnostic must point inside its file and an error must carry a hint; a hidden
// character (control, bidi, invisible) anywhere in the text must be reported as FPN003; and where a mutant
// still parses, formatting it must be idempotent and keep every comment. Mutants that must reach the file
// system (imports of devices, FIFOs and folders; files beyond the size limit) run through the bundled CLI
// with a time limit, so a read that never ends fails the test instead of hanging it.
//
// The generator is seeded, so a failure names a mutant that reproduces: re-run with FUZZ_SEED / FUZZ_COUNT to
// explore further (e.g. FUZZ_SEED=7 FUZZ_COUNT=20000 npx vitest run test/parser/fuzz.test.ts). bench/fuzz.bench.ts
// runs the same classes through every command of the CLI and counts internal errors and slow runs.
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { formatFile } from '../../src/format/format.js';
import { parseFpn } from '../../src/parser/parse.js';
import type { Diagnostic } from '../../src/diagnostics/diagnostics.js';
import { checkText, type SourceHost } from '../../src/semantics/program.js';
import { hiddenCharacterPattern } from '../../src/util/hidden-characters.js';
import { Random } from '../../src/util/random.js';
import { ensureBundle } from '../helpers/cli.js';
import { DEVICE_PATHS, Mutator, tokenize, untokenize, validSources, type MutationClass } from '../helpers/mutants.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20190417);
const COUNT = Number(process.env.FUZZ_COUNT ?? 4000);

const sources = validSources();
// And the first files with Windows line ends, for the positions after a \r\n.
sources.push(...sources.slice(0, 4).map((s) => ({ file: `crlf-${s.file}`, text: s.text.replace(/\n/g, '\r\n') })));

/** Imports of the examples resolve to the real files; anything else is missing. */
const host: SourceHost = {
  readFile(path) {
    try {
      return path.startsWith(resolve('examples')) ? readFileSync(path, 'utf8') : null;
    } catch {
      return null;
    }
  },
};

/** Whether a diagnostic's range lies inside its file (`lines`: the file's text, split once). */
function rangeProblem(d: Diagnostic, text: string, lines: string[]): string | null {
  const { start, end } = d.range;
  const inFile = (p: { line: number; column: number }) => p.line >= 1 && p.line <= lines.length && p.column >= 1 && p.column <= lines[p.line - 1].length + 1;
  if (!inFile(start)) return `start ${start.line}:${start.column} outside the file`;
  if (!inFile(end)) return `end ${end.line}:${end.column} outside the file`;
  if (end.line < start.line || (end.line === start.line && end.column < start.column)) return `end ${end.line}:${end.column} before start ${start.line}:${start.column}`;
  if (start.offset < 0 || end.offset > text.length || start.offset > end.offset) return `offsets ${start.offset}..${end.offset} outside 0..${text.length}`;
  return null;
}

const commentsOf = (text: string) => parseFpn(text, 'c.fpn').ast.comments.map((c) => c.text.trimEnd());

/** Hidden characters the language reports (FPN003): all but the line ends and the whitespace the lexer skips. */
const REPORTED_HIDDEN = hiddenCharacterPattern('\n\r\f\v\ufeff');

/** What is wrong with one mutant, in words (empty when nothing is), and whether it parsed. */
function problemsOf(text: string, path: string): { problems: string[]; parsed: boolean } {
  const problems: string[] = [];
  let result;
  try {
    result = checkText(text, path, host);
  } catch (error) {
    return { problems: [`checkText threw ${(error as Error).stack}`], parsed: false };
  }
  const linesOf = new Map<string, string[]>();
  for (const d of result.diagnostics) {
    const fileText = d.range.file === path ? text : result.sources.get(d.range.file);
    if (fileText !== undefined && !linesOf.has(d.range.file)) linesOf.set(d.range.file, fileText.split(/\r\n|\r|\n/));
    const problem = fileText === undefined ? `diagnostic in unknown file ${d.range.file}` : rangeProblem(d, fileText, linesOf.get(d.range.file)!);
    if (problem) problems.push(`${d.code} ${d.message}: ${problem}`);
    if (d.severity === 'error' && !d.hint?.trim()) problems.push(`${d.code} ${d.message}: no hint`);
  }
  // A BOM is whitespace at the start of a file only.
  if (new RegExp(REPORTED_HIDDEN.source, 'u').test(text.replace(/^\ufeff/, '')) && !result.diagnostics.some((d) => d.code === 'FPN003' && d.range.file === path)) {
    problems.push('a hidden character is not reported as FPN003');
  }
  const { ast, diagnostics } = parseFpn(text, path);
  if (diagnostics.length) return { problems, parsed: false };
  try {
    const once = formatFile(ast);
    const twice = formatFile(parseFpn(once, path).ast);
    if (twice !== once) problems.push(`formatting is not idempotent:\n${once}\n---- then ----\n${twice}`);
    if (JSON.stringify(commentsOf(once)) !== JSON.stringify(commentsOf(text))) problems.push(`formatting lost or reordered comments:\n${once}`);
    if (parseFpn(once, path).diagnostics.length) problems.push(`the formatted text has syntax errors:\n${once}`);
  } catch (error) {
    problems.push(`formatFile threw ${(error as Error).stack}`);
  }
  return { problems, parsed: true };
}

/** Runs `count` mutants of one class in process; returns the failures (at most 5) and how many parsed. */
function fuzzClass(kind: MutationClass, count: number, seed: number): { failures: string[]; parsed: number } {
  const mutator = new Mutator(sources, Random.seeded(seed));
  const failures: string[] = [];
  let parsed = 0;
  for (let n = 0; n < count && failures.length < 5; n++) {
    const source = sources[n % sources.length];
    const text = mutator.mutate(source, kind);
    const path = resolve('examples', `mutant-${n}-${source.file}`);
    const { problems, parsed: ok } = problemsOf(text, path);
    if (problems.length) failures.push(`${kind} mutant ${n} of ${source.file}: ${problems.join('; ')}\n----\n${text.length > 2000 ? `${text.slice(0, 2000)}…` : text}\n----`);
    if (ok) parsed++;
  }
  return { failures, parsed };
}

describe(`fuzzing the language in process (seed ${SEED})`, () => {
  test('the mutator round-trips unmutated text', () => {
    for (const { text } of sources) {
      const { pieces, tail } = tokenize(text);
      expect(untokenize(pieces, tail)).toBe(text);
    }
  });

  test(`token edits (${COUNT} mutants): checkText never throws, diagnostics stay in the file, formatting is stable`, () => {
    const { failures, parsed } = fuzzClass('tokens', COUNT, SEED);
    expect(failures).toEqual([]);
    // The mutants exercise both paths: some still parse, most do not.
    expect(parsed).toBeGreaterThan(COUNT / 20);
    expect(parsed).toBeLessThan(COUNT);
  }, 300_000);

  // Each class with its own seed, so adding one leaves the others' mutants unchanged.
  const classes: [MutationClass, number][] = [
    ['bytes', 400], ['splice', 400], ['huge-number', 300], ['nul', 300], ['unicode', 400], ['prototype-name', 600], ['hostile-text', 400], ['deep-nesting', 8],
  ];
  test.each(classes)('%s (%i mutants): no exception, and every hidden character is reported', (kind, count) => {
    const scaled = Math.max(1, Math.round((count * COUNT) / 4000));
    expect(fuzzClass(kind, scaled, SEED + kind.length * 7919).failures).toEqual([]);
  }, 300_000);

  test('comments inserted anywhere a comment may go survive formatting, in order, and change nothing else', () => {
    const random = Random.seeded(SEED + 1);
    const failures: string[] = [];
    const count = Math.max(200, Math.floor(COUNT / 4));
    let inserted = 0;
    for (let n = 0; n < count && failures.length < 5; n++) {
      const source = sources[n % sources.length];
      const { pieces, tail } = tokenize(source.text);
      let k = 0;
      // Before a line end: a trailing comment; after one: a comment on its own line, at a random indent.
      const commented = pieces.map((p) => {
        if (p.image !== '\n' && p.image !== '\r\n') return p;
        let gap = p.gap;
        if (random.float() < 0.3 && !/#/.test(p.gap)) gap = `${gap}${' '.repeat(1 + random.int(3))}# t${k++}`;
        let image = p.image;
        if (random.float() < 0.25) image = `${image}${' '.repeat(random.int(5))}# o${k++}${p.image}`;
        return { ...p, gap, image };
      });
      const text = untokenize(commented, tail);
      inserted += k;
      const path = resolve('examples', `commented-${n}-${source.file}`);
      const parsed = parseFpn(text, path);
      if (parsed.diagnostics.length) {
        failures.push(`commented ${n} of ${source.file} does not parse: ${parsed.diagnostics[0].message}\n${text}`);
        continue;
      }
      const once = formatFile(parsed.ast);
      const twice = formatFile(parseFpn(once, path).ast);
      const problems = [
        twice !== once ? 'formatting is not idempotent' : '',
        JSON.stringify(commentsOf(once)) !== JSON.stringify(commentsOf(text)) ? 'comments lost or reordered' : '',
        JSON.stringify(checkText(once, path, host).program) !== JSON.stringify(checkText(text, path, host).program) ? 'the checked program changed' : '',
      ].filter(Boolean);
      if (problems.length) failures.push(`commented ${n} of ${source.file}: ${problems.join(', ')}\n----\n${text}\n---- formatted ----\n${once}`);
    }
    expect(failures).toEqual([]);
    expect(inserted).toBeGreaterThan(count * 3);
  });
});

describe('fuzzing what reaches the file system, through the bundled CLI', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-fuzz-'));
  const fifo = join(scratch, 'fifo');
  const dir = join(scratch, 'folder.fpn');
  beforeAll(() => {
    ensureBundle();
    execFileSync('mkfifo', [fifo]);
    mkdirSync(dir);
  }, 120_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** `nasfpn check FILE` with standard input left open (so /proc/self/fd/0 would wait), killed after 10 s. */
  const check = (file: string) => {
    const run = spawnSync(process.execPath, ['bin/nasfpn.js', 'check', '-q', file], {
      encoding: 'utf8', timeout: 10_000, env: { ...process.env, NO_COLOR: '1', NASFPN_DEBUG: '' }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    return { code: run.status, signal: run.signal, output: `${run.stdout}${run.stderr}` };
  };

  /**
   * What an import of each path reports: FPN014 for what is no regular file. Standard input is whatever the
   * test runner gives (a pipe is FPN014; a socket, as libuv makes them, cannot be opened by path: FPN010), and
   * /dev/tty cannot be opened without a terminal (FPN010); /proc/self/mem is a regular file of size 0 to
   * fstat, so it imports as an empty file.
   */
  const expected: Record<(typeof DEVICE_PATHS)[number], RegExp | null> = {
    '/dev/zero': /FPN014.*is a device/, '/dev/urandom': /FPN014.*is a device/, '/dev/null': /FPN014.*is a device/,
    '/proc/self/fd/0': /FPN01[04]/, '/dev/stdin': /FPN01[04]/, '/dev/tty': /FPN01[04]/, '/proc/self/mem': null,
    '{fifo}': /FPN014.*is a pipe/, '{dir}': /FPN014.*is a directory/, '/': /FPN014.*is a directory/,
  };
  test.each(DEVICE_PATHS.map((p) => [p]))('an import of %s ends at once, with a diagnostic that says what the path is', (device) => {
    const path = device.replace('{fifo}', fifo).replace('{dir}', dir);
    for (const line of [`import { x } from "${path}"`, `import "${path}"`]) {
      const file = join(scratch, 'imports-device.fpn');
      writeFileSync(file, `${line}\n${readFileSync('examples/fpn.fpn', 'utf8')}`);
      const run = check(file);
      expect(run.signal, `${line}: killed after 10 s`).toBeNull();
      expect(run.output).not.toContain('internal error');
      const diagnostic = expected[device];
      if (diagnostic) {
        expect(run.code).toBe(1);
        expect(run.output).toMatch(diagnostic);
      }
    }
  }, 60_000);

  test('a file beyond the size limit, as the file checked and as an import, is refused unread', () => {
    const mutator = new Mutator(sources, Random.seeded(SEED));
    const huge = mutator.mutate(sources[0], 'huge-file');
    const big = join(scratch, 'big.fpn');
    // Both kinds the class makes: a 2 MiB line (within the limit), and a file beyond it.
    writeFileSync(big, huge.length > 2 ** 24 ? huge : `${huge}${'#'.repeat(20 * 2 ** 20)}\n`);
    const direct = check(big);
    expect(direct.signal).toBeNull();
    expect(direct.code).toBe(1);
    expect(direct.output).toMatch(/too large/);
    const importer = join(scratch, 'imports-big.fpn');
    writeFileSync(importer, 'import "big.fpn"\n');
    const imported = check(importer);
    expect(imported.signal).toBeNull();
    expect(imported.output).toMatch(/FPN014.*too large/);
  }, 60_000);
});
