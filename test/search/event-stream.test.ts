// A search's events through Redis (src/search/event-stream.ts) against a real redis-server started here: the
// fixture run published and followed back whole (events, trial records, config), the dashboard drawn from the
// stream equal to the one drawn from the run directory, and a publisher that outlives a Redis outage.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createElement } from 'react';
import { cleanup, render } from 'ink-testing-library';
import { afterAll, afterEach, expect, it } from 'vitest';
import {
  eventsKey, followRedisEvents, latestKey, PROGRESS_PUBLISH_MS, RedisEventPublisher, runIdOf, type FollowOptions,
} from '../../src/search/event-stream.js';
import type { SearchEvent } from '../../src/search/events.js';
import type { RunConfig, TrialRecord } from '../../src/search/records.js';
import { SearchApp } from '../../src/tui/app.js';
import { readEvents, readRunConfig, readTrial } from '../../src/search/store.js';
import { pyramidOf } from '../../src/tui/architectures.js';
import { ThrottledStore } from '../../src/tui/store.js';
import { freePort, startRedis, stopRedis } from './redis-helpers.js';
import { describeNeeding } from '../helpers/system-programs.js';

const RUN = 'test/fixtures/tui/run-40';
const EVENTS = readEvents(RUN);
const CONFIG = readRunConfig(RUN);
const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-event-stream-'));
const servers: number[] = [];

