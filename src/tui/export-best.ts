// `e` in the dashboard: the current best architecture as a .fpn file, written as `nasfpn search export` writes
// it (the pyramid, and the space's proxy detector around it, so `nasfpn check`/`stats`/`build` take it as is).
import { resolve } from 'node:path';
import type { BestSoFar } from '../search/events.js';
import type { RewardSpec, TrialRecord } from '../search/records.js';
import type { SearchSpaceIR } from '../semantics/ir.js';
import { exportText } from '../search/export.js';
import { writeFileAtomic } from '../runtime/atomic.js';
import { readRunConfig, readTrial } from '../search/store.js';
import { searchSpaceOfConfig } from './architectures.js';

/** Writes `best-trial-N.fpn` into `dir` and returns its path; throws when the trial's record cannot be read. */
export function exportBestTrial(run: string, best: BestSoFar, dir: string): string {
  const record = readTrial(run, best.trial);
  if (!record) throw new Error(`cannot read trial ${best.trial}'s record in ${run}`);
  let config = null;
  try {
    config = readRunConfig(run);
  } catch {
    // No readable config: the pyramid alone is exported.
  }
  return exportTrialRecord(record, config ? searchSpaceOfConfig(config) : null, config?.reward ?? null, dir);
}

/** Writes `best-trial-N.fpn` for a trial record (with the space's proxy detector and recipe when they are known). */
export function exportTrialRecord(record: TrialRecord, space: SearchSpaceIR | null, reward: RewardSpec | null, dir: string): string {
  const path = resolve(dir, `best-trial-${record.id}.fpn`);
  writeFileAtomic(path, exportText(record, 1, { space, reward, dir: resolve(dir) }));
  return path;
}
