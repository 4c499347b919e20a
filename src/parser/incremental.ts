// Incremental parsing for editors: a keystroke changes one top-level block of a file, so only that block is
// lexed and parsed again; the others reuse their last parse (moved to where they are now). The result is
// parseFpn's for the whole file, exactly.
//
// A file is cut into blocks at the lines that begin (at column 1) with a top-level keyword: `pyramid`,
// `detector`, `search`, `train` or `import`. Each block is parsed on its own (parsePiece), its result kept
// by its exact text. Put together (joinPieces), the blocks' results are the file's:
//   - no token spans a line break (strings and comments end with their line), so lexing the blocks one by one
//     gives the file's tokens, and its lexing errors, hidden characters and unterminated strings;
//   - each block ends with a line break, and its parse is watched (EndWatchingParser, ./grammar.ts): when it
//     read every token and looked past the last one only at the top level, asking whether another statement
//     follows, then parsing the whole file does the same with the block's tokens and reaches the next block
//     at the top level, where the parse of that block on its own began.
// A block whose parse depended on its being the end of the file (say it opens a `{` that a later block
// closes, or ends inside a statement) is parsed together with everything after it instead, as one piece: the
// blocks before it leave the parser at the top level, where that piece's own parse begins.
// test/parser/incremental.test.ts compares the results with parseFpn's over random edits.
import type { Diagnostic, SourceRange, TextOrigin } from '../diagnostics/diagnostics.js';
import type { CellStatement, CommentToken, Declaration, ImportStatement, Name, Setting, Statement, Value } from './ast.js';
import { EndWatchingParser, fpnParser } from './grammar.js';
import { joinPieces, parseFpn, parsePiece, type ParsedPiece, type ParseResult } from './parse.js';

/** A block starts after a line break, at a top-level keyword that is a whole word (not `pyramids`). */
const BLOCK_START = /\n(?=(?:pyramid|detector|search|train|import)(?![A-Za-z0-9_]))/g;

/** A piece of a file's text that begins at the start of a line. */
export interface Block {
  text: string;
  origin: TextOrigin;
}

/** The file cut into blocks: one block per top-level keyword at the start of a line, the text before the first one a block too. */
export function splitBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  let start = 0;
  let line = 1;
  const cut = (end: number) => {
    const piece = text.slice(start, end);
    blocks.push({ text: piece, origin: { offset: start, line } });
    line += lineBreaks(piece);
    start = end;
  };
  for (const match of text.matchAll(BLOCK_START)) cut(match.index + 1);
  cut(text.length);
  return blocks;
}

/** Line breaks as rangeMaker counts them: \n, \r\n and a lone \r. */
function lineBreaks(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) count++;
  }
  return count;
}

/** One block's parse, where it was parsed. */
interface ParsedBlock {
  origin: TextOrigin;
  piece: ParsedPiece;
}

/** One parser for every file's blocks (made on the first incremental parse: a parser analyses its grammar when made). */
let blockParser: EndWatchingParser | null = null;

/**
 * A parser with the results of parseFpn that re-parses only the blocks that changed since its last parse of
 * the same file. It keeps the blocks of the last parse of each file it parsed (at most that file's text).
 */
export class IncrementalParser {
  private readonly blocksByFile = new Map<string, Map<string, ParsedBlock>>();

  /** Parses `text` as parseFpn(text, file) does. */
  readonly parse = (text: string, file: string): ParseResult => {
    const blocks = splitBlocks(text);
    if (blocks.length === 1) {
      this.blocksByFile.delete(file);
      return parseFpn(text, file);
    }
    blockParser ??= new EndWatchingParser();
    const previous = this.blocksByFile.get(file) ?? new Map<string, ParsedBlock>();
    const current = new Map<string, ParsedBlock>();
    const pieces: ParsedPiece[] = [];
    for (const [i, block] of blocks.entries()) {
      const parsed = current.get(block.text) ?? previous.get(block.text) ?? { origin: block.origin, piece: parsePiece(block.text, file, block.origin, blockParser) };
      current.set(block.text, parsed);
      if (parsed.piece.readPastEnd && i < blocks.length - 1) {
        // The block parses differently with the rest of the file after it: parse the rest as one piece. The
        // blocks after it stay kept, for when this one is whole again (a `{` typed, then its `}`).
        pieces.push(parsePiece(text.slice(block.origin.offset), file, block.origin, fpnParser));
        for (const later of blocks.slice(i + 1)) {
          const kept = previous.get(later.text);
          if (kept) current.set(later.text, kept);
        }
        break;
      }
      pieces.push(moved(parsed, block.origin));
    }
    this.blocksByFile.set(file, current);
    return joinPieces(text, file, pieces);
  };
}

