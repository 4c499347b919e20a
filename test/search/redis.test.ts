// The BullMQ queue against a real redis-server (started here on a free localhost port, with append-only
// persistence, and stopped afterwards): a worker killed mid-trial, and Redis restarted mid-run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SearchEvent } from '../../src/search/events.js';
import { RunStore } from '../../src/search/store.js';
import { ensureBundle, Running } from './cli-helpers.js';

const SPACE = 'test/fixtures/search/small.fpn';
const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-search-redis-'));
const started: Running[] = [];
const servers: number[] = [];

beforeAll(ensureBundle, 120_000);
afterEach(() => {
  for (const r of started.splice(0)) r.child.kill('SIGKILL');
  for (const port of servers.splice(0)) spawnSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave']);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** redis-server as /work/shared/stack.md starts it, with the append-only file on so jobs survive a restart. */
function startRedis(port: number, dir: string): void {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', dir,
    '--daemonize', 'yes', '--pidfile', join(dir, 'redis.pid'), '--logfile', join(dir, 'redis.log')];
  const run = spawnSync('redis-server', args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`redis-server failed: ${run.stderr}`);
  for (let i = 0; i < 100; i++) {
    if (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG') return;
    spawnSync('sleep', ['0.05']);
  }
  throw new Error('redis-server did not answer');
}

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

describe('search on a Redis queue', () => {
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
    const trial = RunStore.open(dir).trials().find((t) => t.id === first.trial)!;
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
    const trials = RunStore.open(dir).trials();
    expect(trials.length).toBe(6);
    expect(trials.every((t) => t.status === 'finished')).toBe(true);
  });
});
