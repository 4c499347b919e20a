// Hostile variants of valid .fpn files, one generator for the fuzz test (test/parser/fuzz.test.ts, in
// process) and the fuzz benchmark (bench/fuzz.bench.ts, every command of the bundled CLI). Each mutation class
// is something a shared file can hold:
//
//   tokens          delete, duplicate, swap, replace tokens; truncate the text
//   bytes           flip bits of the UTF-8 bytes (invalid sequences decode to U+FFFD)
//   splice          paste a slice of another file at a random place
//   huge-number     numbers beyond every limit and beyond float64 (1e999, 400 digits, 2^53 + 1)
//   nul             NUL bytes anywhere, in names, strings and comments
//   unicode         non-ASCII letters, emoji, combining marks, fullwidth digits, U+FFFD in any position
//   prototype-name  Object.prototype's names (__proto__, constructor, valueOf …) as every kind of name:
//                   settings, fields, ops, op options, cells, declarations, imports
//   device-import   `import { x } from "/dev/zero"` and other paths that are not regular files
//   deep-nesting    brackets, braces and values repeated a hundred thousand times
//   huge-file       a line of megabytes; a file beyond the size limit
//   hostile-text    what issue 27 lists, in comments and strings: line ends of every kind, quotes, `${`,
//                   `*/`, `</script>`, ESC/BEL terminal sequences, bidi controls, invisible characters
//
// Everything is drawn from a seeded generator, so a failure names a mutant that reproduces.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fpnLexer } from '../../src/parser/tokens.js';
import { Random } from '../../src/util/random.js';

export const MUTATION_CLASSES = [
  'tokens', 'bytes', 'splice', 'huge-number', 'nul', 'unicode', 'prototype-name', 'device-import', 'deep-nesting', 'huge-file', 'hostile-text',
] as const;
export type MutationClass = (typeof MUTATION_CLASSES)[number];

/** Names that an object literal answers for without holding them. */
export const PROTOTYPE_NAMES = [
  '__proto__', 'constructor', 'prototype', 'valueOf', 'toString', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable',
  'toLocaleString', '__defineGetter__', '__lookupSetter__',
] as const;

/**
 * Paths an import may name that are no regular file. `{fifo}` and `{dir}` are replaced by the caller with a
 * FIFO it made and a folder; /proc/self/fd/0 is the reading process's standard input (a pipe or a terminal).
 */
export const DEVICE_PATHS = ['/dev/zero', '/dev/urandom', '/dev/null', '/proc/self/fd/0', '/dev/stdin', '/dev/tty', '/proc/self/mem', '{fifo}', '{dir}', '/'] as const;

/** The payloads of issue 27: each must stay text wherever it is shown or written. */
export const HOSTILE_PAYLOADS = [
  'evil\nconsole.log("INJECTED");', 'cr\rconsole.log(1)', 'ls\u2028alert(1)', 'ps\u2029alert(2)', '`${process.exit(1)}`', '*/ alert(3) /*',
  '"\'\\', '\x1b]0;pwned\x07\x1b[2J\x1b[31mred', 'bell\x07', '\u202eexe.txt\u202c', '\u2066isolate\u2069', 'nul\0byte', '</script><script>alert(4)</script>',
  '<img src=x onerror=alert(5)>', 'zero\u200bwidth', 'tag\u{e0041}\u{e0042}',
] as const;

const UNICODE = ['é', 'ß', 'Ω', 'Ж', '中文', '😀', '👩\u200d💻', 'e\u0301', '\ufffd', '１２３', 'ﬁ', 'İ', '\u00a0', 'ا', 'ℙ'];
const HUGE_NUMBERS = ['9'.repeat(400), '1e999', '-1e999', '1e-999', '9007199254740993', '4294967297', '0.' + '0'.repeat(300) + '1', '-0', '1e308', '123456789012345678901234567890'];

export interface Source {
  file: string;
  text: string;
}

