// FPN003: control, bidirectional and invisible characters anywhere in a .fpn file — in a comment, a string,
// or between tokens. A right-to-left override in a comment makes the line display in an order the parser does
// not read ("Trojan Source", CVE-2021-42574); an ESC in a string rewrites the terminal that shows it; a zero
// width space makes two names that look equal differ. rustc refuses the bidi controls in comments and
// literals by default; here every hidden character of src/util/hidden-characters.ts is an error, wherever it
// is, so what a reviewer sees is what the toolkit reads. TAB, the line ends, form feed, vertical tab and a
// byte-order mark at the very start are ordinary whitespace and stay allowed.
import type { IToken } from 'chevrotain';
import type { Diagnostic, SourceRange } from '../diagnostics/diagnostics.js';
import { describeCodePoint, hiddenCharacterPattern, hiddenKind, type HiddenKind } from '../util/hidden-characters.js';

const REPORTED = hiddenCharacterPattern('\n\r\f\v');
const BYTE_ORDER_MARK = '\ufeff';

/** Whether a character (by its offset) is one the lexer sees as whitespace or FPN003 reports: FPN001 skips these. */
export function isReportedHidden(text: string, offset: number): boolean {
  const codePoint = text.codePointAt(offset)!;
  if (codePoint === 0x0a || codePoint === 0x0d || codePoint === 0x0c || codePoint === 0x0b) return false;
  return hiddenKind(codePoint) !== null && !(offset === 0 && text[0] === BYTE_ORDER_MARK);
}

const WHAT: Record<HiddenKind, { what: string; hint: string }> = {
  bidi: {
    what: 'a bidirectional control, which displays the text in another order than it is read',
    hint: "delete it: it can make code and comments look like something else (Trojan Source, CVE-2021-42574); right-to-left words need no control character",
  },
  control: {
    what: 'a control character',
    hint: 'delete it: control characters do not show in an editor, and a terminal that prints this file would obey them',
  },
  invisible: {
    what: 'an invisible character',
    hint: 'delete it: it shows as nothing, so the text looks different from what is read (two names that look alike would differ)',
  },
};

/** The [start, end) offsets of tokens of one kind, in source order. */
const spans = (tokens: readonly IToken[]): [number, number][] =>
  tokens.map((t): [number, number] => [t.startOffset, t.startOffset + t.image.length]).sort((a, b) => a[0] - b[0]);

/** The index of the span holding `offset`, or -1. */
function spanAt(sorted: readonly [number, number][], offset: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid][1] <= offset) lo = mid + 1;
    else if (sorted[mid][0] > offset) hi = mid - 1;
    else return mid;
  }
  return -1;
}

interface Group {
  /** 'comment 3', 'string 0', or 'code' for characters between tokens. */
  container: string;
  where: string;
  start: number;
  end: number;
  first: number;
  count: number;
}

/**
 * FPN003 errors naming the first hidden character (`U+202E RIGHT-TO-LEFT OVERRIDE`) and where it is: one per
 * comment or string that holds any, and one per run of adjacent ones in the code. `strings` are the string
 * tokens, closed or not.
 */
export function hiddenCharacterDiagnostics(
  text: string,
  comments: readonly IToken[],
  strings: readonly IToken[],
  rangeOf: (start: number, end: number) => SourceRange,
): Diagnostic[] {
  const commentSpans = spans(comments);
  const stringSpans = spans(strings);
  const groups: Group[] = [];
  for (const match of text.matchAll(REPORTED)) {
    const offset = match.index!;
    if (offset === 0 && match[0] === BYTE_ORDER_MARK) continue;
    const comment = spanAt(commentSpans, offset);
    const string = comment < 0 ? spanAt(stringSpans, offset) : -1;
    const container = comment >= 0 ? `comment ${comment}` : string >= 0 ? `string ${string}` : 'code';
    const last = groups.at(-1);
    if (last && last.container === container && (container !== 'code' || last.end === offset)) {
      last.end = offset + match[0].length;
      last.count++;
      continue;
    }
    const where = comment >= 0 ? 'in a comment' : string >= 0 ? 'in a string' : 'in the code';
    groups.push({ container, where, start: offset, end: offset + match[0].length, first: match[0].codePointAt(0)!, count: 1 });
  }
  return groups.map((g) => {
    const { what, hint } = WHAT[hiddenKind(g.first)!];
    const more = g.count > 1 ? ` (and ${g.count - 1} more hidden character${g.count > 2 ? 's' : ''} after it)` : '';
    return { code: 'FPN003', severity: 'error', message: `${describeCodePoint(g.first)} ${g.where}${more}, ${what}`, hint, range: rangeOf(g.start, g.end) };
  });
}
