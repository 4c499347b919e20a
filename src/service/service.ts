// The language service: open documents over a host's files, each checked as the root of its imports by the
// checker (one code path with `nasfpn check`), and every editor feature answered from that check. It keeps
// one check per file and throws it away when the file, or a file it read, changes.
import type {
  CodeAction, CompletionList, Diagnostic as EditorDiagnostic, DocumentSymbol, FoldingRange, Hover, InlayHint, Location, Position,
  Range, SelectionRange, SemanticTokens, TextEdit,
} from 'vscode-languageserver-types';
import { IncrementalParser } from '../parser/incremental.js';
import type { CheckedProgram } from '../semantics/ir.js';
import { checkFile, type CheckedDeclaration, type CheckResult, type Parse, type SourceHost } from '../semantics/program.js';
import { posixPaths, type PathRules } from '../util/posix-path.js';
import { Analysis } from './analysis.js';
import { codeActions } from './code-actions.js';
import { complete } from './completion.js';
import { toEditorDiagnostic } from './diagnostics.js';
import { formatEdits } from './formatting.js';
import { posixFileUri, posixPathOfUri, type ServiceHost } from './host.js';
import { hover } from './hover.js';
import { inlayHints } from './inlay-hints.js';
import { definition, prepareRename, references, rename, type RenameResult, type Workspace } from './navigation.js';
import { semanticTokens } from './semantic-tokens.js';
import { documentSymbols, foldingRanges, selectionRanges } from './symbols.js';

interface OpenDocument {
  uri: string;
  text: string;
  version: number;
}

export class LanguageService implements Workspace {
  private readonly documents = new Map<string, OpenDocument>();
  private readonly checks = new Map<string, Analysis>();
  private readonly pathByUri = new Map<string, string>();
  private readonly paths: PathRules;
  /** The host's files with the open documents' texts over them: what every check reads. */
  private readonly overlay: SourceHost;

  /**
   * `parse` defaults to an incremental parser: a keystroke re-parses only the block it changed (the results are
   * parseFpn's, see src/parser/incremental.ts).
   */
  constructor(private readonly host: ServiceHost = { readFile: () => null }, private readonly parse: Parse = new IncrementalParser().parse) {
    this.paths = host.paths ?? posixPaths;
    this.overlay = { readFile: (path) => this.documents.get(path)?.text ?? host.readFile(path), paths: this.paths };
  }

  // -------------------------------------------------------------------------------------------------
  // Names: editors name files by URI, the checker by path.

  /** The path of a URI (an unsaved buffer gets a path of its own under /untitled/). */
  pathOf(uri: string): string {
    let path = this.pathByUri.get(uri);
    if (path === undefined) {
      const named = this.host.pathOf ? this.host.pathOf(uri) : posixPathOfUri(uri);
      path = this.paths.resolve(named ?? `/untitled/${encodeURIComponent(uri)}.fpn`);
      this.pathByUri.set(uri, path);
    }
    return path;
  }

  uriOf(path: string): string {
    return this.documents.get(path)?.uri ?? (this.host.uriOf ? this.host.uriOf(path) : posixFileUri(path));
  }

  // -------------------------------------------------------------------------------------------------
  // Documents

  open(uri: string, text: string, version = 0): void {
    const path = this.pathOf(uri);
    this.documents.set(path, { uri, text, version });
    this.forget(path);
  }

  update(uri: string, text: string, version: number): void {
    this.open(uri, text, version);
  }

  close(uri: string): void {
    const path = this.pathOf(uri);
    this.documents.delete(path);
    this.forget(path);
  }

  /** A file changed on disk (or was created or deleted): checks that read it are stale. */
  fileChanged(uri: string): void {
    this.forget(this.pathOf(uri));
  }

  isOpen(uri: string): boolean {
    return this.documents.has(this.pathOf(uri));
  }

  /** The URIs of the open documents. */
  openDocuments(): string[] {
    return [...this.documents.values()].map((d) => d.uri);
  }

  /**
   * The open documents to check again after the file of `uri` changed: it (when open), those whose last check
   * read it, and those not checked since their last change.
   */
  affectedBy(uri: string): string[] {
    const path = this.pathOf(uri);
    return [...this.documents.entries()]
      .filter(([p]) => {
        const last = this.checks.get(p);
        return p === path || !last || last.result.sources.has(path);
      })
      .map(([, d]) => d.uri);
  }

  private forget(path: string): void {
    for (const [p, analysis] of this.checks) if (p === path || analysis.result.sources.has(path)) this.checks.delete(p);
  }

  // -------------------------------------------------------------------------------------------------
  // Checking

  /** Checks a file (an open document's text, else the host's) with its imports: what `nasfpn check` prints. */
  check(path: string): CheckResult {
    return checkFile(path, this.overlay, this.parse);
  }

  /** The check of a file as the editor features use it; null when the file cannot be read. */
  analysis(path: string): Analysis | null {
    let analysis = this.checks.get(path);
    if (!analysis) {
      const result = this.check(path);
      const text = result.sources.get(path);
      if (text === undefined) return null;
      analysis = new Analysis(path, this.uriOf(path), text, this.documents.get(path)?.version ?? null, result, this.paths);
      this.checks.set(path, analysis);
    }
    return analysis;
  }

