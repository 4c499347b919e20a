// The checker's diagnostics as the editor protocol has them: the same code, message, range and severity as
// `nasfpn check --format json` prints (ranges shifted to count from 0), the related places, and a tag where
// the editor can show it (unused code faded).
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic as EditorDiagnostic } from 'vscode-languageserver-types';
import { CODES } from '../diagnostics/codes.js';
import type { Diagnostic, Severity } from '../diagnostics/diagnostics.js';
import { assertNever } from '../util/assert-never.js';
import { toRange } from './positions.js';

/** Where the diagnostics come from, as editors show it. */
export const DIAGNOSTIC_SOURCE = 'nasfpn';

const severity = (s: Severity): DiagnosticSeverity => {
  switch (s) {
    case 'error':
      return DiagnosticSeverity.Error;
    case 'warning':
      return DiagnosticSeverity.Warning;
    case 'info':
      return DiagnosticSeverity.Information;
    default:
      return assertNever(s, 'severity');
  }
};

/** Codes whose range is code that does nothing (editors fade it). */
const UNNECESSARY = new Set(['FPN142']);

export function toEditorDiagnostic(d: Diagnostic, uriOf: (path: string) => string): EditorDiagnostic {
  const out: EditorDiagnostic = { range: toRange(d.range), severity: severity(d.severity), code: d.code, source: DIAGNOSTIC_SOURCE, message: d.message };
  if (d.related?.length) out.relatedInformation = d.related.map((r) => ({ location: { uri: uriOf(r.range.file), range: toRange(r.range) }, message: r.message }));
  if (UNNECESSARY.has(d.code)) out.tags = [DiagnosticTag.Unnecessary];
  // The name and the hint travel along (the protocol has no field for a hint; hovers and quick fixes show it).
  out.data = { name: CODES[d.code], hint: d.hint ?? null };
  return out;
}
