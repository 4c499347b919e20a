// Tokens of the .fpn language.
//
// Newlines end statements, so they are tokens; spaces are skipped and `#` comments go to their own group
// (the formatter puts them back). Keywords are contextual: each one is also an Identifier (token category),
// so a setting or a layer may be called `output`, `search` or `train` wherever a name is expected.
import { createToken, Lexer, type TokenType } from 'chevrotain';

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\f\v\u00a0\ufeff]+/, group: Lexer.SKIPPED });
export const Newline = createToken({ name: 'Newline', pattern: /\r\n|\r|\n/, line_breaks: true, label: 'end of line' });
export const Comment = createToken({ name: 'Comment', pattern: /#[^\r\n]*/, group: 'comments' });

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/, label: 'a name' });
const keyword = (word: string): TokenType =>
  createToken({ name: word[0].toUpperCase() + word.slice(1), pattern: new RegExp(word), longer_alt: Identifier, categories: [Identifier], label: `'${word}'` });

export const Import = keyword('import');
export const From = keyword('from');
export const Pyramid = keyword('pyramid');
export const Detector = keyword('detector');
export const Search = keyword('search');
export const Train = keyword('train');
export const Cell = keyword('cell');
export const Output = keyword('output');

export const NumberLiteral = createToken({ name: 'NumberLiteral', pattern: /-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/, label: 'a number' });
export const StringLiteral = createToken({ name: 'StringLiteral', pattern: /"(?:[^"\\\r\n]|\\.)*"/, label: 'a string' });
/** A string without its closing quote: lexed as one token (so the rest of its line is not misread as code) and reported as FPN001. */
export const UnterminatedString = createToken({ name: 'UnterminatedString', pattern: /"(?:[^"\\\r\n]|\\.)*/, group: 'unterminated', label: 'an unterminated string' });

export const LCurly = createToken({ name: 'LCurly', pattern: /\{/, label: "'{'" });
export const RCurly = createToken({ name: 'RCurly', pattern: /\}/, label: "'}'" });
export const LParen = createToken({ name: 'LParen', pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: 'RParen', pattern: /\)/, label: "')'" });
export const Comma = createToken({ name: 'Comma', pattern: /,/, label: "','" });
export const Equals = createToken({ name: 'Equals', pattern: /=/, label: "'='" });
export const At = createToken({ name: 'At', pattern: /@/, label: "'@'" });
export const DotDot = createToken({ name: 'DotDot', pattern: /\.\./, label: "'..'" });
export const Semicolon = createToken({ name: 'Semicolon', pattern: /;/, label: "';'" });

/** Order matters: keywords before Identifier, longer symbols first. */
export const allTokens: TokenType[] = [
  WhiteSpace, Newline, Comment,
  Import, From, Pyramid, Detector, Search, Train, Cell, Output,
  Identifier, NumberLiteral, StringLiteral, UnterminatedString,
  LCurly, RCurly, LParen, RParen, Comma, Equals, At, DotDot, Semicolon,
];

export const fpnLexer = new Lexer(allTokens, { ensureOptimizations: true, positionTracking: 'full' });
