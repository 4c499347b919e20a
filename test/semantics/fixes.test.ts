// The checker's quick fixes and related locations, on the checker fixtures (test/fixtures/check): every fix
// of every diagnostic, applied to the file, removes that diagnostic and adds no syntax error; the related
// locations point at the other occurrence of the name the diagnostic is about.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Diagnostic, TextEdit } from '../../src/diagnostics/diagnostics.js';
import { checkFile, checkText } from '../../src/semantics/program.js';
import { fileHost } from '../../src/semantics/file-host.js';

const ROOT = resolve('test/fixtures/check');
const cases = readdirSync(ROOT).filter((name) => !name.startsWith('valid-')).sort();

/** Applies edits (offsets into `text`, not overlapping) from the last to the first. */
function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.range.start.offset - a.range.start.offset || b.range.end.offset - a.range.end.offset);
  for (const e of sorted) text = text.slice(0, e.range.start.offset) + e.newText + text.slice(e.range.end.offset);
  return text;
}

interface Found {
  fixture: string;
  input: string;
  text: string;
  diagnostic: Diagnostic;
}

const found: Found[] = cases.flatMap((fixture) => {
  const input = join(ROOT, fixture, 'input.fpn');
  return checkFile(input, fileHost).diagnostics
    .filter((d) => d.range.file === input)
    .map((diagnostic) => ({ fixture, input, text: readFileSync(input, 'utf8'), diagnostic }));
});
const withFixes = found.filter((f) => f.diagnostic.fixes?.length);
/** How many diagnostics say the same as `d` (code and message; a fix may move the place it is reported at). */
const same = (diagnostics: Diagnostic[], d: Diagnostic) => diagnostics.filter((x) => x.code === d.code && x.message === d.message).length;
const syntaxErrors = (diagnostics: Diagnostic[]) => diagnostics.filter((d) => d.code === 'FPN001' || d.code === 'FPN002').length;
const textAt = (text: string, d: { range: { start: { offset: number }; end: { offset: number } } }) => text.slice(d.range.start.offset, d.range.end.offset);

describe('quick fixes', () => {
  test('the fixtures exercise the fixes of these codes', () => {
    const codes = new Set(withFixes.map((f) => f.diagnostic.code));
    for (const code of ['FPN013', 'FPN100', 'FPN104', 'FPN110', 'FPN122', 'FPN131', 'FPN132', 'FPN200', 'FPN203', 'FPN210', 'FPN214', 'FPN215', 'FPN217']) {
      expect(codes, code).toContain(code);
    }
  });

  test.each(withFixes.flatMap((f) => f.diagnostic.fixes!.map((fix) => [`${f.fixture} ${f.diagnostic.code}: ${fix.title}`, f, fix] as const)))(
    '%s',
    (_, { input, text, diagnostic }, fix) => {
      expect(fix.edits.every((e) => e.range.file === input)).toBe(true);
      const before = checkText(text, input, fileHost).diagnostics;
      const fixed = applyEdits(text, fix.edits);
      const after = checkText(fixed, input, fileHost).diagnostics;
      expect(same(after, diagnostic), fixed).toBeLessThan(same(before, diagnostic));
      expect(syntaxErrors(after), fixed).toBeLessThanOrEqual(syntaxErrors(before));
    },
  );
});

describe('related locations', () => {
  test.each(found.filter((f) => f.diagnostic.related?.length).map((f) => [`${f.fixture} ${f.diagnostic.code}`, f] as const))('%s', (_, { text, diagnostic }) => {
    for (const related of diagnostic.related!) {
      expect(related.message.trim()).not.toBe('');
      expect(related.range.start.offset).not.toBe(diagnostic.range.start.offset);
      const where = related.range.file === diagnostic.range.file ? text : readFileSync(related.range.file, 'utf8');
      // The related place names the same thing (a duplicate's first declaration), or declares the inputs.
      const named = textAt(where, related);
      if (!named.startsWith('inputs')) expect(named).toMatch(/^[A-Za-z_]\w*$/);
    }
  });

  test('duplicates point at their first declaration', () => {
    const duplicate = found.find((f) => f.diagnostic.code === 'FPN104' && f.diagnostic.message.includes('already defined above'))!;
    expect(textAt(duplicate.text, duplicate.diagnostic.related![0])).toBe(textAt(duplicate.text, duplicate.diagnostic));
    expect(duplicate.diagnostic.related![0].range.start.line).toBeLessThan(duplicate.diagnostic.range.start.line);
  });
});
