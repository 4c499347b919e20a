// Quick fixes: the checker's fixes (a diagnostic's hint as edits), one code action each.
import { CodeActionKind, type CodeAction, type Range } from 'vscode-languageserver-types';
import type { Analysis } from './analysis.js';
import { toEditorDiagnostic } from './diagnostics.js';
import { toRange } from './positions.js';

export function codeActions(analysis: Analysis, range: Range, uriOf: (path: string) => string): CodeAction[] {
  const from = analysis.lines.offsetAt(range.start);
  const to = analysis.lines.offsetAt(range.end);
  return analysis.diagnostics
    .filter((d) => d.fixes?.length && d.range.start.offset <= to && d.range.end.offset >= from)
    .flatMap((d) => d.fixes!.map((fix) => {
      const changes: Record<string, { range: Range; newText: string }[]> = {};
      for (const edit of fix.edits) (changes[uriOf(edit.range.file)] ??= []).push({ range: toRange(edit.range), newText: edit.newText });
      return {
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [toEditorDiagnostic(d, uriOf)],
        isPreferred: d.fixes!.length === 1,
        edit: { changes },
      };
    }));
}
