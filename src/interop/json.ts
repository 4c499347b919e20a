// A small JSON parser that keeps the source position of every value, so that problems in an imported spec
// file can be reported at file:line:col like problems in .fpn files. It reads arrays and objects recursively,
// so it refuses nesting deeper than MAX_SPEC_NESTING (a JsonNestingError) before the call stack runs out.
import { MAX_SPEC_NESTING } from '../semantics/limits.js';

export type JsonNode =
  | { kind: 'object'; entries: { key: string; keyStart: number; value: JsonNode }[]; start: number; end: number }
  | { kind: 'array'; items: JsonNode[]; start: number; end: number }
  | { kind: 'string'; value: string; start: number; end: number }
  | { kind: 'number'; value: number; start: number; end: number }
  | { kind: 'boolean'; value: boolean; start: number; end: number }
  | { kind: 'null'; start: number; end: number };

export class JsonSyntaxError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

/** An array or object opens deeper than MAX_SPEC_NESTING, at `offset`. */
export class JsonNestingError extends JsonSyntaxError {}

// Sticky (`y`): each matches at lastIndex without copying the rest of the text (a slice per value is
// quadratic in the size of the file).
const STRING = /"(?:[^"\\\u0000-\u001f]|\\.)*"/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?/y;

const stickyMatch = (pattern: RegExp, text: string, at: number): string | null => {
  pattern.lastIndex = at;
  return pattern.exec(text)?.[0] ?? null;
};

export function parseJsonWithPositions(text: string): JsonNode {
  let i = 0;
  const fail = (message: string): never => {
    throw new JsonSyntaxError(message, Math.min(i, text.length));
  };
  const space = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const expect = (c: string) => {
    space();
    if (text[i] !== c) fail(`expected '${c}'${i < text.length ? `, found '${text[i]}'` : ' before the end of the file'}`);
    i++;
  };
  const value = (depth = 0): JsonNode => {
    space();
    const start = i;
    const c = text[i];
    if ((c === '{' || c === '[') && depth >= MAX_SPEC_NESTING) {
      throw new JsonNestingError(`nested deeper than ${MAX_SPEC_NESTING} levels`, i);
    }
    if (c === '{') {
      i++;
      const entries: { key: string; keyStart: number; value: JsonNode }[] = [];
      space();
      if (text[i] === '}') {
        i++;
        return { kind: 'object', entries, start, end: i };
      }
      for (;;) {
        space();
        const keyStart = i;
        const key = value();
        if (key.kind !== 'string') {
          i = keyStart;
          fail('expected a quoted key');
        }
        expect(':');
        entries.push({ key: (key as { value: string }).value, keyStart, value: value(depth + 1) });
        space();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return { kind: 'object', entries, start, end: i };
        } else fail(`expected ',' or '}'`);
      }
    }
    if (c === '[') {
      i++;
      const items: JsonNode[] = [];
      space();
      if (text[i] === ']') {
        i++;
        return { kind: 'array', items, start, end: i };
      }
      for (;;) {
        items.push(value(depth + 1));
        space();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return { kind: 'array', items, start, end: i };
        } else fail(`expected ',' or ']'`);
      }
    }
    if (c === '"') {
      const string = stickyMatch(STRING, text, i);
      if (string === null) return fail('unterminated string');
      i += string.length;
      return { kind: 'string', value: JSON.parse(string), start, end: i };
    }
    const number = stickyMatch(NUMBER, text, i);
    if (number !== null) {
      i += number.length;
      return { kind: 'number', value: Number(number), start, end: i };
    }
    for (const [word, node] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return node === null ? { kind: 'null', start, end: i } : { kind: 'boolean', value: node, start, end: i };
      }
    }
    return fail(i < text.length ? `unexpected '${text[i]}'` : 'unexpected end of the file');
  };
  const root = value();
  space();
  if (i < text.length) fail(`unexpected '${text[i]}' after the end of the JSON value`);
  return root;
}
