// Go to definition, find references and rename, from the names the checker resolved (its links): a layer of
// a pyramid and its uses in that pyramid; a declaration and its uses in every file of the workspace,
// imports included. Rename applies the edits to a copy of the files and checks them again: a name that
// clashes with another (FPN013, FPN104) or is reserved (FPN105) is refused with the checker's own message.
import type { Location, Range, TextEdit, WorkspaceEdit } from 'vscode-languageserver-types';
import type { Diagnostic, SourceRange } from '../diagnostics/diagnostics.js';
import type { NameLink } from '../semantics/program.js';
import type { Analysis } from './analysis.js';
import { locate } from './locate.js';
import { sameRange, toRange } from './positions.js';

/** The files a declaration's uses may sit in, and a check of files with other texts in place. */
export interface Workspace {
  /** The open documents and the workspace's other .fpn files, checked. */
  analyses(): Analysis[];
  uriOf(path: string): string;
  /** The diagnostics of `path`, checked as if each file of `texts` held its text there. */
  checkWith(path: string, texts: ReadonlyMap<string, string>): Diagnostic[];
}

/** What a name at a position stands for. */
interface Target {
  kind: NameLink['kind'];
  name: string;
  definition: SourceRange;
}

function targetAt(analysis: Analysis, offset: number): Target | null {
  const link = analysis.linkAt(offset);
  if (link) return { kind: link.kind, name: link.name, definition: link.definition };
  const located = analysis.ast ? locate(analysis.ast, offset) : null;
  if (located?.kind === 'declaration-name') return { kind: located.declaration.kind, name: located.declaration.name.text, definition: located.declaration.name.range };
  if (located?.kind === 'cell-name') return { kind: 'layer', name: located.cell.name.text, definition: located.cell.name.range };
  return null;
}

const location = (workspace: Pick<Workspace, 'uriOf'>, range: SourceRange): Location => ({ uri: workspace.uriOf(range.file), range: toRange(range) });

export function definition(workspace: Pick<Workspace, 'uriOf'>, analysis: Analysis, offset: number): Location[] {
  const located = analysis.ast ? locate(analysis.ast, offset) : null;
  if (located?.kind === 'import-path') {
    const target = analysis.importTarget(located.statement);
    const start = { line: 0, character: 0 };
    return analysis.result.sources.has(target) ? [{ uri: workspace.uriOf(target), range: { start, end: start } }] : [];
  }
  const target = targetAt(analysis, offset);
  return target ? [location(workspace, target.definition)] : [];
}

/** Every use of the target (and its definition), in the files that can see it. */
function uses(workspace: Workspace, analysis: Analysis, target: Target): SourceRange[] {
  // A layer is local to its pyramid; a declaration may be used by any file that imports it.
  const analyses = target.kind === 'layer' ? [analysis] : [analysis, ...workspace.analyses()];
  const seen = new Set<string>();
  const found: SourceRange[] = [];
  for (const a of analyses) {
    for (const link of a.result.links) {
      if (!sameRange(link.definition, target.definition)) continue;
      const key = `${link.use.file}:${link.use.start.offset}`;
      if (seen.has(key)) continue;
      seen.add(key);
      found.push(link.use);
    }
  }
  return found.sort((a, b) => a.file.localeCompare(b.file) || a.start.offset - b.start.offset);
}

export function references(workspace: Workspace, analysis: Analysis, offset: number, includeDeclaration: boolean): Location[] {
  const target = targetAt(analysis, offset);
  if (!target) return [];
  return [...(includeDeclaration ? [target.definition] : []), ...uses(workspace, analysis, target)].map((r) => location(workspace, r));
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Diagnostics that mean a new name collides with another or is not allowed as a name. */
const CLASHES = new Set(['FPN013', 'FPN104', 'FPN105']);

export type RenameResult = { edit: WorkspaceEdit } | { error: string };

/** Where a rename may start: a declaration's or a cell's name, or a use of one (not an input level, not a keyword). */
export function prepareRename(analysis: Analysis, offset: number): { range: Range; placeholder: string } | { error: string } {
  const target = targetAt(analysis, offset);
  if (!target) return { error: 'only the names of declarations and cells can be renamed' };
  if (target.kind === 'layer' && !analysis.text.startsWith(target.name, target.definition.start.offset)) {
    return { error: `${target.name} is an input layer: it is named after its level` };
  }
  const link = analysis.linkAt(offset);
  const at = link?.use ?? target.definition;
  return { range: toRange(at), placeholder: target.name };
}

export function rename(workspace: Workspace, analysis: Analysis, offset: number, newName: string): RenameResult {
  const prepared = prepareRename(analysis, offset);
  if ('error' in prepared) return prepared;
  const target = targetAt(analysis, offset)!;
  if (!NAME.test(newName)) return { error: `'${newName}' is not a name: names are letters, digits and _, not starting with a digit` };
  if (newName === target.name) return { edit: { changes: {} } };

  const byFile = new Map<string, SourceRange[]>();
  for (const range of [target.definition, ...uses(workspace, analysis, target)]) {
    byFile.set(range.file, [...(byFile.get(range.file) ?? []), range]);
  }
  // The files as they would read after the rename.
  const texts = new Map<string, string>();
  const sources = new Map<string, string>([...workspace.analyses(), analysis].flatMap((a) => [...a.result.sources]));
  for (const [file, ranges] of byFile) {
    let text = sources.get(file);
    if (text === undefined) return { error: `cannot read ${file}` };
    for (const r of [...ranges].sort((a, b) => b.start.offset - a.start.offset)) text = text.slice(0, r.start.offset) + newName + text.slice(r.end.offset);
    texts.set(file, text);
  }
  for (const file of byFile.keys()) {
    const before = clashes(workspace.checkWith(file, new Map()));
    const after = clashes(workspace.checkWith(file, texts));
    const grew = after.find((d) => after.filter((x) => x.code === d.code).length > before.filter((x) => x.code === d.code).length);
    if (grew) return { error: `cannot rename to '${newName}': ${after.find((d) => d.code === grew.code && !before.some((b) => b.message === d.message))?.message ?? grew.message}` };
  }
  const changes: Record<string, TextEdit[]> = {};
  for (const [file, ranges] of byFile) changes[workspace.uriOf(file)] = ranges.map((r) => ({ range: toRange(r), newText: newName }));
  return { edit: { changes } };
}

const clashes = (diagnostics: Diagnostic[]) => diagnostics.filter((d) => CLASHES.has(d.code));
