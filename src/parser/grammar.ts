// The .fpn grammar as a chevrotain parser. It produces a concrete syntax tree; src/parser/ast.ts turns that
// into the AST. grammar/fpn.ebnf documents the same rules and grammar/diagrams.html is generated from this
// class (test/parser/grammar-docs.test.ts fails when they are stale).
//
//   file         = { Newline | ';' | import | declaration } ;
//   import       = 'import' [ '{' name { ',' name } '}' 'from' ] String end ;
//   declaration  = ( 'pyramid' | 'detector' | 'search' | 'train' ) name block ;
//   block        = '{' { Newline | ';' | statement } '}' ;
//   statement    = cell | setting ;
//   cell         = ( 'cell' | 'output' ) name '@' name '=' name '(' argument { ',' argument } ')' end ;
//   argument     = name [ '=' value ] ;
//   setting      = name { value } end ;
//   value        = name [ '..' name ] | Number | String | '@' ;
//   end          = Newline | ';' | (before '}') ;
import { CstParser, EOF, type IParserErrorMessageProvider, type IToken, type TokenType } from 'chevrotain';
import * as t from './tokens.js';

/** What a token looks like in a message: its label, or "the end of the line/file". */
function describeToken(token: IToken): string {
  if (token.tokenType === EOF) return 'the end of the file';
  if (token.tokenType.name === 'Newline') return 'the end of the line';
  return `'${token.image}'`;
}

const label = (type: TokenType): string => (type === EOF ? 'the end of the file' : type.LABEL ?? type.name);
// An empty path (the gated empty alternative of statementEnd, before '}') has no first token: skip it.
const firstOf = (paths: TokenType[][][]): string[] => [...new Set(paths.flat().filter((p) => p.length > 0).map((p) => label(p[0])).filter(Boolean))];
const oneOf = (labels: string[]): string =>
  labels.length <= 1 ? labels.join('') : `${labels.slice(0, -1).join(', ')} or ${labels[labels.length - 1]}`;

/** Short messages in the checker's voice ("expected ')', found the end of the line"). */
const plainMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, actual }) => `expected ${label(expected)}, found ${describeToken(actual)}`,
  buildNotAllInputParsedMessage: ({ firstRedundant }) => `unexpected ${describeToken(firstRedundant)}`,
  buildNoViableAltMessage: ({ expectedPathsPerAlt, actual }) =>
    `expected ${oneOf(firstOf(expectedPathsPerAlt))}, found ${describeToken(actual[0])}`,
  buildEarlyExitMessage: ({ expectedIterationPaths, actual }) =>
    `expected ${oneOf(firstOf([expectedIterationPaths]))}, found ${describeToken(actual[0])}`,
};

export class FpnParser extends CstParser {
  constructor() {
    // The grammar's self-checks run in tests and development; the bundled CLI skips them (they cost start-up
    // time and cannot fail for a grammar that passed them in the test suite).
    super(t.allTokens, { recoveryEnabled: true, maxLookahead: 2, errorMessageProvider: plainMessages, skipValidations: process.env.NASFPN_BUNDLE === '1' });
    this.performSelfAnalysis();
  }

