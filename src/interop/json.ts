// A small JSON parser that keeps the source position of every value, so that problems in an imported spec
// file can be reported at file:line:col like problems in .fpn files.

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
  const value = (): JsonNode => {
    space();
    const start = i;
    const c = text[i];
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
        entries.push({ key: (key as { value: string }).value, keyStart, value: value() });
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
        items.push(value());
        space();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return { kind: 'array', items, start, end: i };
        } else fail(`expected ',' or ']'`);
      }
    }
    if (c === '"') {
      const match = /^"(?:[^"\\\u0000-\u001f]|\\.)*"/.exec(text.slice(i));
      if (!match) fail('unterminated string');
      i += match![0].length;
      return { kind: 'string', value: JSON.parse(match![0]), start, end: i };
    }
    const number = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?/.exec(text.slice(i));
    if (number) {
      i += number[0].length;
      return { kind: 'number', value: Number(number[0]), start, end: i };
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
