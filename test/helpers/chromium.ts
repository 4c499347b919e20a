// Headless Chromium for the tests that need a real browser (the playground page, the VS Code webview pages),
// driven by playwright-core. Where Chromium is absent those tests skip, and say so in their name and in one
// line on stderr, unless NASFPN_REQUIRE_SYSTEM=1 (CI), where its absence fails them.
//
// Whether Chromium is there, and the line that says so, come from the one table of system programs
// (system-programs.ts); CHROMIUM=/path names a build elsewhere than `chromium` on PATH.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { missingCommands, onPath, SYSTEM_PROGRAMS } from './system-programs.js';

const INSTALL = `sudo apt-get install -y ${SYSTEM_PROGRAMS.chromium.apt} (Debian), or set CHROMIUM=/path/to/chromium`;

/** Chromium's path, or null after printing one line that says why `what` (the browser tests, a benchmark) skips. */
export function chromiumOrSkip(what = 'the browser tests'): string | null {
  const missing = missingCommands('chromium');
  if (missing.length === 0) return process.env.CHROMIUM ?? onPath('chromium');
  const reason = `${missing.join(' and ')} not found (install: ${INSTALL})`;
  if (process.env.NASFPN_REQUIRE_SYSTEM === '1') throw new Error(`NASFPN_REQUIRE_SYSTEM=1 and ${reason}`);
  process.stderr.write(`skipping ${what}: ${reason}\n`);
  return null;
}

/** How a describe block that needs Chromium is named: with the reason when it skips. */
export const inChromium = (path: string | null, what: string): string => (path ? what : `${what} (skipped: no chromium; ${INSTALL})`);

/** The flags of a quiet, sandbox-free headless run that talks to nothing but the pages it opens. */
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Chromium with a fresh profile (removed on close). */
export async function openBrowser(executablePath: string): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'nasfpn-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: FLAGS, viewport: { width: 1400, height: 900 } });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
