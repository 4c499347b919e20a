// Collects diagnostics while a check runs. Checks call `error`/`warning`/`info` with a code from the
// catalogue, the range to point at, what is wrong and how to fix it.
import type { Code } from '../diagnostics/codes.js';
import type { Diagnostic, Severity, SourceRange } from '../diagnostics/diagnostics.js';

export class Reporter {
  readonly diagnostics: Diagnostic[] = [];
  private errors = 0;

  private add(severity: Severity, code: Code, range: SourceRange, message: string, hint?: string): void {
    this.record(hint ? { code, severity, message, hint, range } : { code, severity, message, range });
  }

  /** A diagnostic made elsewhere (the parser's). */
  record(diagnostic: Diagnostic): void {
    this.diagnostics.push(diagnostic);
    if (diagnostic.severity === 'error') this.errors++;
  }

  error(code: Code, range: SourceRange, message: string, hint?: string): void {
    this.add('error', code, range, message, hint);
  }

  warning(code: Code, range: SourceRange, message: string, hint?: string): void {
    this.add('warning', code, range, message, hint);
  }

  info(code: Code, range: SourceRange, message: string, hint?: string): void {
    this.add('info', code, range, message, hint);
  }

  /** Errors so far, counted as they come: checks ask before and after every declaration. */
  get errorCount(): number {
    return this.errors;
  }
}