  /**
   * The check of a document for a feature. A check that throws is a bug of the checker, reported where the
   * diagnostics are asked for; the features answer nothing for that document meanwhile.
   */
  private analysisOf(uri: string): Analysis | null {
    try {
      return this.analysis(this.pathOf(uri));
    } catch {
      return null;
    }
  }

  /** The checked program of a document (null when it has errors), for drawing and counting. */
  program(uri: string): CheckedProgram | null {
    return this.analysis(this.pathOf(uri))?.result.program ?? null;
  }

  /** The document's own declarations with what checking each gave (null where it has errors), for drawing and counting. */
  declarations(uri: string): CheckedDeclaration[] {
    const analysis = this.analysis(this.pathOf(uri));
    return analysis ? analysis.result.declarations.filter((d) => d.declaration.range.file === analysis.path) : [];
  }

  /** The document's own diagnostics, as `nasfpn check --format json` lists them for it. */
  diagnostics(uri: string): EditorDiagnostic[] {
    return (this.analysis(this.pathOf(uri))?.diagnostics ?? []).map((d) => toEditorDiagnostic(d, (p) => this.uriOf(p)));
  }

  /**
   * The diagnostics the open documents' checks report in files that are not open (the errors and warnings
   * of the files they import), by URI.
   */
  importedDiagnostics(): Map<string, EditorDiagnostic[]> {
    const byPath = new Map<string, Map<string, EditorDiagnostic>>();
    for (const uri of this.openDocuments()) {
      for (const d of this.analysisOf(uri)?.result.diagnostics ?? []) {
        if (this.documents.has(d.range.file)) continue;
        const seen = byPath.get(d.range.file) ?? new Map<string, EditorDiagnostic>();
        seen.set(`${d.code}:${d.range.start.offset}:${d.message}`, toEditorDiagnostic(d, (p) => this.uriOf(p)));
        byPath.set(d.range.file, seen);
      }
    }
    return new Map([...byPath].map(([path, found]) => [this.uriOf(path), [...found.values()]]));
  }

  // -------------------------------------------------------------------------------------------------
  // Workspace (for references and rename across files)

  analyses(): Analysis[] {
    const paths = new Set([...this.documents.keys(), ...(this.host.workspaceFiles?.() ?? []).map((p) => this.paths.resolve(p))]);
    return [...paths].map((p) => this.analysis(p)).filter((a): a is Analysis => a !== null);
  }

  checkWith(path: string, texts: ReadonlyMap<string, string>) {
    const host: SourceHost = { readFile: (p) => texts.get(p) ?? this.overlay.readFile(p), paths: this.paths };
    return checkFile(path, host, this.parse).diagnostics;
  }

  // -------------------------------------------------------------------------------------------------
  // Features: each takes the document's URI and editor positions (0-based line, UTF-16 character).

  private at<T>(uri: string, position: Position, feature: (analysis: Analysis, offset: number) => T, none: T): T {
    const analysis = this.analysisOf(uri);
    return analysis ? feature(analysis, analysis.lines.offsetAt(position)) : none;
  }

  hover(uri: string, position: Position): Hover | null {
    return this.at(uri, position, hover, null);
  }

  definition(uri: string, position: Position): Location[] {
    return this.at(uri, position, (a, offset) => definition(this, a, offset), []);
  }

  references(uri: string, position: Position, includeDeclaration: boolean): Location[] {
    return this.at(uri, position, (a, offset) => references(this, a, offset, includeDeclaration), []);
  }

  prepareRename(uri: string, position: Position): { range: Range; placeholder: string } | { error: string } {
    return this.at(uri, position, prepareRename, { error: 'the file cannot be read' });
  }

  rename(uri: string, position: Position, newName: string): RenameResult {
    return this.at(uri, position, (a, offset) => rename(this, a, offset, newName), { error: 'the file cannot be read' });
  }

  completion(uri: string, position: Position): CompletionList {
    return this.at(uri, position, complete, { isIncomplete: false, items: [] });
  }

  documentSymbols(uri: string): DocumentSymbol[] {
    const analysis = this.analysisOf(uri);
    return analysis ? documentSymbols(analysis) : [];
  }

  foldingRanges(uri: string): FoldingRange[] {
    const analysis = this.analysisOf(uri);
    return analysis ? foldingRanges(analysis) : [];
  }

  selectionRanges(uri: string, positions: Position[]): SelectionRange[] {
    const analysis = this.analysisOf(uri);
    return analysis ? selectionRanges(analysis, positions) : [];
  }

  /** Formatting edits for the whole document, or for the lines of `range`; none when it has syntax errors. */
  format(uri: string, range?: Range): TextEdit[] {
    const analysis = this.analysisOf(uri);
    return analysis ? formatEdits(analysis, range) : [];
  }

  semanticTokens(uri: string): SemanticTokens {
    const analysis = this.analysisOf(uri);
    return analysis ? semanticTokens(analysis) : { data: [] };
  }

  inlayHints(uri: string, range: Range): InlayHint[] {
    const analysis = this.analysisOf(uri);
    return analysis ? inlayHints(analysis, range) : [];
  }

  codeActions(uri: string, range: Range): CodeAction[] {
    const analysis = this.analysisOf(uri);
    return analysis ? codeActions(analysis, range, (p) => this.uriOf(p)) : [];
  }
}
