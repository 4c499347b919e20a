// RUN/metrics.jsonl, a training run's log: one JSON object a line, appended as training goes (each logging
// interval's means, each evaluation's numbers). This module owns the format: the trainer appends through it,
// a resumed run cuts it back to its checkpoint, and `nasfpn plot` reads it. A line that is not a record (cut
// short by a kill, damaged on disk) is dropped with a warning naming it; the lines around it stay.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../runtime/atomic.js';
import { appendFile, readText } from '../runtime/fs.js';

export const METRICS_FILE = 'metrics.jsonl';

/** One line of metrics.jsonl: a training interval's means, or an evaluation's numbers. */
export type MetricsRecord =
  | {
      kind: 'train'; step: number; epoch: number; lr: number; loss: number; parts: Record<string, number>;
      gradientNorm: number; imagesPerSecond: number; secondsPerStep: number; time: string;
    }
  | { kind: 'eval'; step: number; metrics: Record<string, number>; seconds: number; time: string };

/** The path of a run's metrics log. */
export const metricsFile = (runDir: string): string => join(runDir, METRICS_FILE);

/** Appends one record. */
export function appendMetrics(runDir: string, record: MetricsRecord): void {
  appendFile(metricsFile(runDir), JSON.stringify(record) + '\n');
}

/** Each record of the log in order; each line that is not one goes to `warn` (file:line: what) and is dropped. */
export function readMetrics(runDir: string, warn: (message: string) => void): MetricsRecord[] {
  const file = metricsFile(runDir);
  if (!existsSync(file)) return [];
  const lines = readText(file).split('\n');
  const records: MetricsRecord[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const record = parseRecord(line);
    if (record) records.push(record);
    else warn(`${file}:${i + 1}: not a metrics record${i === lines.length - 1 ? ' (cut short, as a kill leaves a last line)' : ''}: dropped`);
  });
  return records;
}

/** Keeps only the records of steps up to `step` (a resumed run redoes the steps after its checkpoint). */
export function truncateMetrics(runDir: string, step: number, warn: (message: string) => void): void {
  const file = metricsFile(runDir);
  if (!existsSync(file)) return;
  const kept = readMetrics(runDir, warn).filter((record) => record.step <= step);
  writeFileAtomic(file, kept.map((record) => JSON.stringify(record) + '\n').join(''));
}

function parseRecord(line: string): MetricsRecord | null {
  try {
    const value = JSON.parse(line) as Partial<MetricsRecord> | null;
    if (value && (value.kind === 'train' || value.kind === 'eval') && Number.isFinite(value.step)) return value as MetricsRecord;
  } catch {
    // not JSON
  }
  return null;
}
