// The TextMate grammar of the VS Code extension (editors/vscode/syntaxes/fpn.tmLanguage.json), generated from
// the chevrotain token definitions (src/parser/tokens.ts): every pattern below is a token's own regular
// expression, and the keywords are the tokens of the Identifier category, so the highlighting and the lexer
// cannot drift. `node scripts/textmate-grammar.mjs` writes the file; test/editors/vscode.test.ts fails when it
// is stale. Keywords are contextual in .fpn, so they are highlighted only where they open a declaration, a
// cell or an import; the language server's semantic tokens refine the rest.
import type { TokenType } from 'chevrotain';
import * as t from '../src/parser/tokens.js';

export const REFRESH_COMMAND = 'node scripts/textmate-grammar.mjs';

const source = (token: TokenType): string => {
  const pattern = token.PATTERN;
  if (!(pattern instanceof RegExp)) throw new Error(`token ${token.name} has no regular expression`);
  return pattern.source;
};

/** The keyword tokens: contextual keywords are Identifier-category tokens matching one word. */
export const keywordTokens = (): TokenType[] => t.allTokens.filter((token) => token !== t.Identifier && (token.CATEGORIES ?? []).includes(t.Identifier));

export function textmateGrammar(): object {
  const name = source(t.Identifier);
  const words = (tokens: TokenType[]) => tokens.map(source).join('|');
  const declarations = words([t.Pyramid, t.Detector, t.Search, t.Train]);
  const cells = words([t.Cell, t.Output]);
  const keywordCount = keywordTokens().length;
  if (keywordCount !== 8) throw new Error(`the grammar knows 8 keywords, the lexer has ${keywordCount}: add the new one's place here`);
  return {
    $schema: 'https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json',
    name: 'fpn',
    scopeName: 'source.fpn',
    fileTypes: ['fpn'],
    patterns: [
      { include: '#comment' }, { include: '#string' }, { include: '#import' }, { include: '#declaration' }, { include: '#cell' },
      { include: '#setting' }, { include: '#level' }, { include: '#number' }, { include: '#punctuation' },
    ],
    repository: {
      comment: { name: 'comment.line.number-sign.fpn', match: source(t.Comment) },
      string: {
        patterns: [
          { name: 'string.quoted.double.fpn', match: source(t.StringLiteral) },
          { name: 'invalid.illegal.unterminated-string.fpn', match: source(t.UnterminatedString) },
        ],
      },
      import: {
        patterns: [
          { match: `^\\s*(${source(t.Import)})\\b`, captures: { 1: { name: 'keyword.control.import.fpn' } } },
          { match: `\\b(${source(t.From)})\\s*(?=")`, captures: { 1: { name: 'keyword.control.from.fpn' } } },
        ],
      },
      declaration: {
        match: `(?:^|;)\\s*(${declarations})\\s+(${name})\\s*(?=${source(t.LCurly)})`,
        captures: { 1: { name: 'storage.type.declaration.fpn' }, 2: { name: 'entity.name.type.fpn' } },
      },
      cell: {
        match: `(?:^|;|${source(t.LCurly)})\\s*(${cells})\\s+(${name})\\s*(${source(t.At)})\\s*(${name})\\s*(${source(t.Equals)})\\s*(${name})\\s*(?=${source(t.LParen)})`,
        captures: {
          1: { name: 'storage.type.cell.fpn' }, 2: { name: 'variable.other.definition.fpn' }, 3: { name: 'keyword.operator.at.fpn' },
          4: { name: 'constant.other.level.fpn' }, 5: { name: 'keyword.operator.assignment.fpn' }, 6: { name: 'entity.name.function.fpn' },
        },
      },
      setting: { match: `(?:^|;|${source(t.LCurly)})\\s*(${name})(?=[ \\t])`, captures: { 1: { name: 'variable.other.property.fpn' } } },
      level: { name: 'constant.other.level.fpn', match: `\\bP\\d+\\b` },
      number: { name: 'constant.numeric.fpn', match: `(?<![A-Za-z0-9_])${source(t.NumberLiteral)}` },
      punctuation: {
        patterns: [
          { name: 'punctuation.section.block.fpn', match: `${source(t.LCurly)}|${source(t.RCurly)}` },
          { name: 'punctuation.section.parens.fpn', match: `${source(t.LParen)}|${source(t.RParen)}` },
          { name: 'punctuation.separator.fpn', match: `${source(t.Comma)}|${source(t.Semicolon)}` },
          { name: 'keyword.operator.fpn', match: `${source(t.DotDot)}|${source(t.Equals)}|${source(t.At)}` },
        ],
      },
    },
  };
}

/** The grammar file's text, as committed. */
export const textmateGrammarJson = (): string => `${JSON.stringify(textmateGrammar(), null, 2)}\n`;
