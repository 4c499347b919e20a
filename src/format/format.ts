// The canonical layout of a .fpn file: imports first, one blank line between declarations, two-space
// indentation, one statement per line, single spaces, and every comment kept where it was (own-line
// comments above what follows them, trailing comments after their line). Blank lines inside a block are
// kept (one at most). Formatting is idempotent: formatting formatted text changes nothing.
import type { CellStatement, CommentToken, Declaration, FileAst, ImportStatement, Setting, Statement, Value } from '../parser/ast.js';

function formatValue(v: Value): string {
  switch (v.kind) {
    case 'range':
      return `${v.from.text}..${v.to.text}`;
    case 'at':
      return '@';
    default:
      return v.text;
  }
}

function formatStatement(s: Statement): string {
  return s.kind === 'cell' ? formatCell(s) : formatSetting(s);
}

function formatCell(s: CellStatement): string {
  const args = [...s.inputs.map((i) => i.text), ...s.options.map((o) => `${o.key.text}=${formatValue(o.value)}`)];
  return `${s.isOutput ? 'output' : 'cell'} ${s.name.text} @${s.level.text} = ${s.op.text}(${args.join(', ')})`;
}

function formatSetting(s: Setting): string {
  return [s.key.text, ...s.values.map(formatValue)].join(' ');
}

function formatImport(s: ImportStatement): string {
  return s.names === null ? `import ${s.path.text}` : `import { ${s.names.map((n) => n.text).join(', ')} } from ${s.path.text}`;
}

export function formatFile(ast: FileAst): string {
  return new Layout(ast).run();
}

class Layout {
  private readonly lines: string[] = [];
  private readonly comments: CommentToken[];
  private nextComment = 0;
  private readonly blank: Set<number>;
  /** Offsets of the comments that have nothing but spaces before them on their line. */
  private readonly ownLine: Set<number>;
  /** Trailing comment offset → start offset of the element whose line it ends. */
  private readonly trailingOwner: Map<number, number>;
  /** The last source line that produced output, for keeping paragraph breaks. */
  private lastLine = 0;

  constructor(private readonly ast: FileAst) {
    this.comments = [...ast.comments].sort((a, b) => a.range.start.offset - b.range.start.offset);
    this.blank = new Set(ast.blankLines);
    this.ownLine = new Set();
    this.trailingOwner = new Map();
    this.classifyComments();
  }

  /**
   * A comment is own-line when no code starts before it on its line; otherwise it trails the last element
   * (import, declaration header, statement, closing brace) that starts before it on that line.
   */
  private classifyComments(): void {
    const startsByLine = new Map<number, number[]>();
    const note = ({ line, offset }: { line: number; offset: number }) => {
      const starts = startsByLine.get(line);
      if (starts) starts.push(offset);
      else startsByLine.set(line, [offset]);
    };
    for (const s of this.ast.imports) note(s.range.start);
    for (const d of this.ast.declarations) {
      note(d.range.start);
      for (const s of d.body) note(s.range.start);
      note({ line: d.range.end.line, offset: d.range.end.offset - 1 }); // the closing brace
    }
    for (const c of this.ast.comments) {
      // The last statement that starts before the comment on its line owns it (no spread: a line may hold thousands).
      let owner = -1;
      for (const offset of startsByLine.get(c.range.start.line) ?? []) if (offset < c.range.start.offset && offset > owner) owner = offset;
      if (owner < 0) this.ownLine.add(c.range.start.offset);
      else this.trailingOwner.set(c.range.start.offset, owner);
    }
  }

  run(): string {
    const imports = [...this.ast.imports].sort((a, b) => a.range.start.offset - b.range.start.offset);
    const declarations = [...this.ast.declarations].sort((a, b) => a.range.start.offset - b.range.start.offset);
    for (const s of imports) this.item(s.range.start.offset, s.range.start.line, s.range.end.line, formatImport(s), 0, false);
    declarations.forEach((d, i) => this.declaration(d, i > 0 || imports.length > 0));
    this.ownLineComments(Infinity, 0, this.lines.length > 0);
    while (this.lines.length && this.lines[this.lines.length - 1] === '') this.lines.pop();
    return this.lines.length ? this.lines.join('\n') + '\n' : '';
  }

  private declaration(d: Declaration, separate: boolean): void {
    const headerLine = d.name.range.end.line;
    this.item(d.range.start.offset, d.range.start.line, headerLine, `${d.kind} ${d.name.text} {`, 0, separate);
    for (const s of d.body) this.item(s.range.start.offset, s.range.start.line, s.range.end.line, formatStatement(s), 1, false);
    // Comments inside the block after its last statement, then the closing brace with its trailing comment.
    const closeOffset = d.range.end.offset - 1;
    this.ownLineComments(closeOffset, 1, false);
    this.push('}', d.range.end.line, 0, d.range.end.offset - 1);
  }

  /** Emits the comments before `offset`, then `text` (at `indent`) with the trailing comment of its last line. */
  private item(offset: number, firstLine: number, lastLine: number, text: string, indent: number, separate: boolean): void {
    const leading = this.ownLineComments(offset, indent, separate);
    const pendingBreak = separate && leading === 0 && this.lines.length > 0 && this.lines[this.lines.length - 1] !== '';
    if (pendingBreak) this.lines.push('');
    else this.paragraphBreak(firstLine);
    this.push(text, lastLine, indent, offset);
  }

  /** `ownerOffset`: where the element starts in the source; a trailing comment it owns follows it. */
  private push(text: string, sourceLine: number, indent: number, ownerOffset: number): void {
    let line = '  '.repeat(indent) + text;
    const c = this.comments[this.nextComment];
    if (c && this.trailingOwner.get(c.range.start.offset) === ownerOffset) {
      line += `  ${c.text.trimEnd()}`;
      this.nextComment++;
    }
    this.lines.push(line);
    this.lastLine = Math.max(this.lastLine, sourceLine);
  }

  private isOwnLine(c: CommentToken): boolean {
    return this.ownLine.has(c.range.start.offset);
  }

  /** Emits the own-line comments before `beforeOffset`; returns how many. */
  private ownLineComments(beforeOffset: number, indent: number, separateFirst: boolean): number {
    let first = true;
    let emitted = 0;
    while (this.nextComment < this.comments.length) {
      const c = this.comments[this.nextComment];
      if (c.range.start.offset >= beforeOffset) break;
      if (!this.isOwnLine(c)) {
        // A trailing comment whose line produced no output of its own (e.g. after a ';'-joined statement).
        this.lines[this.lines.length - 1] += `  ${c.text.trimEnd()}`;
        this.nextComment++;
        continue;
      }
      if (first && separateFirst && this.lines.length && this.lines[this.lines.length - 1] !== '') this.lines.push('');
      else this.paragraphBreak(c.range.start.line);
      first = false;
      this.lines.push('  '.repeat(indent) + c.text.trimEnd());
      this.lastLine = c.range.start.line;
      this.nextComment++;
      emitted++;
    }
    return emitted;
  }

  /** Keeps one blank line where the source had at least one since the last emitted line. */
  private paragraphBreak(line: number): void {
    if (this.lines.length === 0 || this.lines[this.lines.length - 1] === '' || this.lines[this.lines.length - 1].endsWith('{')) return;
    for (let l = this.lastLine + 1; l < line; l++) {
      if (this.blank.has(l)) {
        this.lines.push('');
        return;
      }
    }
  }
}