  file = this.RULE('file', () => {
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(t.Newline) },
        { ALT: () => this.CONSUME(t.Semicolon) },
        { ALT: () => this.SUBRULE(this.importDecl) },
        { ALT: () => this.SUBRULE(this.declaration) },
      ]);
    });
  });

  importDecl = this.RULE('importDecl', () => {
    this.CONSUME(t.Import);
    this.OPTION(() => {
      this.CONSUME(t.LCurly);
      this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.CONSUME(t.Identifier) });
      this.CONSUME(t.RCurly);
      this.CONSUME(t.From);
    });
    this.CONSUME(t.StringLiteral);
    this.SUBRULE(this.statementEnd);
  });

  declaration = this.RULE('declaration', () => {
    this.OR([
      { ALT: () => this.CONSUME(t.Pyramid) },
      { ALT: () => this.CONSUME(t.Detector) },
      { ALT: () => this.CONSUME(t.Search) },
      { ALT: () => this.CONSUME(t.Train) },
    ]);
    this.CONSUME(t.Identifier, { LABEL: 'name' });
    this.CONSUME(t.LCurly);
    this.MANY(() => {
      // One token of lookahead: a statement that starts with a name is a setting even when the next token
      // is wrong (`backbone = resnet50`), so the error is reported inside the statement and recovery skips
      // to the end of its line, staying in this block (with two tokens, the whole block was abandoned and
      // its remaining lines were read as top-level declarations).
      this.OR2({
        MAX_LOOKAHEAD: 1,
        DEF: [
          { ALT: () => this.CONSUME(t.Newline) },
          { ALT: () => this.CONSUME(t.Semicolon) },
          { ALT: () => this.SUBRULE(this.cell) },
          { ALT: () => this.SUBRULE(this.setting), IGNORE_AMBIGUITIES: true },
        ],
      });
    });
    this.CONSUME(t.RCurly);
  });

  cell = this.RULE('cell', () => {
    this.OR([
      { ALT: () => this.CONSUME(t.Cell, { LABEL: 'kind' }) },
      { ALT: () => this.CONSUME(t.Output, { LABEL: 'kind' }) },
    ]);
    this.CONSUME(t.Identifier, { LABEL: 'name' });
    this.CONSUME(t.At);
    this.CONSUME2(t.Identifier, { LABEL: 'level' });
    this.CONSUME(t.Equals);
    this.CONSUME3(t.Identifier, { LABEL: 'op' });
    this.CONSUME(t.LParen);
    this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.SUBRULE(this.argument) });
    this.CONSUME(t.RParen);
    this.SUBRULE(this.statementEnd);
  });

  argument = this.RULE('argument', () => {
    this.CONSUME(t.Identifier, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(t.Equals);
      this.SUBRULE(this.value);
    });
  });

  setting = this.RULE('setting', () => {
    this.CONSUME(t.Identifier, { LABEL: 'key' });
    this.MANY(() => this.SUBRULE(this.value));
    this.SUBRULE(this.statementEnd);
  });

  value = this.RULE('value', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(t.Identifier, { LABEL: 'name' });
          this.OPTION(() => {
            this.CONSUME(t.DotDot);
            this.CONSUME2(t.Identifier, { LABEL: 'rangeEnd' });
          });
        },
      },
      { ALT: () => this.CONSUME(t.NumberLiteral) },
      { ALT: () => this.CONSUME(t.StringLiteral) },
      { ALT: () => this.CONSUME(t.At) },
    ]);
  });

  /** A statement ends at a newline, a ';', or just before the '}' that closes its block. */
  statementEnd = this.RULE('statementEnd', () => {
    this.OR([
      { ALT: () => this.CONSUME(t.Newline) },
      { ALT: () => this.CONSUME(t.Semicolon) },
      { ALT: () => {}, GATE: () => this.LA(1).tokenType === t.RCurly || this.LA(1).tokenType.name === 'EOF' },
    ]);
  });
}

/** One shared instance: chevrotain parsers are reusable (set `input`, call a rule). */
export const fpnParser = new FpnParser();

/** Chevrotain 11's parser state that EndWatchingParser reads (internals, not in its types). */
interface ParserState {
  currIdx: number;
  tokVectorLength: number;
  RULE_STACK_IDX: number;
}

/**
 * The parser for a piece of a file (src/parser/incremental.ts parses a file block by block): it notes whether
 * the parse depended on the piece's being the end of the file, i.e. would go otherwise with more text after
 * the piece. Every read of a token goes through LA_FAST, LA or SKIP_TOKEN; a read past the last token is
 * harmless only at the top level (the `file` rule alone on the rule stack, or none) with every token read:
 * there the parser only asks whether another statement follows, and would begin it as the parse of the
 * following text on its own begins. Any other read past the end, or a parse that stops before the end, and
 * the piece depends on what follows it.
 */
export class EndWatchingParser extends FpnParser {
  private lookedPastEnd = false;

  private get state(): ParserState {
    return this as unknown as ParserState;
  }

  /** Whether the last parse depended on the end of its input (call before resetting the input). */
  dependsOnEnd(): boolean {
    const { currIdx, tokVectorLength } = this.state;
    return this.lookedPastEnd || currIdx < tokVectorLength - 1;
  }

  override reset(): void {
    super.reset();
    this.lookedPastEnd = false;
  }

  private watch(howMuch: number): void {
    const { currIdx, tokVectorLength, RULE_STACK_IDX } = this.state;
    if (currIdx + howMuch >= tokVectorLength && !(currIdx === tokVectorLength - 1 && RULE_STACK_IDX <= 0)) this.lookedPastEnd = true;
  }

  protected override LA_FAST(howMuch: number): IToken {
    this.watch(howMuch);
    return super.LA_FAST(howMuch);
  }

  protected override LA(howMuch: number): IToken {
    this.watch(howMuch);
    return super.LA(howMuch);
  }

  protected override SKIP_TOKEN(): IToken {
    // Skipping the last token moves past the end (chevrotain answers EOF without reading).
    const { currIdx, tokVectorLength } = this.state;
    if (currIdx > tokVectorLength - 2) this.lookedPastEnd = true;
    return super.SKIP_TOKEN();
  }
}
