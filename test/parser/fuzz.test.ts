// Deterministic token-level fuzzing of the parser, checker and formatter. Mutants of the examples and the
// valid fixtures (delete, duplicate, swap adjacent tokens, replace a token by another token's text,
// truncate) must never make checkText throw; every diagnostic must point inside its file; and where a
// mutant still parses, formatting it must be idempotent and keep every comment.
//
// The PRNG is seeded, so a failure names a mutant that reproduces: re-run with FUZZ_SEED / FUZZ_COUNT to
// explore further (e.g. FUZZ_SEED=7 FUZZ_COUNT=20000 npx vitest run test/parser/fuzz.test.ts).
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { formatFile } from '../../src/format/format.js';
import { parseFpn } from '../../src/parser/parse.js';
import { fpnLexer } from '../../src/parser/tokens.js';
import type { Diagnostic } from '../../src/diagnostics/diagnostics.js';
import { checkText, type SourceHost } from '../../src/semantics/program.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20190417);
const COUNT = Number(process.env.FUZZ_COUNT ?? 4000);

/** mulberry32: small, fast, good enough for picking mutations. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Piece {
  gap: string; // the text before the token (spaces)
  image: string;
}

/** The text as tokens (comments and newlines included) with the spacing before each; `tail` after the last. */
function tokenize(text: string): { pieces: Piece[]; tail: string } {
  const lexed = fpnLexer.tokenize(text);
  const tokens = [...lexed.tokens, ...(lexed.groups.comments ?? [])].sort((a, b) => a.startOffset - b.startOffset);
  const pieces: Piece[] = [];
  let at = 0;
  for (const t of tokens) {
    pieces.push({ gap: text.slice(at, t.startOffset), image: t.image });
    at = t.startOffset + t.image.length;
  }
  return { pieces, tail: text.slice(at) };
}

const join2 = (pieces: Piece[], tail: string): string => pieces.map((p) => p.gap + p.image).join('') + tail;

// The examples, plus the valid checker fixtures for the constructs the examples do not use (allow stride8,
// pool=avg and pooled=, ';', keywords as names, every detector setting).
const VALID = readdirSync('test/fixtures/check').filter((d) => d.startsWith('valid-')).sort();
const sources = [
  ...readdirSync('examples').filter((f) => f.endsWith('.fpn')).sort().map((f) => ({ file: f, text: readFileSync(join('examples', f), 'utf8') })),
  ...VALID.map((d) => ({ file: `${d}.fpn`, text: readFileSync(join('test/fixtures/check', d, 'input.fpn'), 'utf8') })),
];
// And the examples with Windows line ends, for the positions after a \r\n.
sources.push(...sources.slice(0, 4).map((s) => ({ file: `crlf-${s.file}`, text: s.text.replace(/\n/g, '\r\n') })));
const EXTRA_IMAGES = ['$', '"unterminated', '..', '@', '=', ',', ';', '{', '}', '(', ')', '\n', '9999', '-1', '0.5', 'P0', 'P99', 'P13', 'x', '"nasfpn.fpn"', '"missing.fpn"', 'import', 'output', 'cell', 'pyramid', 'detector', 'search', '# note'];
const IMAGES = [...new Set([...sources.flatMap((s) => tokenize(s.text).pieces.map((p) => p.image)), ...EXTRA_IMAGES])];

function mutate(text: string, random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  let { pieces, tail } = tokenize(text);
  const edits = 1 + Math.floor(random() * 3);
  for (let e = 0; e < edits && pieces.length > 1; e++) {
    const i = Math.floor(random() * pieces.length);
    switch (pick(['delete', 'duplicate', 'swap', 'replace', 'replace', 'truncate'] as const)) {
      case 'delete':
        pieces = [...pieces.slice(0, i), ...pieces.slice(i + 1)];
        break;
      case 'duplicate':
        pieces = [...pieces.slice(0, i + 1), { gap: ' ', image: pieces[i].image }, ...pieces.slice(i + 1)];
        break;
      case 'swap':
        if (i + 1 < pieces.length) {
          pieces = [...pieces];
          [pieces[i], pieces[i + 1]] = [{ ...pieces[i], image: pieces[i + 1].image }, { ...pieces[i + 1], image: pieces[i].image }];
        }
        break;
      case 'replace':
        pieces = [...pieces];
        pieces[i] = { gap: pieces[i].gap || ' ', image: pick(IMAGES) };
        break;
      case 'truncate': {
        const whole = join2(pieces, tail);
        return whole.slice(0, Math.floor(random() * whole.length));
      }
    }
  }
  return join2(pieces, tail);
}

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

