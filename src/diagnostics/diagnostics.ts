// Diagnostics are data: a stable code, a severity, a message that says what is wrong, a hint that says how
// to fix it, and the source range. Printing them (human code frames or JSON) lives in src/cli/report.ts.
// This is the ground floor: the parser, the checker and the interchange formats all report through it, so it
// imports nothing but its own code table.
import type { Code } from './codes.js';

export type { Code } from './codes.js';

/** 1-based line and column, as editors show them; `offset` is the 0-based character offset. */
export interface Position {
  line: number;
  column: number;
  offset: number;
}

/** A half-open source range [start, end) in one file. */
export interface SourceRange {
  file: string;
  start: Position;
  end: Position;
}

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  code: Code;
  severity: Severity;
  message: string;
  hint?: string;
  range: SourceRange;
  /** Other places the diagnostic concerns, e.g. the first of two duplicates (editors show them beside it). */
  related?: RelatedLocation[];
  /** Edits that carry out the hint (editors offer them as quick fixes); each fix is complete on its own. */
  fixes?: Fix[];
}

export interface RelatedLocation {
  range: SourceRange;
  message: string;
}

/** Replace the text in `range` with `newText` (an empty range inserts, an empty text deletes). */
export interface TextEdit {
  range: SourceRange;
  newText: string;
}

export interface Fix {
  /** What the fix does, as a menu entry: "Rename to 'n5_2'". */
  title: string;
  edits: TextEdit[];
}

export const hasErrors = (diagnostics: readonly Diagnostic[]): boolean =>
  diagnostics.some((d) => d.severity === 'error');

/** Where a piece of a file begins in the file: its offset, and its (1-based) line. */
export interface TextOrigin {
  offset: number;
  line: number;
}

export const START_OF_FILE: TextOrigin = { offset: 0, line: 1 };

/**
 * Returns a function that turns [start, end) character offsets of `text` into a SourceRange. When `text` is a
 * piece of the file that begins at `origin` (which must be the start of a line, so columns need no shift), the
 * ranges are the file's.
 */
export function rangeMaker(text: string, file: string, origin: TextOrigin = START_OF_FILE): (startOffset: number, endOffset: number) => SourceRange {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  // Ranges are mostly asked for in source order: try the line of the last answer (and the next) first.
  let lastLine = 0;
  const isOn = (line: number, offset: number) => line < starts.length && starts[line] <= offset && (line + 1 === starts.length || offset < starts[line + 1]);
  const positionAt = (offset: number): Position => {
    if (!isOn(lastLine, offset)) lastLine = isOn(lastLine + 1, offset) ? lastLine + 1 : lineOf(offset);
    return { line: lastLine + origin.line, column: offset - starts[lastLine] + 1, offset: offset + origin.offset };
  };
  const lineOf = (offset: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  return (startOffset, endOffset) => ({ file, start: positionAt(startOffset), end: positionAt(endOffset) });
}
