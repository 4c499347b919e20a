// The rooms of src/ and which way their imports may point. A room imports only itself and the rooms below
// it in ROOMS, so the pipeline parser → semantics → IR → (codegen | viz | data | train | eval | search) never
// runs backwards, and nothing but the CLI knows about the command line. The imports are read with
// TypeScript's own pre-processor (static, type-only, re-exports and dynamic `import()` alike).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/**
 * Every room, lowest first. Rooms not yet written are listed where they will go, so a new room lands in its
 * place rather than wherever its first import happens to work. `runtime` (TF.js backends, kernels, gradient
 * replacements, model files) is the engine codegen's layers run on, so it sits below codegen. `eval` (COCOeval,
 * tensor-free) sits below `predict`, so that scoring a model (src/predict/evaluate.ts: detections fed to the
 * evaluator) is one piece of code that training, `nasfpn eval` and the search's proxy reward all use. `diff`
 * (what changed between two pyramids or detectors) reads the hash of semantics and the counts of codegen, and viz
 * draws its overlay, so it sits between them. `service` (the language service: diagnostics, hover, completion, …
 * for editors) sits on the language rooms and codegen's counting; `lsp` (the language server, the protocol over
 * stdio) sits on it, below the CLI. `graph` (TensorFlow GraphDefs and SavedModels written from a model spec: the
 * graph engine's training program and `build --emit saved-model`) consumes codegen's spec and targets' head layout,
 * and is itself tensor-free: it writes files; the train room runs them through runtime's SavedModel session.
 * `playground` (the browser page: the service, the drawers, the counters and the diff in a page, and the little
 * server `nasfpn playground` runs) sits on viz.
 */
const ROOMS = [
  'util', 'diagnostics', 'coco', 'parser', 'semantics', 'format', 'interop', 'runtime', 'codegen', 'service', 'diff',
  'viz', 'playground', 'data', 'targets', 'graph', 'train', 'eval', 'predict', 'search', 'tui', 'lsp', 'cli',
] as const;

/** Rooms that must stay free of tensors (`@tensorflow/*`), so they load fast and run anywhere. */
const TENSOR_FREE = ['util', 'diagnostics', 'coco', 'parser', 'semantics', 'format', 'service', 'diff', 'viz', 'playground', 'eval', 'graph'];

/**
 * The language service runs in a browser too (the playground): it, and every file it reaches, imports no Node
 * module and none of these packages (files come through its host; drawing and training are not its business).
 */
const SERVICE_MAY_NOT_IMPORT = /^(node:|@tensorflow\/|elkjs|@resvg\/|sharp|d3-|ink|react|bullmq|ioredis|commander|cli-progress|vscode-languageserver$|vscode-languageserver\/)/;

/**
 * The playground page (src/playground/page.ts, bundled for browsers) and every file it reaches import no Node
 * module and only these packages: the parser's, the drawers' (elkjs only through a dynamic import, so it is a
 * chunk of its own), the protocol's types, the editor's, and the examples the build makes into a module.
 */
const PAGE_ENTRY = join('playground', 'page.ts');
const PAGE_MAY_IMPORT = /^(chevrotain|d3-shape|elkjs\/lib\/elk\.bundled\.js|vscode-languageserver-types|@codemirror\/(view|state|commands|lint|autocomplete)|nasfpn:examples)$/;

/** The stages before semantics: the parser may use only these (and itself). */
const BELOW_PARSER = ['util', 'diagnostics'];

interface Import {
  /** The importing file, relative to src/. */
  file: string;
  /** The room of the importing file. */
  room: string;
  /** What the import statement names. */
  specifier: string;
  /** The room it lands in, for a relative import inside src/; undefined for a package. */
  target?: string;
  /** The source file it lands on (relative to src/), for a relative import of a file in src/. */
  resolved?: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

const roomOf = (pathInSrc: string): string => pathInSrc.split(/[\\/]/)[0];

function importsOf(path: string): Import[] {
  const file = relative(SRC, path);
  const { importedFiles } = ts.preProcessFile(readFileSync(path, 'utf8'), true, true);
  return importedFiles.map(({ fileName: specifier }) => {
    if (!specifier.startsWith('.')) return { file, room: roomOf(file), specifier };
    const landed = relative(SRC, resolve(dirname(path), specifier));
    if (landed.startsWith('..')) return { file, room: roomOf(file), specifier, target: '(outside src)' };
    // Imports name the compiled .js; the source is the .ts or .tsx beside it.
    const stem = landed.replace(/\.js$/, '');
    const resolved = [`${stem}.ts`, `${stem}.tsx`].find((candidate) => sourceSet.has(candidate));
    return { file, room: roomOf(file), specifier, target: roomOf(landed), resolved };
  });
}

const files = sourceFiles(SRC);
const sourceSet = new Set(files.map((f) => relative(SRC, f)));
const importsByFile = new Map(files.map((f) => [relative(SRC, f), importsOf(f)]));
const imports = [...importsByFile.values()].flat();
const show = (list: Import[]) => list.map((i) => `${i.file} imports ${i.specifier}`);

describe('room boundaries', () => {
  test('the import reader sees the imports (static, dynamic and type-only)', () => {
    expect(files.length).toBeGreaterThan(20);
    expect(imports.some((i) => i.file === join('cli', 'main.ts') && i.target === 'cli')).toBe(true);
    expect(imports.some((i) => i.file === join('cli', 'build.ts') && i.specifier === '../codegen/builder.js')).toBe(true);
    expect(imports.some((i) => i.room === 'codegen' && i.specifier === '@tensorflow/tfjs')).toBe(true);
  });

  test('every folder of src/ is a declared room', () => {
    const rooms = new Set(files.map((f) => roomOf(relative(SRC, f))));
    expect([...rooms].filter((r) => !(ROOMS as readonly string[]).includes(r))).toEqual([]);
  });

  test('nothing imports from outside src/', () => {
    expect(show(imports.filter((i) => i.target === '(outside src)'))).toEqual([]);
  });

  test('no room imports the CLI', () => {
    expect(show(imports.filter((i) => i.target === 'cli' && i.room !== 'cli'))).toEqual([]);
  });

  test('the parser imports no later stage', () => {
    expect(show(imports.filter((i) => i.room === 'parser' && i.target && i.target !== 'parser' && !BELOW_PARSER.includes(i.target)))).toEqual([]);
  });

  test(`${TENSOR_FREE.join(', ')} import no tensors`, () => {
    expect(show(imports.filter((i) => TENSOR_FREE.includes(i.room) && i.specifier.startsWith('@tensorflow/')))).toEqual([]);
  });

  test(`${TENSOR_FREE.join(', ')} reach no tensors through the files they import`, () => {
    // viz may import codegen's tables (codegen/backbone-facts.ts), never a codegen file that loads TF.js.
    const reachesTensors = new Map<string, boolean>();
    const reaches = (file: string): boolean => {
      if (!reachesTensors.has(file)) {
        reachesTensors.set(file, false); // an import cycle adds nothing new
        const own = importsByFile.get(file) ?? [];
        reachesTensors.set(file, own.some((i) => i.specifier.startsWith('@tensorflow/') || (i.resolved !== undefined && reaches(i.resolved))));
      }
      return reachesTensors.get(file)!;
    };
    const offenders = imports.filter((i) => TENSOR_FREE.includes(i.room) && i.resolved !== undefined && reaches(i.resolved));
    expect(show(offenders)).toEqual([]);
  });

  test('the transitive check follows imports into other rooms', () => {
    expect(importsByFile.get(join('viz', 'stack.ts'))?.some((i) => i.resolved === join('codegen', 'backbone-facts.ts'))).toBe(true);
  });

  test('the language service reaches no Node module and nothing heavy, through any file it imports', () => {
    const reached = new Set<string>();
    const visit = (file: string) => {
      if (reached.has(file)) return;
      reached.add(file);
      for (const i of importsByFile.get(file) ?? []) if (i.resolved) visit(i.resolved);
    };
    for (const file of importsByFile.keys()) if (roomOf(file) === 'service') visit(file);
    expect(reached.size).toBeGreaterThan(20);
    const offenders = [...reached].flatMap((file) => (importsByFile.get(file) ?? []).filter((i) => !i.specifier.startsWith('.') && SERVICE_MAY_NOT_IMPORT.test(i.specifier)));
    expect(show(offenders)).toEqual([]);
  });

  test('no import cycles: no file reaches itself through its imports (static, dynamic or type-only)', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const visit = (file: string) => {
      state.set(file, 'open');
      path.push(file);
      for (const { resolved } of importsByFile.get(file) ?? []) {
        if (resolved === undefined) continue;
        if (state.get(resolved) === 'open') cycles.push([...path.slice(path.indexOf(resolved)), resolved].join(' → '));
        else if (!state.has(resolved)) visit(resolved);
      }
      path.pop();
      state.set(file, 'done');
    };
    for (const file of importsByFile.keys()) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });

  test('the playground page reaches no Node module and nothing the browser bundle must not hold', () => {
    const reached = new Set<string>();
    const visit = (file: string) => {
      if (reached.has(file)) return;
      reached.add(file);
      for (const i of importsByFile.get(file) ?? []) if (i.resolved) visit(i.resolved);
    };
    visit(PAGE_ENTRY);
    // It reaches the service, the checker, the drawers and the counters: the CLI's code, not a copy.
    for (const file of ['service/service.ts', 'semantics/program.ts', 'viz/graph.ts', 'viz/cells.ts', 'codegen/count.ts', 'diff/pyramid.ts']) {
      expect(reached.has(join(...file.split('/'))), file).toBe(true);
    }
    const packages = [...reached].flatMap((file) => (importsByFile.get(file) ?? []).filter((i) => !i.specifier.startsWith('.')));
    expect(show(packages.filter((i) => !PAGE_MAY_IMPORT.test(i.specifier)))).toEqual([]);
    expect(packages.some((i) => i.specifier === 'chevrotain')).toBe(true);
  });

  test('a room imports only itself and the rooms below it', () => {
    const rank = (room: string) => (ROOMS as readonly string[]).indexOf(room);
    expect(show(imports.filter((i) => i.target && i.target !== '(outside src)' && rank(i.target) > rank(i.room)))).toEqual([]);
  });
});
