// Completion from the grammar: chevrotain's content assist says which tokens may come next after the tokens
// before the cursor (and in which rule and slot), and the checker's tables say which words fill that slot:
// keywords where the grammar allows them, setting keys of the declaration's kind, levels of the pyramid (no
// stride 8 for an intermediate cell unless the pyramid allows it), ops, the layers above the cell, the
// declarations a setting names, the words a setting's values may be.
//
// The tokens before the cursor are cut to the current statement and put behind the header of its
// declaration, so errors elsewhere in the file do not stop completion.
import type { IToken, TokenType } from 'chevrotain';
import { CompletionItemKind, type CompletionItem, type CompletionList } from 'vscode-languageserver-types';
import type { Declaration } from '../parser/ast.js';
import { fpnParser } from '../parser/grammar.js';
import * as t from '../parser/tokens.js';
import { strideOf } from '../semantics/ir.js';
import { levelName } from '../semantics/levels.js';
import { OP_NAMES, opNamed } from '../semantics/ops.js';
import { mayBeIntermediate } from '../semantics/rules.js';
import type { Analysis } from './analysis.js';
import { KEYWORD_REFERENCE } from './reference.js';
import { declarationsInScope, layersAbove, pyramidLevels } from './scope.js';
import { SETTINGS, settingSpec } from './settings.js';

const IDENTIFIER_CHAR = /[A-Za-z0-9_]/;
const DECLARATION_KEYWORDS: TokenType[] = [t.Pyramid, t.Detector, t.Search, t.Train];
const isKeyword = (type: TokenType) => type !== t.Identifier && (type.CATEGORIES ?? []).includes(t.Identifier);

/** The tokens before the cursor as the content assist needs them, and where they stand. */
interface Context {
  /** The rule to start from: 'file' at the top level, 'declaration' inside a block. */
  rule: 'file' | 'declaration';
  tokens: IToken[];
  /** The declaration keyword of the enclosing block, when inside one. */
  kind?: Declaration['kind'];
  /** The tokens of the current statement before the cursor (empty at a statement's start). */
  statement: IToken[];
}

function contextAt(tokens: IToken[], before: number): Context {
  const preceding = tokens.filter((token) => (token.endOffset ?? token.startOffset) < before);
  let depth = 0;
  let itemStart = 0;
  let blockStart = -1;
  let statementStart = 0;
  preceding.forEach((token, i) => {
    const type = token.tokenType;
    if (type === t.LCurly) {
      if (depth === 0 && preceding[itemStart] && DECLARATION_KEYWORDS.includes(preceding[itemStart].tokenType)) blockStart = i;
      depth++;
      statementStart = i + 1;
    } else if (type === t.RCurly) {
      depth = Math.max(0, depth - 1);
      statementStart = i + 1;
      if (depth === 0) {
        itemStart = i + 1;
        blockStart = -1;
      }
    } else if (type === t.Newline || type === t.Semicolon) {
      statementStart = i + 1;
      if (depth === 0) itemStart = i + 1;
    }
  });
  const statement = preceding.slice(statementStart);
  if (depth > 0 && blockStart >= 0) {
    const header = preceding.slice(itemStart, blockStart + 1);
    return { rule: 'declaration', tokens: [...header, ...statement], kind: header[0].image as Declaration['kind'], statement };
  }
  return { rule: 'file', tokens: preceding.slice(itemStart), statement };
}

export function complete(analysis: Analysis, offset: number): CompletionList {
  const text = analysis.text;
  let start = offset;
  while (start > 0 && IDENTIFIER_CHAR.test(text[start - 1])) start--;
  let end = offset;
  while (end < text.length && IDENTIFIER_CHAR.test(text[end])) end++;
  const range = analysis.lines.rangeOf(start, end);

  const context = contextAt(analysis.tokens.filter((token) => token.tokenType !== t.Comment && token.tokenType !== t.UnterminatedString), start);
  const suggestions = fpnParser.computeContentAssist(context.rule, context.tokens);
  const declaration = analysis.ast?.declarations.find((d) => d.range.start.offset <= offset && offset <= d.range.end.offset);
  const items = new Map<string, CompletionItem>();
  const add = (item: CompletionItem) => {
    if (!items.has(item.label)) items.set(item.label, { ...item, textEdit: { range, newText: item.insertText ?? item.label }, insertText: undefined });
  };

  for (const suggestion of suggestions) {
    const type = suggestion.nextTokenType;
    const rule = suggestion.ruleStack[suggestion.ruleStack.length - 1];
    // A statement starts only at the start of a line (the grammar also lets one follow just before '}').
    const startsStatement = rule === 'cell' && (type === t.Cell || type === t.Output) || (rule === 'setting' && type === t.Identifier);
    if (startsStatement && context.statement.length > 0) continue;
    if (isKeyword(type)) {
      const word = type.name.toLowerCase();
      // Cells belong in pyramids (FPN200 elsewhere).
      if ((type === t.Cell || type === t.Output) && context.kind !== 'pyramid') continue;
      add({ label: word, kind: CompletionItemKind.Keyword, detail: KEYWORD_REFERENCE[word] });
      continue;
    }
    if (type !== t.Identifier) continue;
    for (const item of identifiers(analysis, context, rule, suggestion.nextTokenOccurrence, declaration, offset)) add(item);
  }
  return { isIncomplete: false, items: [...items.values()] };
}

