// A run killed with SIGKILL at a random moment and resumed, and a run stopped with SIGTERM and resumed, end
// with exactly the weights and optimizer slots of an uninterrupted run (wasm is deterministic). Real child
// processes: the driver (driver.ts) bundled with esbuild, as the CLI is.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { latestCheckpointDir, readCheckpoint } from '../../src/train/checkpoint.js';
import { tinyRecipeText } from './standins.js';

const scratch = mkdtempSync(join(tmpdir(), 'nasfpn-resume-'));
const bundleDir = join('node_modules', '.cache', `nasfpn-test-train-${process.pid}`);
const recipeFile = join(scratch, 'tiny.fpn');

beforeAll(async () => {
  await build({
    entryPoints: { driver: 'test/train/driver.ts' }, outdir: bundleDir, bundle: true, format: 'esm', platform: 'node', target: 'node20',
    external: JSON.parse(readFileSync('scripts/bundle-externals.json', 'utf8')) as string[], logLevel: 'warning',
    banner: { js: "import { createRequire as __nasfpnCreateRequire } from 'node:module'; const require = __nasfpnCreateRequire(import.meta.url);" },
  });
  writeFileSync(recipeFile, tinyRecipeText('  steps 5\n  lr 0.05 per 1\n  warmup 2 from 0.01\n  clip 5\n  checkpoint every 2 keep 2\n  log every 1'));
});
afterAll(() => {
  rmSync(bundleDir, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

interface Child {
  stdout: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs the driver; `interrupt` sees its output so far and may send it a signal. */
function drive(runDir: string, resume: boolean, interrupt?: (stdout: string, kill: (s: NodeJS.Signals) => void) => void): Promise<Child> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(bundleDir, 'driver.js'), recipeFile, runDir, ...(resume ? ['--resume'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (!sent && interrupt) interrupt(stdout, (s) => { sent = true; child.kill(s); });
    });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0 && signal === null) reject(new Error(`driver exited ${code}: ${stderr}`));
      else resolve({ stdout, code, signal });
    });
  });
}

const finalBytes = (runDir: string) => {
  const dir = latestCheckpointDir(runDir)!;
  return { step: readCheckpoint(dir).state.step, weights: readFileSync(join(dir, 'weights.bin')), slots: readFileSync(join(dir, 'slots.bin')) };
};

describe('kill and resume (child processes on wasm)', () => {
  test('SIGKILL mid-run, then SIGTERM, then resume: the same final weights as an uninterrupted run', async () => {
    const straightDir = join(scratch, 'straight');
    const straight = await drive(straightDir, false);
    expect(straight.stdout).toContain('finished 5');
    const expected = finalBytes(straightDir);
    expect(expected.step).toBe(5);

    const runDir = join(scratch, 'interrupted');
    // SIGKILL right after step 3 was printed: the checkpoint of step 2 survives, step 3 is lost.
    const killed = await drive(runDir, false, (out, kill) => { if (out.includes('step 3\n')) kill('SIGKILL'); });
    expect(killed.signal).toBe('SIGKILL');
    expect(readCheckpoint(latestCheckpointDir(runDir)!).state.step).toBe(2);
    // No checkpoint directory is ever half-written in place: every step-* folder is complete.
    for (const name of readdirSync(join(runDir, 'checkpoints')).filter((n) => n.startsWith('step-'))) {
      expect(existsSync(join(runDir, 'checkpoints', name, 'source.json')), name).toBe(true);
    }

    // Resume, and SIGTERM after the first step: it finishes that step, checkpoints and exits 0.
    const stopped = await drive(runDir, true, (out, kill) => { if (/step \d+\n/.test(out)) kill('SIGTERM'); });
    expect(stopped.stdout).toMatch(/^start 2\n/);
    expect(stopped.code, stopped.stdout).toBe(0);
    expect(stopped.stdout).toMatch(/stopped/);
    const stoppedAt = Number(/stopped (\d+)/.exec(stopped.stdout)?.[1]);
    expect(stoppedAt).toBeGreaterThanOrEqual(3);
    expect(readCheckpoint(latestCheckpointDir(runDir)!).state.step).toBe(stoppedAt);

    const resumed = await drive(runDir, true);
    expect(resumed.stdout).toMatch(new RegExp(`^start ${stoppedAt}\\n`));
    expect(resumed.stdout).toContain('finished 5');
    const actual = finalBytes(runDir);
    expect(actual.step).toBe(5);
    expect(actual.weights.equals(expected.weights)).toBe(true);
    expect(actual.slots.equals(expected.slots)).toBe(true);
    // metrics.jsonl has each step once, in order, even though steps 3.. ran twice.
    const steps = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step);
    expect(steps).toEqual([1, 2, 3, 4, 5]);
  }, 240_000); // four child processes, each starting wasm and compiling its kernels on a shared 2-core machine
});
