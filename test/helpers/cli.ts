// Running the CLI as users run it, from the esbuild bundle, in the tests of every room.
//
// Two ways, for two needs:
//   - `ensureBundle()` + `nasfpn(...)`: the project's own dist/ bundle (`node bin/nasfpn.js`), rebuilt by
//     scripts/build.mjs when a file under src/ is newer than it. Cheap when many test files share it.
//   - `privateBundle(label)`: a copy built into node_modules/.cache with the same options
//     (scripts/bundle-options.mjs), for tests that must not race a rebuild of dist/ (long-running processes
//     under tmux, `doctor` looking for the wasm binaries next to the bundle).
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { expect } from 'vitest';
import { bundleOptions } from '../../scripts/bundle-options.mjs';

/** What a finished command left: its exit code and its two streams. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of one run: extra environment variables (merged over the test's), stdin text. */
export interface CliOptions {
  env?: Record<string, string | undefined>;
  input?: string;
}

const DIST_BUNDLE = 'dist/main.js';

/** Plain output, stack traces hidden as users see them. */
const BASE_ENV = { NO_COLOR: '1', NASFPN_DEBUG: '' };

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Rebuilds dist/ (scripts/build.mjs) when it is missing or older than a file under src/. */
export function ensureBundle(): void {
  const stale = !existsSync(DIST_BUNDLE) || statSync(DIST_BUNDLE).mtimeMs < Math.max(newestMtime('src'), statSync('scripts/build.mjs').mtimeMs);
  if (!stale) return;
  const built = spawnSync(process.execPath, ['scripts/build.mjs'], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`npm run build failed:\n${built.stderr}`);
}

function runScript(script: string, args: string[], options: CliOptions): CliRun {
  const spawnOptions: SpawnSyncOptions = { encoding: 'utf8', env: { ...process.env, ...BASE_ENV, ...options.env }, input: options.input };
  const run = spawnSync(process.execPath, [script, ...args], spawnOptions);
  return { code: run.status, stdout: String(run.stdout), stderr: String(run.stderr) };
}

/** `nasfpn ARGS...` from dist/ (call ensureBundle in beforeAll). */
export const nasfpn = (...args: string[]): CliRun => runScript('bin/nasfpn.js', args, {});

/** `nasfpn ARGS...` from dist/ with extra environment variables or stdin. */
export const nasfpnWith = (options: CliOptions, ...args: string[]): CliRun => runScript('bin/nasfpn.js', args, options);

/** A bundle of its own: `build()` in beforeAll, `remove()` in afterAll, `run(...)` in between. */
export interface PrivateBundle {
  /** The bundle's entry file (absolute), for commands started another way (tmux). */
  readonly main: string;
  build(): Promise<void>;
  remove(): void;
  run(...args: string[]): CliRun;
  runWith(options: CliOptions, ...args: string[]): CliRun;
}

export function privateBundle(label: string): PrivateBundle {
  const dir = resolve('node_modules', '.cache', `nasfpn-test-${label}-${process.pid}`);
  const main = join(dir, 'main.js');
  return {
    main,
    build: async () => {
      await build(bundleOptions(dir));
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
    run: (...args) => runScript(main, args, {}),
    runWith: (options, ...args) => runScript(main, args, options),
  };
}

/** Output with a Node stack trace in it is a bug: users get a message, never a trace. */
export const expectNoStackTrace = (run: { stdout: string; stderr: string }): void =>
  expect(`${run.stdout}${run.stderr}`).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
