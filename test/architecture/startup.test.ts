// What `nasfpn` loads before any command runs: the command declarations (names, arguments, options: what
// --help lists), never a command's implementation. Each command imports its rooms inside its action, so
// `nasfpn check` pays for the parser and the checker, and not for the search engine, the model builders or
// the diagrams. Read from esbuild's account of the bundle users run (scripts/bundle-options.mjs): the chunks
// main.js imports statically, and the source files in them.
import { build, type Metafile } from 'esbuild';
import { describe, expect, test } from 'vitest';
import { bundleOptions } from '../../scripts/bundle-options.mjs';

/** Rooms whose files may load at start-up: the CLI's own (declarations, errors, output) and the plain helpers. */
const STARTUP_ROOMS = ['cli', 'util', 'diagnostics'];

/** Files of other rooms that option declarations name (defaults, limits, choices): constants, no code to speak of. */
const STARTUP_CONSTANTS = [
  'runtime/errors.ts', 'runtime/atomic.ts', 'semantics/defaults.ts', 'semantics/limits.ts', 'semantics/levels.ts',
  'viz/theme.ts', 'search/queue-address.ts', 'search/strategies/strategy.ts',
  // The rooms' error classes the CLI's taxonomy (cli/errors.ts) tells apart, each kept apart from the code raising it.
  'runtime/io-fault.ts', 'data/errors.ts', 'search/errors.ts', 'train/errors.ts',
  // The file-system seam atomic writes go through (node:fs calls, and fault injection for tests).
  'runtime/fs.ts',
];

/** The packages the declarations need: commander only. */
const STARTUP_PACKAGES = ['commander'];

async function startupInputs(): Promise<string[]> {
  const result = await build({ ...bundleOptions('startup-check'), write: false, metafile: true, logLevel: 'silent' });
  const outputs = (result.metafile as Metafile).outputs;
  const loaded = new Set<string>();
  const visit = (path: string) => {
    if (loaded.has(path)) return;
    loaded.add(path);
    for (const i of outputs[path]?.imports ?? []) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit('startup-check/main.js');
  return [...loaded].flatMap((path) => Object.keys(outputs[path]?.inputs ?? {}));
}

describe('start-up', () => {
  test('main.js loads the command declarations only, not the rooms their actions use', async () => {
    const inputs = await startupInputs();
    const sources = inputs.filter((f) => f.startsWith('src/')).map((f) => f.slice('src/'.length));
    const packages = [...new Set(inputs.filter((f) => f.startsWith('node_modules/')).map((f) => f.split('/')[1]))];
    // The reader sees the start-up files: the entry and the declarations of a command.
    expect(sources).toContain('cli/main.ts');
    expect(sources).toContain('cli/check.ts');
    const allowed = (f: string) => STARTUP_ROOMS.includes(f.split('/')[0]) || STARTUP_CONSTANTS.includes(f);
    expect(sources.filter((f) => !allowed(f))).toEqual([]);
    expect(packages.filter((p) => !STARTUP_PACKAGES.includes(p))).toEqual([]);
    // Not even the CLI's own loaders, which bring the parser and the checker.
    expect(sources).not.toContain('cli/load.ts');
  }, 60_000);
});
