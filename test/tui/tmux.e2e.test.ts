// The terminal UI as a user sees it: the real CLI (an esbuild bundle, as `npm run build` makes it) in a real
// terminal (tmux), driven with send-keys and read with capture-pane.
// - `nasfpn search` with the target surrogate (slowed down so a person could follow): the table fills, p
//   pauses, q quits (exit 0, resumable), `--resume` finishes the budget.
// - `nasfpn search watch RUN` follows a run directory that this test writes step by step the way the engine
//   does (trial records first, then their events appended to events.jsonl): the table fills in as trials
//   finish, keys work, q exits 0.
//
// ink prints only its last frame when CI is set, so the CLI runs with CI unset, as in a user's terminal.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { privateBundle } from '../helpers/cli.js';
import { describeNeeding } from '../helpers/system-programs.js';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeRun, writeRun, type FakeRun } from './fixture.js';

const bundle = privateBundle('tui');
const socket = `nasfpn-test-${process.pid}`;
const session = 'ui';
let dir: string;

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', session);

/** Waits (bounded: a failure, not a timing) until the screen shows `pattern`. */
async function waitFor(pattern: RegExp | string, what: string): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const text = screen();
    if (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text)) return text;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the terminal never showed ${what}; it shows:\n${screen()}`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nasfpn-tui-e2e-'));
  await bundle.build();
  // A session that outlives the tests' own: killing the last session ends the tmux server, and a new-session
  // sent while it shuts down fails with "server exited unexpectedly".
  tmux('new-session', '-d', '-s', 'keepalive', 'sleep 600');
});
afterAll(() => {
  spawnSync('tmux', ['-L', socket, 'kill-server']);
  bundle.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The events of `run` up to and including trial `last`'s trial.finished (and what follows it at that time). */
function eventsThrough(run: FakeRun, last: number): number {
  const i = run.events.findIndex((e) => e.type === 'trial.finished' && e.trial === last);
  let end = i + 1;
  while (end < run.events.length && (run.events[end].type === 'best.changed' || run.events[end].type === 'controller.updated')) end++;
  return end;
}

/** Each test starts real processes; on a loaded 2-core CI machine that takes far longer than the default allows. */
const E2E_TIMEOUT_MS = 180_000;

const nasfpn = `env -u CI -u CONTINUOUS_INTEGRATION NO_COLOR=1 ${process.execPath} ${bundle.main}`;

describeNeeding('tmux')('nasfpn search in a terminal', () => {
  it('fills the table, pauses, quits (exit 0) and resumes to the end of the budget', async () => {
    const runDir = join(dir, 'live');
    // The surrogate takes 1 s a trial (time to press p before the budget is done, even on a loaded machine),
    // in the search process (no worker processes to start).
    const search = `${nasfpn} search examples/search.fpn --strategy random --reward target:delay=1000 --trials 8 --workers 0 --seed 3 --run ${runDir}`;
    tmux('new-session', '-d', '-s', 'live', '-x', '120', '-y', '50', `${search}; echo "exit=$?"; sleep 60`);
    const live = () => tmux('capture-pane', '-p', '-t', 'live');
    const waitLive = async (pattern: RegExp, what: string) => {
      for (let i = 0; i < 400; i++) {
        const text = live();
        if (pattern.test(text)) return text;
        await new Promise((r) => setTimeout(r, 150));
      }
      throw new Error(`the terminal never showed ${what}; it shows:\n${live()}`);
    };

    let text = await waitLive(/RUNNING/, 'the running search');
    text = await waitLive(/Top [2-9] /, 'two trials in the table');
    expect(text).toMatch(/nasfpn_space · random/);

    tmux('send-keys', '-t', 'live', 'p');
    text = await waitLive(/PROPOSALS PAUSED/, 'the search paused');
    // While paused, the trial that was running finishes and no other starts.
    text = await waitLive(/Running 0 /, 'the running trial finishing');
    const done = Number(/(\d+)\/8 trials/.exec(text)![1]);
    expect(done).toBeLessThan(8);

    tmux('send-keys', '-t', 'live', 'q');
    text = await waitLive(/exit=\d+/, 'the search exiting');
    expect(text).toContain('exit=0');
    expect(text).toMatch(new RegExp(`stopped: ${done}/8 trials.*`));
    expect(text.replace(/\n/g, '')).toContain(`nasfpn search --resume ${runDir}`);
    tmux('kill-session', '-t', 'live');

    // Resume: the rest of the budget, then q closes the finished dashboard.
    tmux('new-session', '-d', '-s', 'live', '-x', '120', '-y', '50', `${nasfpn} search --resume ${runDir}; echo "exit=$?"; sleep 60`);
    text = await waitLive(/FINISHED/, 'the resumed search finishing');
    expect(text).toContain('8/8 trials');
    tmux('send-keys', '-t', 'live', 'q');
    text = await waitLive(/exit=\d+/, 'the search exiting');
    expect(text).toContain('exit=0');
    expect(text).toMatch(/finished: 8\/8 trials/);
    const statuses = readdirSync(join(runDir, 'trials')).map((f) => JSON.parse(readFileSync(join(runDir, 'trials', f), 'utf8')).status);
    expect(statuses).toEqual(Array(8).fill('finished'));
    tmux('kill-session', '-t', 'live');
  }, E2E_TIMEOUT_MS);
});

describeNeeding('tmux')('nasfpn search watch in a terminal', () => {
  it('fills in as the run goes on, answers keys, and q exits 0', async () => {
    const run = fakeRun(20, 5);
    const runDir = join(dir, 'run');
    writeRun(runDir, run);
    // Start with only the first three trials' events.
    let written = eventsThrough(run, 3);
    writeFileSync(join(runDir, 'events.jsonl'), run.events.slice(0, written).map((e) => JSON.stringify(e) + '\n').join(''));

    const command = `${nasfpn} search watch ${runDir}; echo "exit=$?"; sleep 60`;
    tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '50', command);

    let text = await waitFor('(watch)', 'the UI');
    text = await waitFor('3/20 trials', 'three trials done');
    expect(text).toMatch(/Top 3 /);
    expect(text).toMatch(/Unique 3 of 3 proposed/);

    // The run goes on: more trials finish, the table grows.
    const more = eventsThrough(run, 12);
    appendFileSync(join(runDir, 'events.jsonl'), run.events.slice(written, more).map((e) => JSON.stringify(e) + '\n').join(''));
    written = more;
    text = await waitFor('12/20 trials', 'twelve trials done');
    expect(text).toMatch(/Top 10 /);
    expect(text).toMatch(/Controller \(update 2\)/);
    expect(text).toMatch(/P3 s8 +●/);

    // Read-only: p explains itself; ? shows the keys; esc goes back.
    tmux('send-keys', '-t', session, 'p');
    await waitFor('read-only', 'the read-only note');
    tmux('send-keys', '-t', session, '?');
    await waitFor('export the current best architecture', 'the help');
    tmux('send-keys', '-t', session, 'Escape');
    await waitFor(/Top 10 /, 'the dashboard again');

    // Inspect the second-best trial.
    tmux('send-keys', '-t', session, 'Down');
    tmux('send-keys', '-t', session, 'Enter');
    await waitFor('Loss over the trial', 'the trial view');
    tmux('send-keys', '-t', session, 'Enter');
    await waitFor(/Top 10 /, 'the dashboard again');

    // The rest of the run, to the end.
    appendFileSync(join(runDir, 'events.jsonl'), run.events.slice(written).map((e) => JSON.stringify(e) + '\n').join(''));
    await waitFor('FINISHED', 'the end of the search');

    tmux('send-keys', '-t', session, 'q');
    text = await waitFor('exit=0', 'the command exiting 0');
    expect(text).not.toMatch(/Error|at .*\.js:\d+/);
  }, E2E_TIMEOUT_MS);
});
