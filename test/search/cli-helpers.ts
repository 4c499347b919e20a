// Running the built CLI (`node bin/nasfpn.js`) in the search tests: the bundle is rebuilt when stale, and
// long-running commands are spawned with their stdout read as JSON event lines.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseEventLine, type SearchEvent } from '../../src/search/events.js';

const BUNDLE = 'dist/main.js';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export function ensureBundle(): void {
  const stale = !existsSync(BUNDLE) || statSync(BUNDLE).mtimeMs < Math.max(newestMtime('src'), statSync('scripts/build.mjs').mtimeMs);
  if (stale) {
    const built = spawnSync(process.execPath, ['scripts/build.mjs'], { encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`npm run build failed:\n${built.stderr}`);
  }
}

export function nasfpn(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['bin/nasfpn.js', ...args], { encoding: 'utf8', env: { ...process.env, NASFPN_BACKEND: 'wasm' } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A running `nasfpn ...` whose stdout events are collected; `until` waits for an event matching a test. */
export class Running {
  readonly events: SearchEvent[] = [];
  readonly child: ChildProcess;
  stderr = '';
  private buffer = '';
  private waiters: { test: (e: SearchEvent, all: SearchEvent[]) => boolean; resolve: (e: SearchEvent) => void }[] = [];
  readonly exited: Promise<number | null>;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, ['bin/nasfpn.js', ...args], { env: { ...process.env, NASFPN_BACKEND: 'wasm' } });
    this.child.stdout!.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString();
      const lines = this.buffer.split('\n');
      this.buffer = lines.pop()!;
      for (const line of lines) {
        const event = parseEventLine(line);
        if (!event) continue;
        this.events.push(event);
        this.waiters = this.waiters.filter((w) => {
          if (!w.test(event, this.events)) return true;
          w.resolve(event);
          return false;
        });
      }
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  until(test: (e: SearchEvent, all: SearchEvent[]) => boolean): Promise<SearchEvent> {
    const found = this.events.find((e) => test(e, this.events));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      this.waiters.push({ test, resolve });
      void this.exited.then((code) => reject(new Error(`exited (${code}) before the awaited event\n${this.stderr}`)));
    });
  }
}
