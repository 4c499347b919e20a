// Printing diagnostics: for people (file:line:col, severity, code, message, a code frame, the hint) or as
// JSON for editors and CI. The diagnostics themselves are data (src/diagnostics).
import { relative } from 'node:path';
import { CODES, type Code } from '../diagnostics/codes.js';
import type { Diagnostic } from '../diagnostics/diagnostics.js';

export interface JsonDiagnostic {
  code: Code;
  name: string;
  severity: string;
  message: string;
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  hint: string | null;
}

export const displayPath = (file: string): string => {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
};

export function toJson(d: Diagnostic): JsonDiagnostic {
  return {
    code: d.code, name: CODES[d.code], severity: d.severity, message: d.message,
    file: displayPath(d.range.file), line: d.range.start.line, column: d.range.start.column,
    endLine: d.range.end.line, endColumn: d.range.end.column, hint: d.hint ?? null,
  };
}

/** Colour only for a terminal, and never when NO_COLOR is set. */
export const colorFor = (stream: NodeJS.WriteStream): boolean => Boolean(stream.isTTY) && !process.env.NO_COLOR;
const paint = (code: string, text: string, color: boolean) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const severityColor = { error: '31;1', warning: '33;1', info: '36' } as const;

/** One diagnostic with a code frame: the line before, the line itself with carets under the range. */
export function formatDiagnostic(d: Diagnostic, sources: ReadonlyMap<string, string>, color = false): string {
  const { start, end } = d.range;
  const head = `${displayPath(d.range.file)}:${start.line}:${start.column}: ${paint(severityColor[d.severity], d.severity, color)} ${d.code} ${CODES[d.code]}: ${d.message}`;
  const out = [head];
  const text = sources.get(d.range.file);
  if (text !== undefined) {
    const lines = text.split(/\r\n|\r|\n/);
    const gutter = String(start.line).length;
    const row = (n: number, marker: string) => `${marker} ${String(n).padStart(gutter)} | ${lines[n - 1] ?? ''}`;
    if (start.line > 1) out.push(row(start.line - 1, ' '));
    out.push(row(start.line, paint(severityColor[d.severity], '>', color)));
    const lineText = lines[start.line - 1] ?? '';
    const caretEnd = end.line === start.line ? end.column : lineText.length + 1;
    const width = Math.max(1, caretEnd - start.column);
    out.push(`  ${' '.repeat(gutter)} | ${' '.repeat(start.column - 1)}${paint(severityColor[d.severity], '^'.repeat(width), color)}`);
  }
  if (d.hint) out.push(`  ${paint('2', 'hint:', color)} ${d.hint}`);
  return out.join('\n');
}

/** Prints diagnostics with their code frames, coloured when `stream` is a terminal. */
export function printDiagnostics(diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>, stream = process.stderr): void {
  const color = colorFor(stream);
  for (const d of diagnostics) stream.write(formatDiagnostic(d, sources, color) + '\n\n');
}

export function summary(diagnostics: readonly Diagnostic[]): string {
  const count = (s: Diagnostic['severity']) => diagnostics.filter((d) => d.severity === s).length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(count('error'), 'error')}, ${plural(count('warning'), 'warning')}`;
}