afterEach(() => {
  cleanup();
  for (const port of servers.splice(0)) stopRedis(port);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function redisOn(port?: number): Promise<{ port: number; url: string }> {
  port ??= await freePort();
  startRedis(port, mkdtempSync(join(scratch, 'redis-')));
  servers.push(port);
  return { port, url: `redis://127.0.0.1:${port}` };
}

function publisher(url: string, queueName: string, runId = runIdOf(RUN, CONFIG)) {
  return new RedisEventPublisher({ url, queueName, runId, config: CONFIG, trialRecord: (id) => readTrial(RUN, id) });
}

async function followAll(options: FollowOptions): Promise<SearchEvent[]> {
  const events: SearchEvent[] = [];
  for await (const event of followRedisEvents({ untilFinished: true, ...options })) events.push(event);
  return events;
}

describeNeeding('redis-server')('the Redis event stream', () => {
  it('a watcher replays the run whole: every event in order, the trial records and the config', async () => {
    const { url } = await redisOn();
    const published = publisher(url, 'q1');
    await published.start();
    for (const event of EVENTS) published.listener(event);
    await published.close();
    expect(published.pending).toBe(0);

    const records = new Map<number, TrialRecord>();
    let config: RunConfig | null = null;
    let runId: string | null = null;
    const seen = await followAll({
      url, queueName: 'q1', onTrial: (r) => records.set(r.id, r), onConfig: (c) => (config = c), onRun: (id) => (runId = id),
    });
    // The fixture's progress reports are 5 s apart (of event time), more than PROGRESS_PUBLISH_MS: none is thinned.
    expect(PROGRESS_PUBLISH_MS).toBeLessThan(5000);
    expect(seen).toEqual(EVENTS);
    expect(runId).toBe(runIdOf(RUN, CONFIG));
    expect(runId).toMatch(/^run-40\.[0-9a-f]{10}$/);
    expect(config).toEqual(CONFIG);
    const queued = new Set(EVENTS.flatMap((e) => (e.type === 'trial.queued' ? [e.trial] : [])));
    expect([...records.keys()].sort((a, b) => a - b)).toEqual([...queued].sort((a, b) => a - b));
    for (const [id, record] of records) expect(record).toEqual(readTrial(RUN, id));

    // The keys the docs name.
    const { Redis } = await import('ioredis');
    const redis = new Redis(url);
    expect(await redis.get(latestKey('q1'))).toBe(runId);
    expect(await redis.xlen(eventsKey('q1', runId!))).toBe(EVENTS.length);
    redis.disconnect();
  });

  it('thins progress to one per trial per second of event time, keeping a trial\'s last report', async () => {
    const { url } = await redisOn();
    const published = publisher(url, 'q2');
    await published.start();
    const at = (ms: number) => new Date(Date.UTC(2026, 0, 5, 10) + ms).toISOString();
    const start: SearchEvent = { ...(EVENTS[0] as Extract<SearchEvent, { type: 'search.started' }>), time: at(0) };
    const progress = (ms: number, fraction: number): SearchEvent =>
      ({ type: 'trial.progress', time: at(ms), trial: 1, worker: 'w', fraction, metrics: {} });
    const finished: SearchEvent = { type: 'search.finished', time: at(3000), reason: 'budget', trials: 1, unique: 1, failed: 0, best: null };
    const sent = [start, progress(0, 0.1), progress(400, 0.2), progress(999, 0.3), progress(1000, 0.4), progress(1200, 1), finished];
    for (const event of sent) published.listener(event);
    await published.close();
    const seen = await followAll({ url, queueName: 'q2' });
    expect(seen).toEqual([sent[0], sent[1], sent[4], sent[5], sent[6]]);
  });

  it('the dashboard drawn from the stream equals the one drawn from the run directory (architecture grid included)', async () => {
    const { url } = await redisOn();
    const published = publisher(url, 'q3');
    await published.start();
    for (const event of EVENTS) published.listener(event);
    await published.close();
    const records = new Map<number, TrialRecord>();
    const streamed = await followAll({ url, queueName: 'q3', onTrial: (r) => records.set(r.id, r) });

    const frame = async (events: SearchEvent[], loadTrial: (id: number) => TrialRecord | null): Promise<string> => {
      const store = new ThrottledStore(undefined, 1_000_000);
      const app = render(createElement(SearchApp, {
        store, controls: null, loadTrial, parsePyramid: (fpn: string) => pyramidOf(fpn), exportBest: async () => '', onExit: () => {},
      }));
      for (const e of events) store.push(e);
      store.flush();
      await new Promise((r) => setTimeout(r, 100));
      const shown = app.lastFrame() ?? '';
      app.unmount();
      return shown;
    };
    const fromDir = await frame(EVENTS, (id) => readTrial(RUN, id));
    const fromRedis = await frame(streamed, (id) => records.get(id) ?? null);
    expect(fromDir).toContain('FINISHED');
    expect(fromDir).toContain('Best architecture: trial');
    expect(fromDir).not.toContain('not readable');
    expect(fromRedis).toBe(fromDir);
  });

  it('events published while Redis is down go out in order, once, when it is back', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const published = publisher(url, 'q4');
    await published.start();
    const half = EVENTS.length >> 1;
    for (const event of EVENTS.slice(0, half)) published.listener(event);
    await new Promise((r) => setTimeout(r, 300));
    expect(published.pending).toBe(half);
    await redisOn(port);
    for (const event of EVENTS.slice(half)) published.listener(event);
    for (let i = 0; i < 100 && published.pending > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(published.pending).toBe(0);
    await published.close();
    expect(await followAll({ url, queueName: 'q4' })).toEqual(EVENTS);
  });

  it('a resumed run (another publisher, same run id) continues the same stream', async () => {
    const { url } = await redisOn();
    const half = EVENTS.findIndex((e) => e.type === 'trial.finished' && e.trial === 20);
    for (const part of [EVENTS.slice(0, half), EVENTS.slice(half)]) {
      const published = publisher(url, 'q5');
      await published.start();
      for (const event of part) published.listener(event);
      await published.close();
    }
    expect(await followAll({ url, queueName: 'q5' })).toEqual(EVENTS);
  });

  it('a watcher started before the search waits for it, then follows it live', async () => {
    const { url } = await redisOn();
    let waited = 0;
    const following = followAll({ url, queueName: 'q6', onWaiting: () => waited++ });
    await new Promise((r) => setTimeout(r, 400));
    const published = publisher(url, 'q6');
    await published.start();
    for (const [i, event] of EVENTS.entries()) {
      published.listener(event);
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 20));
    }
    await published.close();
    expect(await following).toEqual(EVENTS);
    expect(waited).toBe(1);
  });
});
