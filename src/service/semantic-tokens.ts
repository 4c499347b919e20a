// Semantic tokens: what each word is, from the syntax tree and the checker's links rather than from its
// spelling (keywords are contextual in .fpn: `pyramid` inside a detector is a setting, `output` may name a
// cell). Declarations are coloured by kind, layers as variables, levels as enum members, ops as functions,
// setting keys as properties.
import type { SemanticTokens, SemanticTokensLegend } from 'vscode-languageserver-types';
import type { SourceRange } from '../diagnostics/diagnostics.js';
import type { Declaration, Value } from '../parser/ast.js';
import * as t from '../parser/tokens.js';
import { looksLikeLevel } from '../semantics/levels.js';
import { assertNever } from '../util/assert-never.js';
import type { Analysis } from './analysis.js';

const TYPES = ['keyword', 'class', 'struct', 'namespace', 'event', 'variable', 'enumMember', 'function', 'property', 'parameter', 'number', 'string', 'comment'] as const;
const MODIFIERS = ['declaration', 'readonly', 'defaultLibrary'] as const;
type TokenType = (typeof TYPES)[number];
type Modifier = (typeof MODIFIERS)[number];

export const SEMANTIC_TOKENS_LEGEND: SemanticTokensLegend = { tokenTypes: [...TYPES], tokenModifiers: [...MODIFIERS] };

const declarationType = (kind: Declaration['kind'] | 'layer'): TokenType => {
  switch (kind) {
    case 'pyramid':
      return 'class';
    case 'detector':
      return 'struct';
    case 'search':
      return 'namespace';
    case 'train':
      return 'event';
    case 'layer':
      return 'variable';
    default:
      return assertNever(kind, 'declaration kind');
  }
};

interface Token {
  offset: number;
  length: number;
  type: TokenType;
  modifiers: Modifier[];
}

export function semanticTokens(analysis: Analysis): SemanticTokens {
  const ast = analysis.ast;
  if (!ast) return { data: [] };
  const tokens: Token[] = [];
  const push = (range: SourceRange, type: TokenType, ...modifiers: Modifier[]) =>
    tokens.push({ offset: range.start.offset, length: range.end.offset - range.start.offset, type, modifiers });
  const linked = new Map(analysis.links.map((l) => [l.use.start.offset, l]));

  for (const c of ast.comments) push(c.range, 'comment');
  for (const statement of ast.imports) {
    for (const token of analysis.tokens) {
      const inside = token.startOffset >= statement.range.start.offset && token.startOffset < statement.range.end.offset;
      if (inside && (token.tokenType === t.Import || token.tokenType === t.From)) tokens.push({ offset: token.startOffset, length: token.image.length, type: 'keyword', modifiers: [] });
    }
    push(statement.path.range, 'string');
    for (const name of statement.names ?? []) {
      const link = linked.get(name.range.start.offset);
      if (link) push(name.range, declarationType(link.kind));
    }
  }
  const value = (v: Value, next: Value | undefined) => {
    switch (v.kind) {
      case 'number':
        return push(v.range, 'number');
      case 'string':
        return push(v.range, 'string');
      case 'range':
        push(v.from.range, 'enumMember');
        return push(v.to.range, 'enumMember');
      case 'at':
        return;
      case 'name': {
        const link = linked.get(v.range.start.offset);
        if (link) return push(v.range, declarationType(link.kind));
        if (looksLikeLevel(v.text)) return push(v.range, 'enumMember');
        // A word followed by a number is a field's name (`convs 4`); otherwise it is a choice (`resnet50`).
        return push(v.range, next?.kind === 'number' ? 'property' : 'enumMember');
      }
      default:
        return assertNever(v, 'value');
    }
  };
  for (const d of ast.declarations) {
    push(d.keyword.range, 'keyword');
    push(d.name.range, declarationType(d.kind), 'declaration');
    for (const s of d.body) {
      if (s.kind === 'cell') {
        push(s.keyword.range, 'keyword');
        push(s.name.range, 'variable', 'declaration');
        push(s.level.range, 'enumMember');
        push(s.op.range, 'function', 'defaultLibrary');
        for (const input of s.inputs) push(input.range, 'variable', ...(looksLikeLevel(input.text) ? ['readonly' as const] : []));
        for (const o of s.options) {
          push(o.key.range, 'parameter');
          value(o.value, undefined);
        }
      } else {
        push(s.key.range, 'property');
        s.values.forEach((v, i) => value(v, s.values[i + 1]));
      }
    }
  }
  return { data: encode(analysis, tokens) };
}

/** The protocol's relative encoding: Δline, Δstart (from the previous token on the same line), length, type, modifier bits. */
function encode(analysis: Analysis, tokens: Token[]): number[] {
  tokens.sort((a, b) => a.offset - b.offset);
  const data: number[] = [];
  let line = 0;
  let character = 0;
  for (const token of tokens) {
    const start = analysis.lines.positionAt(token.offset);
    if (token.length <= 0) continue;
    const bits = token.modifiers.reduce((b, m) => b | (1 << MODIFIERS.indexOf(m)), 0);
    data.push(start.line - line, start.line === line ? start.character - character : start.character, token.length, TYPES.indexOf(token.type), bits);
    line = start.line;
    character = start.character;
  }
  return data;
}
