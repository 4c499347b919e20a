// Formatting through `nasfpn fmt`'s formatter, as the smallest edits: the lines that differ between the
// text and its formatted form (a line diff), so the cursor and the undo history stay where they were. A
// file with syntax errors is left alone, as `fmt` leaves it. Range formatting applies the edits that touch
// the range's lines.
import type { Range, TextEdit } from 'vscode-languageserver-types';
import { formatFile } from '../format/format.js';
import { parseFpn } from '../parser/parse.js';
import type { Analysis } from './analysis.js';

/** The text as lines, each with its line break (the last one may have none). */
const linesOf = (text: string): string[] => text.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g) ?? [];

export function formatEdits(analysis: Analysis, range?: Range): TextEdit[] {
  const { ast, diagnostics } = parseFpn(analysis.text, analysis.path);
  if (diagnostics.length) return [];
  const formatted = formatFile(ast);
  if (formatted === analysis.text) return [];
  const before = linesOf(analysis.text);
  const after = linesOf(formatted);
  const starts = [0];
  for (const line of before) starts.push(starts[starts.length - 1] + line.length);
  // Line i of the text is element i of `before`, so a hunk's line numbers are editor lines.
  const touched = (hunk: Hunk) => !range || (hunk.from <= range.end.line && Math.max(hunk.to - 1, hunk.from) >= range.start.line);
  return lineDiff(before, after).filter(touched).map((hunk) => ({
    range: analysis.lines.rangeOf(starts[hunk.from], starts[hunk.to]),
    newText: after.slice(hunk.newFrom, hunk.newTo).join(''),
  }));
}

/** The largest table lineDiff fills (4 M cells, 16 MB): two 2,000-line texts that differ everywhere. */
const MAX_DIFF_CELLS = 4_000_000;

interface Hunk {
  /** Lines [from, to) of the old text become lines [newFrom, newTo) of the new one. */
  from: number;
  to: number;
  newFrom: number;
  newTo: number;
}

/** The changed runs of lines between two texts: a longest-common-subsequence diff (O(n·m) in the changed middle). */
function lineDiff(a: string[], b: string[]): Hunk[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);
  // Past a few million cells the table costs more than it saves: replace the changed middle whole.
  if (x.length * y.length > MAX_DIFF_CELLS) return [{ from: head, to: head + x.length, newFrom: head, newTo: head + y.length }];
  // lcs[i][j]: the longest common subsequence of x[i:] and y[j:].
  const lcs = Array.from({ length: x.length + 1 }, () => new Uint32Array(y.length + 1));
  for (let i = x.length - 1; i >= 0; i--) {
    for (let j = y.length - 1; j >= 0; j--) lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const hunks: Hunk[] = [];
  let i = 0;
  let j = 0;
  let open: Hunk | null = null;
  const close = () => {
    if (open) hunks.push(open);
    open = null;
  };
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      close();
      i++;
      j++;
      continue;
    }
    open ??= { from: head + i, to: head + i, newFrom: head + j, newTo: head + j };
    if (j < y.length && (i === x.length || lcs[i][j + 1] >= lcs[i + 1][j])) {
      j++;
      open.newTo = head + j;
    } else {
      i++;
      open.to = head + i;
    }
  }
  close();
  return hunks;
}
