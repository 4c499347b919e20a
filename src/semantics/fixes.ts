// Fixes: a diagnostic's hint as edits an editor can apply (quick fixes). Each check builds its own from
// these pieces; the edits point into the text the diagnostic is about.
import type { Fix, SourceRange, TextEdit } from '../diagnostics/diagnostics.js';

/** A fix that replaces the text of `range` with `text`. */
export const replaceWith = (range: SourceRange, text: string): Fix => ({ title: `Change to '${text}'`, edits: [{ range, newText: text }] });

/** A fix that renames the name at `range` (its declaration only; later uses keep naming the first one). */
export const renameFix = (range: SourceRange, newName: string): Fix => ({ title: `Rename to '${newName}'`, edits: [{ range, newText: newName }] });

/** `name` with the first suffix _2, _3, … that is not in `taken`. */
export function freshName(name: string, taken: ReadonlySet<string>): string {
  for (let n = 2; ; n++) {
    const candidate = `${name}_${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** Inserts `text` at `at` (the start of a range). */
export const insertAt = (at: SourceRange, text: string): TextEdit => ({ range: { file: at.file, start: at.start, end: at.start }, newText: text });

/** Moves a whole line (see Reporter.wholeLine) to the start of the line holding `before`: delete it there, insert it here. */
export function moveLine(line: { range: SourceRange; text: string }, before: SourceRange): TextEdit[] {
  const target = { line: before.start.line, column: 1, offset: before.start.offset - (before.start.column - 1) };
  return [
    { range: { file: before.file, start: target, end: target }, newText: line.text },
    { range: line.range, newText: '' },
  ];
}
