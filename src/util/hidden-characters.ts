// The code points that change how text looks or behaves without showing themselves: control characters
// (a terminal obeys ESC and BEL; JavaScript ends a line at CR, U+2028 and U+2029), bidirectional formatting
// characters (they reorder what a reader sees, so text reads differently from what a parser reads: "Trojan
// Source", CVE-2021-42574) and invisible characters (zero-width spaces, fillers, tag characters that smuggle
// text past a reader). One table for the whole toolkit: the .fpn checker refuses them in a file (FPN003) and
// src/util/escape.ts shows them as visible escapes in every output.
//
// Left out on purpose: TAB (ordinary whitespace), ZERO WIDTH JOINER / NON-JOINER (U+200C, U+200D) and the
// variation selectors, which emoji sequences and several scripts (Persian, the Indic scripts) need to be
// written at all. The bidi list is the one rustc's `text_direction_codepoint_in_literal` lint uses.

/** What kind of hidden code point a character is. */
export type HiddenKind = 'control' | 'bidi' | 'invisible';

/** The bidirectional formatting characters (Unicode's Bidi_Control property), by code point. */
const BIDI_NAMES: ReadonlyMap<number, string> = new Map([
  [0x061c, 'ARABIC LETTER MARK'],
  [0x200e, 'LEFT-TO-RIGHT MARK'],
  [0x200f, 'RIGHT-TO-LEFT MARK'],
  [0x202a, 'LEFT-TO-RIGHT EMBEDDING'],
  [0x202b, 'RIGHT-TO-LEFT EMBEDDING'],
  [0x202c, 'POP DIRECTIONAL FORMATTING'],
  [0x202d, 'LEFT-TO-RIGHT OVERRIDE'],
  [0x202e, 'RIGHT-TO-LEFT OVERRIDE'],
  [0x2066, 'LEFT-TO-RIGHT ISOLATE'],
  [0x2067, 'RIGHT-TO-LEFT ISOLATE'],
  [0x2068, 'FIRST STRONG ISOLATE'],
  [0x2069, 'POP DIRECTIONAL ISOLATE'],
]);

/** Characters that draw nothing (or a blank) yet are not whitespace a reader expects. */
const INVISIBLE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x00ad, 'SOFT HYPHEN'],
  [0x034f, 'COMBINING GRAPHEME JOINER'],
  [0x115f, 'HANGUL CHOSEONG FILLER'],
  [0x1160, 'HANGUL JUNGSEONG FILLER'],
  [0x17b4, 'KHMER VOWEL INHERENT AQ'],
  [0x17b5, 'KHMER VOWEL INHERENT AA'],
  [0x180e, 'MONGOLIAN VOWEL SEPARATOR'],
  [0x200b, 'ZERO WIDTH SPACE'],
  [0x2028, 'LINE SEPARATOR'],
  [0x2029, 'PARAGRAPH SEPARATOR'],
  [0x2060, 'WORD JOINER'],
  [0x2061, 'FUNCTION APPLICATION'],
  [0x2062, 'INVISIBLE TIMES'],
  [0x2063, 'INVISIBLE SEPARATOR'],
  [0x2064, 'INVISIBLE PLUS'],
  [0x206a, 'INHIBIT SYMMETRIC SWAPPING'],
  [0x206b, 'ACTIVATE SYMMETRIC SWAPPING'],
  [0x206c, 'INHIBIT ARABIC FORM SHAPING'],
  [0x206d, 'ACTIVATE ARABIC FORM SHAPING'],
  [0x206e, 'NATIONAL DIGIT SHAPES'],
  [0x206f, 'NOMINAL DIGIT SHAPES'],
  [0x3164, 'HANGUL FILLER'],
  [0xfeff, 'ZERO WIDTH NO-BREAK SPACE'],
  [0xffa0, 'HALFWIDTH HANGUL FILLER'],
  [0xfff9, 'INTERLINEAR ANNOTATION ANCHOR'],
  [0xfffa, 'INTERLINEAR ANNOTATION SEPARATOR'],
  [0xfffb, 'INTERLINEAR ANNOTATION TERMINATOR'],
]);

