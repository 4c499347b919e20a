// Collects diagnostics while a check runs. Checks call `error`/`warning`/`info` with a code from the
// catalogue, the range to point at, what is wrong and how to fix it.
import type { Code } from '../diagnostics/codes.js';
import type { Diagnostic, Fix, RelatedLocation, Severity, SourceRange } from '../diagnostics/diagnostics.js';

/** What a diagnostic may carry besides its message and hint: the places it concerns, and the hint as edits. */
export interface Extras {
  related?: RelatedLocation[];
  fixes?: Fix[];
}

/**
 * A name in the text that the checker resolved: to a declaration of a kind (looked up in the file's scope once
 * the file is read), or to a layer of a pyramid (a cell, or the `inputs` line that declares the input levels).
 * Editors follow these for go to definition, references and rename.
 */
export type NameUse =
  | { kind: 'pyramid' | 'detector' | 'train'; name: string; range: SourceRange }
  | { kind: 'layer'; name: string; range: SourceRange; definition: SourceRange };

export class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  readonly uses: NameUse[] = [];
  private errors = 0;

  /** `sources`: the text of the files being checked, for fixes that move text (see wholeLine). */
  constructor(private readonly sources: ReadonlyMap<string, string> = new Map()) {}

  /**
   * The line holding `range`, line end included, when it holds nothing else (spaces and a comment aside);
   * null otherwise, or when the text is not known. Fixes that move a statement move this.
   */
  wholeLine(range: SourceRange): { range: SourceRange; text: string } | null {
    const text = this.sources.get(range.file);
    if (text === undefined || range.start.line !== range.end.line) return null;
    const start = range.start.offset - (range.start.column - 1);
    const lineEnd = /\r\n|\r|\n/g;
    lineEnd.lastIndex = range.end.offset;
    const found = lineEnd.exec(text);
    if (!found) return null;
    const end = found.index + found[0].length;
    const before = text.slice(start, range.start.offset);
    const after = text.slice(range.end.offset, found.index);
    if (before.trim() !== '' || !/^\s*(#.*)?$/.test(after)) return null;
    return {
      range: { file: range.file, start: { line: range.start.line, column: 1, offset: start }, end: { line: range.start.line + 1, column: 1, offset: end } },
      text: text.slice(start, end),
    };
  }

  private add(severity: Severity, code: Code, range: SourceRange, message: string, hint?: string, extras: Extras = {}): void {
    const diagnostic: Diagnostic = hint ? { code, severity, message, hint, range } : { code, severity, message, range };
    if (extras.related?.length) diagnostic.related = extras.related;
    if (extras.fixes?.length) diagnostic.fixes = extras.fixes;
    this.record(diagnostic);
  }

  /** A diagnostic made elsewhere (the parser's). */
  record(diagnostic: Diagnostic): void {
    this.diagnostics.push(diagnostic);
    if (diagnostic.severity === 'error') this.errors++;
  }

  error(code: Code, range: SourceRange, message: string, hint?: string, extras?: Extras): void {
    this.add('error', code, range, message, hint, extras);
  }

  warning(code: Code, range: SourceRange, message: string, hint?: string, extras?: Extras): void {
    this.add('warning', code, range, message, hint, extras);
  }

  info(code: Code, range: SourceRange, message: string, hint?: string, extras?: Extras): void {
    this.add('info', code, range, message, hint, extras);
  }

  /** Records a resolved name (see NameUse). */
  use(use: NameUse): void {
    this.uses.push(use);
  }

  /** Errors so far, counted as they come: checks ask before and after every declaration. */
  get errorCount(): number {
    return this.errors;
  }
}