function rangeProblem(d: Diagnostic, text: string): string | null {
  const lines = text.split(/\r\n|\r|\n/);
  const { start, end } = d.range;
  const inFile = (p: { line: number; column: number }) => p.line >= 1 && p.line <= lines.length && p.column >= 1 && p.column <= lines[p.line - 1].length + 1;
  if (!inFile(start)) return `start ${start.line}:${start.column} outside the file`;
  if (!inFile(end)) return `end ${end.line}:${end.column} outside the file`;
  if (end.line < start.line || (end.line === start.line && end.column < start.column)) return `end ${end.line}:${end.column} before start ${start.line}:${start.column}`;
  if (start.offset < 0 || end.offset > text.length || start.offset > end.offset) return `offsets ${start.offset}..${end.offset} outside 0..${text.length}`;
  return null;
}

const commentsOf = (text: string) => parseFpn(text, 'c.fpn').ast.comments.map((c) => c.text.trimEnd());

describe(`token-level fuzzing (seed ${SEED}, ${COUNT} mutants)`, () => {
  test('the mutator round-trips unmutated text', () => {
    for (const { text } of sources) {
      const { pieces, tail } = tokenize(text);
      expect(join2(pieces, tail)).toBe(text);
    }
  });

  test('checkText never throws, diagnostics stay in the file, formatting is stable', () => {
    const random = prng(SEED);
    const failures: string[] = [];
    let parsed = 0;
    for (let n = 0; n < COUNT && failures.length < 5; n++) {
      const source = sources[n % sources.length];
      const text = mutate(source.text, random);
      const path = resolve('examples', `mutant-${n}-${source.file}`);
      const report = (what: string) => failures.push(`mutant ${n} of ${source.file}: ${what}\n----\n${text}\n----`);
      let result;
      try {
        result = checkText(text, path, host);
      } catch (error) {
        report(`checkText threw ${(error as Error).stack}`);
        continue;
      }
      for (const d of result.diagnostics) {
        const fileText = d.range.file === path ? text : result.sources.get(d.range.file);
        const problem = fileText === undefined ? `diagnostic in unknown file ${d.range.file}` : rangeProblem(d, fileText);
        if (problem) report(`${d.code} ${d.message}: ${problem}`);
        if (d.severity === 'error' && !d.hint?.trim()) report(`${d.code} ${d.message}: no hint`);
      }
      const { ast, diagnostics } = parseFpn(text, path);
      if (diagnostics.length) continue;
      parsed++;
      try {
        const once = formatFile(ast);
        const twice = formatFile(parseFpn(once, path).ast);
        if (twice !== once) report(`formatting is not idempotent:\n${once}\n---- then ----\n${twice}`);
        if (JSON.stringify(commentsOf(once)) !== JSON.stringify(commentsOf(text))) report(`formatting lost or reordered comments:\n${once}`);
        if (parseFpn(once, path).diagnostics.length) report(`the formatted text has syntax errors:\n${once}`);
      } catch (error) {
        report(`formatFile threw ${(error as Error).stack}`);
      }
    }
    expect(failures).toEqual([]);
    // The mutants exercise both paths: some still parse, most do not.
    expect(parsed).toBeGreaterThan(COUNT / 20);
    expect(parsed).toBeLessThan(COUNT);
  });

  test('comments inserted anywhere a comment may go survive formatting, in order, and change nothing else', () => {
    const random = prng(SEED + 1);
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
        if (random() < 0.3 && !/#/.test(p.gap)) gap = `${gap}${' '.repeat(1 + Math.floor(random() * 3))}# t${k++}`;
        let image = p.image;
        if (random() < 0.25) image = `${image}${' '.repeat(Math.floor(random() * 5))}# o${k++}${p.image}`;
        return { gap, image };
      });
      const text = join2(commented, tail);
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
