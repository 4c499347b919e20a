// Collects diagnostics while a check runs. Checks call `error`/`warning`/`info` with a code from the
// catalogue, the range to point at, what is wrong and how to fix it.
import type { Code } from '../diagnostics/codes.js';
import type { Diagnostic, Severity, SourceRange } from '../diagnostics/diagnostics.js';

export class Reporter {
  readonly diagnostics: Diagnostic[] = [];

  private add(severity: Severity, code: Code, range: SourceRange, message: string, hint?: string): void {
    this.diagnostics.push(hint ? { code, severity, message, hint, range } : { code, severity, message, range });
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

  get errorCount(): number {
    return this.diagnostics.filter((d) => d.severity === 'error').length;
  }
}