/** The examples and the valid check fixtures (every construct of the language), read from the repository root. */
export function validSources(): Source[] {
  const examples = readdirSync('examples').filter((f) => f.endsWith('.fpn')).sort()
    .map((f) => ({ file: f, text: readFileSync(join('examples', f), 'utf8') }));
  const fixtures = readdirSync('test/fixtures/check').filter((d) => d.startsWith('valid-')).sort()
    .map((d) => ({ file: `${d}.fpn`, text: readFileSync(join('test/fixtures/check', d, 'input.fpn'), 'utf8') }));
  return [...examples, ...fixtures];
}

export interface Piece {
  /** The text before the token (spaces). */
  gap: string;
  image: string;
  /** The token's type name (Identifier, NumberLiteral, Comment, …). */
  type: string;
}

/** The text as tokens (comments and newlines included) with the spacing before each; `tail` after the last. */
export function tokenize(text: string): { pieces: Piece[]; tail: string } {
  const lexed = fpnLexer.tokenize(text);
  const tokens = [...lexed.tokens, ...(lexed.groups.comments ?? [])].sort((a, b) => a.startOffset - b.startOffset);
  const pieces: Piece[] = [];
  let at = 0;
  for (const t of tokens) {
    pieces.push({ gap: text.slice(at, t.startOffset), image: t.image, type: t.tokenType.name });
    at = t.startOffset + t.image.length;
  }
  return { pieces, tail: text.slice(at) };
}

export const untokenize = (pieces: Piece[], tail: string): string => pieces.map((p) => p.gap + p.image).join('') + tail;

/** The size of a file beyond the source size limit (src/util/regular-file.ts's callers refuse it unread). */
export const OVERSIZED_BYTES = 20 * 2 ** 20;

export class Mutator {
  private readonly images: string[];