/** The tag characters (U+E0000–U+E007F): invisible copies of ASCII, used to hide text in plain sight. */
const TAGS = { first: 0xe0000, last: 0xe007f } as const;

/** The C0 control characters' names (Unicode name aliases), indexed by code point; DEL is 0x7f. */
const C0_NAMES = [
  'NULL', 'START OF HEADING', 'START OF TEXT', 'END OF TEXT', 'END OF TRANSMISSION', 'ENQUIRY', 'ACKNOWLEDGE', 'BELL',
  'BACKSPACE', 'CHARACTER TABULATION', 'LINE FEED', 'LINE TABULATION', 'FORM FEED', 'CARRIAGE RETURN', 'SHIFT OUT', 'SHIFT IN',
  'DATA LINK ESCAPE', 'DEVICE CONTROL ONE', 'DEVICE CONTROL TWO', 'DEVICE CONTROL THREE', 'DEVICE CONTROL FOUR',
  'NEGATIVE ACKNOWLEDGE', 'SYNCHRONOUS IDLE', 'END OF TRANSMISSION BLOCK', 'CANCEL', 'END OF MEDIUM', 'SUBSTITUTE', 'ESCAPE',
  'INFORMATION SEPARATOR FOUR', 'INFORMATION SEPARATOR THREE', 'INFORMATION SEPARATOR TWO', 'INFORMATION SEPARATOR ONE',
];

const TAB = 0x09;

/** The kind of hidden code point `codePoint` is, or null for an ordinary character (TAB included). */
export function hiddenKind(codePoint: number): HiddenKind | null {
  if (codePoint === TAB) return null;
  if (codePoint < 0x20 || (codePoint >= 0x7f && codePoint <= 0x9f)) return 'control';
  if (BIDI_NAMES.has(codePoint)) return 'bidi';
  if (INVISIBLE_NAMES.has(codePoint) || (codePoint >= TAGS.first && codePoint <= TAGS.last)) return 'invisible';
  return null;
}

/** `U+202E RIGHT-TO-LEFT OVERRIDE`: the code point and its name, as a message names it. */
export function describeCodePoint(codePoint: number): string {
  const hex = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = codePoint < 0x20 ? C0_NAMES[codePoint]
    : codePoint === 0x7f ? 'DELETE'
    : codePoint >= 0x80 && codePoint <= 0x9f ? 'a C1 control character'
    : BIDI_NAMES.get(codePoint) ?? INVISIBLE_NAMES.get(codePoint)
      ?? (codePoint >= TAGS.first && codePoint <= TAGS.last ? 'a tag character' : undefined);
  return name ? `${hex} ${name}` : hex;
}

/**
 * Every character `hiddenKind` reports, as one regular expression (global, Unicode mode) for scanning a
 * whole text in one pass; `allow` lists the controls a context keeps (e.g. '\n' for a multi-line text).
 */
export function hiddenCharacterPattern(allow = ''): RegExp {
  const ranges = ['\\u0000-\\u0008', '\\u000a-\\u001f', '\\u007f-\\u009f'];
  const singles = [...BIDI_NAMES.keys(), ...INVISIBLE_NAMES.keys()].map((c) => `\\u{${c.toString(16)}}`);
  const tags = `\\u{${TAGS.first.toString(16)}}-\\u{${TAGS.last.toString(16)}}`;
  const allowed = [...allow].map((c) => `\\u{${c.codePointAt(0)!.toString(16)}}`).join('');
  const set = `[${ranges.join('')}${singles.join('')}${tags}]`;
  return new RegExp(allowed ? `(?![${allowed}])${set}` : set, 'gu');
}
