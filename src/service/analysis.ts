// One checked file as the editor features see it: its text, the checker's result for it as the root file,
// and indexes built from that result on first use (lines, tokens, names).
import type { IToken } from 'chevrotain';
import type { Diagnostic, SourceRange } from '../diagnostics/diagnostics.js';
import type { Declaration, FileAst, ImportStatement } from '../parser/ast.js';
import { fpnLexer } from '../parser/tokens.js';
import type { CheckedDeclaration, CheckResult, NameLink } from '../semantics/program.js';
import type { PathRules } from '../util/posix-path.js';
import { LineIndex, sameRange, touches } from './positions.js';

export class Analysis {
  private lineIndex?: LineIndex;
  private lexed?: IToken[];

  constructor(
    /** The file's path (as the checker names it) and the editor's URI for it. */
    readonly path: string,
    readonly uri: string,
    readonly text: string,
    /** The editor's version of the text; null for a file read from disk. */
    readonly version: number | null,
    readonly result: CheckResult,
    private readonly paths: PathRules,
  ) {}

  /** The path an import statement of this file names. */
  importTarget(statement: ImportStatement): string {
    return this.paths.resolve(this.paths.dirname(this.path), statement.path.value);
  }

  get ast(): FileAst | null {
    return this.result.ast;
  }

  get lines(): LineIndex {
    return (this.lineIndex ??= new LineIndex(this.text));
  }

  /** The file's own diagnostics (a check also reports the errors of the files it imports, under their names). */
  get diagnostics(): Diagnostic[] {
    return this.result.diagnostics.filter((d) => d.range.file === this.path);
  }

  /** Every token of the text in order, comments included (they are a group of their own in the lexer). */
  get tokens(): IToken[] {
    if (!this.lexed) {
      const lexed = fpnLexer.tokenize(this.text);
      this.lexed = [...lexed.tokens, ...(lexed.groups.comments ?? []), ...(lexed.groups.unterminated ?? [])]
        .sort((a, b) => a.startOffset - b.startOffset);
    }
    return this.lexed;
  }

  /** The token at `offset` (or the one ending there), if any. */
  tokenAt(offset: number): IToken | undefined {
    const tokens = this.tokens;
    let lo = 0;
    let hi = tokens.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const t = tokens[mid];
      if ((t.endOffset ?? t.startOffset) + 1 < offset) lo = mid + 1;
      else if (t.startOffset > offset) hi = mid - 1;
      else return t;
    }
    return undefined;
  }

  /** The names used in this file that the checker resolved. */
  get links(): NameLink[] {
    return this.result.links.filter((l) => l.use.file === this.path);
  }

  /** The link whose use is at `offset`. */
  linkAt(offset: number): NameLink | undefined {
    return this.links.find((l) => touches(l.use, offset));
  }

  /** What checking `declaration` (of any file this check read) gave. */
  checked(declaration: Declaration): CheckedDeclaration | undefined {
    return this.result.declarations.find((d) => d.declaration === declaration);
  }

  /** The declaration whose name is at `range`. */
  declarationNamed(range: SourceRange): CheckedDeclaration | undefined {
    return this.result.declarations.find((d) => sameRange(d.declaration.name.range, range));
  }
}
