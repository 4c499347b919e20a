// The incremental parser (src/parser/incremental.ts) against parseFpn: after every one of many random edits of
// the examples (typing, deleting, joining and splitting lines and blocks, braces and quotes and comment marks
// that open or close a block, a string or a comment, Windows line ends, hidden characters), the syntax tree
// and the diagnostics are exactly parseFpn's for the same text, and so are the checker's diagnostics and the
// language service's. The edits are seeded, so a failure names an edit that reproduces.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, test } from 'vitest';
import { IncrementalParser, splitBlocks } from '../../src/parser/incremental.js';
import { parseFpn } from '../../src/parser/parse.js';
import { checkText } from '../../src/semantics/program.js';
import { LanguageService } from '../../src/service/index.js';
import { Random } from '../../src/util/random.js';

const SEED = Number(process.env.INCREMENTAL_SEED ?? 20240611);
/** Edits per source; 6 sources, so about 600 edits in all. */
const EDITS = Number(process.env.INCREMENTAL_EDITS ?? 100);

const examples = readdirSync('examples').filter((f) => f.endsWith('.fpn')).sort().map((f) => ({ file: `/w/${f}`, text: readFileSync(join('examples', f), 'utf8') }));
const all = examples.map((e) => e.text).join('\n');
const sources = [
  ...examples.slice(0, 3),
  { file: '/w/all.fpn', text: all },
  { file: '/w/all-crlf.fpn', text: all.replace(/\n/g, '\r\n') },
  { file: '/w/unindented.fpn', text: all.replace(/^ +/gm, '') },
];

/** Text an edit may insert: characters and lines that open, close, split and join blocks, strings and comments. */
const SNIPPETS = [
  'x', ' ', '\n', '\r\n', '\r', '{', '}', '"', '#', '(', ')', ',', '=', '@', ';', '..', '\u202e', '\u200b', '$',
  '}\n', 'pyramid p {\n', 'pyramid ', 'detector d {\n  pyramid p\n}\n', 'search ', 'train t {\n', 'import "nasfpn.fpn"\n',
  'import { a, ', 'cell c9 @P4 = sum(P3, P4)\n', 'output o @P3 = sum(P4, P5', '"unterminated', '# a comment with "quotes\n',
  '\npyramid q {\n  inputs P3..P7\n', '\nimport', '\ntrain', 'pyramids', 'backbone resnet50\n',
];

/** One random edit of `text`: an insertion, a deletion (which may join lines and blocks), or a line moved. */
function edit(text: string, random: Random): string {
  const lineStarts = [0, ...[...text.matchAll(/\n/g)].map((m) => m.index + 1)];
  const at = random.bernoulli(0.3) ? lineStarts[random.int(lineStarts.length)] : random.int(text.length + 1);
  switch (random.int(4)) {
    case 0:
    case 1:
      return text.slice(0, at) + SNIPPETS[random.int(SNIPPETS.length)] + text.slice(at);
    case 2:
      return text.slice(0, at) + text.slice(Math.min(text.length, at + 1 + random.int(random.bernoulli(0.5) ? 3 : 40)));
    default: {
      // A line cut from one place and put at another.
      const line = random.int(lineStarts.length);
      const end = lineStarts[line + 1] ?? text.length;
      const cut = text.slice(0, lineStarts[line]) + text.slice(end);
      const to = random.int(cut.length + 1);
      return cut.slice(0, to) + text.slice(lineStarts[line], end) + cut.slice(to);
    }
  }
}

/**
 * Each source edited EDITS times in a row, with the text after each edit. A quarter of the steps go back to the
 * original: edits pile up errors, and after an unclosed block the rest of a file is parsed whole, so short runs
 * of edits keep every path of the incremental parser in use (blocks reused clean, reused with errors, and the
 * rest parsed whole).
 */
function* editedTexts(source: { file: string; text: string }, random: Random): Generator<string> {
  let text = source.text;
  for (let i = 0; i < EDITS; i++) {
    text = random.bernoulli(0.25) ? source.text : edit(text, random);
    yield text;
  }
}

describe('incremental parsing', () => {
  test('the blocks of a file are its text, cut at lines that begin with a top-level keyword', () => {
    const text = '# head\nimport "a.fpn"\npyramid a {\n  pyramid x\n}\n\npyramids b\ndetector d {\n}\r\ntrain t {}';
    const blocks = splitBlocks(text);
    expect(blocks.map((b) => b.text)).toEqual(['# head\n', 'import "a.fpn"\n', 'pyramid a {\n  pyramid x\n}\n\npyramids b\n', 'detector d {\n}\r\n', 'train t {}']);
    expect(blocks.map((b) => b.origin)).toEqual([{ offset: 0, line: 1 }, { offset: 7, line: 2 }, { offset: 22, line: 3 }, { offset: 60, line: 8 }, { offset: 76, line: 10 }]);
  });

  // Blocks whose parse on their own differs from their parse in the file: the incremental parser must notice.
  test.each([
    ['a list of names cut short: recovery takes the next block\'s keyword for a name', 'import { a,\npyramid p {\n  inputs P3..P7\n}\n'],
    ['an import without its path', 'import { a, b } from\npyramid p {\n}\n'],
    ['a cell cut short', 'pyramid p {\n  inputs P3..P7\n  cell c @P4 = sum(P3\npyramid q {\n}\n'],
    ['a cell cut after a comma', 'pyramid p {\n  cell c @P4 = sum(P3,\npyramid q {\n}\n'],
    ['a block without its {', 'pyramid p\npyramid q {\n}\n'],
    ['a stray } at the top level', 'pyramid p {\n  inputs\n}\n}\npyramid q {\n  x 1\n}\n'],
    ['a stray { at the top level', 'pyramid p {\n}\n{\npyramid q {\n}\n'],
    ['a block closed by the next one\'s }', 'pyramid p {\n  x 1\npyramid q {\n}\n'],
  ])('%s', (_, text) => {
    expect(new IncrementalParser().parse(text, '/w/tricky.fpn')).toEqual(parseFpn(text, '/w/tricky.fpn'));
  });

  test.each(sources)('$file: after every random edit, the tree and the diagnostics are parseFpn\'s', (source) => {
    const random = Random.seeded(SEED).fork(source.file);
    const parser = new IncrementalParser();
    let edits = 0;
    for (const text of editedTexts(source, random)) {
      edits++;
      const incremental = parser.parse(text, source.file);
      const full = parseFpn(text, source.file);
      if (!isDeepStrictEqual(incremental, full)) {
        // The failing text, to reproduce it; toEqual shows the difference.
        expect({ edit: edits, text, result: incremental }).toEqual({ edit: edits, text, result: full });
      }
      const checked = checkText(text, source.file, undefined, parser.parse).diagnostics;
      const checkedFull = checkText(text, source.file).diagnostics;
      if (!isDeepStrictEqual(checked, checkedFull)) expect({ edit: edits, text, checked }).toEqual({ edit: edits, text, checked: checkedFull });
    }
    expect(edits).toBe(EDITS);
  });

  test('the language service publishes the same diagnostics as with parseFpn while a file is typed', () => {
    const random = Random.seeded(SEED).fork('service');
    const incremental = new LanguageService();
    const full = new LanguageService(undefined, parseFpn);
    const uri = 'untitled:typed.fpn';
    let version = 0;
    for (const text of editedTexts({ file: '/w/typed.fpn', text: all }, random)) {
      version++;
      incremental.update(uri, text, version);
      full.update(uri, text, version);
      expect(incremental.diagnostics(uri)).toEqual(full.diagnostics(uri));
    }
  });
});
