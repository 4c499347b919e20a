// Checks a whole .fpn file with its imports and produces the CheckedProgram.
//
//   text ──parse──▶ AST ──resolve imports──▶ scopes ──check pyramids, detectors, search spaces, recipes──▶ IR
//
// Declarations may refer to ones declared further down the same file or imported. Each file is parsed and
// checked once, even when several files import it; an import cycle is reported at the import that closes it.
import { dirname, resolve } from 'node:path';
import type { Declaration, FileAst, ImportStatement } from '../parser/ast.js';
import { parseFpn } from '../parser/parse.js';
import { checkDetector } from './detector.js';
import type { Diagnostic } from '../diagnostics/diagnostics.js';
import { hasErrors } from '../diagnostics/diagnostics.js';
import type { CheckedProgram, DetectorIR, PyramidNetworkIR, SearchSpaceIR, TrainIR } from './ir.js';
import { checkPyramid } from './pyramid.js';
import { Reporter } from './report.js';
import { checkSearch } from './search.js';
import { checkTrain } from './train.js';
import { didYouMean } from './suggest.js';
import { MAX_SOURCE_BYTES } from './limits.js';
import { NotARegularFileError } from '../util/not-a-regular-file.js';

/** Where source text comes from: the file system for the CLI (./file-host.ts), a map in tests and editors. */
export interface SourceHost {
  /**
   * The file's text, or null when it cannot be read. A host may instead throw a NotARegularFileError
   * (src/util/regular-file.ts) to say what the path names (a device, a FIFO, a folder, a file too large).
   */
  readFile(path: string): string | null;
}

export interface CheckResult {
  /** The checked IR, or null when any file has errors. */
  program: CheckedProgram | null;
  /** Every diagnostic of the file and its imports, by file then position. */
  diagnostics: Diagnostic[];
  /** The text of every file read, for code frames. */
  sources: Map<string, string>;
  /** The root file's syntax tree (for the formatter and the tf-spec exporter's names). */
  ast: FileAst | null;
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

export function checkFile(path: string, host: SourceHost): CheckResult {
  const absolute = resolve(path);
  const text = host.readFile(absolute);
  const checker = new ProgramChecker(host);
  if (text === null) return { program: null, diagnostics: [], sources: checker.sources, ast: null };
  return checker.run(absolute, text);
}

/** Checks text that is not (or not yet) on disk, e.g. an editor buffer or a converted spec; imports resolve against `path`'s folder. */
export function checkText(text: string, path: string, host: SourceHost = { readFile: () => null }): CheckResult {
  return new ProgramChecker(host).run(resolve(path), text);
}

class ProgramChecker {
  readonly sources = new Map<string, string>();
  private readonly modules = new Map<string, Module>();
  private readonly reporter = new Reporter();
  private readonly inProgress: string[] = [];

  constructor(private readonly host: SourceHost) {}

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
    return { program, diagnostics, sources: this.sources, ast: root.ast };
  }

  private load(path: string, text: string): Module {
    this.sources.set(path, text);
    const { ast, diagnostics } = parseFpn(text, path);
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
    for (const decl of ast.declarations) {
      const existing = scope[decl.kind].get(decl.name.text);
      if (existing) {
        const where = existing.from ? `imported from ${existing.from.path}` : `declared on line ${existing.decl.range.start.line}`;
        this.reporter.error('FPN013', decl.name.range, `${decl.kind} '${decl.name.text}' is already ${where}`,
          `rename this ${decl.kind}, or remove the other one`);
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
      if (!from) module.pyramids.set(name, ir);
    }
    const detectorsInScope = new Map<string, DetectorIR | null>();
    for (const [name, { decl, from }] of scope.detector) {
      const ir = from ? from.detectors.get(name)! : checkDetector(decl, pyramidsInScope, this.reporter);
      detectorsInScope.set(name, ir);
      if (!from) module.detectors.set(name, ir);
    }
    // Recipes before search spaces: a space's `proxy` may name a recipe (the proxy task's training).
    const trainsInScope = new Map<string, TrainIR | null>();
    for (const [name, { decl, from }] of scope.train) {
      const ir = from ? from.trains.get(name)! : checkTrain(decl, path, detectorsInScope, this.reporter);
      trainsInScope.set(name, ir);
      if (!from) module.trains.set(name, ir);
    }
    for (const [name, { decl, from }] of scope.search) {
      if (!from) module.searches.set(name, checkSearch(decl, detectorsInScope, trainsInScope, this.reporter));
    }

    this.inProgress.pop();
    this.modules.set(path, module);
    return module;
  }

  private resolveImport(fromPath: string, statement: ImportStatement): Module | null {
    const target = resolve(dirname(fromPath), statement.path.value);
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
      this.reporter.error('FPN014', statement.path.range, `cannot import ${statement.path.text}: ${target} ${error.describe()}`,
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
            this.reporter.error('FPN012', name.range, `${statement.path.text} declares nothing named '${name.text}'.${didYouMean(name.text, declarations.map((d) => d.name.text))}`,
              `it declares ${declarations.map((d) => d.name.text).join(', ') || 'nothing'}`);
          }
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
