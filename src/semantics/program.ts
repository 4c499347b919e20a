// Checks a whole .fpn file with its imports and produces the CheckedProgram.
//
//   text ──parse──▶ AST ──resolve imports──▶ scopes ──check pyramids, detectors, search spaces, recipes──▶ IR
//
// Declarations may refer to ones declared further down the same file or imported. Each file is parsed and
// checked once, even when several files import it; an import cycle is reported at the import that closes it.
//
// Nothing here touches a disk: files come from a SourceHost (./file-host.ts reads them from the file system;
// editors and tests pass their own), so the checker runs in a browser too.
import type { Declaration, FileAst, ImportStatement } from '../parser/ast.js';
import { parseFpn, type ParseResult } from '../parser/parse.js';
import { posixPaths, type PathRules } from '../util/posix-path.js';
import { checkDetector } from './detector.js';
import type { Diagnostic, SourceRange } from '../diagnostics/diagnostics.js';
import { hasErrors } from '../diagnostics/diagnostics.js';
import type { CheckedProgram, DetectorIR, PyramidNetworkIR, SearchSpaceIR, TrainIR } from './ir.js';
import { checkPyramid } from './pyramid.js';
import { Reporter, type NameUse } from './report.js';
import { checkSearch } from './search.js';
import { checkTrain } from './train.js';
import { typo } from './suggest.js';
import { freshName, renameFix } from './fixes.js';
import { MAX_SOURCE_BYTES } from './limits.js';
import { NotARegularFileError } from '../util/not-a-regular-file.js';

/** Where source text comes from: the file system for the CLI (./file-host.ts), a map in tests and editors. */
export interface SourceHost {
  /**
   * The file's text, or null when it cannot be read. A host may instead throw a NotARegularFileError
   * (src/util/regular-file.ts) to say what the path names (a device, a FIFO, a folder, a file too large).
   */
  readFile(path: string): string | null;
  /** How its paths combine (Node's `path` on disk); POSIX paths under "/" when absent. */
  paths?: PathRules;
}

/** How a file's text becomes its syntax tree: parseFpn, or a cache with the same results (editors). */
export type Parse = (text: string, file: string) => ParseResult;

export interface CheckResult {
  /** The checked IR, or null when any file has errors. */
  program: CheckedProgram | null;
  /** Every diagnostic of the file and its imports, by file then position. */
  diagnostics: Diagnostic[];
  /** The text of every file read, for code frames. */
  sources: Map<string, string>;
  /** The root file's syntax tree (for the formatter and the tf-spec exporter's names). */
  ast: FileAst | null;
  /** Every declaration of every file read, with what checking it gave (null where it has errors), for editors. */
  declarations: CheckedDeclaration[];
  /** Every name the checker resolved to a declaration or a layer, in every file read, for editors. */
  links: NameLink[];
}

/** A declaration and its checked IR (null when it has errors, or is a second declaration of its name). */
export type CheckedDeclaration =
  | { kind: 'pyramid'; declaration: Declaration; ir: PyramidNetworkIR | null }
  | { kind: 'detector'; declaration: Declaration; ir: DetectorIR | null }
  | { kind: 'search'; declaration: Declaration; ir: SearchSpaceIR | null }
  | { kind: 'train'; declaration: Declaration; ir: TrainIR | null };

/** A name used at `use` that names what is declared at `definition` (a declaration's name, a cell's name, an `inputs` line). */
export interface NameLink {
  kind: Kind | 'layer';
  name: string;
  use: SourceRange;
  definition: SourceRange;
}

interface Module {
  path: string;
  ast: FileAst;
  pyramids: Map<string, PyramidNetworkIR | null>;
  detectors: Map<string, DetectorIR | null>;
  searches: Map<string, SearchSpaceIR | null>;
  trains: Map<string, TrainIR | null>;
}

type Kind = Declaration['kind'];

export function checkFile(path: string, host: SourceHost, parse: Parse = parseFpn): CheckResult {
  const checker = new ProgramChecker(host, parse);
  const absolute = checker.paths.resolve(path);
  const text = host.readFile(absolute);
  if (text === null) return { program: null, diagnostics: [], sources: checker.sources, ast: null, declarations: [], links: [] };
  return checker.run(absolute, text);
}