  constructor(private readonly sources: Source[], private readonly random: Random) {
    this.images = [...new Set(sources.flatMap((s) => tokenize(s.text).pieces.map((p) => p.image)))];
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.random.int(items.length)];
  }

  private insertAt(text: string, insert: string): string {
    const at = this.random.int(text.length + 1);
    return text.slice(0, at) + insert + text.slice(at);
  }

  /** Replaces some tokens of the given types (all types when none are named) by what `by` makes. */
  private replaceTokens(text: string, types: string[], by: (image: string) => string, count = 1 + this.random.int(3)): string {
    const { pieces, tail } = tokenize(text);
    const candidates = pieces.map((p, i) => (types.length === 0 || types.includes(p.type) ? i : -1)).filter((i) => i >= 0);
    if (candidates.length === 0) return this.insertAt(text, by(''));
    for (let n = 0; n < count; n++) {
      const i = this.pick(candidates);
      pieces[i] = { ...pieces[i], image: by(pieces[i].image) };
    }
    return untokenize(pieces, tail);
  }

  /** A mutant of `source` of the class asked for; `deviceImport` supplies the path for that class. */
  mutate(source: Source, kind: MutationClass, paths: { fifo: string; dir: string } = { fifo: '/dev/null', dir: '/' }): string {
    const text = source.text;
    switch (kind) {
      case 'tokens':
        return this.tokenEdits(text);
      case 'bytes': {
        const bytes = Buffer.from(text, 'utf8');
        for (let n = 1 + this.random.int(4); n > 0; n--) bytes[this.random.int(bytes.length)] ^= 1 << this.random.int(8);
        return bytes.toString('utf8');
      }
      case 'splice': {
        const other = this.pick(this.sources).text;
        const from = this.random.int(other.length);
        return this.insertAt(text, other.slice(from, from + 1 + this.random.int(200)));
      }
      case 'huge-number':
        return this.replaceTokens(text, ['NumberLiteral'], () => this.pick(HUGE_NUMBERS));
      case 'nul':
        return this.random.bernoulli(0.5)
          ? this.replaceTokens(text, ['Identifier', 'StringLiteral', 'Comment'], (image) => this.insertAt(image, '\0'))
          : this.insertAt(text, '\0'.repeat(1 + this.random.int(3)));
      case 'unicode':
        return this.random.bernoulli(0.5)
          ? this.replaceTokens(text, [], (image) => this.insertAt(image, this.pick(UNICODE)))
          : this.insertAt(text, this.pick(UNICODE));
      case 'prototype-name':
        return this.prototypeNames(text);
      case 'device-import': {
        const path = this.pick(DEVICE_PATHS).replace('{fifo}', paths.fifo).replace('{dir}', paths.dir);
        const line = this.random.bernoulli(0.5) ? `import { x } from "${path}"\n` : `import "${path}"\n`;
        return line + text;
      }
      case 'deep-nesting':
        return this.deepNesting(text);
      case 'huge-file':
        return this.random.bernoulli(0.5)
          ? this.insertAt(text, `\n# ${'x'.repeat(2 ** 21)}\n`)
          : text + `\n# padding\n${`# ${'.'.repeat(1000)}\n`.repeat(Math.ceil(OVERSIZED_BYTES / 1003))}`;
      case 'hostile-text': {
        const payload = this.pick(HOSTILE_PAYLOADS);
        return this.random.bernoulli(0.5)
          ? this.replaceTokens(text, ['StringLiteral', 'Comment'], (image) => (image.startsWith('#') ? `# ${payload}` : JSON.stringify(payload)))
          : this.insertAt(text, `\n# ${payload}\n`);
      }
    }
  }

  private tokenEdits(text: string): string {
    let { pieces, tail } = tokenize(text);
    for (let e = 1 + this.random.int(3); e > 0 && pieces.length > 1; e--) {
      const i = this.random.int(pieces.length);
      switch (this.pick(['delete', 'duplicate', 'swap', 'replace', 'replace', 'truncate'] as const)) {
        case 'delete':
          pieces = [...pieces.slice(0, i), ...pieces.slice(i + 1)];
          break;
        case 'duplicate':
          pieces = [...pieces.slice(0, i + 1), { ...pieces[i], gap: ' ' }, ...pieces.slice(i + 1)];
          break;
        case 'swap':
          if (i + 1 < pieces.length) {
            pieces = [...pieces];
            [pieces[i], pieces[i + 1]] = [{ ...pieces[i], image: pieces[i + 1].image }, { ...pieces[i + 1], image: pieces[i].image }];
          }
          break;
        case 'replace':
          pieces = [...pieces];
          pieces[i] = { ...pieces[i], gap: pieces[i].gap || ' ', image: this.pick(this.images) };
          break;
        case 'truncate': {
          const whole = untokenize(pieces, tail);
          return whole.slice(0, this.random.int(whole.length));
        }
      }
    }
    return untokenize(pieces, tail);
  }

  /** A prototype name where the language takes a name: any identifier, a new setting or field, an op option, an import. */
  private prototypeNames(text: string): string {
    const name = this.pick(PROTOTYPE_NAMES);
    switch (this.random.int(4)) {
      case 0:
        return this.replaceTokens(text, ['Identifier', 'Output', 'Cell', 'Search', 'Train', 'Import', 'From'], () => name);
      case 1: {
        // A statement of its own inside a declaration (a setting, or a field of a setting that takes fields).
        const line = this.pick([`${name} 1`, `${name}`, `head retinanet ${name} 2`, `head retinanet anchors ${name} 3`, `checkpoint ${name} 1`, `decay ${name} 1`, `dropblock ${name} 3`]);
        const open = [...text.matchAll(/\{\n/g)];
        if (open.length === 0) return `${text}\n${line}\n`;
        const at = this.pick(open).index! + 2;
        return `${text.slice(0, at)}  ${line}\n${text.slice(at)}`;
      }
      case 2:
        return `import { ${name} } from "nasfpn.fpn"\n${text}`;
      default:
        return text.replace(/= (\w+)\((\w+), (\w+)\)/, (_, op, a, b) => this.pick([`= ${name}(${a}, ${b})`, `= ${op}(${a}, ${b}, ${name}=max)`, `= ${op}(${name}, ${b})`]));
    }
  }

  private deepNesting(text: string): string {
    const depth = 50_000 + this.random.int(150_000);
    const what = this.pick(['(', ')', '{', '}', '[', '..', 'P3 ', 'anchors ', 'x, ', '$ ', '"', ';', '\n']);
    const run = what.repeat(depth);
    return this.random.bernoulli(0.5) ? this.insertAt(text, run) : this.replaceTokens(text, [], (image) => `${image} ${run}`, 1);
  }
}