/** The names that fit an Identifier slot: which slot is told by the rule and the CONSUME occurrence. */
function identifiers(analysis: Analysis, context: Context, rule: string, occurrence: number, declaration: Declaration | undefined, offset: number): CompletionItem[] {
  const kind = context.kind;
  const first = context.statement[0];
  switch (rule) {
    case 'setting': {
      if (!kind) return [];
      const set = new Set(declaration?.body.flatMap((s) => (s.kind === 'setting' && s.range.end.offset < offset ? [s.key.text] : [])) ?? []);
      return Object.entries(SETTINGS[kind]).filter(([key]) => !set.has(key)).map(([key, spec]) => ({
        label: key, kind: CompletionItemKind.Property, detail: spec.usage, sortText: `${spec.required ? 0 : 1}${key}`,
      }));
    }
    case 'cell': {
      if (occurrence === 2) return levels(declaration, first?.tokenType === t.Output);
      if (occurrence === 3) return OP_NAMES.map((op) => ({ label: op, kind: CompletionItemKind.Function, detail: opNamed(op)!.summary }));
      return [];
    }
    case 'argument':
      return [
        ...layersAbove(declaration, offset).map((l) => ({ label: l.name, kind: CompletionItemKind.Variable, detail: l.detail })),
        ...optionKeys(context),
      ];
    case 'value':
      return context.statement.some((token) => token.tokenType === t.LParen) ? optionValues(context, declaration, offset) : settingValues(analysis, context, occurrence, declaration);
    default:
      return [];
  }
}

/** The levels a cell may produce: within the pyramid's inputs, and none finer than P4 for an intermediate cell unless allowed. */
function levels(declaration: Declaration | undefined, isOutput: boolean): CompletionItem[] {
  const { levels, allowStride8 } = pyramidLevels(declaration);
  return levels.filter((level) => isOutput || mayBeIntermediate(level, allowStride8)).map((level) => ({
    label: levelName(level), kind: CompletionItemKind.EnumMember, detail: `stride ${strideOf(level)}`, sortText: String(level).padStart(2, '0'),
  }));
}

/** The op's options (`pool=`), once the op is known. */
function optionKeys(context: Context): CompletionItem[] {
  const op = opOf(context);
  return op ? Object.entries(op.options).map(([key, o]) => ({ label: `${key}=`, kind: CompletionItemKind.Property, detail: o.values })) : [];
}

function opOf(context: Context) {
  const paren = context.statement.findIndex((token) => token.tokenType === t.LParen);
  return paren > 0 ? opNamed(context.statement[paren - 1].image) : undefined;
}

/** After `key=` inside a call: the words the option takes, and for `pooled=` the cell's inputs. */
function optionValues(context: Context, declaration: Declaration | undefined, offset: number): CompletionItem[] {
  const tokens = context.statement;
  const key = tokens.length >= 2 && tokens[tokens.length - 1].tokenType === t.Equals ? tokens[tokens.length - 2].image : undefined;
  const option = key ? opOf(context)?.options[key] : undefined;
  if (!option) return [];
  const words = option.values.split('|').map((w) => w.trim()).filter((w) => /^\w+$/.test(w));
  const items: CompletionItem[] = words.map((w) => ({ label: w, kind: CompletionItemKind.EnumMember, detail: `${key}=${w}` }));
  if (key === 'pooled') {
    const paren = tokens.findIndex((token) => token.tokenType === t.LParen);
    const inputs = tokens.slice(paren + 1).filter((token, i, all) => token.tokenType === t.Identifier && all[i + 1]?.tokenType !== t.Equals && all[i - 1]?.tokenType !== t.Equals);
    const known = new Set(layersAbove(declaration, offset).map((l) => l.name));
    for (const token of inputs) if (known.has(token.image)) items.push({ label: token.image, kind: CompletionItemKind.Variable, detail: 'this cell\'s input' });
  }
  return items;
}

/** The values of a setting: the declarations it names (first value), its words, and levels for level settings. */
function settingValues(analysis: Analysis, context: Context, occurrence: number, declaration: Declaration | undefined): CompletionItem[] {
  const kind = context.kind;
  const key = context.statement[0];
  const spec = kind && key ? settingSpec(kind, key.image) : undefined;
  if (!spec) return [];
  const items: CompletionItem[] = [];
  const position = context.statement.length - 1; // how many values come before this one
  if (position === 0 && occurrence !== 2) {
    for (const named of spec.names ?? []) {
      for (const d of declarationsInScope(analysis, named)) {
        if (d !== declaration) items.push({ label: d.name.text, kind: CompletionItemKind.Reference, detail: `${d.kind}${d.range.file === analysis.path ? '' : ` (imported from ${d.range.file.split('/').pop()})`}` });
      }
    }
  }
  for (const word of spec.words ?? []) items.push({ label: word, kind: CompletionItemKind.EnumMember });
  if (/P\d+\.\./.test(spec.usage) || occurrence === 2) {
    for (const level of pyramidLevels(undefined).levels) items.push({ label: levelName(level), kind: CompletionItemKind.EnumMember, detail: `stride ${strideOf(level)}` });
  }
  return items;
}
