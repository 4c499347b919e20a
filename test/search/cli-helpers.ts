// Running the built CLI (`node bin/nasfpn.js`) in the search tests: the bundle is rebuilt when stale, and
// long-running commands are spawned with their stdout read as JSON event lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { nasfpnWith, type CliRun } from '../helpers/cli.js';
import { parseEventLine, type SearchEvent } from '../../src/search/events.js';

export { ensureBundle } from '../helpers/cli.js';

/** The search tests run every trial's TF.js work on wasm, the backend every machine has. */
const SEARCH_ENV = { NASFPN_BACKEND: 'wasm' };

export const nasfpn = (...args: string[]): CliRun => nasfpnWith({ env: SEARCH_ENV }, ...args);

/** A running `nasfpn ...` whose stdout events are collected; `until` waits for an event matching a test. */
export class Running {
  readonly events: SearchEvent[] = [];
  readonly child: ChildProcess;
  stderr = '';
  private buffer = '';
  private waiters: { test: (e: SearchEvent, all: SearchEvent[]) => boolean; resolve: (e: SearchEvent) => void }[] = [];
  readonly exited: Promise<number | null>;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, ['bin/nasfpn.js', ...args], { env: { ...process.env, ...SEARCH_ENV } });
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
