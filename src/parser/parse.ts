// Text → AST, with syntax diagnostics. The parser recovers from errors (chevrotain's re-sync and single
// token insertion/deletion), so one run reports every syntax error and still yields the statements around
// them for the checker.
import type { CstNode, IRecognitionException, IToken, ILexingError } from 'chevrotain';
import { EOF } from 'chevrotain';
import { rangeMaker, START_OF_FILE, type Diagnostic, type SourceRange, type TextOrigin } from '../diagnostics/diagnostics.js';
import type { CellStatement, CommentToken, Declaration, FileAst, ImportStatement, Name, Setting, Statement, Value, OpOption } from './ast.js';
import { hiddenCharacterDiagnostics, isReportedHidden } from './hidden-characters.js';
import { fpnLexer, Newline, Semicolon, StringLiteral } from './tokens.js';
import { EndWatchingParser, fpnParser, type FpnParser } from './grammar.js';

export interface ParseResult {
  ast: FileAst;
  diagnostics: Diagnostic[];
}

export function parseFpn(text: string, file: string): ParseResult {
  return joinPieces(text, file, [parsePiece(text, file, START_OF_FILE, fpnParser)]);
}

/**
 * A piece of a file (a run of whole lines) parsed on its own: what it adds to the file's tree, and its
 * diagnostics by kind (parseFpn lists each kind in source order, the kinds one after the other).
 */
export interface ParsedPiece {
  imports: ImportStatement[];
  declarations: Declaration[];
  comments: CommentToken[];
  hidden: Diagnostic[];
  lexing: Diagnostic[];
  unterminated: Diagnostic[];
  parsing: Diagnostic[];
  /**
   * Whether the parse of the piece depended on its being the end of the file: the parser looked past its last
   * token other than between top-level statements with every token read, or stopped before its end, or an
   * error points at the end of the file. Such a piece may parse differently with more text after it.
   */
  readPastEnd: boolean;
}

/**
 * Parses a piece of a file that begins at `origin` (the start of a line), with ranges and line numbers that
 * are the file's. The incremental parser (./incremental.ts) parses a file's blocks one by one with a
 * `parser` that watches its reads (./grammar.ts, EndWatchingParser).
 */
export function parsePiece(text: string, file: string, origin: TextOrigin, parser: FpnParser | EndWatchingParser): ParsedPiece {
  const rangeOf = rangeMaker(text, file, origin);
  const tokenRange = (token: IToken): SourceRange => rangeOf(token.startOffset, (token.endOffset ?? token.startOffset) + 1);

  const lexed = fpnLexer.tokenize(text);
  const comments = lexed.groups.comments ?? [];
  const unterminatedStrings = lexed.groups.unterminated ?? [];
  const hidden = hiddenCharacterDiagnostics(text, comments, [...lexed.tokens.filter((t) => t.tokenType === StringLiteral), ...unterminatedStrings], rangeOf);
  const lexing: Diagnostic[] = [];
  for (const error of lexed.errors) {
    const diagnostic = lexingDiagnostic(error, text, rangeOf);
    if (diagnostic) lexing.push(diagnostic);
  }
  const unterminated = unterminatedStrings.map((s): Diagnostic => (
    { code: 'FPN001', severity: 'error', message: 'unterminated string', hint: 'close the string with " on the same line', range: tokenRange(s) }
  ));

  parser.input = lexed.tokens;
  const cst = parser.file();
  const parsing = parser.errors.map((error) => parsingDiagnostic(error, text, rangeOf, tokenRange));
  const readPastEnd = parser instanceof EndWatchingParser && (parser.dependsOnEnd() || parser.errors.some((e) => atEndOfFile(e.token)));
  // The shared parser would keep this file's tokens alive until the next parse.
  parser.input = [];

  const build = new AstBuilder(tokenRange, rangeOf);
  return {
    ...build.fileNode(cst),
    comments: comments.map((c) => ({ text: c.image, range: tokenRange(c) })),
    hidden, lexing, unterminated, parsing, readPastEnd,
  };
}

