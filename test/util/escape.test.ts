// The escaping of untrusted text into each output context (src/util/escape.ts) and the table of hidden
// characters behind it (src/util/hidden-characters.ts).
import { transformSync } from 'esbuild';
import { describe, expect, test } from 'vitest';
import { escapeXml, terminalLine, terminalText, tsIdentifier, tsLineComment, tsStringLiteral, visibleEscape } from '../../src/util/escape.js';
import { describeCodePoint, hiddenCharacterPattern, hiddenKind } from '../../src/util/hidden-characters.js';

/** Everything the issue lists as hostile: line ends of every kind, quotes, template syntax, comment ends, terminal control, bidi, NUL, markup. */
const HOSTILE = 'a\nb\rc\u2028d\u2029e`${x}`*/"\'\\ \x1b]0;pwned\x07\x1b[2J \u202etxt.exe\u202c \0 </script><img src=x onerror=alert(1)> \u200b\u{e0041}';

/** The raw bytes a terminal obeys (C0 but TAB, DEL, C1). */
const RAW_CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;

describe('hidden characters', () => {
  test('controls, bidi and invisible characters are hidden; TAB, ZWJ and ordinary text are not', () => {
    expect([0x00, 0x07, 0x0a, 0x0d, 0x1b, 0x7f, 0x85].map(hiddenKind)).toEqual(Array(7).fill('control'));
    expect([0x202a, 0x202e, 0x2066, 0x2069, 0x200e, 0x200f, 0x061c].map(hiddenKind)).toEqual(Array(7).fill('bidi'));
    expect([0x200b, 0x2028, 0x2029, 0xfeff, 0x00ad, 0xe0041].map(hiddenKind)).toEqual(Array(6).fill('invisible'));
    expect([0x09, 0x20, 0x41, 0xe9, 0x200d, 0xfe0f, 0x1f600].map(hiddenKind)).toEqual(Array(7).fill(null));
  });

  test('a code point is named as messages name it', () => {
    expect(describeCodePoint(0x202e)).toBe('U+202E RIGHT-TO-LEFT OVERRIDE');
    expect(describeCodePoint(0x1b)).toBe('U+001B ESCAPE');
    expect(describeCodePoint(0x00)).toBe('U+0000 NULL');
    expect(describeCodePoint(0x7f)).toBe('U+007F DELETE');
    expect(describeCodePoint(0x9b)).toBe('U+009B a C1 control character');
    expect(describeCodePoint(0xe0041)).toBe('U+E0041 a tag character');
  });

  test('the pattern finds exactly the hidden characters, and leaves the allowed ones', () => {
    const all = Array.from({ length: 0x3000 }, (_, c) => c).filter((c) => c < 0xd800 || c > 0xdfff);
    const text = String.fromCodePoint(...all, 0xe0001, 0xe007f, 0xe0080);
    const found = [...text.matchAll(hiddenCharacterPattern())].map((m) => m[0].codePointAt(0)!);
    expect(found).toEqual([...all, 0xe0001, 0xe007f, 0xe0080].filter((c) => hiddenKind(c) !== null));
    expect([...'a\nb\x1b'.matchAll(hiddenCharacterPattern('\n'))].map((m) => m[0])).toEqual(['\x1b']);
  });
});

describe('escaping by output context', () => {
  test('visible escapes are the ones JavaScript writes', () => {
    expect(['\n', '\r', '\t', '\x1b', '\0', '\u202e', '\u{e0041}'].map(visibleEscape)).toEqual(['\\n', '\\r', '\\t', '\\x1b', '\\x00', '\\u202e', '\\u{e0041}']);
  });

  test('a terminal line holds no raw control, bidi or invisible character', () => {
    const line = terminalLine(HOSTILE);
    expect(line).not.toMatch(RAW_CONTROL);
    expect(line).not.toMatch(hiddenCharacterPattern());
    expect(line).toContain('\\x1b]0;pwned\\x07\\x1b[2J');
    expect(line).toContain('\\u202etxt.exe\\u202c');
    expect(terminalText('one\ntwo\x1b[2J')).toBe('one\ntwo\\x1b[2J');
    expect(terminalLine('plain text, ünïcödé, 😀')).toBe('plain text, ünïcödé, 😀');
  });

  test('a TypeScript line comment holds the whole text on its one line', () => {
    const source = `// ${tsLineComment(HOSTILE)}\nexport const after = 1;\n`;
    const { code } = transformSync(source, { loader: 'ts', format: 'esm', minify: true });
    // Only the declaration after the comment is code.
    expect(code.trim()).toBe('const t=1;export{t as after};');
    expect(source.split(/\r\n|[\n\r\u2028\u2029]/)).toHaveLength(3);
  });

  test('a TypeScript string literal has exactly the text as its value', () => {
    const literal = tsStringLiteral(HOSTILE);
    expect(literal).not.toMatch(/[\n\r\u2028\u2029]/);
    expect(literal).not.toMatch(hiddenCharacterPattern());
    expect(new Function(`return ${literal};`)()).toBe(HOSTILE);
    const { code } = transformSync(`export const s = ${literal};`, { loader: 'ts', format: 'esm' });
    expect(code).toContain('export');
  });

  test('a TypeScript identifier is valid and never a reserved word', () => {
    expect(tsIdentifier('stack2/cell3@P4')).toBe('stack2_cell3_P4');
    expect(tsIdentifier('3x')).toBe('_3x');
    expect(tsIdentifier('class')).toBe('class_');
    expect(tsIdentifier(HOSTILE)).toMatch(/^[A-Za-z_$][A-Za-z0-9_$]*$/);
    for (const word of ['delete', 'new', 'await', 'arguments']) expect(() => new Function(`const ${tsIdentifier(word)} = 1;`)).not.toThrow();
  });

  test('XML text and attributes hold markup only as entities and no character XML forbids', () => {
    const escaped = escapeXml(HOSTILE);
    expect(escaped).not.toMatch(/[<>"]/);
    expect(escaped).toContain('&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(escaped).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f\r]/);
    expect(escaped).toContain('&#13;');
    expect(escapeXml('a<b & "c">')).toBe('a&lt;b &amp; &quot;c&quot;&gt;');
    expect(escapeXml('lone \ud800 surrogate')).toBe('lone \\ud800 surrogate');
  });
});
