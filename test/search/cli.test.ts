// `nasfpn search`, `search export` and the local worker pool end to end through the built CLI.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchEvent } from '../../src/search/events.js';
import { readTrials } from '../../src/search/store.js';
import { noDamage } from './helpers.js';
import { ensureBundle, nasfpn, Running } from './cli-helpers.js';

const SPACE = 'test/fixtures/search/small.fpn';
const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-search-cli-'));
beforeAll(ensureBundle, 120_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const ofType = <T extends SearchEvent['type']>(events: SearchEvent[], type: T) =>
  events.filter((e): e is Extract<SearchEvent, { type: T }> => e.type === type);

describe('nasfpn search', () => {
  it('resumes after SIGKILL: finished trials kept, running ones re-queued, the controller continues', async () => {
    const run = join(scratch, 'killed');
    const args = ['search', SPACE, '--trials', '16', '--workers', '2', '--reward', 'target:delay=250', '--strategy-option', 'batch=4', '--strategy-option', 'epochs=1', '--run', run];
    const first = new Running(args);
    await first.until((_, all) => ofType(all, 'controller.updated').length >= 2 && all.at(-1)!.type === 'trial.started');
    first.child.kill('SIGKILL');
    await first.exited;
    const before = readTrials(run, noDamage);
    const finishedBefore = before.filter((t) => t.status === 'finished');
    const interrupted = before.filter((t) => t.status === 'running' || t.status === 'queued');
    expect(interrupted.length).toBeGreaterThan(0);
    const lastStep = Math.max(...ofType(first.events, 'controller.updated').map((e) => e.step));

    const second = new Running(['search', '--resume', run]);
    expect(await second.exited).toBe(0);
    expect(second.events[0]).toMatchObject({ type: 'search.started', resumed: true, requeued: interrupted.length, done: finishedBefore.length });
    const requeued = ofType(second.events, 'trial.queued').filter((e) => e.requeued).map((e) => e.trial);
    expect(requeued.sort()).toEqual(interrupted.map((t) => t.id).sort());
    expect(ofType(second.events, 'controller.updated')[0].step).toBe(lastStep + 1);
    const after = readTrials(run, noDamage);
    expect(after.map((t) => t.id)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(after.every((t) => t.status === 'finished')).toBe(true);
    for (const t of finishedBefore) expect(after.find((x) => x.id === t.id)).toEqual(t);
    expect(second.events.at(-1)).toMatchObject({ type: 'search.finished', reason: 'budget', trials: 16 });
  });

  it('replaces a local worker killed mid-trial and runs its trial again', async () => {
    const run = join(scratch, 'crash');
    const search = new Running(['search', SPACE, '--strategy', 'random', '--trials', '6', '--workers', '2', '--reward', 'target:delay=1500', '--run', run]);
    const started = (await search.until((e) => e.type === 'trial.started' && e.worker === 'local-1')) as Extract<SearchEvent, { type: 'trial.started' }>;
    const joined = ofType(search.events, 'worker.joined').find((e) => e.worker === 'local-1')!;
    process.kill(joined.pid, 'SIGKILL');
    expect({ code: await search.exited, stderr: search.stderr }).toEqual({ code: 0, stderr: '' });
    expect(ofType(search.events, 'worker.left')).toContainEqual(expect.objectContaining({ worker: 'local-1', reason: 'crashed' }));
    expect(ofType(search.events, 'trial.failed')).toContainEqual(expect.objectContaining({ trial: started.trial, willRetry: true }));
    expect(ofType(search.events, 'worker.joined').filter((e) => e.worker === 'local-1').length).toBe(2);
    const trial = readTrials(run, noDamage).find((t) => t.id === started.trial)!;
    expect(trial).toMatchObject({ status: 'finished', attempts: 2 });
  });

  it('exports the best architectures as files that check, with the proxy detector around each', () => {
    const run = join(scratch, 'export');
    const searched = nasfpn('search', 'examples/search.fpn', '--strategy', 'evolution', '--trials', '12', '--workers', '0', '--run', run, '--quiet');
    expect(searched.stderr).toBe('');
    expect(searched.code).toBe(0);
    const out = join(scratch, 'best');
    const exported = nasfpn('search', 'export', run, '--top', '3', '-o', out);
    expect(exported.code).toBe(0);
    const files = ['top1.fpn', 'top2.fpn', 'top3.fpn'].map((f) => join(out, f));
    const checked = nasfpn('check', ...files);
    expect(checked.code).toBe(0);
    const top1 = readFileSync(files[0], 'utf8');
    expect(top1).toMatch(/^pyramid top1 \{/m);
    expect(top1).toMatch(/^detector top1_proxy_r10 \{\n {2}backbone resnet10\n {2}pyramid top1 x 3 @ 256/m);
    const rewards = exported.stdout.trim().split('\n').map((l) => Number(/reward (\S+)/.exec(l)![1]));
    expect(rewards).toEqual([...rewards].sort((a, b) => b - a));
  });

  it('says what is wrong with bad input (exit 1) and bad command lines (exit 2)', () => {
    expect(nasfpn('search', '--resume', join(scratch, 'nothing'))).toMatchObject({ code: 1, stderr: expect.stringMatching(/is not a search run/) });
    expect(nasfpn('search', SPACE, '--space', 'partial', '--run', join(scratch, 'p'))).toMatchObject({ code: 1, stderr: expect.stringMatching(/outputs 2 of its 3 input levels/) });
    expect(nasfpn('search', SPACE, '--strategy', 'greedy')).toMatchObject({ code: 2, stderr: expect.stringMatching(/--strategy must be one of ppo, random, evolution/) });
    expect(nasfpn('search', SPACE, '--reward', 'proxy9')).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown reward 'proxy9'/) });
    expect(nasfpn('search', SPACE, '--trials', '0')).toMatchObject({ code: 2 });
    expect(nasfpn('search', 'export', join(scratch, 'nothing'), '-o', join(scratch, 'x'))).toMatchObject({ code: 1 });
  });
});