/** The result of parseFpn for `text`, from its pieces in order (each parsed where it is in the file). */
export function joinPieces(text: string, file: string, pieces: readonly ParsedPiece[]): ParseResult {
  const all = <T>(part: (piece: ParsedPiece) => T[]): T[] => (pieces.length === 1 ? part(pieces[0]) : pieces.flatMap(part));
  const ast: FileAst = {
    file,
    imports: all((p) => p.imports),
    declarations: all((p) => p.declarations),
    comments: all((p) => p.comments),
    blankLines: blankLines(text),
  };
  const diagnostics = [...all((p) => p.hidden), ...all((p) => p.lexing), ...all((p) => p.unterminated), ...all((p) => p.parsing)];
  return { ast, diagnostics: firstSyntaxErrors(diagnostics) };
}

/**
 * Syntax errors listed per file: what is not a .fpn file at all (a binary, a file of `$`) would otherwise give
 * one error per character, hundreds of thousands of code frames that say the same thing.
 */
export const MAX_SYNTAX_ERRORS = 100;

/** The first MAX_SYNTAX_ERRORS, by position, and one error that says how many more there are. */
function firstSyntaxErrors(diagnostics: Diagnostic[]): Diagnostic[] {
  if (diagnostics.length <= MAX_SYNTAX_ERRORS) return diagnostics;
  const sorted = [...diagnostics].sort((a, b) => a.range.start.offset - b.range.start.offset);
  const next = sorted[MAX_SYNTAX_ERRORS];
  return [...sorted.slice(0, MAX_SYNTAX_ERRORS), {
    code: next.code, severity: 'error', range: next.range,
    message: `too many syntax errors: ${sorted.length - MAX_SYNTAX_ERRORS} more from here on are not listed`,
    hint: `fix the first ${MAX_SYNTAX_ERRORS}; a file with this many is probably not a .fpn file`,
  }];
}

/** The lines (1-based) that hold only whitespace, in one pass over the text (no string per line). */
export function blankLines(text: string): number[] {
  const blank: number[] = [];
  let line = 1;
  let empty = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) {
      if (empty) blank.push(line);
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      line++;
      empty = true;
    } else if (empty && !isWhitespace(c)) {
      empty = false;
    }
  }
  if (empty) blank.push(line);
  return blank;
}

/** What String.prototype.trim removes, for one UTF-16 code unit. */
const isWhitespace = (c: number): boolean =>
  c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
  c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;

// ---------------------------------------------------------------------------------------------------
// Syntax diagnostics

/**
 * The lexer only fails on characters no token starts with (unclosed strings are a token of their own); a run
 * of them is one error, reported at its first character. Hidden characters (FPN003) are not reported again.
 */
function lexingDiagnostic(error: ILexingError, text: string, rangeOf: (a: number, b: number) => SourceRange): Diagnostic | null {
  let offset = error.offset;
  while (offset < error.offset + error.length && isReportedHidden(text, offset)) offset += text.codePointAt(offset)! > 0xffff ? 2 : 1;
  if (offset >= error.offset + error.length) return null;
  const char = String.fromCodePoint(text.codePointAt(offset)!);
  return {
    code: 'FPN001',
    severity: 'error',
    message: `unexpected character ${JSON.stringify(char)}`,
    hint: 'names are letters, digits and _; comments start with #; see docs/language.md for the syntax',
    range: rangeOf(offset, offset + char.length),
  };
}

function parsingDiagnostic(
  error: IRecognitionException,
  text: string,
  rangeOf: (a: number, b: number) => SourceRange,
  tokenRange: (t: IToken) => SourceRange,
): Diagnostic {
  const token = error.token;
  let range: SourceRange;
  if (atEndOfFile(token)) {
    // Missing something at the end of the file: point at its last character.
    const end = text.replace(/\s+$/, '').length;
    range = rangeOf(Math.max(0, end - 1), Math.max(end, 1));
  } else {
    range = tokenRange(token);
  }
  const rule = error.context?.ruleStack?.at(-1) ?? '';
  return { code: 'FPN002', severity: 'error', message: error.message, hint: hintFor(rule, token.tokenType === EOF), range };
}