// ---------------------------------------------------------------------------------------------------
// Moving a block's parse to where the block is now: a copy with every range shifted by as many characters
// and lines as the block moved (a block begins at a line start, so columns stay).

function moved(parsed: ParsedBlock, to: TextOrigin): ParsedPiece {
  const by = { offset: to.offset - parsed.origin.offset, line: to.line - parsed.origin.line };
  const { piece } = parsed;
  if (by.offset === 0 && by.line === 0) return piece;
  const shift = new Shift(by);
  const diagnostics = (list: Diagnostic[]) => list.map((d) => shift.diagnostic(d));
  return {
    imports: piece.imports.map((i) => shift.importStatement(i)),
    declarations: piece.declarations.map((d) => shift.declaration(d)),
    comments: piece.comments.map((c) => shift.comment(c)),
    hidden: diagnostics(piece.hidden),
    lexing: diagnostics(piece.lexing),
    unterminated: diagnostics(piece.unterminated),
    parsing: diagnostics(piece.parsing),
    readPastEnd: piece.readPastEnd,
  };
}

class Shift {
  constructor(private readonly by: TextOrigin) {}

  range(r: SourceRange): SourceRange {
    const { offset, line } = this.by;
    return {
      file: r.file,
      start: { line: r.start.line + line, column: r.start.column, offset: r.start.offset + offset },
      end: { line: r.end.line + line, column: r.end.column, offset: r.end.offset + offset },
    };
  }

  name(n: Name): Name {
    return { text: n.text, range: this.range(n.range) };
  }

  importStatement(i: ImportStatement): ImportStatement {
    return {
      kind: 'import',
      names: i.names === null ? null : i.names.map((n) => this.name(n)),
      path: { text: i.path.text, value: i.path.value, range: this.range(i.path.range) },
      range: this.range(i.range),
    };
  }

  declaration(d: Declaration): Declaration {
    return { kind: d.kind, keyword: this.name(d.keyword), name: this.name(d.name), body: d.body.map((s) => this.statement(s)), range: this.range(d.range) };
  }

  statement(s: Statement): Statement {
    return s.kind === 'cell' ? this.cell(s) : this.setting(s);
  }

  cell(c: CellStatement): CellStatement {
    return {
      kind: 'cell', isOutput: c.isOutput, keyword: this.name(c.keyword), name: this.name(c.name), level: this.name(c.level), op: this.name(c.op),
      inputs: c.inputs.map((n) => this.name(n)), options: c.options.map((o) => ({ key: this.name(o.key), value: this.value(o.value) })),
      range: this.range(c.range),
    };
  }

  setting(s: Setting): Setting {
    return { kind: 'setting', key: this.name(s.key), values: s.values.map((v) => this.value(v)), range: this.range(s.range) };
  }

  value(v: Value): Value {
    switch (v.kind) {
      case 'range':
        return { kind: 'range', from: this.name(v.from), to: this.name(v.to), range: this.range(v.range) };
      default:
        return { ...v, range: this.range(v.range) };
    }
  }

  diagnostic(d: Diagnostic): Diagnostic {
    const out: Diagnostic = { ...d, range: this.range(d.range) };
    if (d.related) out.related = d.related.map((r) => ({ ...r, range: this.range(r.range) }));
    if (d.fixes) out.fixes = d.fixes.map((f) => ({ ...f, edits: f.edits.map((e) => ({ ...e, range: this.range(e.range) })) }));
    return out;
  }

  comment(c: CommentToken): CommentToken {
    return { text: c.text, range: this.range(c.range) };
  }
}
