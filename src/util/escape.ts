// Untrusted text — what a .fpn file, a file name, a path or a command-line value holds — reaches every
// output through one of these functions, one per output context, so that it is shown as text and never
// becomes code, markup or terminal control:
//
//   terminalLine      one line of a terminal: controls (ESC, BEL, CR, LF …), bidi and invisible characters
//                     are shown as `\x1b`-style escapes, so a file cannot retitle or clear the user's screen
//   terminalText      the same for a block of several lines (keeps LF)
//   tsLineComment     the text after `// ` in emitted TypeScript: JavaScript ends a line comment at LF, CR,
//                     U+2028 and U+2029, so each is escaped and nothing after it becomes code
//   tsStringLiteral   a quoted TypeScript string literal whose value is exactly the text
//   tsIdentifier      a valid TypeScript identifier (not a reserved word) made from a name
//   escapeXml         SVG/HTML/XML text and double-quoted attribute values: markup characters as entities;
//                     characters XML 1.0 forbids, and bidi or invisible characters, as visible escapes
//
// What counts as hidden is src/util/hidden-characters.ts. Escapes are written the way JavaScript writes
// them (`\x1b`, `\u202e`, `\u{e0041}`), so a reader can paste them back into code. A backslash is left as
// it is except inside a string literal: the escapes are for reading, not for decoding.
import { hiddenCharacterPattern } from './hidden-characters.js';

/** `\n`, `\x1b`, `\u202e` or `\u{e0041}`: a code point as JavaScript writes it in a string. */
export function visibleEscape(char: string): string {
  const codePoint = char.codePointAt(0)!;
  if (codePoint === 0x0a) return '\\n';
  if (codePoint === 0x0d) return '\\r';
  if (codePoint === 0x09) return '\\t';
  if (codePoint <= 0xff) return `\\x${codePoint.toString(16).padStart(2, '0')}`;
  if (codePoint <= 0xffff) return `\\u${codePoint.toString(16).padStart(4, '0')}`;
  return `\\u{${codePoint.toString(16)}}`;
}

const HIDDEN = hiddenCharacterPattern();
const HIDDEN_BUT_NEWLINE = hiddenCharacterPattern('\n');

/** One line for a terminal: every control, bidi and invisible character escaped (TAB kept). */
export function terminalLine(text: string): string {
  return text.replace(HIDDEN, visibleEscape);
}

/** Several lines for a terminal: as terminalLine, but LF keeps ending lines. */
export function terminalText(text: string): string {
  return text.replace(HIDDEN_BUT_NEWLINE, visibleEscape);
}

/**
 * Text to follow `// ` in generated TypeScript. LF, CR, U+2028 and U+2029 all end a JavaScript line comment,
 * so each is escaped (with every other hidden character) and the comment holds the whole text.
 */
export function tsLineComment(text: string): string {
  return text.replace(HIDDEN, visibleEscape);
}

/** Also a quote and a backslash, which would end or change a single-quoted literal, and a lone surrogate, which UTF-8 cannot hold. */
const STRING_SPECIAL = new RegExp(`['\\\\]|${HIDDEN.source}|[\\u{d800}-\\u{dfff}]`, 'gu');

/** A single-quoted TypeScript string literal whose value is exactly `text`, with no hidden character in it. */
export function tsStringLiteral(text: string): string {
  return `'${text.replace(STRING_SPECIAL, (c) => (c === "'" || c === '\\' ? `\\${c}` : visibleEscape(c)))}'`;
}

/** Words that cannot name a variable in a TypeScript module (strict mode). */
const RESERVED = new Set([
  'arguments', 'await', 'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do',
  'else', 'enum', 'eval', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'implements', 'import', 'in',
  'instanceof', 'interface', 'let', 'new', 'null', 'package', 'private', 'protected', 'public', 'return', 'static',
  'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'undefined', 'var', 'void', 'while', 'with', 'yield',
]);

/** A TypeScript identifier made from `name`: other characters become `_`, and a reserved word gets a trailing `_`. */
export function tsIdentifier(name: string): string {
  let id = name.replace(/[^A-Za-z0-9_$]/g, '_');
  if (!/^[A-Za-z_$]/.test(id)) id = `_${id}`;
  return RESERVED.has(id) ? `${id}_` : id;
}

/** XML 1.0 allows TAB, LF and CR of the controls, and no lone surrogate, U+FFFE or U+FFFF. */
const XML_SPECIAL = new RegExp(`[&<>"]|(?![\\t\\n])${HIDDEN.source}|[\\u{d800}-\\u{dfff}\\u{fffe}\\u{ffff}]`, 'gu');
const XML_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\r': '&#13;' };

/**
 * Text for SVG, HTML or XML, as element content or as an attribute value in double quotes (the only quotes
 * the toolkit's writers use, so a `'` is left as it is): `& < > "` become entities, CR a character reference,
 * and every other hidden character (which XML forbids, or which would reorder or hide what is drawn) a
 * visible escape. `</script>` is therefore `&lt;/script&gt;`.
 */
export function escapeXml(text: string): string {
  return text.replace(XML_SPECIAL, (c) => (Object.hasOwn(XML_ENTITIES, c) ? XML_ENTITIES[c] : visibleEscape(c)));
}