/** Checks text that is not (or not yet) on disk, e.g. an editor buffer or a converted spec; imports resolve against `path`'s folder. */
export function checkText(text: string, path: string, host: SourceHost = { readFile: () => null }, parse: Parse = parseFpn): CheckResult {
  const checker = new ProgramChecker(host, parse);
  return checker.run(checker.paths.resolve(path), text);
}

class ProgramChecker {
  readonly sources = new Map<string, string>();
  readonly paths: PathRules;
  private readonly modules = new Map<string, Module>();
  private readonly reporter = new Reporter(this.sources);
  private readonly inProgress: string[] = [];
  private readonly declarations: CheckedDeclaration[] = [];
  private readonly links: NameLink[] = [];

  constructor(private readonly host: SourceHost, private readonly parse: Parse) {
    this.paths = host.paths ?? posixPaths;
  }

  run(path: string, text: string): CheckResult {
    const root = this.load(path, text);
    // Notes about imported files are noise for the importer; their errors and warnings are not.
    const relevant = this.reporter.diagnostics.filter((d) => d.severity !== 'info' || d.range.file === path);
    const diagnostics = sortDiagnostics(relevant, path);
    const program: CheckedProgram | null = hasErrors(diagnostics)
      ? null
      : {
          file: path,
          pyramids: [...root.pyramids.values()] as PyramidNetworkIR[],
          detectors: [...root.detectors.values()] as DetectorIR[],
          searchSpaces: [...root.searches.values()] as SearchSpaceIR[],
          trains: [...root.trains.values()] as TrainIR[],
        };
    return { program, diagnostics, sources: this.sources, ast: root.ast, declarations: this.declarations, links: this.links };
  }

  private load(path: string, text: string): Module {
    this.sources.set(path, text);
    const { ast, diagnostics } = this.parse(text, path);
    // One by one (a spread of a hostile file's hundred thousand syntax errors overflows the call stack), counted as they come.
    for (const d of diagnostics) this.reporter.record(d);
    this.inProgress.push(path);

    // The scope: imported declarations first, then this file's own (which may not clash with them).
    const scope: Record<Kind, Map<string, { decl: Declaration; from: Module | null }>> = {
      pyramid: new Map(), detector: new Map(), search: new Map(), train: new Map(),
    };
    for (const statement of ast.imports) {
      const imported = this.resolveImport(path, statement);
      if (imported) this.bringIntoScope(statement, imported, scope);
    }
    const usesBefore = this.reporter.uses.length;
    for (const decl of ast.declarations) {
      const existing = scope[decl.kind].get(decl.name.text);
      if (existing) {
        const where = existing.from ? `imported from ${existing.from.path}` : `declared on line ${existing.decl.range.start.line}`;
        const taken = new Set(ast.declarations.filter((d) => d.kind === decl.kind).map((d) => d.name.text));
        this.reporter.error('FPN013', decl.name.range, `${decl.kind} '${decl.name.text}' is already ${where}`,
          `rename this ${decl.kind}, or remove the other one`, {
            related: [{ range: existing.decl.name.range, message: `the other ${decl.kind} '${decl.name.text}'` }],
            fixes: [renameFix(decl.name.range, freshName(decl.name.text, taken))],
          });
        this.declarations.push({ kind: decl.kind, declaration: decl, ir: null });
        continue;
      }
      scope[decl.kind].set(decl.name.text, { decl, from: null });
    }

    // Check this file's declarations in dependency order; imported ones were checked in their own module.
    const module: Module = { path, ast, pyramids: new Map(), detectors: new Map(), searches: new Map(), trains: new Map() };
    const pyramidsInScope = new Map<string, PyramidNetworkIR | null>();
    for (const [name, { decl, from }] of scope.pyramid) {
      const ir = from ? from.pyramids.get(name)! : checkPyramid(decl, this.reporter);
      pyramidsInScope.set(name, ir);
      if (!from) {
        module.pyramids.set(name, ir);
        this.declarations.push({ kind: 'pyramid', declaration: decl, ir });
      }
    }
    const detectorsInScope = new Map<string, DetectorIR | null>();
    for (const [name, { decl, from }] of scope.detector) {
      const ir = from ? from.detectors.get(name)! : checkDetector(decl, pyramidsInScope, this.reporter);
      detectorsInScope.set(name, ir);
      if (!from) {
        module.detectors.set(name, ir);
        this.declarations.push({ kind: 'detector', declaration: decl, ir });
      }
    }
    // Recipes before search spaces: a space's `proxy` may name a recipe (the proxy task's training).
    const trainsInScope = new Map<string, TrainIR | null>();
    for (const [name, { decl, from }] of scope.train) {
      const ir = from ? from.trains.get(name)! : checkTrain(decl, path, this.paths, detectorsInScope, this.reporter);
      trainsInScope.set(name, ir);
      if (!from) {
        module.trains.set(name, ir);
        this.declarations.push({ kind: 'train', declaration: decl, ir });
      }
    }
    for (const [name, { decl, from }] of scope.search) {
      if (from) continue;
      const ir = checkSearch(decl, detectorsInScope, trainsInScope, this.reporter);
      module.searches.set(name, ir);
      this.declarations.push({ kind: 'search', declaration: decl, ir });
    }
    this.link(this.reporter.uses.slice(usesBefore), scope);

    this.inProgress.pop();
    this.modules.set(path, module);
    return module;
  }

