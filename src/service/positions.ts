// Positions, in the one place they are converted. The checker's ranges count lines and columns from 1 (as
// `nasfpn check` prints them) and carry the 0-based offset; the editor protocol counts both from 0. Columns
// are UTF-16 code units on both sides (JavaScript strings are UTF-16, and so is the protocol's default), and
// both break lines at \n, \r\n and a lone \r, so the conversion is a shift by one.
import type { Position, Range } from 'vscode-languageserver-types';
import type { SourceRange } from '../diagnostics/diagnostics.js';

/** A checker range as an editor range. */
export const toRange = (range: SourceRange): Range => ({
  start: { line: range.start.line - 1, character: range.start.column - 1 },
  end: { line: range.end.line - 1, character: range.end.column - 1 },
});

/** Where each line of a text starts, for offset ↔ position in both directions. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) this.starts.push(i + 1);
    }
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** The offset of an editor position, clamped into the text (a character past the line's end is its end). */
  offsetAt(position: Position): number {
    if (position.line < 0) return 0;
    if (position.line >= this.starts.length) return this.text.length;
    const start = this.starts[position.line];
    return Math.min(start + Math.max(0, position.character), this.lineEnd(position.line));
  }

  positionAt(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= clamped) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: clamped - this.starts[lo] };
  }

  rangeOf(start: number, end: number): Range {
    return { start: this.positionAt(start), end: this.positionAt(end) };
  }

  /** The offset just before the line break of `line`. */
  lineEnd(line: number): number {
    const next = line + 1 < this.starts.length ? this.starts[line + 1] : this.text.length;
    let end = next;
    if (end > this.starts[line] && this.text.charCodeAt(end - 1) === 10) end--;
    if (end > this.starts[line] && this.text.charCodeAt(end - 1) === 13) end--;
    return end;
  }

  lineText(line: number): string {
    return this.text.slice(this.starts[line], this.lineEnd(line));
  }

  lineStart(line: number): number {
    return this.starts[Math.max(0, Math.min(line, this.starts.length - 1))];
  }
}

/** Does [start, end) contain `offset`, counting its end too (a cursor just after a name is on it)? */
export const touches = (range: SourceRange, offset: number): boolean => range.start.offset <= offset && offset <= range.end.offset;

/** Do two checker ranges denote the same place? */
export const sameRange = (a: SourceRange, b: SourceRange): boolean =>
  a.file === b.file && a.start.offset === b.start.offset && a.end.offset === b.end.offset;
