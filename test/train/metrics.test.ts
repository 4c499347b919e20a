// metrics.jsonl: a damaged line (on disk, or the half line a full disk leaves) is dropped with a warning naming
// it; the lines around it are kept; a resume cuts the log back to its checkpoint's step.
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect, test } from 'vitest';
import { clearFaults, injectFaults } from '../../src/runtime/fs.js';
import { appendMetrics, metricsFile, readMetrics, truncateMetrics, type MetricsRecord } from '../../src/train/metrics.js';

const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-metrics-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
afterEach(() => clearFaults());

/** A run folder, as the trainer's logger makes it. */
const runFolder = (name: string) => {
  mkdirSync(join(scratch, name));
  return join(scratch, name);
};

const record = (step: number): MetricsRecord => ({ kind: 'eval', step, metrics: { AP: step / 100 }, seconds: 1, time: 't' });

test('a damaged line in the middle is dropped with a warning naming it; a resume keeps the intact records up to its step', () => {
  const run = runFolder('a');
  for (const step of [1, 2]) appendMetrics(run, record(step));
  appendFileSync(metricsFile(run), '{"kind":"train","st\u0000ep":3}\n');
  for (const step of [4, 5]) appendMetrics(run, record(step));
  const warnings: string[] = [];
  expect(readMetrics(run, (w) => warnings.push(w)).map((r) => r.step)).toEqual([1, 2, 4, 5]);
  expect(warnings).toEqual([`${metricsFile(run)}:3: not a metrics record: dropped`]);
  truncateMetrics(run, 4, () => {});
  expect(readFileSync(metricsFile(run), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step)).toEqual([1, 2, 4]);
});

test('a disk that fills mid-line: the append fails with ENOSPC, the half line is dropped (with a warning) when read back', () => {
  const run = runFolder('b');
  appendMetrics(run, record(1));
  injectFaults([{ op: 'write', path: 'metrics.jsonl', fault: 'ENOSPC' }]);
  expect(() => appendMetrics(run, record(2))).toThrow(/ENOSPC/);
  clearFaults();
  const warnings: string[] = [];
  expect(readMetrics(run, (w) => warnings.push(w)).map((r) => r.step)).toEqual([1]);
  expect(warnings).toEqual([`${metricsFile(run)}:2: not a metrics record (cut short, as a kill leaves a last line): dropped`]);
  // Resuming rewrites the log whole: the half line is gone, the next record starts its own line.
  truncateMetrics(run, 1, () => {});
  appendMetrics(run, record(2));
  expect(readMetrics(run, () => { throw new Error('damaged'); }).map((r) => r.step)).toEqual([1, 2]);
});
