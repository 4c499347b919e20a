// Diagnostics are data: a stable code, a severity, a message that says what is wrong, a hint that says how
// to fix it, and the source range. Printing them (human code frames or JSON) lives in src/cli/report.ts.

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
  code: string;
  severity: Severity;
  message: string;
  hint?: string;
  range: SourceRange;
}

export const hasErrors = (diagnostics: readonly Diagnostic[]): boolean =>
  diagnostics.some((d) => d.severity === 'error');