/** A token at the end of the file, or one that error recovery made up (it has no place): errors there point at the file's last character. */
const atEndOfFile = (token: IToken): boolean => token.tokenType === EOF || Number.isNaN(token.startOffset);

function hintFor(rule: string, atEndOfFile: boolean): string {
  switch (rule) {
    case 'cell':
      return 'a cell reads: cell NAME @P4 = sum(INPUT, INPUT) — or output instead of cell for an output cell';
    case 'argument':
      return 'op arguments are two input names, then options as key=value, e.g. global_pool(P6, P4, pool=max)';
    case 'importDecl':
      return 'write import "file.fpn" or import { name } from "file.fpn"';
    case 'declaration':
      return "a declaration reads: pyramid NAME { ... }, detector NAME { ... } or search NAME { ... }, with one statement per line";
    case 'statementEnd':
      return 'put each statement on its own line, or separate statements with ;';
    default:
      return atEndOfFile
        ? 'the file ends inside a declaration: close it with }'
        : 'a file holds import lines and pyramid/detector/search declarations; see docs/language.md';
  }
}

// ---------------------------------------------------------------------------------------------------
// CST → AST

type Children = Record<string, (CstNode | IToken)[] | undefined>;
const childrenOf = (node: CstNode): Children => node.children as Children;
const tokens = (c: Children, key: string): IToken[] => (c[key] ?? []) as IToken[];
const nodes = (c: Children, key: string): CstNode[] => (c[key] ?? []) as CstNode[];
/** Tokens inserted by error recovery have no position: treat them as absent. */
const real = (token: IToken | undefined): token is IToken => token !== undefined && !Number.isNaN(token.startOffset);

/** The first and the last real token found so far under a CST node. */
interface TokenBounds {
  first: IToken | null;
  last: IToken | null;
}

/**
 * Widens `bounds` to the real tokens under `node` (line ends and ';' left out with `skipTrailing`). A loop over
 * the children's lists with no list or closure made: it runs over every token of a file on every parse.
 */
function widenToTokens(bounds: TokenBounds, node: CstNode, skipTrailing: boolean): void {
  const children = node.children;
  for (const key in children) {
    const list = children[key];
    if (!list) continue;
    for (let i = 0; i < list.length; i++) {
      const child = list[i];
      if (!('image' in child)) {
        widenToTokens(bounds, child, skipTrailing);
      } else if (real(child) && !(skipTrailing && (child.tokenType === Newline || child.tokenType === Semicolon))) {
        if (!bounds.first || child.startOffset < bounds.first.startOffset) bounds.first = child;
        if (!bounds.last || child.startOffset > bounds.last.startOffset) bounds.last = child;
      }
    }
  }
}

class AstBuilder {
  constructor(
    private readonly tokenRange: (t: IToken) => SourceRange,
    private readonly rangeOf: (a: number, b: number) => SourceRange,
  ) {}

  private name(token: IToken): Name {
    return { text: token.image, range: this.tokenRange(token) };
  }

  private span(first: IToken, last: IToken): SourceRange {
    return this.rangeOf(first.startOffset, (last.endOffset ?? last.startOffset) + 1);
  }

  /**
   * The range from the first to the last real token under a CST node (line ends and ';' left out with
   * `skipTrailing`), or null when it has none. One walk, no list: the parser rebuilds this on every keystroke
   * in an editor.
   */
  private nodeSpan(node: CstNode, skipTrailing = true): SourceRange | null {
    const bounds: TokenBounds = { first: null, last: null };
    widenToTokens(bounds, node, skipTrailing);
    return bounds.first && bounds.last ? this.span(bounds.first, bounds.last) : null;
  }

  fileNode(cst: CstNode): { imports: ImportStatement[]; declarations: Declaration[] } {
    const c = childrenOf(cst);
    const imports = nodes(c, 'importDecl').map((n) => this.importDecl(n)).filter((x): x is ImportStatement => x !== null);
    const declarations = nodes(c, 'declaration').map((n) => this.declaration(n)).filter((x): x is Declaration => x !== null);
    return { imports, declarations };
  }

