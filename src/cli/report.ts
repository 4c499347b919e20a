// Printing diagnostics: for people (file:line:col, severity, code, message, a code frame, the hint) or as
// JSON for editors and CI. The diagnostics themselves are data (src/diagnostics).
import { relative } from 'node:path';
import { CODES, type Code } from '../diagnostics/codes.js';
import type { Diagnostic } from '../diagnostics/diagnostics.js';
import { terminalLine } from '../util/escape.js';

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

/** A path as a terminal shows it: relative to the working folder when inside it, control characters escaped. */
export const displayPath = (file: string): string => terminalLine(relativePath(file));

/** A path relative to the working folder when inside it (as written into files, e.g. a model's metadata). */
export const relativePath = (file: string): string => {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
};

export function toJson(d: Diagnostic): JsonDiagnostic {
  return {
    code: d.code, name: CODES[d.code], severity: d.severity, message: d.message,
    file: relativePath(d.range.file), line: d.range.start.line, column: d.range.start.column,
    endLine: d.range.end.line, endColumn: d.range.end.column, hint: d.hint ?? null,
  };
}

/** Colour only for a terminal, and never when NO_COLOR is set. */
export const colorFor = (stream: NodeJS.WriteStream): boolean => Boolean(stream.isTTY) && !process.env.NO_COLOR;
const paint = (code: string, text: string, color: boolean) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const severityColor = { error: '31;1', warning: '33;1', info: '36' } as const;

/**
 * The lines of each source text, split once per text: a file with thousands of diagnostics (a large pyramid's
 * dangling-sum notes) would otherwise be split again for every code frame, quadratic in the file's size.
 */
const linesBySources = new WeakMap<ReadonlyMap<string, string>, Map<string, string[]>>();

function sourceLines(sources: ReadonlyMap<string, string>, file: string): string[] | undefined {
  let byFile = linesBySources.get(sources);
  if (!byFile) linesBySources.set(sources, (byFile = new Map()));
  let lines = byFile.get(file);
  if (lines === undefined) {
    const text = sources.get(file);
    if (text === undefined) return undefined;
    byFile.set(file, (lines = text.split(/\r\n|\r|\n/)));
  }
  return lines;
}

/** The widest piece of a source line a code frame shows; a longer line is cut around the range, with … marks. */
const FRAME_COLUMNS = 120;
/** How much of a long line a frame shows before the range starts. */
const FRAME_LEAD = 40;

/**
 * One diagnostic with a code frame: the line before, the line itself with carets under the range. File text,
 * paths and messages are shown through terminalLine, so a control character in the file (ESC, BEL) is printed
 * as `\x1b` instead of reaching the terminal; the carets stay under the escaped text. Lines longer than
 * FRAME_COLUMNS are shown around the range only (a generated file may hold megabytes on one line).
 */
export function formatDiagnostic(d: Diagnostic, sources: ReadonlyMap<string, string>, color = false): string {
  const { start, end } = d.range;
  const head = `${displayPath(d.range.file)}:${start.line}:${start.column}: ${paint(severityColor[d.severity], d.severity, color)} ${d.code} ${CODES[d.code]}: ${terminalLine(d.message)}`;
  const out = [head];
  const lines = sourceLines(sources, d.range.file);
  if (lines !== undefined) {
    const lineText = lines[start.line - 1] ?? '';
    // The columns [from, to) shown of every row, the same for both rows so that they stay aligned.
    const from = lineText.length > FRAME_COLUMNS ? Math.max(0, start.column - 1 - FRAME_LEAD) : 0;
    const to = from + FRAME_COLUMNS;
    const shown = (text: string) => `${from > 0 ? '…' : ''}${terminalLine(text.slice(from, to))}${text.length > to ? '…' : ''}`;
    const gutter = String(start.line).length;
    const row = (n: number, marker: string) => `${marker} ${String(n).padStart(gutter)} | ${shown(lines[n - 1] ?? '')}`;
    if (start.line > 1) out.push(row(start.line - 1, ' '));
    out.push(row(start.line, paint(severityColor[d.severity], '>', color)));
    const caretEnd = Math.min(end.line === start.line ? end.column : lineText.length + 1, to + 1);
    const before = (from > 0 ? 1 : 0) + terminalLine(lineText.slice(from, start.column - 1)).length;
    const width = Math.max(1, terminalLine(lineText.slice(start.column - 1, caretEnd - 1)).length);
    out.push(`  ${' '.repeat(gutter)} | ${' '.repeat(before)}${paint(severityColor[d.severity], '^'.repeat(width), color)}`);
  }
  if (d.hint) out.push(`  ${paint('2', 'hint:', color)} ${terminalLine(d.hint)}`);
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
