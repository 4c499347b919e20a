// The BullMQ queue against a real redis-server (started here on a free localhost port, with append-only
// persistence, and stopped afterwards): a worker killed mid-trial, and Redis restarted mid-run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SearchEvent } from '../../src/search/events.js';
import { readEvents, readTrials } from '../../src/search/store.js';
import { noDamage } from './helpers.js';
import { ensureBundle, nasfpn, Running } from './cli-helpers.js';
import { freePort, startRedis, stopRedis } from './redis-helpers.js';
import { describeNeeding } from '../helpers/system-programs.js';

const SPACE = 'test/fixtures/search/small.fpn';
const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-search-redis-'));
const started: Running[] = [];
const servers: number[] = [];

beforeAll(ensureBundle, 120_000);
afterEach(() => {
  for (const r of started.splice(0)) r.child.kill('SIGKILL');
  for (const port of servers.splice(0)) stopRedis(port);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(args: string[]): Running {
  const r = new Running(args);
  started.push(r);
  return r;
}

const ofType = <T extends SearchEvent['type']>(events: SearchEvent[], type: T) =>
  events.filter((e): e is Extract<SearchEvent, { type: T }> => e.type === type);

async function redisOn(): Promise<{ port: number; url: string; dir: string }> {
  const port = await freePort();
  const dir = mkdtempSync(join(scratch, 'redis-'));
  startRedis(port, dir);
  servers.push(port);
  return { port, url: `redis://127.0.0.1:${port}`, dir };
}

describeNeeding('redis-server')('search on a Redis queue', () => {
  it('a trial whose worker is killed mid-trial completes on another worker', async () => {
    const { url } = await redisOn();
    const workers = [0, 1].map(() => run(['worker', '--queue', url, '--lock-ms', '1000']));
    const dir = join(scratch, 'killed-worker');
    const search = run(['search', SPACE, '--strategy', 'random', '--trials', '3', '--queue', url, '--parallel', '2', '--reward', 'target:delay=2000', '--run', dir]);
    await search.until((_, all) => new Set(ofType(all, 'worker.joined').map((e) => e.worker)).size === 2);
    const first = (await search.until((e) => e.type === 'trial.started')) as Extract<SearchEvent, { type: 'trial.started' }>;
    const victim = workers.find((w) => first.worker.endsWith(`:${w.child.pid}`))!;
    victim.child.kill('SIGKILL');
    expect(await search.exited).toBe(0);
    expect(ofType(search.events, 'trial.failed')).toContainEqual(expect.objectContaining({ trial: first.trial, willRetry: true }));
    const trial = readTrials(dir, noDamage).find((t) => t.id === first.trial)!;
    expect(trial.status).toBe('finished');
    expect(trial.worker).not.toBe(first.worker);
    expect(ofType(search.events, 'worker.left')).toContainEqual(expect.objectContaining({ worker: first.worker }));
    expect(search.events.at(-1)).toMatchObject({ type: 'search.finished', reason: 'budget', trials: 3 });
  });

  it('pauses while Redis restarts and finishes the run after it is back', async () => {
    const { port, url, dir: redisDir } = await redisOn();
    run(['worker', '--queue', url, '--lock-ms', '1000']);
    const dir = join(scratch, 'restart');
    const search = run(['search', SPACE, '--strategy', 'random', '--trials', '6', '--queue', url, '--parallel', '1', '--reward', 'target:delay=300', '--run', dir]);
    await search.until((_, all) => ofType(all, 'trial.finished').length >= 2);
    spawnSync('redis-cli', ['-p', String(port), 'shutdown']); // saves the append-only file
    await search.until((e) => e.type === 'search.paused');
    startRedis(port, redisDir);
    expect(await search.exited).toBe(0);
    expect(ofType(search.events, 'search.resumed').length).toBeGreaterThan(0);
    const trials = readTrials(dir, noDamage);
    expect(trials.length).toBe(6);
    expect(trials.every((t) => t.status === 'finished')).toBe(true);
  });

  it('search watch redis://… follows the search from its queue (JSON lines off a terminal) until it ends', async () => {
    const { url } = await redisOn();
    // A queue of its own name (--queue-name reaches watch although `search` itself takes the option too).
    const watcher = run(['search', 'watch', url, '--queue-name', 'watched']);
    run(['worker', '--queue', url, '--queue-name', 'watched', '--lock-ms', '1000']);
    const dir = join(scratch, 'watched');
    const search = run(['search', SPACE, '--strategy', 'random', '--trials', '4', '--queue', url, '--queue-name', 'watched', '--parallel', '2', '--reward', 'target:delay=300', '--run', dir]);
    expect(await search.exited).toBe(0);
    expect(await watcher.exited).toBe(0);
    expect(watcher.stderr).toMatch(/no search has started on queue watched at redis:\/\/127\.0\.0\.1:\d+ yet; waiting for one/);
    // Every event of the run directory but the thinned progress reports, in the same order.
    const all = readEvents(dir);
    const notProgress = (events: SearchEvent[]) => events.filter((e) => e.type !== 'trial.progress');
    expect(notProgress(watcher.events)).toEqual(notProgress(all));
    const progress = (events: SearchEvent[]) => events.filter((e) => e.type === 'trial.progress').map((e) => JSON.stringify(e));
    expect(progress(all)).toEqual(expect.arrayContaining(progress(watcher.events)));
    expect(watcher.events.at(-1)).toMatchObject({ type: 'search.finished', reason: 'budget', trials: 4 });
  });
});

describe('search watch without a Redis', () => {
  it('search watch: an unreachable Redis is bad input (exit 1); a run and --queue together are a usage error (exit 2)', async () => {
    const port = await freePort();
    const down = nasfpn('search', 'watch', `redis://127.0.0.1:${port}`);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(new RegExp(`^nasfpn: cannot reach Redis at redis://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
    const both = nasfpn('search', 'watch', scratch, '--queue', `redis://127.0.0.1:${port}`);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^nasfpn: give the run directory or --queue URL, not both\n/);
  });
});
