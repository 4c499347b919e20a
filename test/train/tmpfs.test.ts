// The full disk for real: `nasfpn train` into a small tmpfs that fills while the second checkpoint is written.
// It must end with exit 74 and say what is safe, keep the first checkpoint byte for byte, and resume once there
// is space. Mounting needs root (CI runs as root); elsewhere the test is skipped and says why.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { countModel } from '../../src/codegen/count.js';
import { lowerDetector } from '../../src/codegen/lower.js';
import { checkText } from '../../src/semantics/program.js';
import { ensureBundle, expectNoStackTrace, nasfpnWith } from '../helpers/cli.js';
import { fileDigests } from '../helpers/files.js';
import { tinyRecipeText } from './standins.js';

const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-tmpfs-'));
const disk = join(scratch, 'disk');
/** A tmpfs far larger than the tiny run needs; a filler file then leaves room for one and a half checkpoints. */
const DISK_SIZE = '96m';

/** Mounts the tmpfs; returns why it cannot be done here, or null when it is mounted. */
function mountDisk(): string | null {
  if (process.platform !== 'linux') return `tmpfs is Linux's (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root (CI runs as root)';
  mkdirSync(disk);
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK_SIZE}`, 'tmpfs', disk], { encoding: 'utf8' });
  return mounted.status === 0 ? null : `mount -t tmpfs failed: ${(mounted.stderr || mounted.error?.message || '').trim()}`;
}

const cannotMount = mountDisk();
if (cannotMount) console.warn(`test/train/tmpfs.test.ts skipped: ${cannotMount}`);

afterAll(() => {
  if (!cannotMount) spawnSync('umount', [disk]);
  rmSync(scratch, { recursive: true, force: true });
});

const recipeText = tinyRecipeText('  steps 4\n  checkpoint every 2 keep 3\n  log every 1\n  eval every 0');
/** A checkpoint's bytes, near enough: every weight (weights.bin) and a momentum slot per trainable one (slots.bin), float32. */
function checkpointBytes(): number {
  const recipe = checkText(recipeText, 'tiny.fpn').program!.trains[0]!;
  const counts = countModel(lowerDetector(recipe.detector));
  return 4 * (counts.trainable + counts.nonTrainable) + 4 * counts.trainable;
}

describe.skipIf(cannotMount !== null)(`train on a real tmpfs that fills up${cannotMount ? ` (skipped: ${cannotMount})` : ''}`, () => {
  beforeAll(() => {
    ensureBundle();
    writeFileSync(join(scratch, 'tiny.fpn'), recipeText);
    const synth = nasfpnWith({}, 'data', 'synth', '-o', join(scratch, 'data'), '--images', '6', '--size', '32', '--classes', '2', '--val', '0.34');
    if (synth.code !== 0) throw new Error(synth.stderr);
  }, 120_000);

  test('ENOSPC on the second checkpoint: exit 74, the first intact; with space freed, --resume finishes', () => {
    const run = join(disk, 'run');
    const free = statfsSync(disk).bavail * statfsSync(disk).bsize;
    const filler = join(disk, 'filler');
    writeFileSync(filler, Buffer.alloc(Math.max(0, free - Math.round(1.5 * checkpointBytes()))));
    const failed = nasfpnWith({}, 'train', join(scratch, 'tiny.fpn'), '-o', run, '--data', join(scratch, 'data'));
    expect(failed.code, failed.stderr).toBe(74);
    expect(failed.stderr).toMatch(/cannot write checkpoint step-00000004 into .*: no space left on device \(ENOSPC\)\. Nothing earlier was lost: checkpoint step-00000002/);
    expect(failed.stderr).toContain(`then continue with \`nasfpn train --resume ${run}\``);
    expectNoStackTrace(failed);
    expect(readdirSync(join(run, 'checkpoints'))).toEqual(['step-00000002']);
    const kept = fileDigests(join(run, 'checkpoints', 'step-00000002'));

    rmSync(filler);
    const resumed = nasfpnWith({}, 'train', '--resume', run);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('finished 4 steps');
    expect(readdirSync(join(run, 'checkpoints'))).toEqual(['step-00000002', 'step-00000004']);
    expect(fileDigests(join(run, 'checkpoints', 'step-00000002'))).toEqual(kept);
  });
});
