// What is at an offset of a file: the innermost element of the syntax tree there, with the declaration and
// statement around it. Hover, definition, rename and selection all start here.
import type { SourceRange } from '../diagnostics/diagnostics.js';
import type { CellStatement, Declaration, FileAst, ImportStatement, Name, OpOption, Setting, Value } from '../parser/ast.js';
import { touches } from './positions.js';

export type Located =
  | { kind: 'import'; range: SourceRange; statement: ImportStatement }
  | { kind: 'import-path'; range: SourceRange; statement: ImportStatement }
  | { kind: 'import-name'; range: SourceRange; statement: ImportStatement; name: Name }
  | { kind: 'declaration-keyword'; range: SourceRange; declaration: Declaration }
  | { kind: 'declaration-name'; range: SourceRange; declaration: Declaration }
  | { kind: 'declaration'; range: SourceRange; declaration: Declaration }
  | { kind: 'cell-keyword'; range: SourceRange; declaration: Declaration; cell: CellStatement }
  | { kind: 'cell-name'; range: SourceRange; declaration: Declaration; cell: CellStatement }
  | { kind: 'level'; range: SourceRange; declaration: Declaration; cell: CellStatement }
  | { kind: 'op'; range: SourceRange; declaration: Declaration; cell: CellStatement }
  | { kind: 'input'; range: SourceRange; declaration: Declaration; cell: CellStatement; index: number }
  | { kind: 'option-key'; range: SourceRange; declaration: Declaration; cell: CellStatement; option: OpOption }
  | { kind: 'option-value'; range: SourceRange; declaration: Declaration; cell: CellStatement; option: OpOption }
  | { kind: 'cell'; range: SourceRange; declaration: Declaration; cell: CellStatement }
  | { kind: 'setting-key'; range: SourceRange; declaration: Declaration; setting: Setting }
  | { kind: 'setting-value'; range: SourceRange; declaration: Declaration; setting: Setting; value: Value; index: number }
  | { kind: 'setting'; range: SourceRange; declaration: Declaration; setting: Setting };

/** The innermost element at `offset` (a cursor right after a name is on it), or null between elements. */
export function locate(ast: FileAst, offset: number): Located | null {
  for (const statement of ast.imports) {
    if (!touches(statement.range, offset)) continue;
    if (touches(statement.path.range, offset)) return { kind: 'import-path', range: statement.path.range, statement };
    const name = statement.names?.find((n) => touches(n.range, offset));
    if (name) return { kind: 'import-name', range: name.range, statement, name };
    return { kind: 'import', range: statement.range, statement };
  }
  for (const declaration of ast.declarations) {
    if (!touches(declaration.range, offset)) continue;
    if (touches(declaration.keyword.range, offset)) return { kind: 'declaration-keyword', range: declaration.keyword.range, declaration };
    if (touches(declaration.name.range, offset)) return { kind: 'declaration-name', range: declaration.name.range, declaration };
    for (const statement of declaration.body) {
      if (!touches(statement.range, offset)) continue;
      return statement.kind === 'cell' ? locateInCell(declaration, statement, offset) : locateInSetting(declaration, statement, offset);
    }
    return { kind: 'declaration', range: declaration.range, declaration };
  }
  return null;
}

function locateInCell(declaration: Declaration, cell: CellStatement, offset: number): Located {
  const at = (name: Name) => touches(name.range, offset);
  if (at(cell.keyword)) return { kind: 'cell-keyword', range: cell.keyword.range, declaration, cell };
  if (at(cell.name)) return { kind: 'cell-name', range: cell.name.range, declaration, cell };
  if (at(cell.level)) return { kind: 'level', range: cell.level.range, declaration, cell };
  if (at(cell.op)) return { kind: 'op', range: cell.op.range, declaration, cell };
  const index = cell.inputs.findIndex(at);
  if (index >= 0) return { kind: 'input', range: cell.inputs[index].range, declaration, cell, index };
  for (const option of cell.options) {
    if (at(option.key)) return { kind: 'option-key', range: option.key.range, declaration, cell, option };
    if (touches(option.value.range, offset)) return { kind: 'option-value', range: option.value.range, declaration, cell, option };
  }
  return { kind: 'cell', range: cell.range, declaration, cell };
}

function locateInSetting(declaration: Declaration, setting: Setting, offset: number): Located {
  if (touches(setting.key.range, offset)) return { kind: 'setting-key', range: setting.key.range, declaration, setting };
  const index = setting.values.findIndex((v) => touches(v.range, offset));
  if (index >= 0) return { kind: 'setting-value', range: setting.values[index].range, declaration, setting, value: setting.values[index], index };
  return { kind: 'setting', range: setting.range, declaration, setting };
}