  /** Turns the names this module's checks resolved into links to the declarations (or layers) they name. */
  private link(uses: NameUse[], scope: Record<Kind, Map<string, { decl: Declaration }>>): void {
    for (const use of uses) {
      const definition = use.kind === 'layer' ? use.definition : scope[use.kind].get(use.name)?.decl.name.range;
      if (definition) this.links.push({ kind: use.kind, name: use.name, use: use.range, definition });
    }
  }

  private resolveImport(fromPath: string, statement: ImportStatement): Module | null {
    const target = this.paths.resolve(this.paths.dirname(fromPath), statement.path.value);
    if (this.inProgress.includes(target)) {
      const cycle = [...this.inProgress.slice(this.inProgress.indexOf(target)), target].map((p) => p.split('/').pop()).join(' → ');
      this.reporter.error('FPN011', statement.path.range, `import cycle: ${cycle}`,
        'move the shared declarations into a file that both import, so no file imports itself through others');
      return null;
    }
    const cached = this.modules.get(target);
    if (cached) return cached;
    let text: string | null;
    try {
      text = this.host.readFile(target);
    } catch (error) {
      if (!(error instanceof NotARegularFileError)) throw error;
      this.reporter.error('FPN014', statement.path.range, `cannot import ${statement.path.text}: ${target} ${error.reason}`,
        `an import names a .fpn file of at most ${MAX_SOURCE_BYTES / 2 ** 20} MiB, relative to the importing file`);
      return null;
    }
    if (text === null) {
      this.reporter.error('FPN010', statement.path.range, `cannot read ${statement.path.text} (looked for ${target})`,
        'import paths are relative to the importing file');
      return null;
    }
    return this.load(target, text);
  }

  private bringIntoScope(
    statement: ImportStatement,
    imported: Module,
    scope: Record<Kind, Map<string, { decl: Declaration; from: Module | null }>>,
  ): void {
    const declarations = imported.ast.declarations;
    const chosen = statement.names === null
      ? declarations
      : statement.names.flatMap((name) => {
          const found = declarations.filter((d) => d.name.text === name.text);
          if (found.length === 0) {
            const { didYouMean, fixes } = typo(name, declarations.map((d) => d.name.text));
            this.reporter.error('FPN012', name.range, `${statement.path.text} declares nothing named '${name.text}'.${didYouMean}`,
              `it declares ${declarations.map((d) => d.name.text).join(', ') || 'nothing'}`, { fixes });
          }
          for (const d of found) this.links.push({ kind: d.kind, name: name.text, use: name.range, definition: d.name.range });
          return found;
        });
    for (const decl of chosen) {
      const existing = scope[decl.kind].get(decl.name.text);
      if (existing && existing.decl !== decl) {
        this.reporter.error('FPN013', statement.range, `${decl.kind} '${decl.name.text}' is imported twice, from different files`,
          'import it from one file only, with import { name } from "file.fpn"');
        continue;
      }
      scope[decl.kind].set(decl.name.text, { decl, from: imported });
    }
  }
}

function sortDiagnostics(diagnostics: Diagnostic[], rootFile: string): Diagnostic[] {
  return [...diagnostics].sort((a, b) => {
    if (a.range.file !== b.range.file) return a.range.file === rootFile ? -1 : b.range.file === rootFile ? 1 : a.range.file.localeCompare(b.range.file);
    return a.range.start.offset - b.range.start.offset || a.code.localeCompare(b.code);
  });
}