  private importDecl(node: CstNode): ImportStatement | null {
    const c = childrenOf(node);
    const path = tokens(c, 'StringLiteral')[0];
    const range = this.nodeSpan(node);
    if (!real(path) || !range) return null;
    const listed = real(tokens(c, 'LCurly')[0]) ? tokens(c, 'Identifier').filter(real).map((t) => this.name(t)) : null;
    return { kind: 'import', names: listed, path: { text: path.image, value: unquote(path.image), range: this.tokenRange(path) }, range };
  }

  private declaration(node: CstNode): Declaration | null {
    const c = childrenOf(node);
    const keyword = [...tokens(c, 'Pyramid'), ...tokens(c, 'Detector'), ...tokens(c, 'Search'), ...tokens(c, 'Train')].find(real);
    const name = tokens(c, 'name')[0];
    const range = this.nodeSpan(node, false);
    if (!keyword || !real(name) || !range) return null;
    const body: Statement[] = [];
    const statements = [...nodes(c, 'cell'), ...nodes(c, 'setting')];
    for (const s of statements) {
      const built = s.name === 'cell' ? this.cell(s) : this.setting(s);
      if (built) body.push(built);
    }
    body.sort((a, b) => a.range.start.offset - b.range.start.offset);
    return { kind: keyword.image as Declaration['kind'], keyword: this.name(keyword), name: this.name(name), body, range };
  }

  private cell(node: CstNode): CellStatement | null {
    const c = childrenOf(node);
    const kind = tokens(c, 'kind')[0];
    const name = tokens(c, 'name')[0];
    const level = tokens(c, 'level')[0];
    const op = tokens(c, 'op')[0];
    const range = this.nodeSpan(node);
    if (![kind, name, level, op].every(real) || !range) return null;
    const inputs: Name[] = [];
    const options: OpOption[] = [];
    for (const arg of nodes(c, 'argument')) {
      const a = childrenOf(arg);
      const argName = tokens(a, 'name')[0];
      if (!real(argName)) continue;
      const valueNode = nodes(a, 'value')[0];
      if (real(tokens(a, 'Equals')[0])) {
        const value = valueNode ? this.value(valueNode) : null;
        if (value) options.push({ key: this.name(argName), value });
      } else {
        inputs.push(this.name(argName));
      }
    }
    return {
      kind: 'cell', isOutput: kind.image === 'output', keyword: this.name(kind), name: this.name(name),
      level: this.name(level), op: this.name(op), inputs, options, range,
    };
  }

  private setting(node: CstNode): Setting | null {
    const c = childrenOf(node);
    const key = tokens(c, 'key')[0];
    const range = this.nodeSpan(node);
    if (!real(key) || !range) return null;
    const values = nodes(c, 'value').map((v) => this.value(v)).filter((v): v is Value => v !== null);
    return { kind: 'setting', key: this.name(key), values, range };
  }

  private value(node: CstNode): Value | null {
    const c = childrenOf(node);
    const name = tokens(c, 'name')[0];
    if (real(name)) {
      const end = tokens(c, 'rangeEnd')[0];
      if (real(tokens(c, 'DotDot')[0]) && real(end)) {
        return { kind: 'range', from: this.name(name), to: this.name(end), range: this.span(name, end) };
      }
      return { kind: 'name', text: name.image, range: this.tokenRange(name) };
    }
    const num = tokens(c, 'NumberLiteral')[0];
    if (real(num)) return { kind: 'number', text: num.image, value: Number(num.image), range: this.tokenRange(num) };
    const str = tokens(c, 'StringLiteral')[0];
    if (real(str)) return { kind: 'string', text: str.image, value: unquote(str.image), range: this.tokenRange(str) };
    const at = tokens(c, 'At')[0];
    if (real(at)) return { kind: 'at', range: this.tokenRange(at) };
    return null;
  }
}

function unquote(image: string): string {
  return image.slice(1, -1).replace(/\\(.)/g, '$1');
}
