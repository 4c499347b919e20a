// The programs outside npm that some tests drive (a real redis-server, a real terminal). A fresh clone's
// `npm test` passes without them: their tests are skipped, and the run says once, in one line per program,
// which one is missing and how to install it (vitest's globalSetup calls `setup` below). CI installs them
// and sets NASFPN_REQUIRE_SYSTEM=1, which turns a missing program into failing tests instead of skipped ones.
//
// A test file declares what it needs with `describeNeeding('redis-server')('its suite', () => { … })`.
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe } from 'vitest';

interface SystemProgram {
  /** The executables the tests start (all must be on PATH). */
  commands: readonly string[];
  /** The Debian/Ubuntu package that brings them. */
  apt: string;
  /** Which tests need it, for the skip line and the README. */
  neededBy: string;
}

export const SYSTEM_PROGRAMS = {
  'redis-server': {
    commands: ['redis-server', 'redis-cli'], apt: 'redis-server',
    neededBy: 'the search on a BullMQ queue and its event stream (test/search/redis, event-stream)',
  },
  tmux: { commands: ['tmux'], apt: 'tmux', neededBy: 'the terminal UI end to end (test/tui/tmux.e2e)' },
  // CHROMIUM=/path names another build (test/helpers/chromium.ts).
  chromium: {
    commands: ['chromium'], apt: 'chromium',
    neededBy: 'the playground page and the VS Code webviews in a real browser (test/playground/browser, test/editors/webview)',
  },
} as const satisfies Record<string, SystemProgram>;

export type SystemProgramName = keyof typeof SYSTEM_PROGRAMS;

const required = () => process.env.NASFPN_REQUIRE_SYSTEM === '1';

/** Where `command` is on PATH, or null. */
export function onPath(command: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return join(dir, command);
    } catch {
      // not in this folder
    }
  }
  return null;
}

/** The program's executables that are not on PATH. */
export function missingCommands(name: SystemProgramName): string[] {
  if (name === 'chromium' && process.env.CHROMIUM) return existsSync(process.env.CHROMIUM) ? [] : [process.env.CHROMIUM];
  return SYSTEM_PROGRAMS[name].commands.filter((command) => onPath(command) === null);
}

function missingLine(name: SystemProgramName, missing: string[]): string {
  const program = SYSTEM_PROGRAMS[name];
  const what = required() ? 'fail (NASFPN_REQUIRE_SYSTEM=1)' : 'are skipped';
  return `${missing.join(' and ')} not found on PATH: the tests of ${program.neededBy} ${what}; install: sudo apt-get install -y ${program.apt}`;
}

/**
 * `describe` for a suite that needs `name`: the plain one where the program is installed, `describe.skip` where
 * it is not. With NASFPN_REQUIRE_SYSTEM=1 a missing program fails the test file at once, saying why.
 */
export function describeNeeding(name: SystemProgramName): (suite: string, body: () => void) => void {
  const missing = missingCommands(name);
  if (missing.length === 0) return (suite, body) => describe(suite, body);
  if (required()) throw new Error(missingLine(name, missing));
  return (suite, body) => describe.skip(suite, body);
}

/** vitest's globalSetup: one line per missing program, before the tests run. */
export function setup(): void {
  for (const name of Object.keys(SYSTEM_PROGRAMS) as SystemProgramName[]) {
    const missing = missingCommands(name);
    if (missing.length) process.stdout.write(`${missingLine(name, missing)}\n`);
  }
}
