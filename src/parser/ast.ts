// The abstract syntax tree of a .fpn file. Every node carries its source range, so the checker can point
// at exactly what is wrong. The AST keeps what was written (names, option spellings, number texts); the
// meaning (levels, ops, defaults) is decided by src/semantics.
import type { SourceRange } from '../diagnostics/diagnostics.js';

export interface Name {
  text: string;
  range: SourceRange;
}

/** A value in a setting or an op option: a name, a level range `P3..P7`, a number, a string, or `@`. */
export type Value =
  | { kind: 'name'; text: string; range: SourceRange }
  | { kind: 'range'; from: Name; to: Name; range: SourceRange }
  | { kind: 'number'; text: string; value: number; range: SourceRange }
  | { kind: 'string'; text: string; value: string; range: SourceRange }
  | { kind: 'at'; range: SourceRange };

/** `key value value ...` on one line: every statement that is not a cell. */
export interface Setting {
  kind: 'setting';
  key: Name;
  values: Value[];
  range: SourceRange;
}

export interface OpOption {
  key: Name;
  value: Value;
}

/** `cell n5 @P4 = global_pool(P6, P4, pool=max)`; `output` instead of `cell` marks an output cell. */
export interface CellStatement {
  kind: 'cell';
  isOutput: boolean;
  keyword: Name;
  name: Name;
  level: Name;
  op: Name;
  /** Positional arguments: the input layers, in the order written. */
  inputs: Name[];
  /** Keyword arguments `key=value`, in the order written. */
  options: OpOption[];
  range: SourceRange;
}

export type Statement = CellStatement | Setting;

export interface Declaration {
  kind: 'pyramid' | 'detector' | 'search' | 'train';
  keyword: Name;
  name: Name;
  body: Statement[];
  range: SourceRange;
}

export interface ImportStatement {
  kind: 'import';
  /** Names listed in `import { a, b } from "..."`; null for `import "..."` (everything). */
  names: Name[] | null;
  path: { text: string; value: string; range: SourceRange };
  range: SourceRange;
}

export interface CommentToken {
  text: string;
  range: SourceRange;
}

export interface FileAst {
  file: string;
  imports: ImportStatement[];
  declarations: Declaration[];
  comments: CommentToken[];
  /** Line numbers (1-based) that are blank in the source, for the formatter's paragraph breaks. */
  blankLines: number[];
}
